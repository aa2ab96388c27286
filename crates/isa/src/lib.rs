//! `gannet-isa`: the PVM instruction set.
//!
//! One instruction table ([`Opcode`]), per-variant opcode numberings ([`InstructionSet`]),
//! the decoder ([`CodeView`]), the encoder ([`encode()`]), pure operation semantics
//! ([`ops`]), gas cost data ([`gas`]) and the varint codec ([`varint`]).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod blob;
pub mod decode;
pub mod encode;
pub mod gas;
pub mod inst;
pub mod opcode;
pub mod ops;
pub mod reg;
pub mod text;
pub mod variant;
pub mod varint;

pub use decode::{CodeView, Instructions, MAX_SKIP};
pub use encode::{encode, encode_with, EncodeError, ImmWidths};
pub use inst::{sext, Decoded, DecodedKind, Instruction, Operands};
pub use opcode::{Format, Opcode, OPCODE_COUNT};
pub use reg::{Reg, REG_COUNT};
pub use variant::InstructionSet;
