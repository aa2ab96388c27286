//! A bounds-checked byte reader shared by the blob parsers.
//!
//! Every read either succeeds or returns a [`BlobError`] naming the absolute offset of the item
//! (the reader's `base` plus its position) and what was being read; nothing here can panic.

use super::error::BlobError;
use crate::varint;

/// Reads items from the front of a byte slice.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    /// Position in `bytes`; always `<= bytes.len()`.
    pos: usize,
    /// Absolute offset of `bytes[0]` in the outermost input.
    base: usize,
}

/// Widens a `u32` length or count; saturates on (theoretical) 16-bit targets.
pub(crate) fn to_usize(value: u32) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// Narrows a length for a `u32` field; saturates (the parser then rejects the result).
pub(crate) fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`, whose first byte is at absolute offset `base`.
    pub(crate) fn new(bytes: &'a [u8], base: usize) -> Self {
        Reader { bytes, pos: 0, base }
    }

    /// Absolute offset of the next byte.
    pub(crate) fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// Bytes left.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// Takes the next `n` bytes.
    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], BlobError> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        match rest.get(..n) {
            Some(slice) => {
                self.pos += n;
                Ok(slice)
            }
            None => {
                Err(BlobError::Truncated { offset: self.offset(), what, needed: n, available: rest.len() })
            }
        }
    }

    /// Takes everything that is left.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos = self.bytes.len();
        rest
    }

    /// Reads one byte.
    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, BlobError> {
        Ok(self.take(1, what)?[0])
    }

    /// Reads a `width`-byte (0..=4) little-endian number.
    pub(crate) fn le(&mut self, width: usize, what: &'static str) -> Result<u32, BlobError> {
        let bytes = self.take(width, what)?;
        Ok(le_u32(bytes))
    }

    /// Reads a little-endian `u64`.
    pub(crate) fn u64_le(&mut self, what: &'static str) -> Result<u64, BlobError> {
        let bytes = self.take(8, what)?;
        let mut buf = [0u8; 8];
        buf.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(buf))
    }

    /// Reads a varint ([`varint::read`]), telling truncation apart from a bad first byte.
    pub(crate) fn varint(&mut self, what: &'static str) -> Result<u32, BlobError> {
        let offset = self.offset();
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let Some(&first) = rest.first() else {
            return Err(BlobError::Truncated { offset, what, needed: 1, available: 0 });
        };
        let extra = first.leading_ones() as usize;
        if extra > 4 || (extra == 4 && first != 0xF0) {
            return Err(BlobError::BadVarint { offset, what, byte: first });
        }
        match varint::read(rest) {
            Some((value, used)) => {
                self.pos += used;
                Ok(value)
            }
            None => Err(BlobError::Truncated { offset, what, needed: 1 + extra, available: rest.len() }),
        }
    }
}

/// Decodes up to four little-endian bytes (missing high bytes are zero).
pub(crate) fn le_u32(bytes: &[u8]) -> u32 {
    bytes.iter().rev().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_reports_offsets() {
        let mut r = Reader::new(&[0x05, 0x81, 0x00, 0x34, 0x12, 0xF8], 100);
        assert_eq!(r.varint("a"), Ok(5));
        assert_eq!(r.varint("b"), Ok(0x100));
        assert_eq!(r.le(2, "c"), Ok(0x1234));
        assert_eq!(r.offset(), 105);
        assert_eq!(r.varint("d"), Err(BlobError::BadVarint { offset: 105, what: "d", byte: 0xF8 }));
        assert_eq!(
            r.take(2, "e"),
            Err(BlobError::Truncated { offset: 105, what: "e", needed: 2, available: 1 })
        );
        let mut r = Reader::new(&[0xC0, 0x00], 0);
        assert_eq!(
            r.varint("f"),
            Err(BlobError::Truncated { offset: 0, what: "f", needed: 3, available: 2 })
        );
        assert_eq!(r.rest(), &[0xC0, 0x00]);
        assert_eq!(r.remaining(), 0);
        assert_eq!(r.u8("g"), Err(BlobError::Truncated { offset: 2, what: "g", needed: 1, available: 0 }));
        assert_eq!(le_u32(&[]), 0);
        assert_eq!(le_u32(&[1, 2, 3]), 0x030201);
    }
}
