//! Lowering the reachable RISC-V instructions to PVM code, one instruction (or fused pair) at
//! a time, with block starts and labels where control arrives.

use std::collections::BTreeMap;

use isa::text::{CodeBuilder, Label};
use isa::{Instruction, Opcode, Operands, Reg};

use crate::alu::{load_imm, reg_imm, reg_reg, ri, rr, rri, unary};
use crate::code::{Code, Flow};
use crate::data::Data;
use crate::elf::{Elf, Loc, Role, Target};
use crate::error::Diagnostic;
use crate::meta::{metadata, pointer_at};
use crate::riscv::{BranchKind, Inst, LoadKind, RegImmKind, StoreKind};

/// Everything lowering needs.
pub struct Lowering<'a> {
    /// The input.
    pub elf: &'a Elf,
    /// The analysed code.
    pub code: &'a Code,
    /// Placed data.
    pub data: &'a Data,
    /// Jump-table address of each address-taken position.
    pub jump_addresses: &'a BTreeMap<Loc, u32>,
    /// Labels of block starts.
    pub labels: BTreeMap<Loc, Label>,
    /// Imports by symbol, in index order.
    pub imports: Vec<(Vec<u8>, Option<u32>)>,
    /// The output.
    pub out: CodeBuilder,
    /// RV32 input: emit the `Latest32` forms ([`crate::narrow`]).
    pub bits32: bool,
    /// Problems found.
    pub diags: Vec<Diagnostic>,
    /// When `Some`, collects a label at the start of every reachable item's code (for the
    /// debug sections' address map).
    pub positions: Option<Vec<(Loc, Label)>>,
}

/// The PVM register for RISC-V register `r` (`None` for `x0`).
pub(crate) fn reg(r: u8) -> Result<Option<Reg>, String> {
    Ok(Some(match r {
        0 => return Ok(None),
        1 => Reg::RA,
        2 => Reg::SP,
        5 => Reg::T0,
        6 => Reg::T1,
        7 => Reg::T2,
        8 => Reg::S0,
        9 => Reg::S1,
        10..=15 => Reg::ARGS[usize::from(r - 10)],
        _ => return Err(format!("unsupported register x{r} (PVM has the RV-E registers without gp and tp)")),
    }))
}

