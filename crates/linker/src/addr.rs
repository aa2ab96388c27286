//! Lowering address materialisation: `auipc`/`lui` with their `%lo` partners. PVM code has no
//! program counter to add to, so every `auipc` becomes the absolute (relinked) address, and
//! its partners use offset 0 from it; adjacent pairs fuse into one instruction.

use isa::{Instruction, Opcode, Reg};

use crate::alu::{load_imm, sext32};
use crate::elf::{
    Loc, Target, R_GOT_HI20, R_HI20, R_LO12_I, R_LO12_S, R_PCREL_HI20, R_PCREL_LO12_I, R_PCREL_LO12_S,
};
use crate::lower::{reg, Lowering};
use crate::riscv::{Inst, LoadKind, RegImmKind};

/// Instructions produced for one item, with optional static targets, and items consumed.
pub type Lowered = (Vec<(Instruction, Option<Loc>)>, usize);

fn lo12(x: u64) -> u64 {
    ((x & 0xfff) ^ 0x800).wrapping_sub(0x800)
}

fn hi20(x: u64) -> u64 {
    x.wrapping_sub(lo12(x)) as u32 as i32 as i64 as u64
}

fn absolute_load(kind: LoadKind) -> Opcode {
    match kind {
        LoadKind::I8 => Opcode::LoadI8,
        LoadKind::U8 => Opcode::LoadU8,
        LoadKind::I16 => Opcode::LoadI16,
        LoadKind::U16 => Opcode::LoadU16,
        LoadKind::I32 => Opcode::LoadI32,
        LoadKind::U32 => Opcode::LoadU32,
        LoadKind::U64 => Opcode::LoadU64,
    }
}

impl Lowering<'_> {
    /// The `auipc` item whose `%pcrel_hi` relocation kind a `%pcrel_lo` item `i` refers to.
    fn pcrel_pair(&self, i: usize) -> Option<(usize, u32)> {
        let r = self.elf.reloc_at(self.code.items[i].loc)?;
        if !matches!(r.kind, R_PCREL_LO12_I | R_PCREL_LO12_S) {
            return None;
        }
        let Target::At(hi) = r.target else { return None };
        let &j = self.code.index.get(&hi)?;
        let kind = self.elf.reloc_at(hi)?.kind;
        Some((j, kind))
    }

    /// Whether item `i` loads an address out of the GOT (`%pcrel_lo` of a `%got_pcrel_hi`).
    pub(crate) fn got_partner(&self, i: usize) -> Option<usize> {
        self.pcrel_pair(i).filter(|&(_, kind)| kind == R_GOT_HI20).map(|(j, _)| j)
    }

    /// Base and offset of a memory access or `addi` at item `i` after relinking.
    pub(crate) fn partner(
        &self,
        i: usize,
        base: Option<Reg>,
        offset: i32,
    ) -> Result<(Option<Reg>, u64), String> {
        let loc = self.code.items[i].loc;
        match self.elf.reloc_at(loc) {
            Some(r) if matches!(r.kind, R_PCREL_LO12_I | R_PCREL_LO12_S) => match self.pcrel_pair(i) {
                Some((_, R_PCREL_HI20 | R_GOT_HI20)) => Ok((base, 0)),
                _ => Err("%pcrel_lo relocation without a matching %pcrel_hi".into()),
            },
            Some(r) if matches!(r.kind, R_LO12_I | R_LO12_S) => Ok((base, lo12(self.resolve(r.target)?))),
            _ => Ok((base, offset as i64 as u64)),
        }
    }

    /// Whether item `j` may fuse into the instruction before it (reachable, no block start).
    fn fusable(&self, j: usize) -> bool {
        j < self.code.items.len()
            && self.code.reachable[j]
            && !self.code.targets.contains(&self.code.items[j].loc)
            && !self.jump_addresses.contains_key(&self.code.items[j].loc)
            && self.code.items[j].loc == self.code.next_loc(j - 1)
    }

    /// Lowers `auipc`/`lui` at item `i`, fusing it with a partner that follows directly.
    pub(crate) fn address(&self, i: usize, rd: u8, inst: Inst) -> Result<Lowered, String> {
        let Some(d) = reg(rd)? else { return Ok((vec![], 1)) };
        let one = |x: Instruction| Ok((vec![(x, None)], 1));
        let two = |x: Instruction| Ok((vec![(x, None)], 2));
        let loc = self.code.items[i].loc;
        let next = self.code.items.get(i + 1).and_then(|n| n.inst).filter(|_| self.fusable(i + 1));
        let reloc = self.elf.reloc_at(loc).cloned();
        match (inst, reloc) {
            (Inst::Auipc { .. }, Some(r)) if matches!(r.kind, R_PCREL_HI20 | R_GOT_HI20) => {
                let value = self.resolve(r.target)?;
                let paired = next.is_some() && self.pcrel_pair(i + 1).map(|(j, _)| j) == Some(i);
                match next.filter(|_| paired) {
                    Some(Inst::RegImm { kind: RegImmKind::Add, rd: a, rs1: b, .. }) if a == rd && b == rd => {
                        two(load_imm(d, value))
                    }
                    Some(Inst::Load { rd: a, base: b, .. }) if a == rd && b == rd && r.kind == R_GOT_HI20 => {
                        two(load_imm(d, value))
                    }
                    Some(Inst::Load { kind, rd: a, base: b, .. }) if a == rd && b == rd => {
                        two(crate::alu::ri(absolute_load(kind), d, value))
                    }
                    _ => one(load_imm(d, value)),
                }
            }
            (Inst::Lui { .. }, Some(r)) if r.kind == R_HI20 => {
                let value = self.resolve(r.target)?;
                if let Some(Inst::RegImm { kind: RegImmKind::Add, rd: a, rs1: b, .. }) = next {
                    if let Some(lo) =
                        self.elf.reloc_at(self.code.items[i + 1].loc).filter(|p| p.kind == R_LO12_I)
                    {
                        if a == rd && b == rd {
                            let low = self.resolve(lo.target)?;
                            return two(load_imm(d, hi20(value).wrapping_add(lo12(low))));
                        }
                    }
                }
                one(load_imm(d, hi20(value)))
            }
            (Inst::Lui { imm, .. }, None) => {
                let value = imm as i64 as u64;
                let unrelocated =
                    self.elf.reloc_at(self.code.items.get(i + 1).map_or(loc, |n| n.loc)).is_none();
                match next.filter(|_| unrelocated) {
                    Some(Inst::RegImm { kind: RegImmKind::Add, rd: a, rs1: b, imm: k })
                        if a == rd && b == rd =>
                    {
                        two(load_imm(d, value.wrapping_add(k as i64 as u64)))
                    }
                    Some(Inst::RegImm { kind: RegImmKind::AddW, rd: a, rs1: b, imm: k })
                        if a == rd && b == rd =>
                    {
                        two(load_imm(d, sext32(value.wrapping_add(k as i64 as u64))))
                    }
                    _ => one(load_imm(d, value)),
                }
            }
            (Inst::Auipc { .. }, _) => {
                Err("auipc without a %pcrel_hi/%got_pcrel_hi/call relocation (link with --emit-relocs)"
                    .into())
            }
            (_, Some(r)) => Err(format!("unsupported relocation type {} on lui", r.kind)),
            _ => Err("internal: not an address instruction".into()),
        }
    }
}
