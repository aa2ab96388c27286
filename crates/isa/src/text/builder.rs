//! Building code programmatically: instructions and labels in, laid-out code out.
//!
//! This is the assembler's layout engine without the text: a producer such as the ELF linker
//! pushes [`Instruction`]s, binds [`Label`]s where blocks start and names a label as the
//! target of a branch or jump. [`CodeBuilder::finish`] picks the shortest encoding of every
//! target offset (the same fixpoint as the text assembler), encodes the instructions and
//! builds the bitmask.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::error::{AsmErrors, Diagnostics};
use super::inst::{slots, values, ParsedInst, Slot, TargetRef};
use super::layout::{layout, Stmt};
use crate::inst::Instruction;
use crate::variant::InstructionSet;

/// A code position, defined by [`CodeBuilder::bind`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(u32);

/// Collects instructions and labels; see the module documentation.
#[derive(Debug)]
pub struct CodeBuilder {
    set: InstructionSet,
    stmts: Vec<Stmt>,
    labels: u32,
}

/// Code laid out by [`CodeBuilder::finish`].
#[derive(Debug)]
pub struct BuiltCode {
    /// The code bytes.
    pub code: Vec<u8>,
    /// The bitmask marking instruction starts.
    pub bitmask: Vec<u8>,
    offsets: BTreeMap<String, u32>,
}

impl BuiltCode {
    /// The code offset of a bound label (`None` for a label that was never bound).
    pub fn offset(&self, label: Label) -> Option<u32> {
        self.offsets.get(&name(label)).copied()
    }
}

fn name(label: Label) -> String {
    format!("L{}", label.0)
}

impl CodeBuilder {
    /// An empty builder for code of instruction set `set`.
    pub fn new(set: InstructionSet) -> CodeBuilder {
        CodeBuilder { set, stmts: Vec::new(), labels: 0 }
    }

    /// A fresh, not yet bound label.
    pub fn label(&mut self) -> Label {
        self.labels += 1;
        Label(self.labels - 1)
    }

    /// Defines `label` at the current position (binding one label twice is reported by
    /// [`CodeBuilder::finish`]).
    pub fn bind(&mut self, label: Label) {
        self.stmts.push(Stmt::Label { name: name(label), line: 0, col: 0 });
    }

    /// Appends `inst` as it is (a target operand, if any, is an absolute code offset).
    pub fn push(&mut self, inst: Instruction) {
        self.stmts.push(Stmt::Inst { p: parsed(inst, None), line: 0 });
    }

    /// Appends `inst` with its branch or jump target replaced by `target`. An instruction
    /// without a target operand is appended as it is.
    pub fn push_to(&mut self, inst: Instruction, target: Label) {
        self.stmts.push(Stmt::Inst { p: parsed(inst, Some(target)), line: 0 });
    }

    /// Number of instructions pushed so far.
    pub fn len(&self) -> usize {
        self.stmts.iter().filter(|s| matches!(s, Stmt::Inst { .. })).count()
    }

    /// Whether no instruction was pushed.
    pub fn is_empty(&self) -> bool {
        !self.stmts.iter().any(|s| matches!(s, Stmt::Inst { .. }))
    }

    /// Lays the code out. Errors name the problem (an undefined or duplicate label, an
    /// instruction outside the instruction set, code over 4 GiB); their line numbers are 0.
    pub fn finish(self) -> Result<BuiltCode, AsmErrors> {
        let mut diags = Diagnostics::default();
        let code = layout(self.set, &self.stmts, &mut diags);
        diags.finish(BuiltCode { code: code.code, bitmask: code.bitmask, offsets: code.labels })
    }
}

fn parsed(inst: Instruction, target: Option<Label>) -> ParsedInst {
    let vals = values(&inst.operands);
    let mut p = ParsedInst { inst, vals, target: None, target_slot: 0, widths: [None; 2], col: 0 };
    if let Some(label) = target {
        let found = slots(inst.opcode.format()).iter().enumerate().find_map(|(i, s)| match s {
            Slot::Target(k) => Some((i, *k)),
            _ => None,
        });
        if let Some((index, slot)) = found {
            p.target = Some((TargetRef::Label(name(label)), index, 0));
            p.target_slot = slot;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inst::Operands;
    use crate::{CodeView, Opcode, Reg};

    #[test]
    fn forward_and_backward_labels_resolve() {
        let mut b = CodeBuilder::new(InstructionSet::ReviveV1);
        let (top, end) = (b.label(), b.label());
        b.bind(top);
        b.push(Instruction {
            opcode: Opcode::AddImm64,
            operands: Operands::RegRegImm { a: Reg::A0, b: Reg::A0, imm: 1 },
        });
        b.push_to(
            Instruction {
                opcode: Opcode::BranchEqImm,
                operands: Operands::RegImmOffset { reg: Reg::A0, imm: 10, target: 0 },
            },
            end,
        );
        b.push_to(Instruction { opcode: Opcode::Jump, operands: Operands::Offset { target: 0 } }, top);
        b.bind(end);
        b.push(Instruction { opcode: Opcode::Trap, operands: Operands::Argless });
        assert_eq!(b.len(), 4);
        let built = b.finish().unwrap();
        let view = CodeView::new(InstructionSet::ReviveV1, &built.code, &built.bitmask);
        let insts: Vec<_> = view.instructions().collect();
        assert_eq!(insts.len(), 4);
        let end_at = built.offset(end).unwrap();
        assert_eq!(insts[3].pc, end_at);
        assert_eq!(insts[1].inst.operands, Operands::RegImmOffset { reg: Reg::A0, imm: 10, target: end_at });
        assert_eq!(insts[2].inst.operands, Operands::Offset { target: 0 });
    }

    #[test]
    fn unbound_label_is_an_error() {
        let mut b = CodeBuilder::new(InstructionSet::ReviveV1);
        let nowhere = b.label();
        b.push_to(Instruction { opcode: Opcode::Jump, operands: Operands::Offset { target: 0 } }, nowhere);
        assert!(b.finish().is_err());
    }
}