impl Lowering<'_> {
    /// New address of `target`: data positions move to their new sections, code positions
    /// become jump-table addresses.
    pub fn resolve(&self, target: Target) -> Result<u64, String> {
        resolve(self.elf, self.data, self.jump_addresses, target)
    }

    fn label(&mut self, loc: Loc) -> Label {
        if let Some(&l) = self.labels.get(&loc) {
            return l;
        }
        let l = self.out.label();
        self.labels.insert(loc, l);
        l
    }

    fn is_target(&self, loc: Loc) -> bool {
        self.code.targets.contains(&loc) || self.jump_addresses.contains_key(&loc)
    }

    /// Lowers every reachable instruction.
    pub fn run(&mut self) {
        let mut terminated = true;
        let mut i = 0;
        while i < self.code.items.len() {
            if !self.code.reachable[i] {
                i += 1;
                continue;
            }
            let loc = self.code.items[i].loc;
            let mut here = None;
            if self.is_target(loc) {
                if !terminated {
                    self.out.push(Instruction { opcode: Opcode::Fallthrough, operands: Operands::Argless });
                }
                let l = self.label(loc);
                self.out.bind(l);
                here = Some(l);
            }
            if self.positions.is_some() {
                let l = here.unwrap_or_else(|| {
                    let l = self.out.label();
                    self.out.bind(l);
                    l
                });
                if let Some(positions) = &mut self.positions {
                    positions.push((loc, l));
                }
            }
            let lowered = self.item(i).and_then(|(insts, consumed)| {
                if !self.bits32 {
                    return Ok((insts, consumed));
                }
                let narrowed = insts.into_iter().map(|(inst, t)| Ok((crate::narrow::to_32bit(inst)?, t)));
                Ok((narrowed.collect::<Result<Vec<_>, String>>()?, consumed))
            });
            let consumed = match lowered {
                Ok((insts, consumed)) => {
                    for (inst, target) in insts {
                        match target {
                            Some(t) => {
                                let l = self.label(t);
                                self.out.push_to(inst, l);
                            }
                            None => self.out.push(inst),
                        }
                        terminated = inst.opcode.is_terminator() || inst.opcode == Opcode::Trap;
                    }
                    consumed
                }
                Err(message) => {
                    self.diags.push(self.elf.diag(loc, message));
                    1
                }
            };
            // Falling off the end of a section (or into unreachable bytes): stop.
            let last = i + consumed - 1;
            let falls = matches!(self.code.flow(self.elf, last), Flow::Next | Flow::Branch(_));
            let next_ok = self.code.items.get(last + 1).is_some_and(|n| n.loc == self.code.next_loc(last));
            if falls && !next_ok && !terminated {
                self.out.push(Instruction { opcode: Opcode::Trap, operands: Operands::Argless });
                terminated = true;
            }
            let after = self.code.next_loc(last);
            if self.code.dead_returns.contains(&after) {
                if !terminated {
                    self.out.push(Instruction { opcode: Opcode::Fallthrough, operands: Operands::Argless });
                }
                let l = self.label(after);
                self.out.bind(l);
                self.out.push(Instruction { opcode: Opcode::Trap, operands: Operands::Argless });
                terminated = true;
            }
            i += consumed;
        }
    }

    /// The instructions for item `i` (and how many items they cover).
    #[allow(clippy::type_complexity)]
    fn item(&mut self, i: usize) -> Result<(Vec<(Instruction, Option<Loc>)>, usize), String> {
        let it = &self.code.items[i];
        let Some(inst) = it.inst else {
            return Err("unsupported or invalid instruction".into());
        };
        let plain = |v: Vec<Instruction>| v.into_iter().map(|x| (x, None)).collect::<Vec<_>>();
        let flow = self.code.flow(self.elf, i);
        let next = self.code.next_loc(i);
        match inst {
            Inst::Jal { rd, .. } => match flow {
                Flow::Jump(t) => Ok((vec![(jump(), Some(t))], 1)),
                Flow::Call { target, ret } => Ok((vec![(self.call(rd, ret)?, Some(target))], 1)),
                _ => Err("internal: jal without a target".into()),
            },
            Inst::Jalr { rd, rs1, offset } => match flow {
                Flow::Jump(t) => Ok((vec![(jump(), Some(t))], 1)),
                Flow::Call { target, ret } => Ok((vec![(self.call(rd, ret)?, Some(target))], 1)),
                _ => {
                    let base = reg(rs1)?.ok_or("indirect jump through x0")?;
                    let off = offset as i64 as u64;
                    let inst = match reg(rd)? {
                        None => ri(Opcode::JumpIndirect, base, off),
                        Some(d) => {
                            let ret = self.jump_address(next)?;
                            Instruction {
                                opcode: Opcode::LoadImmAndJumpIndirect,
                                operands: Operands::RegRegImmImm {
                                    a: d,
                                    b: base,
                                    imm1: ret,
                                    imm2: off as u32,
                                },
                            }
                        }
                    };
                    Ok((vec![(inst, None)], 1))
                }
            },
            Inst::Branch { kind, rs1, rs2, .. } => {
                let Flow::Branch(t) = flow else { return Err("internal: branch without a target".into()) };
                Ok((branch(kind, reg(rs1)?, reg(rs2)?).map(|b| vec![(b, Some(t))]).unwrap_or_default(), 1))
            }
            Inst::Auipc { .. } if self.code.call_pair(self.elf, i).is_some() => Ok((vec![], 1)),
            Inst::Auipc { rd, .. } | Inst::Lui { rd, .. } => self.address(i, rd, inst),
            Inst::Load { kind, rd, base, offset } => {
                let Some(d) = reg(rd)? else { return Ok((vec![], 1)) };
                let (base, off) = self.partner(i, reg(base)?, offset)?;
                if self.got_partner(i).is_some() {
                    let b = base.ok_or("GOT load through x0")?;
                    return Ok((plain(if b == d { vec![] } else { vec![rr(Opcode::MoveReg, d, b)] }), 1));
                }
                Ok((plain(vec![load(kind, d, base, off)]), 1))
            }
            Inst::Store { kind, base, src, offset } => {
                let (base, off) = self.partner(i, reg(base)?, offset)?;
                Ok((plain(vec![store(kind, base, reg(src)?, off)]), 1))
            }
            Inst::RegImm { kind, rd, rs1, imm } => {
                let Some(d) = reg(rd)? else { return Ok((vec![], 1)) };
                let s = reg(rs1)?;
                if kind == RegImmKind::Add {
                    let (s, off) = self.partner(i, s, imm)?;
                    return Ok((plain(reg_imm(kind, d, s, off as i64 as i32)), 1));
                }
                Ok((plain(reg_imm(kind, d, s, imm)), 1))
            }
            Inst::RegReg { kind, rd, rs1, rs2 } => {
                let Some(d) = reg(rd)? else { return Ok((vec![], 1)) };
                Ok((plain(reg_reg(kind, d, reg(rs1)?, reg(rs2)?)?), 1))
            }
            Inst::Unary { kind, rd, rs1 } => {
                let Some(d) = reg(rd)? else { return Ok((vec![], 1)) };
                Ok((plain(unary(kind, d, reg(rs1)?)?), 1))
            }
            Inst::Atomic { op, wide, rd, addr, src } => {
                Ok((plain(crate::atomic::lower(op, wide, reg(rd)?, reg(addr)?, reg(src)?)?), 1))
            }
            Inst::Fence => Ok((vec![], 1)),
            Inst::Ebreak | Inst::Unimp => Ok((plain(vec![argless(Opcode::Trap)]), 1)),
            Inst::Ecall => Err("ecall is not supported (call an imported function instead)".into()),
            Inst::Custom0 { funct3, rd, rs1, .. } => match funct3 {
                0 => {
                    let index = self.import(it.loc)?;
                    Ok((
                        plain(vec![Instruction {
                            opcode: Opcode::Ecalli,
                            operands: Operands::Imm { imm: index },
                        }]),
                        1,
                    ))
                }
                1 => {
                    let d = reg(rd)?.ok_or("sbrk into x0")?;
                    let s = reg(rs1)?.ok_or("sbrk of x0")?;
                    Ok((plain(vec![rr(Opcode::Sbrk, d, s)]), 1))
                }
                2 => Ok((plain(vec![argless(Opcode::Memset)]), 1)),
                3 => {
                    let d = reg(rd)?.ok_or("heap_base into x0")?;
                    let heap = self.data.rw_base() + u64::from(self.data.rw_size);
                    Ok((plain(vec![load_imm(d, heap)]), 1))
                }
                f => Err(format!("unknown custom-0 instruction (funct3 {f})")),
            },
        }
    }

    fn jump_address(&self, loc: Loc) -> Result<u32, String> {
        self.jump_addresses
            .get(&loc)
            .copied()
            .ok_or_else(|| "internal: return site without a jump-table entry".into())
    }

    fn call(&self, rd: u8, ret: Loc) -> Result<Instruction, String> {
        let d = reg(rd)?.ok_or("call with x0 as link register")?;
        let ret = self.jump_address(ret)?;
        Ok(Instruction {
            opcode: Opcode::LoadImmAndJump,
            operands: Operands::RegImmOffset { reg: d, imm: ret, target: 0 },
        })
    }

    fn import(&mut self, loc: Loc) -> Result<u32, String> {
        let at = Loc { sec: loc.sec, offset: loc.offset + 4 };
        let m = pointer_at(self.elf, at).and_then(|p| metadata(self.elf, p)).map_err(|d| d.message)?;
        if let Some(pos) = self.imports.iter().position(|(s, _)| *s == m.symbol) {
            return Ok(self.imports[pos].1.unwrap_or(pos as u32));
        }
        self.imports.push((m.symbol, m.index));
        Ok(m.index.unwrap_or(self.imports.len() as u32 - 1))
    }
}

