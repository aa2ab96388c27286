//! Switch dispatch: one loop with a `match` over the op kind. Kept beside the threaded
//! dispatch so the two can be measured against each other (`Dispatch::Switch`).

use isa::ops::*;
use isa::sext;

use super::exec::{dynamic_target, fault_to_stop, i16v, i32v, i8v, memset, u16v, u32v, u64v, u8v, Cpu, Stop};
use super::ops::{bits32, sbrk_size, Kind, Op};
use super::program::Program;
use crate::memory::Memory;

/// Runs from `cpu.ip` until something stops execution.
pub(crate) fn run<const STEP: bool>(cpu: &mut Cpu, program: &Program, mem: &mut Memory) -> Stop {
    let ops: &[Op] = &program.ops;
    let pcs: &[u32] = &program.pcs;
    let mut ip = cpu.ip;
    let mut gas = cpu.gas;
    let regs = &mut cpu.regs;

    macro_rules! stop {
        ($stop:expr, $resume:expr) => {{
            let stop = $stop;
            cpu.gas = gas;
            cpu.pc = pcs[ip];
            cpu.ip = $resume;
            return stop;
        }};
    }
    // Enters the block whose `Gas` op is at `$target`, charging its cost inline (saves a
    // dispatch per block). Out of gas leaves the state at the block start.
    macro_rules! enter {
        ($target:expr) => {{
            let target: usize = $target;
            let cost = i64::from(ops[target].x);
            if gas < cost {
                ip = target;
                stop!(Stop::OutOfGas, ip);
            }
            gas -= cost;
            ip = target + 1;
        }};
    }
    macro_rules! branch {
        ($op:ident, $cond:expr) => {
            enter!(if $cond { $op.target(ip) } else { ip + 1 })
        };
    }
    macro_rules! djump {
        ($address:expr) => {
            match dynamic_target(program, $address) {
                Ok((target, _)) => enter!(target),
                Err(stop) => stop!(stop, ip),
            }
        };
    }
    macro_rules! fault {
        ($fault:expr) => {
            stop!(fault_to_stop($fault), ip)
        };
    }
    macro_rules! ld {
        ($n:literal, $addr:expr, $conv:expr) => {
            match mem.load::<$n>($addr) {
                Ok(bytes) => $conv(bytes),
                Err(f) => fault!(f),
            }
        };
    }
    macro_rules! st {
        ($addr:expr, $bytes:expr) => {
            if let Err(f) = mem.store($addr, $bytes) {
                fault!(f)
            }
        };
    }

    loop {
        debug_assert!(ip < ops.len());
        // SAFETY: `Program::compile` guarantees every op that can continue to `ip + 1` has a
        // successor (the last op never falls through), every static or jump-table target is a
        // `Gas` op followed by an instruction op, and `Instance::run` only enters at indices
        // from `Program::op_at`/`block_of`. So `ip` is always in bounds here.
        #[allow(unsafe_code)]
        let op = unsafe { *ops.get_unchecked(ip) };
        if STEP && op.kind != Kind::Gas && op.kind != Kind::Checkpoint {
            if !cpu.stepped {
                cpu.stepped = true;
                stop!(Stop::Step, ip);
            }
            cpu.stepped = false;
        }
        let (a, b, c) = (op.a as usize, op.b as usize, op.c as usize);
        let imm = sext(op.x);
        match op.kind {
            Kind::Gas => {
                let cost = i64::from(op.x);
                if gas < cost {
                    stop!(Stop::OutOfGas, ip);
                }
                gas -= cost;
                ip += 1;
                continue;
            }
            Kind::Trap => stop!(Stop::Panic, ip),
            Kind::LoadImmAndTrap => {
                regs[a] = imm;
                stop!(Stop::Panic, ip)
            }
            Kind::Checkpoint => {}
            Kind::Fallthrough => {
                enter!(ip + 1);
                continue;
            }
            Kind::Unlikely => {}
            Kind::Ecalli => stop!(Stop::HostCall(op.x), ip + 1),
            Kind::Memset => {
                if let Some(stop) = memset(&mut regs[..], mem, &mut gas) {
                    stop!(stop, ip);
                }
            }
            Kind::LoadImm64 => regs[a] = u64::from(op.x) | u64::from(op.y) << 32,
            Kind::StoreImmU8 => st!(op.x, [op.y as u8]),
            Kind::StoreImmU16 => st!(op.x, (op.y as u16).to_le_bytes()),
            Kind::StoreImmU32 => st!(op.x, op.y.to_le_bytes()),
            Kind::StoreImmU64 => st!(op.x, sext(op.y).to_le_bytes()),
            Kind::Jump => {
                enter!(op.target(ip));
                continue;
            }
            Kind::JumpIndirect => {
                djump!((regs[a] as u32).wrapping_add(op.x));
                continue;
            }
            Kind::LoadImm => regs[a] = imm,
            Kind::LoadU8 => regs[a] = ld!(1, op.x, u8v),
            Kind::LoadI8 => regs[a] = ld!(1, op.x, i8v),
            Kind::LoadU16 => regs[a] = ld!(2, op.x, u16v),
            Kind::LoadI16 => regs[a] = ld!(2, op.x, i16v),
            Kind::LoadU32 => regs[a] = ld!(4, op.x, u32v),
            Kind::LoadI32 => regs[a] = ld!(4, op.x, i32v),
            Kind::LoadU64 => regs[a] = ld!(8, op.x, u64v),
            Kind::StoreU8 => st!(op.x, [regs[a] as u8]),
            Kind::StoreU16 => st!(op.x, (regs[a] as u16).to_le_bytes()),
            Kind::StoreU32 => st!(op.x, (regs[a] as u32).to_le_bytes()),
            Kind::StoreU64 => st!(op.x, regs[a].to_le_bytes()),
            Kind::StoreImmIndirectU8 => st!((regs[a] as u32).wrapping_add(op.x), [op.y as u8]),
            Kind::StoreImmIndirectU16 => {
                st!((regs[a] as u32).wrapping_add(op.x), (op.y as u16).to_le_bytes())
            }
            Kind::StoreImmIndirectU32 => st!((regs[a] as u32).wrapping_add(op.x), op.y.to_le_bytes()),
            Kind::StoreImmIndirectU64 => st!((regs[a] as u32).wrapping_add(op.x), sext(op.y).to_le_bytes()),
            Kind::LoadImmAndJump => {
                regs[a] = imm;
                enter!(op.target(ip));
                continue;
            }
            Kind::BranchEqImm => {
                branch!(op, regs[a] == imm);
                continue;
            }
            Kind::BranchNotEqImm => {
                branch!(op, regs[a] != imm);
                continue;
            }
            Kind::BranchLessUnsignedImm => {
                branch!(op, regs[a] < imm);
                continue;
            }
            Kind::BranchLessOrEqualUnsignedImm => {
                branch!(op, regs[a] <= imm);
                continue;
            }
            Kind::BranchGreaterOrEqualUnsignedImm => {
                branch!(op, regs[a] >= imm);
                continue;
            }
            Kind::BranchGreaterUnsignedImm => {
                branch!(op, regs[a] > imm);
                continue;
            }
            Kind::BranchLessSignedImm => {
                branch!(op, (regs[a] as i64) < imm as i64);
                continue;
            }
            Kind::BranchLessOrEqualSignedImm => {
                branch!(op, (regs[a] as i64) <= imm as i64);
                continue;
            }
            Kind::BranchGreaterOrEqualSignedImm => {
                branch!(op, (regs[a] as i64) >= imm as i64);
                continue;
            }
            Kind::BranchGreaterSignedImm => {
                branch!(op, (regs[a] as i64) > imm as i64);
                continue;
            }
            Kind::MoveReg => regs[a] = regs[b],
            Kind::Sbrk => regs[a] = sext(mem.sbrk(sbrk_size(regs[b])).unwrap_or(0)),
            Kind::CountSetBits64 => regs[a] = u64::from(regs[b].count_ones()),
            Kind::CountSetBits32 => regs[a] = u64::from((regs[b] as u32).count_ones()),
            Kind::CountLeadingZeroBits64 => regs[a] = u64::from(regs[b].leading_zeros()),
            Kind::CountLeadingZeroBits32 => regs[a] = u64::from((regs[b] as u32).leading_zeros()),
            Kind::CountTrailingZeroBits64 => regs[a] = u64::from(regs[b].trailing_zeros()),
            Kind::CountTrailingZeroBits32 => regs[a] = u64::from((regs[b] as u32).trailing_zeros()),
            Kind::SignExtend8 => regs[a] = regs[b] as i8 as u64,
            Kind::SignExtend16 => regs[a] = regs[b] as i16 as u64,
            Kind::ZeroExtend16 => regs[a] = u64::from(regs[b] as u16),
            Kind::ReverseBytes => regs[a] = regs[b].swap_bytes(),
            Kind::StoreIndirectU8 => st!((regs[b] as u32).wrapping_add(op.x), [regs[a] as u8]),
            Kind::StoreIndirectU16 => {
                st!((regs[b] as u32).wrapping_add(op.x), (regs[a] as u16).to_le_bytes())
            }
            Kind::StoreIndirectU32 => {
                st!((regs[b] as u32).wrapping_add(op.x), (regs[a] as u32).to_le_bytes())
            }
            Kind::StoreIndirectU64 => st!((regs[b] as u32).wrapping_add(op.x), regs[a].to_le_bytes()),
            Kind::LoadIndirectU8 => regs[a] = ld!(1, (regs[b] as u32).wrapping_add(op.x), u8v),
            Kind::LoadIndirectI8 => regs[a] = ld!(1, (regs[b] as u32).wrapping_add(op.x), i8v),
            Kind::LoadIndirectU16 => regs[a] = ld!(2, (regs[b] as u32).wrapping_add(op.x), u16v),
            Kind::LoadIndirectI16 => regs[a] = ld!(2, (regs[b] as u32).wrapping_add(op.x), i16v),
            Kind::LoadIndirectU32 => regs[a] = ld!(4, (regs[b] as u32).wrapping_add(op.x), u32v),
            Kind::LoadIndirectI32 => regs[a] = ld!(4, (regs[b] as u32).wrapping_add(op.x), i32v),
            Kind::LoadIndirectU64 => regs[a] = ld!(8, (regs[b] as u32).wrapping_add(op.x), u64v),
            Kind::AddImm32 => regs[a] = add32(regs[b], imm),
            Kind::AndImm => regs[a] = regs[b] & imm,
            Kind::XorImm => regs[a] = regs[b] ^ imm,
            Kind::OrImm => regs[a] = regs[b] | imm,
            Kind::MulImm32 => regs[a] = mul32(regs[b], imm),
            Kind::SetLessThanUnsignedImm => regs[a] = u64::from(regs[b] < imm),
            Kind::SetLessThanSignedImm => regs[a] = u64::from((regs[b] as i64) < imm as i64),
            Kind::ShiftLogicalLeftImm32 => regs[a] = shl32(regs[b], imm),
            Kind::ShiftLogicalRightImm32 => regs[a] = shr32(regs[b], imm),
            Kind::ShiftArithmeticRightImm32 => regs[a] = sar32(regs[b], imm),
            Kind::NegateAndAddImm32 => regs[a] = sub32(imm, regs[b]),
            Kind::SetGreaterThanUnsignedImm => regs[a] = u64::from(regs[b] > imm),
            Kind::SetGreaterThanSignedImm => regs[a] = u64::from((regs[b] as i64) > imm as i64),
            Kind::ShiftLogicalLeftImmAlt32 => regs[a] = shl32(imm, regs[b]),
            Kind::ShiftLogicalRightImmAlt32 => regs[a] = shr32(imm, regs[b]),
            Kind::ShiftArithmeticRightImmAlt32 => regs[a] = sar32(imm, regs[b]),
            Kind::CmovIfZeroImm => {
                if regs[b] == 0 {
                    regs[a] = imm
                }
            }
            Kind::CmovIfNotZeroImm => {
                if regs[b] != 0 {
                    regs[a] = imm
                }
            }
            Kind::AddImm64 => regs[a] = regs[b].wrapping_add(imm),
            Kind::MulImm64 => regs[a] = regs[b].wrapping_mul(imm),
            Kind::ShiftLogicalLeftImm64 => regs[a] = regs[b] << (imm & 63),
            Kind::ShiftLogicalRightImm64 => regs[a] = regs[b] >> (imm & 63),
            Kind::ShiftArithmeticRightImm64 => regs[a] = ((regs[b] as i64) >> (imm & 63)) as u64,
            Kind::NegateAndAddImm64 => regs[a] = imm.wrapping_sub(regs[b]),
            Kind::ShiftLogicalLeftImmAlt64 => regs[a] = imm << (regs[b] & 63),
            Kind::ShiftLogicalRightImmAlt64 => regs[a] = imm >> (regs[b] & 63),
            Kind::ShiftArithmeticRightImmAlt64 => regs[a] = ((imm as i64) >> (regs[b] & 63)) as u64,
            Kind::RotateRightImm64 => regs[a] = regs[b].rotate_right((imm & 63) as u32),
            Kind::RotateRightImmAlt64 => regs[a] = imm.rotate_right((regs[b] & 63) as u32),
            Kind::RotateRightImm32 => regs[a] = rotr32(regs[b], imm),
            Kind::RotateRightImmAlt32 => regs[a] = rotr32(imm, regs[b]),
            Kind::BranchEq => {
                branch!(op, regs[a] == regs[b]);
                continue;
            }
            Kind::BranchNotEq => {
                branch!(op, regs[a] != regs[b]);
                continue;
            }
            Kind::BranchLessUnsigned => {
                branch!(op, regs[a] < regs[b]);
                continue;
            }
            Kind::BranchLessSigned => {
                branch!(op, (regs[a] as i64) < regs[b] as i64);
                continue;
            }
            Kind::BranchGreaterOrEqualUnsigned => {
                branch!(op, regs[a] >= regs[b]);
                continue;
            }
            Kind::BranchGreaterOrEqualSigned => {
                branch!(op, (regs[a] as i64) >= regs[b] as i64);
                continue;
            }
            Kind::LoadImmAndJumpIndirect => {
                let target = (regs[b] as u32).wrapping_add(op.z);
                regs[a] = imm;
                djump!(target);
                continue;
            }
            Kind::Add32 => regs[a] = add32(regs[b], regs[c]),
            Kind::Sub32 => regs[a] = sub32(regs[b], regs[c]),
            Kind::Mul32 => regs[a] = mul32(regs[b], regs[c]),
            Kind::DivUnsigned32 => regs[a] = div_u32(regs[b], regs[c]),
            Kind::DivSigned32 => regs[a] = div_s32(regs[b], regs[c]),
            Kind::RemUnsigned32 => regs[a] = rem_u32(regs[b], regs[c]),
            Kind::RemSigned32 => regs[a] = rem_s32(regs[b], regs[c]),
            Kind::ShiftLogicalLeft32 => regs[a] = shl32(regs[b], regs[c]),
            Kind::ShiftLogicalRight32 => regs[a] = shr32(regs[b], regs[c]),
            Kind::ShiftArithmeticRight32 => regs[a] = sar32(regs[b], regs[c]),
            Kind::Add64 => regs[a] = regs[b].wrapping_add(regs[c]),
            Kind::Sub64 => regs[a] = regs[b].wrapping_sub(regs[c]),
            Kind::Mul64 => regs[a] = regs[b].wrapping_mul(regs[c]),
            Kind::DivUnsigned64 => regs[a] = div_u64(regs[b], regs[c]),
            Kind::DivSigned64 => regs[a] = div_s64(regs[b], regs[c]),
            Kind::RemUnsigned64 => regs[a] = rem_u64(regs[b], regs[c]),
            Kind::RemSigned64 => regs[a] = rem_s64(regs[b], regs[c]),
            Kind::ShiftLogicalLeft64 => regs[a] = regs[b] << (regs[c] & 63),
            Kind::ShiftLogicalRight64 => regs[a] = regs[b] >> (regs[c] & 63),
            Kind::ShiftArithmeticRight64 => regs[a] = ((regs[b] as i64) >> (regs[c] & 63)) as u64,
            Kind::And => regs[a] = regs[b] & regs[c],
            Kind::Xor => regs[a] = regs[b] ^ regs[c],
            Kind::Or => regs[a] = regs[b] | regs[c],
            Kind::MulUpperSignedSigned => regs[a] = mulh_ss(regs[b], regs[c]),
            Kind::MulUpperUnsignedUnsigned => regs[a] = mulh_uu(regs[b], regs[c]),
            Kind::MulUpperSignedUnsigned => regs[a] = mulh_su(regs[b], regs[c]),
            Kind::SetLessThanUnsigned => regs[a] = u64::from(regs[b] < regs[c]),
            Kind::SetLessThanSigned => regs[a] = u64::from((regs[b] as i64) < regs[c] as i64),
            Kind::CmovIfZero => {
                if regs[c] == 0 {
                    regs[a] = regs[b]
                }
            }
            Kind::CmovIfNotZero => {
                if regs[c] != 0 {
                    regs[a] = regs[b]
                }
            }
            Kind::RotateLeft64 => regs[a] = regs[b].rotate_left((regs[c] & 63) as u32),
            Kind::RotateLeft32 => regs[a] = rotl32(regs[b], regs[c]),
            Kind::RotateRight64 => regs[a] = regs[b].rotate_right((regs[c] & 63) as u32),
            Kind::RotateRight32 => regs[a] = rotr32(regs[b], regs[c]),
            Kind::AndInverted => regs[a] = regs[b] & !regs[c],
            Kind::OrInverted => regs[a] = regs[b] | !regs[c],
            Kind::Xnor => regs[a] = !(regs[b] ^ regs[c]),
            Kind::Maximum => regs[a] = (regs[b] as i64).max(regs[c] as i64) as u64,
            Kind::MaximumUnsigned => regs[a] = regs[b].max(regs[c]),
            Kind::Minimum => regs[a] = (regs[b] as i64).min(regs[c] as i64) as u64,
            Kind::MinimumUnsigned => regs[a] = regs[b].min(regs[c]),
            Kind::Sbrk32 => regs[a] = sext(mem.sbrk(bits32::sbrk_size(regs[b])).unwrap_or(0)),
            Kind::MulUpperSignedSigned32 => regs[a] = bits32::mulh_ss(regs[b], regs[c]),
            Kind::MulUpperUnsignedUnsigned32 => regs[a] = bits32::mulh_uu(regs[b], regs[c]),
            Kind::MulUpperSignedUnsigned32 => regs[a] = bits32::mulh_su(regs[b], regs[c]),
            Kind::ReverseBytes32 => regs[a] = bits32::reverse_bytes(regs[b]),
            Kind::AndInverted32 => regs[a] = bits32::and_inverted(regs[b], regs[c]),
            Kind::OrInverted32 => regs[a] = bits32::or_inverted(regs[b], regs[c]),
            Kind::Xnor32 => regs[a] = bits32::xnor(regs[b], regs[c]),
            Kind::Maximum32 => regs[a] = bits32::max_s(regs[b], regs[c]),
            Kind::MaximumUnsigned32 => regs[a] = bits32::max_u(regs[b], regs[c]),
            Kind::Minimum32 => regs[a] = bits32::min_s(regs[b], regs[c]),
            Kind::MinimumUnsigned32 => regs[a] = bits32::min_u(regs[b], regs[c]),
        }
        ip += 1;
    }
}
