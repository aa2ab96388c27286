//! The variable-length natural-number codec of `.polkavm` blobs and the GP (`E(x)`), for `u32` values.
//!
//! The number of leading one bits in the first byte gives the number of following
//! little-endian bytes; the first byte's remaining bits are the most significant ones.

use alloc::vec::Vec;

/// Decodes a varint from the front of `bytes`; returns the value and the bytes consumed.
/// Rejects truncated input and first bytes of `0xF8` and above (values past `u32`),
/// and non-canonical `0xF1..=0xF7` prefixes.
pub fn read(bytes: &[u8]) -> Option<(u32, usize)> {
    let first = *bytes.first()?;
    let extra = first.leading_ones() as usize;
    if extra > 4 || (extra == 4 && first != 0xF0) {
        return None;
    }
    let tail = bytes.get(1..1 + extra)?;
    let mut low = [0u8; 4];
    low[..extra].copy_from_slice(tail);
    let low = u32::from_le_bytes(low);
    let high = if extra == 4 { 0 } else { u32::from(first & (0xFF >> extra)) << (8 * extra) };
    Some((high | low, 1 + extra))
}

/// Appends the canonical (shortest) encoding of `value`.
pub fn write(out: &mut Vec<u8>, value: u32) {
    let extra = match value {
        0..0x80 => 0,
        0x80..0x4000 => 1,
        0x4000..0x20_0000 => 2,
        0x20_0000..0x1000_0000 => 3,
        _ => 4,
    };
    if extra == 4 {
        out.push(0xF0);
        out.extend_from_slice(&value.to_le_bytes());
        return;
    }
    let prefix = !(0xFFu8 >> extra);
    out.push(prefix | (value >> (8 * extra)) as u8);
    out.extend_from_slice(&value.to_le_bytes()[..extra]);
}

/// Length of the canonical encoding of `value`.
pub fn encoded_len(value: u32) -> usize {
    let mut buf = Vec::with_capacity(5);
    write(&mut buf, value);
    buf.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_at_boundaries() {
        for v in [0, 1, 0x7F, 0x80, 0x3FFF, 0x4000, 0x1F_FFFF, 0x20_0000, 0xFFF_FFFF, 0x1000_0000, u32::MAX] {
            let mut buf = Vec::new();
            write(&mut buf, v);
            assert_eq!(read(&buf), Some((v, buf.len())), "value {v:#x}");
        }
        assert_eq!(read(&[0xA0, 0x00]), Some((8192, 2)));
        assert_eq!(read(&[0xF8, 0, 0, 0, 0, 0]), None);
        assert_eq!(read(&[0x80]), None);
        assert_eq!(read(&[]), None);
    }
}