fn argless(opcode: Opcode) -> Instruction {
    Instruction { opcode, operands: Operands::Argless }
}

fn jump() -> Instruction {
    Instruction { opcode: Opcode::Jump, operands: Operands::Offset { target: 0 } }
}

/// New address of `target` (see [`Lowering::resolve`]).
pub fn resolve(
    elf: &Elf,
    data: &Data,
    jump_addresses: &BTreeMap<Loc, u32>,
    target: Target,
) -> Result<u64, String> {
    match target {
        Target::Absolute(v) => Ok(v),
        Target::At(loc) => match elf.sections[loc.sec].role {
            Role::Code => jump_addresses.get(&loc).map(|&a| u64::from(a)).ok_or_else(|| {
                format!(
                    "code address {}+{:#x} is not an instruction start",
                    elf.sections[loc.sec].name, loc.offset
                )
            }),
            Role::RoData | Role::RwData | Role::Bss => data.base[loc.sec]
                .map(|b| b.wrapping_add(loc.offset))
                .ok_or_else(|| "internal: unplaced section".into()),
            _ => Err(format!("reference to section {} which is not loaded", elf.sections[loc.sec].name)),
        },
    }
}

/// A branch on `kind` with `x0` folded into immediate forms; `None` when it never branches.
fn branch(kind: BranchKind, a: Option<Reg>, b: Option<Reg>) -> Option<Instruction> {
    use BranchKind as K;
    use Opcode as O;
    let rr = |op: Opcode, x: Reg, y: Reg| Instruction {
        opcode: op,
        operands: Operands::RegRegOffset { a: x, b: y, target: 0 },
    };
    let ri = |op: Opcode, x: Reg| Instruction {
        opcode: op,
        operands: Operands::RegImmOffset { reg: x, imm: 0, target: 0 },
    };
    Some(match (kind, a, b) {
        (K::Eq, Some(x), Some(y)) => rr(O::BranchEq, x, y),
        (K::Ne, Some(x), Some(y)) => rr(O::BranchNotEq, x, y),
        (K::Lt, Some(x), Some(y)) => rr(O::BranchLessSigned, x, y),
        (K::Ge, Some(x), Some(y)) => rr(O::BranchGreaterOrEqualSigned, x, y),
        (K::Ltu, Some(x), Some(y)) => rr(O::BranchLessUnsigned, x, y),
        (K::Geu, Some(x), Some(y)) => rr(O::BranchGreaterOrEqualUnsigned, x, y),
        (K::Eq, Some(x), None) | (K::Eq, None, Some(x)) | (K::Geu, None, Some(x)) => ri(O::BranchEqImm, x),
        (K::Ne, Some(x), None) | (K::Ne, None, Some(x)) | (K::Ltu, None, Some(x)) => ri(O::BranchNotEqImm, x),
        (K::Lt, Some(x), None) => ri(O::BranchLessSignedImm, x),
        (K::Lt, None, Some(x)) => ri(O::BranchGreaterSignedImm, x),
        (K::Ge, Some(x), None) => ri(O::BranchGreaterOrEqualSignedImm, x),
        (K::Ge, None, Some(x)) => ri(O::BranchLessOrEqualSignedImm, x),
        (K::Eq | K::Ge | K::Geu, None, None) | (K::Geu, Some(_), None) => jump(),
        (K::Ne | K::Lt | K::Ltu, None, None) | (K::Ltu, Some(_), None) => return None,
    })
}

