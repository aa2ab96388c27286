//! Fused pairs: one handler running two adjacent ops of a block, saving a dispatch.
//!
//! Fusion changes only the first op's handler: the second op stays in place with its own
//! handler, and both keep their kinds (the switch dispatcher and step mode run them unfused).
//! A pair's handler runs the first op, then the second one's fast path with the first one's
//! result forwarded, and continues two ops on. Whenever an op needs its slow path (a load or
//! store that crosses a page or faults) the pair gives up at that op: if it is the first one,
//! its own slow path continues with the (unfused) second op; if it is the second one, the
//! first op's effects are complete and the second op's own handler runs from scratch. So every
//! stop (fault, page fault) happens at exactly the op and state of the unfused execution, and
//! gas, budget and block structure are untouched (both ops lie in one block, with no
//! checkpoint between them).

use super::forward::forwarding_flags;
use super::ops::{Kind, Op};
use super::program::{tables, NO_FORWARD};
use super::threaded::{
    enter, enter_cost, kinds, next, op, target, Cond, Ctx, Handler, Ip, Part, Regs, FWD_A, FWD_B, FWD_C,
};

/// The values of fields `a`, `b`, `c` of `o`, taken from `last` where `F` (forwarding flags)
/// says so.
#[inline(always)]
fn sources<const F: u8>(r: &Regs, o: &Op, last: u64) -> (u64, u64, u64) {
    (
        if F & FWD_A != 0 { last } else { r[o.a as usize] },
        if F & FWD_B != 0 { last } else { r[o.b as usize] },
        if F & FWD_C != 0 { last } else { r[o.c as usize] },
    )
}

/// Runs the op at `ip` (kind `A`, forwarding flags `F1`) and the one after it (kind `B`,
/// flags `F2` relative to the first op's result).
fn pair<A: Part, B: Part, const F1: u8, const F2: u8>(
    r: &mut Regs,
    c: &mut Ctx<'_>,
    ip: Ip,
    budget: u32,
    gas: i64,
    last: u64,
) {
    let o1 = op(ip);
    let (va, vb, vc) = sources::<F1>(r, o1, last);
    let Some(v1) = A::fast(r, c, o1, va, vb, vc, last) else {
        return A::slow(r, c, ip, budget, gas, last);
    };
    let second = ip.wrapping_add(1);
    let o2 = op(second);
    let (va, vb, vc) = sources::<F2>(r, o2, v1);
    match B::fast(r, c, o2, va, vb, vc, v1) {
        Some(v2) => next(r, c, ip.wrapping_add(2), budget, gas, v2),
        None => next(r, c, second, budget, gas, v1),
    }
}

/// Runs the op at `ip` (kind `A`, forwarding flags `F1`) and the conditional branch after it
/// (kind `B`, flags `F2` relative to the first op's result), which ends the block.
fn pair_branch<A: Part, B: Cond, const F1: u8, const F2: u8>(
    r: &mut Regs,
    c: &mut Ctx<'_>,
    ip: Ip,
    budget: u32,
    gas: i64,
    last: u64,
) {
    let o1 = op(ip);
    let (va, vb, vc) = sources::<F1>(r, o1, last);
    let Some(v1) = A::fast(r, c, o1, va, vb, vc, last) else {
        return A::slow(r, c, ip, budget, gas, last);
    };
    let second = ip.wrapping_add(1);
    let o2 = op(second);
    let (va, vb, _) = sources::<F2>(r, o2, v1);
    if B::cond(o2, va, vb) {
        enter_cost(r, c, target(second, o2), o2.z, budget, gas, v1)
    } else {
        enter(r, c, ip.wrapping_add(2), budget, gas, v1)
    }
}

/// `Some(pair handler)` for flags `f1`/`f2` drawn from the given sets (the forwarding flag
/// combinations the op kinds can have).
macro_rules! pick {
    ($h:ident, $a:ident, $b:ident, $f1:expr, $f2:expr, [$($x:literal),*], $ys:tt) => {
        match $f1 {
            $($x => pick!(@second $h, $a, $b, $x, $f2, $ys),)*
            _ => None,
        }
    };
    (@second $h:ident, $a:ident, $b:ident, $x:literal, $f2:expr, [$($y:literal),*]) => {
        match $f2 {
            $($y => Some($h::<kinds::$a, kinds::$b, $x, $y> as Handler),)*
            _ => None,
        }
    };
}

