//! Behavioural tests of the encoder: every emitter is run over many operand combinations, the
//! bytes are decoded with iced-x86, and the decoded instruction must consume exactly those bytes
//! and name the requested operation and operands.

mod alu;
mod arith;
mod buffer;
mod common;
mod control;
mod mov;
mod segment;
mod stream;
