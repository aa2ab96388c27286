//! Typed errors of blob parsing, writing and memory-layout computation.
//!
//! Every parse error names the byte offset where the problem was found (relative to the start
//! of the outermost input, also when a code blob is embedded in a container) and what was
//! expected there, so its message reads on one line: `at byte 13: expected ..., found ...`.

use core::fmt;

use crate::variant::InstructionSet;

/// Why a blob could not be parsed (or, for [`BlobError::ValueTooLarge`] and friends, written).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    /// The input does not start with `PVM\0`.
    #[error("at byte 0: expected the magic bytes 50 56 4d 00 (\"PVM\\0\"), found something else")]
    BadMagic,
    /// The container's version byte is not 0..=3.
    #[error("at byte 4: expected a blob version of 0..=3, found {0}")]
    UnsupportedVersion(u8),
    /// The container header's total length differs from the input length.
    #[error("at byte 5: the header declares a blob length of {declared} bytes, but the blob has {actual}")]
    LengthMismatch {
        /// Length written in the header.
        declared: u64,
        /// Length of the input.
        actual: u64,
    },
    /// The input ends (or a section or sub-blob ends) in the middle of an item.
    #[error("at byte {offset}: expected {what} ({needed} bytes), found only {available} bytes left")]
    Truncated {
        /// Where the item starts.
        offset: usize,
        /// The item that was being read.
        what: &'static str,
        /// Bytes the item needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// A varint starts with a byte no canonical `u32` encoding uses (`0xF1..=0xFF`).
    #[error("at byte {offset}: expected a varint for {what}, found the invalid first byte {byte:#04x}")]
    BadVarint {
        /// Where the varint starts.
        offset: usize,
        /// The value that was being read.
        what: &'static str,
        /// The offending first byte.
        byte: u8,
    },
    /// A container section id appears out of order or is unknown (ids 7..=127).
    #[error("at byte {offset}: expected {}, found section id {id}", ExpectedSection(*after))]
    UnexpectedSection {
        /// Where the section id byte is.
        offset: usize,
        /// The id found.
        id: u8,
        /// The id of the previous section (0 when it follows the header).
        after: u8,
    },
    /// A container section's declared length runs past the end of the blob.
    #[error("at byte {offset}: section {id} declares {declared} bytes, but only {available} bytes are left")]
    SectionOverrun {
        /// Where the section id byte is.
        offset: usize,
        /// The section id.
        id: u8,
        /// The declared payload length.
        declared: u32,
        /// Bytes left after the length field.
        available: usize,
    },
    /// A section whose contents have a fixed structure declares a different length than they use.
    #[error("at byte {offset}: section {id} declares {declared} bytes, but its contents use {used}")]
    SectionSizeMismatch {
        /// Where the section payload starts.
        offset: usize,
        /// The section id.
        id: u8,
        /// The declared payload length.
        declared: u32,
        /// Bytes the contents used.
        used: usize,
    },
    /// Initial RO or RW data is longer than the size the memory configuration declares.
    #[error(
        "at byte {offset}: expected at most {declared} bytes of {what} (the declared size), found {len}"
    )]
    DataTooLarge {
        /// Where the data starts.
        offset: usize,
        /// `"RO data"` or `"RW data"`.
        what: &'static str,
        /// Bytes present.
        len: usize,
        /// Declared size.
        declared: u32,
    },
    /// The imports section declares more imports than PolkaVM allows.
    #[error("at byte {offset}: expected at most {max} imports, found {count}")]
    TooManyImports {
        /// Where the count starts.
        offset: usize,
        /// The declared count.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// An import's symbol offset is decreasing or past the end of the symbol area.
    #[error("at byte {offset}: expected import {index}'s symbol offset in {min}..={max}, found {value}")]
    BadImportOffset {
        /// Where the offset field is.
        offset: usize,
        /// Import index.
        index: u32,
        /// The offset found.
        value: u32,
        /// Smallest valid value (the previous import's offset).
        min: u32,
        /// Largest valid value (the symbol area's length).
        max: u32,
    },
    /// The jump-table entry size byte is not 0..=4.
    #[error("at byte {offset}: expected a jump-table entry size of 0..=4, found {size}")]
    BadJumpTableEntrySize {
        /// Where the size byte is.
        offset: usize,
        /// The size found.
        size: u8,
    },
    /// The jump table declares more entries than allowed.
    #[error("at byte {offset}: expected at most {max} jump-table entries, found {count}")]
    JumpTableTooLarge {
        /// Where the count starts.
        offset: usize,
        /// The declared count.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// A jump table of zero-width entries declares more entries than the blob has bytes left
    /// (a resource guard of this parser: such entries cost no input bytes).
    #[error("at byte {offset}: expected at most {available} zero-width jump-table entries (one per byte left), found {count}")]
    ZeroWidthJumpTable {
        /// Where the count starts.
        offset: usize,
        /// The declared count.
        count: u32,
        /// Bytes left after the code-blob header.
        available: usize,
    },
    /// The code length exceeds the limit.
    #[error("at byte {offset}: expected a code length of at most {max} bytes, found {len}")]
    CodeTooLarge {
        /// Where the code length starts.
        offset: usize,
        /// The declared length.
        len: u32,
        /// The limit.
        max: u32,
    },
    /// The bitmask is not exactly `ceil(code_len / 8)` bytes.
    #[error("at byte {offset}: expected a bitmask of {expected} bytes for the code length, found {actual}")]
    BitmaskLength {
        /// Where the bitmask starts.
        offset: usize,
        /// `ceil(code_len / 8)`.
        expected: usize,
        /// Bytes present.
        actual: usize,
    },
    /// Bits of the last bitmask byte past the end of the code are set.
    #[error("at byte {offset}: expected zero bitmask padding bits past the end of the code, found the byte {byte:#04x}")]
    BitmaskPadding {
        /// Where the last bitmask byte is.
        offset: usize,
        /// Its value.
        byte: u8,
    },
    /// A container has no code section, or an empty one.
    #[error("at byte {offset}: expected a non-empty code section (id 6), found none")]
    MissingCode {
        /// Where the end marker (or the empty code section) is.
        offset: usize,
    },
    /// Bytes follow a structure that must end the input (or its section).
    #[error("at byte {offset}: expected the end of {what}, found {count} more bytes")]
    TrailingBytes {
        /// Where the extra bytes start.
        offset: usize,
        /// Number of extra bytes.
        count: usize,
        /// The structure that should have ended.
        what: &'static str,
    },
    /// Writing: a value does not fit its fixed-width field.
    #[error("cannot encode {what}: {value} exceeds the maximum of {max}")]
    ValueTooLarge {
        /// The field.
        what: &'static str,
        /// The value.
        value: u64,
        /// Largest encodable value.
        max: u64,
    },
    /// Validation: the `isa` field is not the one the `version` byte selects.
    #[error(
        "blob version {version} selects the instruction set {expected:?}, but the program says {found:?}"
    )]
    IsaMismatch {
        /// The version byte.
        version: u8,
        /// The set the version selects.
        expected: InstructionSet,
        /// The set stored in the program.
        found: InstructionSet,
    },
    /// Validation: a jump-table entry needs more bytes than the stored entry size.
    #[error("jump-table entry {index} ({value:#x}) does not fit in {size} bytes")]
    JumpTableEntryTooWide {
        /// Entry index.
        index: usize,
        /// Entry value.
        value: u32,
        /// Stored entry size.
        size: u8,
    },
}

