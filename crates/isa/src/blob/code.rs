//! The code blob: GP `deblob`, byte for byte the payload of PolkaVM section 6.
//!
//! ```text
//! varint  jump-table entry count (<= 16 Mi)
//! u8      entry size z (0..=4)
//! varint  code length (<= 32 MiB)
//! count * z bytes   jump-table entries, little-endian
//! code bytes
//! bitmask           exactly ceil(code_len / 8) bytes, LSB first, zero padding bits
//! ```
//!
//! Nothing may follow the bitmask. Empty code (length 0, no bitmask) is accepted: the GP puts
//! no lower bound on `|c|`, and PolkaVM 0.37 accepts a section 6 of `[0, 0, 0]` (it only rejects
//! a missing or empty section, which the container parser reports as [`BlobError::MissingCode`]).
//!
//! A jump table with entry size 0 holds entries that are all zero (`E_0` encodes nothing), as
//! PolkaVM 0.37's writer produces when every target is offset 0. Because such entries cost no
//! input bytes, the parser allows at most one per remaining byte of the blob, so a tiny input
//! cannot make it allocate a 64 MiB table.

use alloc::vec::Vec;

use super::error::BlobError;
use super::reader::{to_u32, to_usize, Reader};
use super::CodeBlob;
use crate::varint;

/// Most jump-table entries a code blob may declare (PolkaVM `VM_MAXIMUM_JUMP_TABLE_ENTRIES`).
pub const MAX_JUMP_TABLE_ENTRIES: u32 = 16 * 1024 * 1024;
/// Longest code a code blob may declare, in bytes (PolkaVM `VM_MAXIMUM_CODE_SIZE`).
pub const MAX_CODE_SIZE: u32 = 32 * 1024 * 1024;

/// Bytes needed to store `value` little-endian without its high zero bytes (0 for 0).
pub fn entry_width(value: u32) -> u8 {
    (4 - value.leading_zeros() / 8) as u8
}

impl CodeBlob {
    /// A code blob with the smallest jump-table entry size that holds every entry.
    pub fn new(jump_table: Vec<u32>, code: Vec<u8>, bitmask: Vec<u8>) -> CodeBlob {
        let jump_table_entry_size = jump_table.iter().map(|&v| entry_width(v)).max().unwrap_or(0);
        CodeBlob { jump_table, jump_table_entry_size, code, bitmask }
    }