macro_rules! pairs {
    ($(($a:ident $ra:tt, $b:ident $rb:tt)),* $(,)?; $(($ba:ident $bra:tt, $bb:ident $brb:tt)),* $(,)?) => {
        /// The fused handler for an op of kind `k1` with forwarding flags `f1` followed by
        /// one of kind `k2` with flags `f2`, if that pair is fused.
        pub(crate) fn pair_handler(k1: Kind, f1: u8, k2: Kind, f2: u8) -> Option<Handler> {
            match (k1, k2) {
                $((Kind::$a, Kind::$b) => pick!(pair, $a, $b, f1, f2, $ra, $rb),)*
                $((Kind::$ba, Kind::$bb) => pick!(pair_branch, $ba, $bb, f1, f2, $bra, $brb),)*
                _ => None,
            }
        }
    };
}

// The pairs most frequent in the guest programs (dynamic counts), with the forwarding flags
// each kind can have: `[0, 2]` reads `b`, `[0, 2, 4, 6]` reads `b` and `c`, `[0, 1, 2, 3]`
// reads `a` and `b`, `[0, 1]` reads `a`, `[0]` reads no register. Pairs ending in a
// conditional branch come after the `;`.
pairs! {
    (Add64 [0, 2, 4, 6], LoadIndirectU64 [0, 2]),
    (Add64 [0, 2, 4, 6], LoadIndirectI32 [0, 2]),
    (Add64 [0, 2, 4, 6], LoadIndirectU32 [0, 2]),
    (Add64 [0, 2, 4, 6], LoadIndirectU8 [0, 2]),
    (Add64 [0, 2, 4, 6], StoreIndirectU64 [0, 1, 2, 3]),
    (Add64 [0, 2, 4, 6], StoreIndirectU32 [0, 1, 2, 3]),
    (Add64 [0, 2, 4, 6], SetLessThanUnsigned [0, 2, 4, 6]),
    (Add64 [0, 2, 4, 6], Add64 [0, 2, 4, 6]),
    (Add64 [0, 2, 4, 6], Xor [0, 2, 4, 6]),
    (Add64 [0, 2, 4, 6], ShiftLogicalRightImm64 [0, 2]),
    (Add64 [0, 2, 4, 6], ShiftLogicalLeftImm64 [0, 2]),
    (Add64 [0, 2, 4, 6], AddImm64 [0, 2]),
    (SetLessThanUnsigned [0, 2, 4, 6], Add64 [0, 2, 4, 6]),
    (Mul64 [0, 2, 4, 6], MulUpperUnsignedUnsigned [0, 2, 4, 6]),
    (MulUpperUnsignedUnsigned [0, 2, 4, 6], Add64 [0, 2, 4, 6]),
    (ShiftLogicalLeftImm64 [0, 2], ShiftLogicalRightImm64 [0, 2]),
    (ShiftLogicalLeftImm64 [0, 2], Add64 [0, 2, 4, 6]),
    (ShiftLogicalLeftImm64 [0, 2], Xor [0, 2, 4, 6]),
    (ShiftLogicalLeftImm64 [0, 2], LoadImm [0]),
    (ShiftLogicalRightImm64 [0, 2], Add64 [0, 2, 4, 6]),
    (ShiftLogicalRightImm64 [0, 2], Xor [0, 2, 4, 6]),
    (AddImm64 [0, 2], Add64 [0, 2, 4, 6]),
    (AddImm64 [0, 2], AddImm64 [0, 2]),
    (AddImm64 [0, 2], StoreIndirectU64 [0, 1, 2, 3]),
    (AddImm32 [0, 2], AddImm32 [0, 2]),
    (LoadImm [0], Add64 [0, 2, 4, 6]),
    (AndImm [0, 2], ShiftLogicalLeftImm64 [0, 2]),
    (Xor [0, 2, 4, 6], RotateRightImm64 [0, 2]),
    (Xor [0, 2, 4, 6], RotateRightImm32 [0, 2]),
    (Xor [0, 2, 4, 6], StoreIndirectU64 [0, 1, 2, 3]),
    (Xor [0, 2, 4, 6], Add64 [0, 2, 4, 6]),
    (Xor [0, 2, 4, 6], And [0, 2, 4, 6]),
    (Xor [0, 2, 4, 6], Mul64 [0, 2, 4, 6]),
    (RotateRightImm64 [0, 2], Add64 [0, 2, 4, 6]),
    (RotateRightImm32 [0, 2], Xor [0, 2, 4, 6]),
    (RotateRightImm32 [0, 2], RotateRightImm32 [0, 2]),
    (MoveReg [0, 2], StoreIndirectU64 [0, 1, 2, 3]),
    (LoadIndirectU64 [0, 2], Add64 [0, 2, 4, 6]),
    (LoadIndirectU64 [0, 2], Mul64 [0, 2, 4, 6]),
    (LoadIndirectU64 [0, 2], AddImm64 [0, 2]),
    (LoadIndirectU64 [0, 2], Xor [0, 2, 4, 6]),
    (LoadIndirectU64 [0, 2], LoadIndirectU64 [0, 2]),
    (LoadIndirectI32 [0, 2], AddImm64 [0, 2]),
    (LoadIndirectU8 [0, 2], ShiftLogicalLeftImm64 [0, 2]),
    (StoreIndirectU64 [0, 1, 2, 3], StoreIndirectU64 [0, 1, 2, 3]),
    (StoreIndirectU64 [0, 1, 2, 3], AddImm64 [0, 2]);
    // Ending in a branch.
    (StoreIndirectU32 [0, 1, 2, 3], BranchNotEq [0, 1, 2, 3]),
    (StoreIndirectU32 [0, 1, 2, 3], BranchGreaterOrEqualUnsigned [0, 1, 2, 3]),
    (StoreImmIndirectU8 [0, 1], BranchEqImm [0, 1]),
    (Xor [0, 2, 4, 6], BranchNotEq [0, 1, 2, 3]),
    (AddImm64 [0, 2], BranchNotEq [0, 1, 2, 3]),
    (AddImm64 [0, 2], BranchLessUnsigned [0, 1, 2, 3]),
    (AddImm64 [0, 2], BranchEqImm [0, 1]),
    (AddImm64 [0, 2], BranchNotEqImm [0, 1]),
    (AddImm32 [0, 2], BranchNotEqImm [0, 1]),
    (AddImm32 [0, 2], BranchGreaterOrEqualUnsigned [0, 1, 2, 3]),
    (MoveReg [0, 2], BranchNotEq [0, 1, 2, 3]),
    (MoveReg [0, 2], BranchEqImm [0, 1]),
    (MoveReg [0, 2], BranchNotEqImm [0, 1]),
    (MoveReg [0, 2], BranchLessUnsigned [0, 1, 2, 3]),
    (LoadImm [0], BranchLessUnsigned [0, 1, 2, 3]),
    (LoadImm [0], BranchNotEq [0, 1, 2, 3]),
    (LoadImm [0], BranchEq [0, 1, 2, 3]),
    (LoadIndirectU64 [0, 2], BranchLessUnsigned [0, 1, 2, 3]),
    (LoadIndirectU64 [0, 2], BranchGreaterOrEqualUnsigned [0, 1, 2, 3]),
    (LoadIndirectU64 [0, 2], BranchNotEq [0, 1, 2, 3]),
    (LoadIndirectI32 [0, 2], BranchLessUnsigned [0, 1, 2, 3]),
    (LoadIndirectU8 [0, 2], BranchNotEq [0, 1, 2, 3]),
}

