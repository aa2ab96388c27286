//! Operand access shared by the generated handlers: forwarded sources, immediates,
//! effective addresses, and the store fast path.

use isa::sext;

use super::*;

/// The values of the registers named by `a`, `b` and `c`, each taken from `last` when its
/// forwarding flag is set. Unused ones cost nothing (the loads are dead).
#[inline(always)]
pub(super) fn sources<const FA: bool, const FB: bool, const FC: bool>(
    r: &Regs,
    o: &Op,
    last: u64,
) -> (u64, u64, u64) {
    (
        if FA { last } else { r[o.a as usize] },
        if FB { last } else { r[o.b as usize] },
        if FC { last } else { r[o.c as usize] },
    )
}

/// A store: the fast path inline, the slow path by tail call.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn store<const N: usize>(
    r: &mut Regs,
    c: &mut Ctx<'_>,
    ip: Ip,
    budget: u32,
    gas: i64,
    last: u64,
    address: u32,
    value: [u8; N],
) {
    if c.mem.try_store(address, value) {
        next(r, c, ip.wrapping_add(1), budget, gas, last)
    } else {
        c.address = address;
        c.value = widen(value);
        store_slow::<N>(r, c, ip, budget, gas, last)
    }
}

/// Little-endian bytes of a store value, zero-extended to 64 bits.
#[inline(always)]
pub(super) fn widen<const N: usize>(value: [u8; N]) -> u64 {
    let mut wide = [0u8; 8];
    wide[..N].copy_from_slice(&value);
    u64::from_le_bytes(wide)
}

#[inline(always)]
pub(super) fn a(o: &Op) -> usize {
    o.a as usize
}
#[inline(always)]
pub(super) fn imm(o: &Op) -> u64 {
    sext(o.x)
}
/// `(base + imm) mod 2^32`.
#[inline(always)]
pub(super) fn indv(base: u64, o: &Op) -> u32 {
    (base as u32).wrapping_add(o.x)
}
