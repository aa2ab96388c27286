//! Pure semantics of the arithmetic instructions, shared by every backend and by tests.
//!
//! Division follows RISC-V: division by zero gives all ones, the remainder of a division by
//! zero is the dividend, and `MIN / -1` gives `MIN` with remainder 0. 32-bit operations
//! compute on the low 32 bits and sign-extend the result to 64 bits.

/// Sign-extends the low 32 bits of `x` to 64 bits.
#[inline(always)]
pub const fn sext32(x: u64) -> u64 {
    x as u32 as i32 as i64 as u64
}

/// `div_unsigned_32`.
#[inline(always)]
pub const fn div_u32(a: u64, b: u64) -> u64 {
    match (a as u32).checked_div(b as u32) {
        Some(q) => sext32(q as u64),
        None => u64::MAX,
    }
}

/// `div_signed_32`.
#[inline(always)]
pub const fn div_s32(a: u64, b: u64) -> u64 {
    let (a, b) = (a as u32 as i32, b as u32 as i32);
    if b == 0 {
        u64::MAX
    } else {
        a.wrapping_div(b) as i64 as u64
    }
}

/// `rem_unsigned_32`.
#[inline(always)]
pub const fn rem_u32(a: u64, b: u64) -> u64 {
    let (a, b) = (a as u32, b as u32);
    if b == 0 {
        sext32(a as u64)
    } else {
        sext32((a % b) as u64)
    }
}

/// `rem_signed_32`.
#[inline(always)]
pub const fn rem_s32(a: u64, b: u64) -> u64 {
    let (a, b) = (a as u32 as i32, b as u32 as i32);
    if b == 0 {
        a as i64 as u64
    } else {
        a.wrapping_rem(b) as i64 as u64
    }
}

/// `div_unsigned_64`.
#[inline(always)]
pub const fn div_u64(a: u64, b: u64) -> u64 {
    match a.checked_div(b) {
        Some(q) => q,
        None => u64::MAX,
    }
}

/// `div_signed_64`.
#[inline(always)]
pub const fn div_s64(a: u64, b: u64) -> u64 {
    let (a, b) = (a as i64, b as i64);
    if b == 0 {
        u64::MAX
    } else {
        a.wrapping_div(b) as u64
    }
}

/// `rem_unsigned_64`.
#[inline(always)]
pub const fn rem_u64(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        a % b
    }
}

/// `rem_signed_64`.
#[inline(always)]
pub const fn rem_s64(a: u64, b: u64) -> u64 {
    let (a, b) = (a as i64, b as i64);
    if b == 0 {
        a as u64
    } else {
        a.wrapping_rem(b) as u64
    }
}

/// High 64 bits of signed × signed.
#[inline(always)]
pub const fn mulh_ss(a: u64, b: u64) -> u64 {
    ((a as i64 as i128 * b as i64 as i128) >> 64) as u64
}

/// High 64 bits of unsigned × unsigned.
#[inline(always)]
pub const fn mulh_uu(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) >> 64) as u64
}

/// High 64 bits of signed × unsigned.
#[inline(always)]
pub const fn mulh_su(a: u64, b: u64) -> u64 {
    ((a as i64 as i128).wrapping_mul(b as i128) >> 64) as u64
}

/// 32-bit add, sign-extended.
#[inline(always)]
pub const fn add32(a: u64, b: u64) -> u64 {
    sext32(a.wrapping_add(b))
}

/// 32-bit subtract, sign-extended.
#[inline(always)]
pub const fn sub32(a: u64, b: u64) -> u64 {
    sext32(a.wrapping_sub(b))
}

/// 32-bit multiply, sign-extended.
#[inline(always)]
pub const fn mul32(a: u64, b: u64) -> u64 {
    sext32((a as u32).wrapping_mul(b as u32) as u64)
}

/// 32-bit logical left shift (amount mod 32), sign-extended.
#[inline(always)]
pub const fn shl32(a: u64, s: u64) -> u64 {
    sext32(((a as u32) << (s & 31)) as u64)
}

/// 32-bit logical right shift (amount mod 32), sign-extended.
#[inline(always)]
pub const fn shr32(a: u64, s: u64) -> u64 {
    sext32(((a as u32) >> (s & 31)) as u64)
}

/// 32-bit arithmetic right shift (amount mod 32), sign-extended.
#[inline(always)]
pub const fn sar32(a: u64, s: u64) -> u64 {
    ((a as u32 as i32) >> (s & 31)) as i64 as u64
}

/// 32-bit rotate left, sign-extended.
#[inline(always)]
pub const fn rotl32(a: u64, s: u64) -> u64 {
    sext32((a as u32).rotate_left((s & 31) as u32) as u64)
}

/// 32-bit rotate right, sign-extended.
#[inline(always)]
pub const fn rotr32(a: u64, s: u64) -> u64 {
    sext32((a as u32).rotate_right((s & 31) as u32) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_edge_cases() {
        assert_eq!(div_u64(5, 0), u64::MAX);
        assert_eq!(rem_u64(5, 0), 5);
        assert_eq!(div_s64(i64::MIN as u64, u64::MAX), i64::MIN as u64);
        assert_eq!(rem_s64(i64::MIN as u64, u64::MAX), 0);
        assert_eq!(div_s32(0x8000_0000, 0xFFFF_FFFF), 0xFFFF_FFFF_8000_0000);
        assert_eq!(rem_s32(0x8000_0000, 0xFFFF_FFFF), 0);
        assert_eq!(rem_u32(0xFFFF_FFFF_8000_0001, 0), 0xFFFF_FFFF_8000_0001);
        assert_eq!(div_u32(0xFFFF_FFFF, 1), u64::MAX);
        assert_eq!(rem_s64((-7i64) as u64, 2), (-1i64) as u64);
    }

    #[test]
    fn upper_multiplies() {
        assert_eq!(mulh_uu(u64::MAX, u64::MAX), u64::MAX - 1);
        assert_eq!(mulh_ss(u64::MAX, u64::MAX), 0);
        assert_eq!(mulh_su(u64::MAX, u64::MAX), u64::MAX);
    }
}