/// Gives the first op of every fusable adjacent pair in a block the pair's handler (greedily,
/// left to right). `forward` is [`super::program::Program::forward`]: the register whose
/// value arrives as `last` at each op, from which each op's forwarding flags follow.
/// Returns the number of pairs fused.
pub(crate) fn fuse(ops: &mut [Op], forward: &[u8]) -> usize {
    let t = tables();
    let mut fused = 0;
    let mut i = 0;
    while i + 1 < ops.len() {
        // Most neighbours cannot pair whatever their flags: rule them out by table first.
        if t.may_pair(ops[i].kind, ops[i + 1].kind) {
            let flags = |o: &Op, live: u8| match live {
                NO_FORWARD => 0,
                live => forwarding_flags(t.reads[o.kind as usize], o, live),
            };
            let f1 = flags(&ops[i], forward[i]);
            let f2 = flags(&ops[i + 1], forward[i + 1]);
            if let Some(handler) = pair_handler(ops[i].kind, f1, ops[i + 1].kind, f2) {
                ops[i].handler = handler;
                fused += 1;
                i += 2;
                continue;
            }
        }
        i += 1;
    }
    fused
}

#[cfg(test)]
mod tests {
    use isa::gas::CostModel;

    use super::super::program::Program;

    fn fused_pairs(text: &str) -> usize {
        let (set, code) = isa::text::assemble_code(&format!(".isa gp072\n{text}")).unwrap();
        Program::compile(code.view(set), &code.jump_table, CostModel::default()).fused
    }

    #[test]
    fn adjacent_pairs_in_a_block_are_fused_greedily() {
        assert_eq!(fused_pairs("add_64 a0, a1, a2\nload_indirect_u64 a3, a0, 8\ntrap"), 1);
        // Three fusable ops in a row: the first two pair up, the third stays alone.
        assert_eq!(fused_pairs("add_imm_64 a0, a0, 1\nadd_imm_64 a0, a0, 1\nadd_imm_64 a0, a0, 1\ntrap"), 1);
        // A block boundary between the two ops prevents fusion.
        assert_eq!(fused_pairs("add_64 a0, a1, a2\nfallthrough\nload_indirect_u64 a3, a0, 8\ntrap"), 0);
        // Not a fused pair.
        assert_eq!(fused_pairs("div_unsigned_64 a0, a1, a2\nload_indirect_u64 a3, a0, 8\ntrap"), 0);
    }
}
