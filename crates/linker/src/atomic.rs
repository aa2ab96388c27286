//! Lowering the A extension. PVM runs one thread, so `lr`/`sc` become a plain load and a
//! store that always succeeds, and an AMO becomes load, operate, store. AMOs need two scratch
//! registers; they are borrowed from registers the instruction does not name and saved just
//! below the stack pointer for its duration.

use isa::{Instruction, Opcode, Reg};

use crate::alu::{load_imm, rr, rri, rrr};
use crate::riscv::AtomicOp;

fn load(wide: bool, d: Reg, base: Reg) -> Instruction {
    rri(if wide { Opcode::LoadIndirectU64 } else { Opcode::LoadIndirectI32 }, d, base, 0)
}

fn store(wide: bool, s: Reg, base: Reg) -> Instruction {
    rri(if wide { Opcode::StoreIndirectU64 } else { Opcode::StoreIndirectU32 }, s, base, 0)
}

/// Lowers one atomic instruction (`None` registers are `x0`).
pub fn lower(
    op: AtomicOp,
    wide: bool,
    rd: Option<Reg>,
    addr: Option<Reg>,
    src: Option<Reg>,
) -> Result<Vec<Instruction>, String> {
    let addr = addr.ok_or("atomic access through x0")?;
    match op {
        AtomicOp::Lr => Ok(rd.map(|d| vec![load(wide, d, addr)]).unwrap_or_default()),
        AtomicOp::Sc => {
            let mut out = vec![match src {
                Some(s) => store(wide, s, addr),
                None => {
                    let opcode = if wide { Opcode::StoreImmIndirectU64 } else { Opcode::StoreImmIndirectU32 };
                    Instruction { opcode, operands: isa::Operands::RegImmImm { reg: addr, imm1: 0, imm2: 0 } }
                }
            }];
            if let Some(d) = rd {
                out.push(load_imm(d, 0));
            }
            Ok(out)
        }
        _ => Ok(amo(op, wide, rd, addr, src)),
    }
}

fn amo(op: AtomicOp, wide: bool, rd: Option<Reg>, addr: Reg, src: Option<Reg>) -> Vec<Instruction> {
    let busy = |r: Reg| Some(r) == rd || r == addr || Some(r) == src || r == Reg::SP;
    let mut free = Reg::ALL.iter().copied().filter(|&r| !busy(r));
    // At most four registers are busy out of thirteen, so two are always free.
    let (old, new) = (free.next().unwrap_or(Reg::T0), free.next().unwrap_or(Reg::T1));
    let mut out = vec![
        rri(Opcode::StoreIndirectU64, old, Reg::SP, (-8i64) as u64),
        rri(Opcode::StoreIndirectU64, new, Reg::SP, (-16i64) as u64),
        load(wide, old, addr),
    ];
    // `new` = the operand (x0 reads as zero), sign-extended for 32-bit comparisons.
    match src {
        Some(s) if wide => out.push(rr(Opcode::MoveReg, new, s)),
        Some(s) => out.push(rri(Opcode::AddImm32, new, s, 0)),
        None => out.push(load_imm(new, 0)),
    }
    let combine = match op {
        AtomicOp::Swap => None,
        AtomicOp::Add => Some(Opcode::Add64),
        AtomicOp::Xor => Some(Opcode::Xor),
        AtomicOp::And => Some(Opcode::And),
        AtomicOp::Or => Some(Opcode::Or),
        AtomicOp::Min => Some(Opcode::Minimum),
        AtomicOp::Max => Some(Opcode::Maximum),
        AtomicOp::MinU => Some(Opcode::MinimumUnsigned),
        AtomicOp::MaxU => Some(Opcode::MaximumUnsigned),
        AtomicOp::Lr | AtomicOp::Sc => None,
    };
    if let Some(c) = combine {
        out.push(rrr(c, new, old, new));
    }
    out.push(store(wide, new, addr));
    if let Some(d) = rd {
        out.push(rr(Opcode::MoveReg, d, old));
    }
    out.push(rri(Opcode::LoadIndirectU64, new, Reg::SP, (-16i64) as u64));
    out.push(rri(Opcode::LoadIndirectU64, old, Reg::SP, (-8i64) as u64));
    out
}
