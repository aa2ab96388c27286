//! The code as RISC-V instructions: decoding every code section, following control flow and
//! address references from the exports to find what is reachable, and collecting the
//! positions that need PVM block starts and jump-table entries.

use std::collections::{BTreeMap, BTreeSet};

use crate::elf::{
    Elf, Loc, Role, Target, R_BRANCH, R_CALL, R_CALL_PLT, R_GOT_HI20, R_HI20, R_JAL, R_PCREL_HI20,
    R_RVC_BRANCH, R_RVC_JUMP,
};
use crate::error::Diagnostic;
use crate::riscv::{decode, Inst};

/// One decoded instruction (or the reason it could not be decoded).
#[derive(Clone, Debug)]
pub struct Item {
    /// Where it is.
    pub loc: Loc,
    /// The instruction; `None` when it could not be decoded (an error only if reachable).
    pub inst: Option<Inst>,
    /// Bytes it occupies (for the host-call marker: the marker and its metadata slot).
    pub len: u64,
}

/// What control does after an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Continues with the next instruction.
    Next,
    /// Conditional branch: the target or the next instruction.
    Branch(Loc),
    /// Unconditional jump.
    Jump(Loc),
    /// Call: jumps to `target`; returns to `ret`.
    Call {
        /// Callee.
        target: Loc,
        /// Return site.
        ret: Loc,
    },
    /// Indirect call returning to `ret`.
    IndirectCall {
        /// Return site.
        ret: Loc,
    },
    /// Indirect jump or return.
    Indirect,
    /// Stops (trap).
    Stop,
}

/// The decoded code and its analysis.
#[derive(Debug, Default)]
pub struct Code {
    /// All instructions of all code sections, in position order.
    pub items: Vec<Item>,
    /// Item index by position.
    pub index: BTreeMap<Loc, usize>,
    /// Reachable items.
    pub reachable: Vec<bool>,
    /// Positions that start PVM blocks reached by a static transfer (branch, jump, call).
    pub targets: BTreeSet<Loc>,
    /// Positions whose address is taken (jump-table entries), in first-seen order.
    pub jump_table: Vec<Loc>,
    /// Return positions just past the end of a code section: the call before them is the
    /// section's last instruction, so its callee cannot return (`noreturn`). Each gets a
    /// jump-table entry on a `trap`, so a return there stops the program.
    pub dead_returns: BTreeSet<Loc>,
}

/// Decodes every code section.
pub fn decode_all(elf: &Elf) -> Code {
    let mut code = Code::default();
    let ptr = elf.ptr_size();
    for (sec, s) in elf.sections.iter().enumerate().filter(|(_, s)| s.role == Role::Code) {
        let mut offset = 0u64;
        while offset < s.data.len() as u64 {
            let loc = Loc { sec, offset };
            let (inst, mut len) = match decode(&s.data[offset as usize..], elf.xlen) {
                Ok(d) => (Some(d.inst), u64::from(d.len)),
                Err(_) => (None, 2),
            };
            if let Some(Inst::Custom0 { funct3: 0, .. }) = inst {
                len = 4 + ptr;
            }
            code.index.insert(loc, code.items.len());
            code.items.push(Item { loc, inst, len });
            offset += len;
        }
    }
    code.reachable = vec![false; code.items.len()];
    code
}

impl Code {
    /// Position right after item `i`.
    pub fn next_loc(&self, i: usize) -> Loc {
        let it = &self.items[i];
        Loc { sec: it.loc.sec, offset: it.loc.offset + it.len }
    }

    /// The static target of a jump or branch at item `i` with encoded `offset`.
    fn direct_target(&self, elf: &Elf, i: usize, offset: i32) -> Loc {
        let loc = self.items[i].loc;
        if let Some(r) = elf.reloc_at(loc) {
            if matches!(r.kind, R_JAL | R_BRANCH | R_RVC_BRANCH | R_RVC_JUMP) {
                if let Target::At(t) = r.target {
                    return t;
                }
            }
        }
        Loc { sec: loc.sec, offset: loc.offset.wrapping_add(offset as i64 as u64) }
    }

    /// Whether item `i` is an `auipc` that starts a call pair (`auipc` + `jalr`).
    pub fn call_pair(&self, elf: &Elf, i: usize) -> Option<Loc> {
        let Some(Inst::Auipc { rd, .. }) = self.items[i].inst else { return None };
        let r = elf.reloc_at(self.items[i].loc)?;
        if !matches!(r.kind, R_CALL | R_CALL_PLT) {
            return None;
        }
        let Some(Inst::Jalr { rs1, .. }) = self.items.get(i + 1)?.inst else { return None };
        let Target::At(target) = r.target else { return None };
        (rs1 == rd).then_some(target)
    }