    /// Parses a complete code blob; error offsets are relative to `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<CodeBlob, BlobError> {
        Self::parse_at(bytes, 0)
    }

    /// Parses a complete code blob that sits at `base_offset` inside a larger input;
    /// `base_offset` is added to every error offset.
    pub fn parse_at(bytes: &[u8], base_offset: usize) -> Result<CodeBlob, BlobError> {
        let mut r = Reader::new(bytes, base_offset);

        let count_offset = r.offset();
        let count = r.varint("the jump-table entry count")?;
        if count > MAX_JUMP_TABLE_ENTRIES {
            return Err(BlobError::JumpTableTooLarge {
                offset: count_offset,
                count,
                max: MAX_JUMP_TABLE_ENTRIES,
            });
        }
        let size_offset = r.offset();
        let size = r.u8("the jump-table entry size")?;
        if size > 4 {
            return Err(BlobError::BadJumpTableEntrySize { offset: size_offset, size });
        }
        let len_offset = r.offset();
        let code_len = r.varint("the code length")?;
        if code_len > MAX_CODE_SIZE {
            return Err(BlobError::CodeTooLarge { offset: len_offset, len: code_len, max: MAX_CODE_SIZE });
        }

        let count = to_usize(count);
        if size == 0 && count > r.remaining() {
            return Err(BlobError::ZeroWidthJumpTable {
                offset: count_offset,
                count: to_u32(count),
                available: r.remaining(),
            });
        }
        // count <= 2^24 and size <= 4, so the product cannot overflow.
        let table = r.take(count * usize::from(size), "the jump table")?;
        let jump_table = if size == 0 {
            alloc::vec![0; count]
        } else {
            table.chunks_exact(usize::from(size)).map(super::reader::le_u32).collect()
        };

        let code = r.take(to_usize(code_len), "the code")?;
        let bitmask_offset = r.offset();
        let bitmask = r.rest();
        let expected = code.len().div_ceil(8);
        if bitmask.len() != expected {
            return Err(BlobError::BitmaskLength { offset: bitmask_offset, expected, actual: bitmask.len() });
        }
        let used_bits = code.len() % 8;
        if let (Some(&last), true) = (bitmask.last(), used_bits != 0) {
            if last >> used_bits != 0 {
                return Err(BlobError::BitmaskPadding {
                    offset: bitmask_offset + bitmask.len() - 1,
                    byte: last,
                });
            }
        }

        Ok(CodeBlob {
            jump_table,
            jump_table_entry_size: size,
            code: code.to_vec(),
            bitmask: bitmask.to_vec(),
        })
    }

    /// Appends the encoding, using [`CodeBlob::jump_table_entry_size`] as stored, so that a
    /// parsed canonical blob is rewritten byte for byte. Entries wider than that size lose
    /// their high bytes; [`CodeBlob::validate`] reports such blobs.
    pub fn write(&self, out: &mut Vec<u8>) {
        let size = usize::from(self.jump_table_entry_size.min(4));
        varint::write(out, to_u32(self.jump_table.len()));
        out.push(self.jump_table_entry_size);
        varint::write(out, to_u32(self.code.len()));
        out.reserve(self.jump_table.len() * size + self.code.len() + self.bitmask.len());
        for entry in &self.jump_table {
            out.extend_from_slice(&entry.to_le_bytes()[..size]);
        }
        out.extend_from_slice(&self.code);
        out.extend_from_slice(&self.bitmask);
    }

    /// The encoding as a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    /// Checks that [`CodeBlob::write`] produces a blob that parses back to `self`: entry size
    /// 0..=4 and wide enough for every entry, limits, bitmask length and padding. Offsets in the
    /// errors refer to the encoded form.
    pub fn validate(&self) -> Result<(), BlobError> {
        let size = self.jump_table_entry_size;
        if size <= 4 {
            if let Some((index, &value)) =
                self.jump_table.iter().enumerate().find(|(_, &v)| entry_width(v) > size)
            {
                return Err(BlobError::JumpTableEntryTooWide { index, value, size });
            }
        }
        Self::parse(&self.to_bytes()).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// jump table [3, 0x105] (z = 2), code of 10 bytes, bitmask 2 bytes.
    fn sample() -> Vec<u8> {
        let mut b = vec![2, 2, 10, 3, 0, 5, 1];
        b.extend_from_slice(&[1, 0, 0, 2, 0, 0, 0, 0, 0, 0]);
        b.extend_from_slice(&[0b0000_1001, 0b0000_0001]);
        b
    }

    #[test]
    fn parses_and_rewrites_exactly() {
        let bytes = sample();
        let blob = CodeBlob::parse(&bytes).unwrap();
        assert_eq!(blob.jump_table, vec![3, 0x105]);
        assert_eq!(blob.jump_table_entry_size, 2);
        assert_eq!(blob.code.len(), 10);
        assert_eq!(blob.bitmask, vec![9, 1]);
        assert_eq!(blob.to_bytes(), bytes);
        assert_eq!(CodeBlob::new(blob.jump_table.clone(), blob.code.clone(), blob.bitmask.clone()), blob);
        assert_eq!(blob.validate(), Ok(()));
    }

    #[test]
    fn minimal_entry_sizes() {
        assert_eq!(entry_width(0), 0);
        assert_eq!(entry_width(0xFF), 1);
        assert_eq!(entry_width(0x100), 2);
        assert_eq!(entry_width(0x1_0000), 3);
        assert_eq!(entry_width(u32::MAX), 4);
        assert_eq!(CodeBlob::new(vec![], vec![], vec![]).jump_table_entry_size, 0);
        assert_eq!(CodeBlob::new(vec![0, 0], vec![0], vec![1]).jump_table_entry_size, 0);
    }

    #[test]
    fn empty_code_and_zero_width_tables() {
        let blob = CodeBlob::parse(&[0, 0, 0]).unwrap();
        assert!(blob.code.is_empty() && blob.bitmask.is_empty());
        let blob = CodeBlob::parse(&[2, 0, 1, 0, 1]).unwrap();
        assert_eq!(blob.jump_table, vec![0, 0]);
        assert_eq!(blob.to_bytes(), vec![2, 0, 1, 0, 1]);
        assert_eq!(
            CodeBlob::parse(&[3, 0, 1, 0, 1]),
            Err(BlobError::ZeroWidthJumpTable { offset: 0, count: 3, available: 2 })
        );
    }

    #[test]
    fn every_error_is_reachable() {
        use BlobError::*;
        let err = |b: &[u8]| CodeBlob::parse_at(b, 100).unwrap_err();
        assert!(matches!(err(&[]), Truncated { offset: 100, what: "the jump-table entry count", .. }));
        assert!(matches!(err(&[0xF8]), BadVarint { offset: 100, byte: 0xF8, .. }));
        assert_eq!(
            err(&[0xE1, 1, 0, 0]),
            JumpTableTooLarge { offset: 100, count: 0x0100_0001, max: MAX_JUMP_TABLE_ENTRIES }
        );
        assert_eq!(err(&[0, 5, 0]), BadJumpTableEntrySize { offset: 101, size: 5 });
        assert_eq!(
            err(&[0, 0, 0xE2, 0, 0, 1]),
            CodeTooLarge { offset: 102, len: 0x0201_0000, max: MAX_CODE_SIZE }
        );
        assert!(matches!(
            err(&[1, 2, 1, 7]),
            Truncated { offset: 103, what: "the jump table", needed: 2, .. }
        ));
        assert!(matches!(err(&[0, 0, 4, 1, 2]), Truncated { offset: 103, what: "the code", needed: 4, .. }));
        assert_eq!(err(&[0, 0, 1, 0]), BitmaskLength { offset: 104, expected: 1, actual: 0 });
        assert_eq!(err(&[0, 0, 1, 0, 1, 0]), BitmaskLength { offset: 104, expected: 1, actual: 2 });
        assert_eq!(err(&[0, 0, 1, 0, 3]), BitmaskPadding { offset: 104, byte: 3 });
        assert_eq!(err(&[0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]), BitmaskPadding { offset: 113, byte: 2 });
        // A code length that is a multiple of 8 has no padding bits.
        assert!(CodeBlob::parse(&[0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF]).is_ok());
        // At the limits.
        assert!(matches!(err(&[0xE1, 0, 0, 0, 1]), Truncated { what: "the code length", .. }));
    }

    #[test]
    fn validate_reports_narrow_entries() {
        let mut blob = CodeBlob::new(vec![0x1234], vec![0], vec![1]);
        blob.jump_table_entry_size = 1;
        assert_eq!(
            blob.validate(),
            Err(BlobError::JumpTableEntryTooWide { index: 0, value: 0x1234, size: 1 })
        );
        blob.jump_table_entry_size = 7;
        assert_eq!(blob.validate(), Err(BlobError::BadJumpTableEntrySize { offset: 1, size: 7 }));
        let blob = CodeBlob::new(vec![], vec![0, 0], vec![0xFF]);
        assert_eq!(blob.validate(), Err(BlobError::BitmaskPadding { offset: 5, byte: 0xFF }));
    }
}
