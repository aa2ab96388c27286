//! PVM assembly text: a disassembler and an assembler that round-trip byte for byte.
//!
//! [`disassemble`] turns a whole [`ProgramBlob`](crate::blob::ProgramBlob) into text and
//! [`assemble`] turns that text back into an equal blob: same code bytes, same bitmask,
//! same jump table, data, imports, exports and opaque sections. [`disassemble_code`] and
//! [`assemble_code`] do the same for a bare [`CodeBlob`](crate::blob::CodeBlob) (the JAM
//! `deblob` format). The same syntax is meant for programs written by hand. The full
//! description, with examples, is `docs/assembly.md`; this is the summary.
//!
//! # Lines
//!
//! One statement per line; `;` starts a comment. A line may start with labels:
//! `name:` defines a named label at the current code offset, `@N:` asserts that the
//! current code offset is `N` (the disassembler writes one before every basic block and
//! every referenced offset, so positions are checked when the text is assembled). Then comes
//! an instruction, a directive (a word starting with `.`), or nothing.
//!
//! # Instructions
//!
//! `mnemonic op, op, ...` with the mnemonic of [`Opcode::name`](crate::Opcode::name) and the
//! operands in a fixed order per [`Format`](crate::Format):
//!
//! | format | operands | example |
//! |---|---|---|
//! | argless | — | `trap` |
//! | imm | imm | `ecalli 0` |
//! | reg_imm64 | reg, imm64 | `load_imm64 a0, 0x123456789` |
//! | imm_imm | address, value | `store_imm_u32 0x20000, -1` |
//! | offset | target | `jump @40` |
//! | reg_imm | reg, imm | `load_imm a0, 5`, `jump_indirect ra, 0` |
//! | reg_imm_imm | base, offset, value | `store_imm_indirect_u8 sp, 8, 255` |
//! | reg_imm_offset | reg, imm, target | `branch_eq_imm a0, 3, @loop` |
//! | reg_reg | dst, src | `move_reg s0, a0` |
//! | reg_reg_imm | reg1, reg2, imm | `add_imm_32 sp, sp, -8`, `store_indirect_u32 ra, sp, 4` |
//! | reg_reg_offset | reg1, reg2, target | `branch_eq a0, a1, @12` |
//! | reg_reg_imm_imm | reg1, reg2, imm1, imm2 | `load_imm_and_jump_indirect ra, a0, 4, 0` |
//! | reg_reg_reg | dst, src1, src2 | `add_32 s0, a1, a0` |
//!
//! In `reg_reg_imm`, `reg1` is the low nibble of the register byte (the destination, or the
//! stored value of `store_indirect_*`) and `reg2` the high nibble (the source or base).
//!
//! * Registers: ABI names `ra sp t0 t1 t2 s0 s1 a0..a5`, or `r0..r12`.
//! * Immediates are 32-bit patterns that the instruction sign-extends. The disassembler writes
//!   them as signed decimal when their magnitude is below `0x10000` and as signed hex
//!   otherwise (`-8`, `0x20000`, `-0x10000`); the assembler accepts decimal, `0x` hex and
//!   `0b` binary, with an optional sign, anywhere in `-2^31 ..= 2^32-1` (`load_imm64`:
//!   `-2^63 ..= 2^64-1`). `_` may separate digits.
//! * Targets: `@N` (an absolute code offset, as the disassembler writes them), `@+N` / `@-N`
//!   (relative to the instruction's own offset), or `@name` (a label).
//! * Width suffix: an immediate or target may be followed by `:N` (0..=4) to force an
//!   `N`-byte encoding instead of the shortest (`load_imm a0, 5:4`).
//!
//! # Directives
//!
//! | directive | meaning |
//! |---|---|
//! | `.isa NAME` | instruction set: `gp072`, `revive`, `latest32`, `latest64`, `jamv1` (required) |
//! | `.version N` | `.polkavm` version byte, when it is not the instruction set's own |
//! | `.ro_data_size N`, `.rw_data_size N`, `.stack_size N` | memory configuration |
//! | `.ro_data "hex"`, `.rw_data "hex"` | initial data; repeated lines append |
//! | `.import "symbol"` | next import; the n-th is called by `ecalli n` |
//! | `.export "symbol" @target` | an entry point |
//! | `.section ID "hex"`, `.section_data "hex"` | an opaque optional section (id 128..=255); `.section_data` appends |
//! | `.jump_table @t @t ...` | jump-table entries; repeated lines append |
//! | `.jump_table_entry_size N` | encoded entry width, when not the smallest that fits |
//! | `.bitmask "hex"` | the exact bitmask, when it is not the one the instruction starts imply |
//! | `.raw B B ...` | bytes that start an instruction (bitmask bit on the first byte only) |
//! | `.pad B B ...` | bytes with no bitmask bit: padding after an instruction, or an unmarked gap |
//!
//! Only `.isa`, `.jump_table`, `.jump_table_entry_size`, `.bitmask`, `.raw` and `.pad` are
//! allowed in a bare code blob. Symbol strings use `\\`, `\"`, `\n`, `\t`, `\r`, `\0` and
//! `\xNN` escapes.
//!
//! # Exactness
//!
//! The encoder picks the shortest immediates. When the original bytes differ, the
//! disassembler says so: a longer immediate gets a width suffix, bytes the decoder ignores
//! after an instruction become a `.pad` line, and bytes that no instruction text can
//! reproduce (ignored register bits set, a `load_imm64` or three-register instruction whose
//! operand bytes run into the next instruction, invalid opcodes) become a `.raw` line with
//! the decoded instruction in a comment. Positions without a bitmask bit become `.pad`.
//!
//! # Example
//!
//! ```
//! use gannet_isa::text::{assemble, disassemble};
//!
//! let blob = assemble(
//!     r#"
//!     .isa jamv1
//!     .stack_size 4096
//!     .import "log"
//!     .export "main" @main
//!     main:   load_imm a0, 10
//!             fallthrough               ; a branch target must start a basic block
//!     loop:   add_imm_64 a0, a0, -1
//!             branch_not_eq_imm a0, 0, @loop
//!             ecalli 0                  ; log
//!             jump_indirect ra, 0
//!     "#,
//! )
//! .unwrap();
//! assert_eq!(blob.code.code.len(), 13);
//!
//! let text = disassemble(&blob);
//! assert!(text.contains("\n@4:\n    add_imm_64 a0, a0, -1\n    branch_not_eq_imm a0, 0, @4\n"));
//! assert_eq!(assemble(&text).unwrap(), blob);
//! ```
//!
//! Errors carry positions, and one run reports all of them:
//!
//! ```
//! let errors = gannet_isa::text::assemble(".isa jamv1\nload_imm a0\njump @nowhere").unwrap_err();
//! assert_eq!(
//!     errors.to_string(),
//!     "2:12: `load_imm` takes 2 operand(s), found 1\n3:6: undefined label `nowhere`"
//! );
//! ```

mod asm;
mod builder;
mod disasm;
mod error;
mod inst;
mod layout;
mod lex;
#[cfg(test)]
mod proptests;
mod syntax;
#[cfg(test)]
mod tests;

pub use asm::{assemble, assemble_code};
pub use builder::{BuiltCode, CodeBuilder, Label};
pub use disasm::{
    canonical_entry_size, disassemble, disassemble_code, disassemble_code_with, disassemble_with,
};
pub use error::{AsmError, AsmErrorKind, AsmErrors, MAX_ERRORS};
pub use inst::{format_instruction, parse_instruction};

/// What the disassembler adds as comments. The default adds nothing; every option keeps
/// the output assemblable.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct DisasmOptions {
    /// Annotate each item with its code offset and each basic block with its gas cost
    /// (under [`CostModel::Naive`](crate::gas::CostModel::Naive)).
    pub show_offsets: bool,
    /// Annotate each item with its encoded bytes in hex.
    pub show_bytes: bool,
}