fn load(kind: LoadKind, d: Reg, base: Option<Reg>, off: u64) -> Instruction {
    use LoadKind as K;
    use Opcode as O;
    let (ind, abs) = match kind {
        K::I8 => (O::LoadIndirectI8, O::LoadI8),
        K::U8 => (O::LoadIndirectU8, O::LoadU8),
        K::I16 => (O::LoadIndirectI16, O::LoadI16),
        K::U16 => (O::LoadIndirectU16, O::LoadU16),
        K::I32 => (O::LoadIndirectI32, O::LoadI32),
        K::U32 => (O::LoadIndirectU32, O::LoadU32),
        K::U64 => (O::LoadIndirectU64, O::LoadU64),
    };
    match base {
        Some(b) => rri(ind, d, b, off),
        None => ri(abs, d, off),
    }
}

fn store(kind: StoreKind, base: Option<Reg>, src: Option<Reg>, off: u64) -> Instruction {
    use Opcode as O;
    use StoreKind as K;
    let (ind, abs, imm_ind, imm_abs) = match kind {
        K::U8 => (O::StoreIndirectU8, O::StoreU8, O::StoreImmIndirectU8, O::StoreImmU8),
        K::U16 => (O::StoreIndirectU16, O::StoreU16, O::StoreImmIndirectU16, O::StoreImmU16),
        K::U32 => (O::StoreIndirectU32, O::StoreU32, O::StoreImmIndirectU32, O::StoreImmU32),
        K::U64 => (O::StoreIndirectU64, O::StoreU64, O::StoreImmIndirectU64, O::StoreImmU64),
    };
    match (base, src) {
        (Some(b), Some(s)) => rri(ind, s, b, off),
        (None, Some(s)) => ri(abs, s, off),
        (Some(b), None) => Instruction {
            opcode: imm_ind,
            operands: Operands::RegImmImm { reg: b, imm1: off as u32, imm2: 0 },
        },
        (None, None) => {
            Instruction { opcode: imm_abs, operands: Operands::ImmImm { imm1: off as u32, imm2: 0 } }
        }
    }
}