impl BlobError {
    /// The byte offset the error points at, if it has one.
    pub fn offset(&self) -> Option<usize> {
        use BlobError::*;
        match *self {
            BadMagic => Some(0),
            UnsupportedVersion(_) => Some(4),
            LengthMismatch { .. } => Some(5),
            Truncated { offset, .. }
            | BadVarint { offset, .. }
            | UnexpectedSection { offset, .. }
            | SectionOverrun { offset, .. }
            | SectionSizeMismatch { offset, .. }
            | DataTooLarge { offset, .. }
            | TooManyImports { offset, .. }
            | BadImportOffset { offset, .. }
            | BadJumpTableEntrySize { offset, .. }
            | JumpTableTooLarge { offset, .. }
            | ZeroWidthJumpTable { offset, .. }
            | CodeTooLarge { offset, .. }
            | BitmaskLength { offset, .. }
            | BitmaskPadding { offset, .. }
            | MissingCode { offset }
            | TrailingBytes { offset, .. } => Some(offset),
            ValueTooLarge { .. } | IsaMismatch { .. } | JumpTableEntryTooWide { .. } => None,
        }
    }
}

/// Renders which section ids may follow section `after`.
struct ExpectedSection(u8);

impl fmt::Display for ExpectedSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0..=5 => write!(f, "a section id in {}..=6", self.0 + 1),
            _ => f.write_str("the end marker 0 or an optional section id >= 128"),
        }
    }
}

/// Why a memory layout cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The page size is not a power of two in `0x1000..=0x10000`.
    #[error("expected a page size that is a power of two in 0x1000..=0x10000, found {0:#x}")]
    BadPageSize(u32),
    /// A region's size cannot be rounded up within 32 bits.
    #[error("the {region} size {size:#x} is too large to round up to a page or zone")]
    RegionTooLarge {
        /// The region (`"RO data"`, `"RW data"`, `"stack"`, `"aux data"`).
        region: &'static str,
        /// Its size in bytes.
        size: u64,
    },
    /// The regions and their guard zones do not fit in the 32-bit address space.
    #[error("the memory layout needs {needed:#x} bytes of address space, more than 2^32")]
    AddressSpaceExceeded {
        /// Address space the layout needs.
        needed: u64,
    },
    /// The argument data is longer than the argument region (`Z_I`).
    #[error("expected at most {max} bytes of arguments, found {len}")]
    ArgumentsTooLarge {
        /// Argument length.
        len: u32,
        /// The limit.
        max: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn messages_read_on_one_line() {
        let e = BlobError::UnexpectedSection { offset: 13, id: 9, after: 2 };
        assert_eq!(e.to_string(), "at byte 13: expected a section id in 3..=6, found section id 9");
        let e = BlobError::UnexpectedSection { offset: 40, id: 5, after: 6 };
        assert_eq!(
            e.to_string(),
            "at byte 40: expected the end marker 0 or an optional section id >= 128, found section id 5"
        );
        let e = BlobError::Truncated { offset: 7, what: "the code", needed: 10, available: 3 };
        assert_eq!(e.to_string(), "at byte 7: expected the code (10 bytes), found only 3 bytes left");
        assert_eq!(e.offset(), Some(7));
        assert_eq!(BlobError::UnsupportedVersion(9).offset(), Some(4));
        let e = BlobError::ValueTooLarge { what: "x", value: 1, max: 0 };
        assert_eq!(e.offset(), None);
        assert!(!e.to_string().contains('\n'));
        let e = LayoutError::AddressSpaceExceeded { needed: 0x1_0000_1000 };
        assert_eq!(
            e.to_string(),
            "the memory layout needs 0x100001000 bytes of address space, more than 2^32"
        );
    }
}
