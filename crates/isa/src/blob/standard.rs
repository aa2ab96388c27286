//! The JAM standard program `Y` (GP §A.7) and its service-code form with metadata.
//!
//! ```text
//! Y = E3(|o|) E3(|w|) E2(z) E3(s) o w E4(|c|) c        (fixed-width little-endian lengths)
//! service code = E(|m|) m Y                            (E = varint)
//! ```
//!
//! `c` is a [`CodeBlob`] that must fill its `|c|` bytes exactly, and `Y` must end the input.
//! Parsing checks the format only; [`StandardProgram::layout`] checks that the program fits the
//! address space (GP: `Y(p) = ∅` otherwise, which `Ψ_M` turns into a panic).

use alloc::vec::Vec;

use super::error::{BlobError, LayoutError};
use super::layout::StandardLayout;
use super::reader::{to_u32, to_usize, Reader};
use super::{CodeBlob, StandardProgram};
use crate::varint;

/// Largest value of a 3-byte field (`|o|`, `|w|`, `s`).
const MAX_E3: u32 = 0xFF_FFFF;

impl StandardProgram {
    /// Parses a plain `Y` blob (no metadata prefix); it must be consumed exactly.
    pub fn parse(bytes: &[u8]) -> Result<StandardProgram, BlobError> {
        parse_y(bytes, 0, None)
    }

    /// Parses `E(|m|) m Y`, the form a JAM service account stores as its code preimage.
    pub fn parse_with_metadata(bytes: &[u8]) -> Result<StandardProgram, BlobError> {
        let mut r = Reader::new(bytes, 0);
        let len = r.varint("the metadata length")?;
        let metadata = r.take(to_usize(len), "the metadata")?;
        let base = r.offset();
        parse_y(r.rest(), base, Some(metadata.to_vec()))
    }

    /// Parses either form. The plain form is tried first and wins whenever it succeeds; since it
    /// must consume every byte, with `|o|`, `|w|`, `|c|` and the code blob's own lengths all
    /// agreeing, a metadata-prefixed blob practically never also parses as plain `Y`. When both
    /// fail, the error of the attempt that got further into the input is returned (the plain
    /// one on a tie).
    pub fn parse_any(bytes: &[u8]) -> Result<StandardProgram, BlobError> {
        let plain = match Self::parse(bytes) {
            Ok(program) => return Ok(program),
            Err(e) => e,
        };
        match Self::parse_with_metadata(bytes) {
            Ok(program) => Ok(program),
            Err(meta) if meta.offset() > plain.offset() => Err(meta),
            Err(_) => Err(plain),
        }
    }

    /// Encodes the program, with the `E(|m|) m` prefix when `metadata` is set. Fails when a
    /// length does not fit its fixed-width field (`|o|`, `|w|`, `s` ≤ 2^24 − 1, `|c|` < 2^32).
    pub fn to_bytes(&self) -> Result<Vec<u8>, BlobError> {
        let e3 = |what: &'static str, value: usize| {
            let value = to_u32(value);
            if value > MAX_E3 {
                Err(BlobError::ValueTooLarge { what, value: u64::from(value), max: u64::from(MAX_E3) })
            } else {
                Ok(value)
            }
        };
        let ro_len = e3("the RO data length |o|", self.ro_data.len())?;
        let rw_len = e3("the RW data length |w|", self.rw_data.len())?;
        let stack = e3("the stack size s", to_usize(self.stack_size))?;
        let code = self.code.to_bytes();
        let code_len = u32::try_from(code.len()).map_err(|_| BlobError::ValueTooLarge {
            what: "the code blob length |c|",
            value: code.len() as u64,
            max: u64::from(u32::MAX),
        })?;

        let mut out = Vec::with_capacity(16 + self.ro_data.len() + self.rw_data.len() + code.len());
        if let Some(metadata) = &self.metadata {
            let len = u32::try_from(metadata.len()).map_err(|_| BlobError::ValueTooLarge {
                what: "the metadata length",
                value: metadata.len() as u64,
                max: u64::from(u32::MAX),
            })?;
            varint::write(&mut out, len);
            out.extend_from_slice(metadata);
        }
        out.extend_from_slice(&ro_len.to_le_bytes()[..3]);
        out.extend_from_slice(&rw_len.to_le_bytes()[..3]);
        out.extend_from_slice(&self.heap_pages.to_le_bytes());
        out.extend_from_slice(&stack.to_le_bytes()[..3]);
        out.extend_from_slice(&self.ro_data);
        out.extend_from_slice(&self.rw_data);
        out.extend_from_slice(&code_len.to_le_bytes());
        out.extend_from_slice(&code);
        Ok(out)
    }

    /// The initial memory layout for argument data of `args_len` bytes.
    pub fn layout(&self, args_len: u32) -> Result<StandardLayout, LayoutError> {
        StandardLayout::new(
            to_u32(self.ro_data.len()),
            to_u32(self.rw_data.len()),
            self.heap_pages,
            self.stack_size,
            args_len,
        )
    }
}