    /// Control flow after item `i`.
    pub fn flow(&self, elf: &Elf, i: usize) -> Flow {
        let next = self.next_loc(i);
        match self.items[i].inst {
            None => Flow::Stop,
            Some(inst) => match inst {
                Inst::Jal { rd: 0, offset } => Flow::Jump(self.direct_target(elf, i, offset)),
                Inst::Jal { offset, .. } => {
                    Flow::Call { target: self.direct_target(elf, i, offset), ret: next }
                }
                Inst::Jalr { rd, .. } => {
                    let pair = i.checked_sub(1).and_then(|p| self.call_pair(elf, p));
                    match (pair, rd) {
                        (Some(target), 0) => Flow::Jump(target),
                        (Some(target), _) => Flow::Call { target, ret: next },
                        (None, 0) => Flow::Indirect,
                        (None, _) => Flow::IndirectCall { ret: next },
                    }
                }
                Inst::Branch { offset, .. } => Flow::Branch(self.direct_target(elf, i, offset)),
                Inst::Ebreak | Inst::Unimp | Inst::Ecall => Flow::Stop,
                _ => Flow::Next,
            },
        }
    }

    /// The code position whose address item `i` materialises (`auipc`/`lui` with a relocation
    /// to code), if any.
    pub fn code_ref(&self, elf: &Elf, i: usize) -> Option<Loc> {
        if !matches!(self.items[i].inst, Some(Inst::Auipc { .. } | Inst::Lui { .. })) {
            return None;
        }
        let r = elf.reloc_at(self.items[i].loc)?;
        match (r.kind, r.target) {
            (R_PCREL_HI20 | R_GOT_HI20 | R_HI20, Target::At(t)) if elf.sections[t.sec].role == Role::Code => {
                Some(t)
            }
            _ => None,
        }
    }

    /// Marks everything reachable from `roots` and collects block targets and jump-table
    /// entries. `data_refs` are code positions referenced from data (always kept). Reports
    /// transfers to positions that are not instruction starts.
    pub fn analyse(&mut self, elf: &Elf, roots: &[Loc], data_refs: &[Loc], diags: &mut Vec<Diagnostic>) {
        let mut work: Vec<Loc> = Vec::new();
        let mut taken = BTreeSet::new();
        for &loc in data_refs {
            if taken.insert(loc) {
                self.jump_table.push(loc);
            }
            work.push(loc);
        }
        for &loc in roots {
            self.targets.insert(loc);
            work.push(loc);
        }
        while let Some(start) = work.pop() {
            let Some(&first) = self.index.get(&start) else {
                diags.push(elf.diag(start, "control reaches a position that is not an instruction start"));
                continue;
            };
            let mut i = first;
            loop {
                if self.reachable[i] {
                    break;
                }
                self.reachable[i] = true;
                if let Some(t) = self.code_ref(elf, i) {
                    if taken.insert(t) {
                        self.jump_table.push(t);
                    }
                    work.push(t);
                }
                let flow = self.flow(elf, i);
                let mut add_target = |t: Loc, work: &mut Vec<Loc>| {
                    self.targets.insert(t);
                    work.push(t);
                };
                let falls = match flow {
                    Flow::Next => true,
                    Flow::Branch(t) => {
                        add_target(t, &mut work);
                        true
                    }
                    Flow::Jump(t) => {
                        add_target(t, &mut work);
                        false
                    }
                    Flow::Call { target, ret } => {
                        add_target(target, &mut work);
                        self.return_site(elf, ret, &mut taken, &mut work);
                        false
                    }
                    Flow::IndirectCall { ret } => {
                        self.return_site(elf, ret, &mut taken, &mut work);
                        false
                    }
                    Flow::Indirect | Flow::Stop => false,
                };
                if !falls {
                    break;
                }
                match self.items.get(i + 1) {
                    Some(n) if n.loc == self.next_loc(i) => i += 1,
                    _ => break,
                }
            }
        }
    }
}

impl Code {
    /// Records the return position of a call: a jump-table entry, and more code to follow
    /// from there, unless it lies exactly at the end of its section (a call to a `noreturn`
    /// function as the section's last instruction), which becomes a dead return.
    fn return_site(&mut self, elf: &Elf, ret: Loc, taken: &mut BTreeSet<Loc>, work: &mut Vec<Loc>) {
        if taken.insert(ret) {
            self.jump_table.push(ret);
        }
        let at_end = elf.sections.get(ret.sec).is_some_and(|s| ret.offset == s.data.len() as u64);
        if at_end && !self.index.contains_key(&ret) {
            self.dead_returns.insert(ret);
        } else {
            work.push(ret);
        }
    }
}
