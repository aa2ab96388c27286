//! `gannet-asm`: an x86-64 machine-code encoder for Gannet's single-pass recompiler.
//!
//! It knows nothing of RISC-V or PVM: it turns calls such as
//! [`Assembler::add_ri`] or [`Assembler::jcc`] into bytes, with [`Label`]s for branch targets and
//! rip-relative operands, patched by [`Assembler::resolve`].
//!
//! Every emitter writes its instruction straight into a slack window at the end of the code buffer
//! (optional prefixes, displacement and immediate sizes selected without branching on operand
//! values) and advances the length once, so emitting allocates nothing beyond amortised buffer
//! growth and costs a few nanoseconds per instruction. Operand sizes come from [`Size`]
//! (32/64-bit operations) and [`Width`] (8/16/32/64-bit memory accesses and extensions); memory
//! operands are [`Mem`] values, whose encoding (SIB for `rsp`/`r12`, a zero disp8 for `rbp`/`r13`,
//! disp8 versus disp32) is chosen automatically.
//!
//! ```
//! use gannet_asm::{Assembler, Cond, Mem, Reg, Size, Width};
//!
//! let mut asm = Assembler::new();
//! let done = asm.new_label();
//! asm.sub_mi(Size::S64, Mem::base(Reg::R15, -0x100), 3); // gas
//! asm.jcc(Cond::S, done);
//! asm.load(Width::W32, Reg::Rax, Mem::index(Reg::R15, Reg::Rcx, gannet_asm::Scale::S1, 0));
//! asm.bind(done);
//! asm.ret();
//! let code = asm.finalize().unwrap();
//! assert!(!code.is_empty());
//! ```
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

#[macro_use]
mod inst;
mod alu;
mod arith;
mod buffer;
mod control;
mod label;
mod mem;
mod mov;
mod reg;
mod template;

pub use alu::AluOp;
pub use arith::ShiftOp;
pub use buffer::Assembler;
pub use inst::MAX_INST_LEN;
pub use label::{AsmError, Label};
pub use mem::{Addr, Mem};
pub use reg::{Cond, Reg, Scale, Size, Width};
pub use template::{CodeTemplate, MemTemplate};