/// Parses `Y` from `bytes`, whose first byte is at absolute offset `base`.
fn parse_y(bytes: &[u8], base: usize, metadata: Option<Vec<u8>>) -> Result<StandardProgram, BlobError> {
    let mut r = Reader::new(bytes, base);
    let ro_len = r.le(3, "the RO data length |o|")?;
    let rw_len = r.le(3, "the RW data length |w|")?;
    let heap_pages = r.le(2, "the heap page count z")? as u16;
    let stack_size = r.le(3, "the stack size s")?;
    let ro_data = r.take(to_usize(ro_len), "the RO data o")?.to_vec();
    let rw_data = r.take(to_usize(rw_len), "the RW data w")?.to_vec();
    let code_len = r.le(4, "the code blob length |c|")?;
    let code_at = r.offset();
    let code = CodeBlob::parse_at(r.take(to_usize(code_len), "the code blob c")?, code_at)?;
    if r.remaining() != 0 {
        return Err(BlobError::TrailingBytes {
            offset: r.offset(),
            count: r.remaining(),
            what: "the standard program",
        });
    }
    Ok(StandardProgram { metadata, ro_data, rw_data, heap_pages, stack_size, code })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn sample() -> StandardProgram {
        StandardProgram {
            metadata: None,
            ro_data: vec![1, 2, 3],
            rw_data: vec![4, 5],
            heap_pages: 0x0102,
            stack_size: 0x1_0000,
            code: CodeBlob::new(vec![0, 1], vec![0, 1, 0], vec![0b011]),
        }
    }

    #[test]
    fn round_trips_both_forms() {
        let program = sample();
        let bytes = program.to_bytes().unwrap();
        assert_eq!(&bytes[..14], &[3, 0, 0, 2, 0, 0, 2, 1, 0, 0, 1, 1, 2, 3]);
        assert_eq!(StandardProgram::parse(&bytes), Ok(program.clone()));
        assert_eq!(StandardProgram::parse_any(&bytes), Ok(program.clone()));

        let with_meta = StandardProgram { metadata: Some(b"svc 1.0".to_vec()), ..program };
        let bytes = with_meta.to_bytes().unwrap();
        assert_eq!(bytes[0], 7);
        assert_eq!(StandardProgram::parse_with_metadata(&bytes), Ok(with_meta.clone()));
        assert_eq!(StandardProgram::parse_any(&bytes), Ok(with_meta));
    }

    #[test]
    fn layout_uses_the_program_sizes() {
        let l = sample().layout(4).unwrap();
        assert_eq!((l.rw_base, l.rw_size), (0x30000, 0x1000 + 0x102 * 0x1000));
        assert_eq!(l.stack_low, 0xFEFE_0000 - 0x1_0000);
    }

    #[test]
    fn every_error_is_reachable() {
        use BlobError::*;
        let bytes = sample().to_bytes().unwrap();
        assert!(matches!(StandardProgram::parse(&bytes[..2]), Err(Truncated { offset: 0, .. })));
        assert!(matches!(
            StandardProgram::parse(&bytes[..7]),
            Err(Truncated { offset: 6, what: "the heap page count z", .. })
        ));
        assert!(matches!(
            StandardProgram::parse(&bytes[..12]),
            Err(Truncated { offset: 11, what: "the RO data o", .. })
        ));
        assert!(matches!(StandardProgram::parse(&bytes[..18]), Err(Truncated { offset: 16, .. })));
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            StandardProgram::parse(&long),
            Err(TrailingBytes { offset: bytes.len(), count: 1, what: "the standard program" })
        );
        // Corrupt the code blob's bitmask: the error points into the whole input.
        let mut bad = bytes.clone();
        *bad.last_mut().unwrap() = 0xFF;
        assert_eq!(StandardProgram::parse(&bad), Err(BitmaskPadding { offset: bytes.len() - 1, byte: 0xFF }));
        // With metadata the offsets include the prefix.
        let mut meta = vec![2, b'h', b'i'];
        meta.extend_from_slice(&bad);
        assert_eq!(
            StandardProgram::parse_with_metadata(&meta),
            Err(BitmaskPadding { offset: bytes.len() + 2, byte: 0xFF })
        );
        assert_eq!(
            StandardProgram::parse_any(&meta),
            Err(BitmaskPadding { offset: bytes.len() + 2, byte: 0xFF })
        );
        assert!(matches!(
            StandardProgram::parse_with_metadata(&[]),
            Err(Truncated { what: "the metadata length", .. })
        ));
        assert!(matches!(StandardProgram::parse_with_metadata(&[0xFF]), Err(BadVarint { offset: 0, .. })));
        assert!(matches!(
            StandardProgram::parse_with_metadata(&[5, 1]),
            Err(Truncated { offset: 1, what: "the metadata", .. })
        ));

        let big = StandardProgram { ro_data: vec![0; 1 << 24], ..sample() };
        assert!(matches!(big.to_bytes(), Err(ValueTooLarge { what: "the RO data length |o|", .. })));
        let big = StandardProgram { stack_size: 1 << 24, ..sample() };
        assert!(matches!(big.to_bytes(), Err(ValueTooLarge { what: "the stack size s", .. })));
    }
}
