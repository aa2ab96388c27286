//! The walk's rare cases, off its fast path: the later instructions of a fused group (whose
//! code is the group's, and which get side entries after the code) and the instructions met
//! while registers are stale (see `extend`).

use asm::Label;
use isa::decode::Position;
use isa::DecodedKind;

use super::{extend, reg_templates, table, templates, Compiler};
use crate::jit::SideEntry;

/// A later instruction of a fused group, for its side entry.
pub(super) struct Tail {
    /// Its code offset.
    pc: u32,
    /// For the group's last instruction, the end of the group's code, where its side entry
    /// continues; `None` for the others, whose side entries run on into the next one's.
    end: Option<Label>,
}

impl Compiler<'_> {
    /// Emits the instruction at `p` (recorded already): the number of instructions after it
    /// fused with it, or [`extend::STALE`]. (The walk's fast path has its own copy.)
    #[inline(never)]
    fn emit_one(&mut self, p: Position) -> u32 {
        if p.kind != DecodedKind::Valid {
            self.trap(p.pc);
            return 0;
        }
        let chunk = self.view.operand_chunk(p.pc);
        if templates::emit_mem(self, p.opcode, chunk, p.len - 1)
            || reg_templates::emit_reg(
                self,
                p.opcode,
                chunk,
                p.len - 1,
                self.view.position_at(p.next_pc()).opcode,
            )
        {
            return 0;
        }
        table::HANDLERS[p.opcode.index()](self, p.pc, p.len - 1, chunk)
    }

    /// The walk's rare cases at `p`, where the last instruction left `pending`: a later
    /// instruction of the fused group whose code was just emitted (`pending` of them are
    /// left, this one included), recorded; or, with registers stale ([`extend::STALE`]), the
    /// instruction settled ([`Self::settle`]) and emitted. What is pending after it.
    #[inline(never)]
    pub(super) fn unusual(&mut self, p: Position, pending: u32) -> u32 {
        if pending == extend::STALE {
            self.settle(p);
            let after = self.emit_one(p);
            // (A fused group starts with no register stale and leaves none.)
            debug_assert!(after == 0 || after == extend::STALE || self.stale == 0);
            return if self.stale != 0 { extend::STALE } else { after };
        }
        debug_assert!(p.kind == DecodedKind::Valid && !p.ends_block() && self.stale == 0);
        self.fused_member(p.pc, pending == 1);
        pending - 1
    }

    /// Records the instruction at `pc`, a later one of the fused group whose code was just
    /// emitted (`last`: its last), and it for its side entry. The last one's continues after the
    /// group (here: no code is emitted while the walk passes them).
    fn fused_member(&mut self, pc: u32, last: bool) {
        self.insts.push((self.asm.offset(), pc));
        let end = last.then(|| {
            let end = self.asm.new_label();
            self.asm.bind(end);
            end
        });
        self.fused.push(Tail { pc, end });
    }

    /// Emits, after all blocks, a side entry for each later instruction of a fused group: the
    /// instruction compiled alone, running on into the next one's side entry or jumping to the
    /// end of the group's code. A fresh start at that instruction begins there, and so does a
    /// retry of a fused load that faulted.
    pub(super) fn emit_side_entries(&mut self) -> Vec<SideEntry> {
        let fused = core::mem::take(&mut self.fused);
        let mut side = Vec::with_capacity(fused.len());
        for Tail { pc, end } in fused {
            let start = self.asm.offset();
            let decoded = self.view.decode(pc);
            debug_assert_eq!(decoded.kind, DecodedKind::Valid);
            debug_assert!(!decoded.ends_block());
            self.instruction(pc, decoded.next_pc(), decoded.inst);
            // (The side entries of a group are emitted one after the other, in code order.)
            if let Some(end) = end {
                self.asm.jmp(end);
            }
            side.push(SideEntry { pc, start, end: self.asm.offset() });
        }
        side
    }
}
