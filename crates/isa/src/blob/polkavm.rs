//! The `.polkavm` container: `"PVM\0"`, a version byte, the u64 LE total length, then sections
//! `{u8 id, varint len, payload}` ended by id 0.
//!
//! Sections 1 (memory config), 2 (RO data), 3 (RW data), 4 (imports), 5 (exports) and 6 (code,
//! required) come in strictly increasing order, each at most once. Optional sections (ids ≥ 128)
//! are accepted only after section 6, in any order and repeated, exactly as PolkaVM 0.37's parser
//! accepts them; they are kept verbatim in [`ProgramBlob::extra_sections`]. Any other id is an
//! [`BlobError::UnexpectedSection`].
//!
//! Deliberate differences from PolkaVM 0.37, all on malformed input:
//! * export tables are decoded eagerly and must be well-formed and fill their section exactly
//!   (PolkaVM decodes lazily and silently stops at the first malformed export);
//! * import symbol offsets must be non-decreasing and within the symbol area (PolkaVM fails
//!   only when the import is looked up);
//! * varints with the non-canonical first bytes `0xF1..=0xF7` are rejected (see [`crate::varint`]);
//! * every version, including 2 (`Latest64`), is read with the bitmask code layout
//!   ([`InstructionSet::Latest64`] is the ≤ 0.35 encoding).
//!
//! Like PolkaVM, bytes after the end marker are ignored (the header length still covers them).

use alloc::vec::Vec;

use super::error::BlobError;
use super::reader::{to_u32, to_usize, Reader};
use super::{CodeBlob, Export, Import, OpaqueSection, ProgramBlob};
use crate::decode::CodeView;
use crate::variant::InstructionSet;
use crate::varint;

/// The first four bytes of every `.polkavm` blob.
pub const BLOB_MAGIC: [u8; 4] = *b"PVM\0";
/// Most imports a blob may declare (PolkaVM `VM_MAXIMUM_IMPORT_COUNT`).
pub const MAX_IMPORTS: u32 = 1024;
/// Section id: end of file.
pub const SECTION_END: u8 = 0;
/// Section id: memory configuration.
pub const SECTION_MEMORY_CONFIG: u8 = 1;
/// Section id: initial RO data.
pub const SECTION_RO_DATA: u8 = 2;
/// Section id: initial RW data.
pub const SECTION_RW_DATA: u8 = 3;
/// Section id: imports.
pub const SECTION_IMPORTS: u8 = 4;
/// Section id: exports.
pub const SECTION_EXPORTS: u8 = 5;
/// Section id: code and jump table.
pub const SECTION_CODE: u8 = 6;
/// Smallest optional section id.
pub const FIRST_OPTIONAL_SECTION: u8 = 128;

/// Offset of the u64 total-length field in the header.
const LENGTH_OFFSET: usize = 5;

impl ProgramBlob {
    /// A blob of `code` under `isa` and nothing else (no data, stack, imports or exports);
    /// `None` if `isa` has no `.polkavm` version byte.
    pub fn with_code(isa: InstructionSet, code: CodeBlob) -> Option<ProgramBlob> {
        Some(ProgramBlob {
            version: isa.blob_version()?,
            isa,
            ro_data_size: 0,
            rw_data_size: 0,
            stack_size: 0,
            ro_data: Vec::new(),
            rw_data: Vec::new(),
            imports: Vec::new(),
            exports: Vec::new(),
            code,
            extra_sections: Vec::new(),
        })
    }

    /// Parses and validates a `.polkavm` blob.
    pub fn parse(bytes: &[u8]) -> Result<ProgramBlob, BlobError> {
        match bytes.get(..4) {
            Some(magic) if magic == BLOB_MAGIC => {}
            None if BLOB_MAGIC.starts_with(bytes) => {
                return Err(BlobError::Truncated {
                    offset: 0,
                    what: "the magic bytes",
                    needed: 4,
                    available: bytes.len(),
                })
            }
            _ => return Err(BlobError::BadMagic),
        }
        let mut r = Reader::new(bytes, 0);
        r.take(4, "the magic bytes")?;
        let version = r.u8("the blob version")?;
        let isa = InstructionSet::from_blob_version(version).ok_or(BlobError::UnsupportedVersion(version))?;
        let declared = r.u64_le("the blob length")?;
        let actual = bytes.len() as u64;
        if declared != actual {
            return Err(BlobError::LengthMismatch { declared, actual });
        }

        let mut blob =
            ProgramBlob::with_code(isa, CodeBlob::default()).ok_or(BlobError::UnsupportedVersion(version))?;
        let mut have_code = false;
        let mut last = SECTION_END;
        loop {
            let offset = r.offset();
            let id = r.u8("a section id or the end marker 0")?;
            if id == SECTION_END {
                if !have_code {
                    return Err(BlobError::MissingCode { offset });
                }
                return Ok(blob);
            }
            let in_order =
                if id >= FIRST_OPTIONAL_SECTION { have_code } else { id > last && id <= SECTION_CODE };
            if !in_order {
                return Err(BlobError::UnexpectedSection { offset, id, after: last });
            }
            let declared = r.varint("a section length")?;
            let base = r.offset();
            let available = r.remaining();
            let payload = r
                .take(to_usize(declared), "a section payload")
                .map_err(|_| BlobError::SectionOverrun { offset, id, declared, available })?;
            match id {
                SECTION_MEMORY_CONFIG => {
                    let mut s = Reader::new(payload, base);
                    blob.ro_data_size = s.varint("the RO data size")?;
                    blob.rw_data_size = s.varint("the RW data size")?;
                    blob.stack_size = s.varint("the stack size")?;
                    if s.remaining() != 0 {
                        let used = payload.len() - s.remaining();
                        return Err(BlobError::SectionSizeMismatch { offset: base, id, declared, used });
                    }
                }
                SECTION_RO_DATA => blob.ro_data = data(payload, base, "RO data", blob.ro_data_size)?,
                SECTION_RW_DATA => blob.rw_data = data(payload, base, "RW data", blob.rw_data_size)?,
                SECTION_IMPORTS => blob.imports = parse_imports(payload, base)?,
                SECTION_EXPORTS => blob.exports = parse_exports(payload, base)?,
                SECTION_CODE => {
                    if payload.is_empty() {
                        return Err(BlobError::MissingCode { offset });
                    }
                    blob.code = CodeBlob::parse_at(payload, base)?;
                    have_code = true;
                }
                _ => blob.extra_sections.push(OpaqueSection { id, payload: payload.to_vec() }),
            }
            last = id;
        }
    }

    /// Encodes the blob the way PolkaVM's writer does: empty sections and an all-zero memory
    /// configuration are left out, and the total length is filled in. Optional sections are
    /// written in their stored order, even when empty, so that any parsed blob round-trips.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(64 + self.ro_data.len() + self.rw_data.len() + self.code.code.len() * 2);
        out.extend_from_slice(&BLOB_MAGIC);
        out.push(self.version);
        out.extend_from_slice(&[0; 8]);

        if self.ro_data_size != 0 || self.rw_data_size != 0 || self.stack_size != 0 {
            let mut p = Vec::new();
            varint::write(&mut p, self.ro_data_size);
            varint::write(&mut p, self.rw_data_size);
            varint::write(&mut p, self.stack_size);
            push_section(&mut out, SECTION_MEMORY_CONFIG, &p);
        }
        if !self.ro_data.is_empty() {
            push_section(&mut out, SECTION_RO_DATA, &self.ro_data);
        }
        if !self.rw_data.is_empty() {
            push_section(&mut out, SECTION_RW_DATA, &self.rw_data);
        }
        if !self.imports.is_empty() {
            let mut p = Vec::new();
            varint::write(&mut p, to_u32(self.imports.len()));
            let mut at = 0usize;
            for import in &self.imports {
                p.extend_from_slice(&to_u32(at).to_le_bytes());
                at += import.symbol.len();
            }
            for import in &self.imports {
                p.extend_from_slice(&import.symbol);
            }
            push_section(&mut out, SECTION_IMPORTS, &p);
        }
        if !self.exports.is_empty() {
            let mut p = Vec::new();
            varint::write(&mut p, to_u32(self.exports.len()));
            for export in &self.exports {
                varint::write(&mut p, export.pc);
                varint::write(&mut p, to_u32(export.symbol.len()));
                p.extend_from_slice(&export.symbol);
            }
            push_section(&mut out, SECTION_EXPORTS, &p);
        }
        push_section(&mut out, SECTION_CODE, &self.code.to_bytes());
        for section in &self.extra_sections {
            push_section(&mut out, section.id, &section.payload);
        }
        out.push(SECTION_END);

        let len = (out.len() as u64).to_le_bytes();
        out[LENGTH_OFFSET..LENGTH_OFFSET + 8].copy_from_slice(&len);
        out
    }

    /// Checks that [`ProgramBlob::to_bytes`] produces a blob that parses back to `self`
    /// (version and `isa` agree, data fits the declared sizes, import count, section ids,
    /// code blob validity). Offsets in the errors refer to the encoded form.
    pub fn validate(&self) -> Result<(), BlobError> {
        if let Some(expected) = InstructionSet::from_blob_version(self.version) {
            if expected != self.isa {
                return Err(BlobError::IsaMismatch { version: self.version, expected, found: self.isa });
            }
        }
        self.code.validate()?;
        let parsed = Self::parse(&self.to_bytes())?;
        if parsed != *self {
            // Only a length beyond u32 can get here; it was saturated when written.
            return Err(BlobError::ValueTooLarge {
                what: "a section length",
                value: u64::MAX,
                max: u64::from(u32::MAX),
            });
        }
        Ok(())
    }

    /// A decoder view of the code under the blob's instruction set.
    pub fn code_view(&self) -> CodeView<'_> {
        self.code.view(self.isa)
    }
}

/// RO or RW data, checked against its declared size.
fn data(payload: &[u8], offset: usize, what: &'static str, declared: u32) -> Result<Vec<u8>, BlobError> {
    if payload.len() > to_usize(declared) {
        return Err(BlobError::DataTooLarge { offset, what, len: payload.len(), declared });
    }
    Ok(payload.to_vec())
}

/// Section 4: `varint count`, `count` u32 LE offsets, then the symbol area.
fn parse_imports(payload: &[u8], base: usize) -> Result<Vec<Import>, BlobError> {
    let mut r = Reader::new(payload, base);
    let count_offset = r.offset();
    let count = r.varint("the import count")?;
    if count > MAX_IMPORTS {
        return Err(BlobError::TooManyImports { offset: count_offset, count, max: MAX_IMPORTS });
    }
    let offsets_at = r.offset();
    let offsets = r.take(to_usize(count) * 4, "the import symbol offsets")?;
    let symbols = r.rest();
    let max = to_u32(symbols.len());
    let starts: Vec<u32> = offsets.chunks_exact(4).map(super::reader::le_u32).collect();
    let mut imports = Vec::with_capacity(starts.len());
    let mut min = 0;
    for (index, &value) in starts.iter().enumerate() {
        if value < min || value > max {
            return Err(BlobError::BadImportOffset {
                offset: offsets_at + index * 4,
                index: index as u32,
                value,
                min,
                max,
            });
        }
        min = value;
    }
    for (index, &start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(max);
        let symbol = symbols.get(to_usize(start)..to_usize(end)).unwrap_or_default();
        imports.push(Import { symbol: symbol.to_vec() });
    }
    Ok(imports)
}

/// Section 5: `varint count`, then per export `varint pc, varint len, symbol`.
fn parse_exports(payload: &[u8], base: usize) -> Result<Vec<Export>, BlobError> {
    let mut r = Reader::new(payload, base);
    let count = r.varint("the export count")?;
    // Each export takes at least two bytes; never reserve more than the payload can hold.
    let mut exports = Vec::with_capacity(to_usize(count).min(r.remaining() / 2));
    for _ in 0..count {
        let pc = r.varint("an export's code offset")?;
        let len = r.varint("an export's symbol length")?;
        let symbol = r.take(to_usize(len), "an export's symbol")?;
        exports.push(Export { pc, symbol: symbol.to_vec() });
    }
    if r.remaining() != 0 {
        return Err(BlobError::TrailingBytes {
            offset: r.offset(),
            count: r.remaining(),
            what: "the exports section",
        });
    }
    Ok(exports)
}

/// Appends `{id, varint len, payload}`.
fn push_section(out: &mut Vec<u8>, id: u8, payload: &[u8]) {
    out.push(id);
    varint::write(out, to_u32(payload.len()));
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// Assembles a container from raw sections, with a correct length field.
    fn container(version: u8, sections: &[(u8, &[u8])]) -> Vec<u8> {
        let mut out = BLOB_MAGIC.to_vec();
        out.push(version);
        out.extend_from_slice(&[0; 8]);
        for (id, payload) in sections {
            push_section(&mut out, *id, payload);
        }
        out.push(SECTION_END);
        let len = (out.len() as u64).to_le_bytes();
        out[5..13].copy_from_slice(&len);
        out
    }

    const CODE: &[u8] = &[1, 1, 2, 4, 0, 0, 0b11];

    fn sample() -> ProgramBlob {
        ProgramBlob {
            version: 0,
            isa: InstructionSet::ReviveV1,
            ro_data_size: 0x1000,
            rw_data_size: 8,
            stack_size: 0x2000,
            ro_data: vec![1, 2, 3],
            rw_data: vec![4],
            imports: vec![
                Import { symbol: b"gas".to_vec() },
                Import { symbol: b"".to_vec() },
                Import { symbol: b"x".to_vec() },
            ],
            exports: vec![
                Export { pc: 0, symbol: b"call".to_vec() },
                Export { pc: 0x200, symbol: b"deploy".to_vec() },
            ],
            code: CodeBlob::parse(CODE).unwrap(),
            extra_sections: vec![
                OpaqueSection { id: 131, payload: vec![9; 3] },
                OpaqueSection { id: 128, payload: vec![] },
            ],
        }
    }

    #[test]
    fn round_trips() {
        let blob = sample();
        let bytes = blob.to_bytes();
        assert_eq!(ProgramBlob::parse(&bytes), Ok(blob.clone()));
        assert_eq!(blob.validate(), Ok(()));
        assert_eq!(blob.code_view().code, &[0, 0]);
        // Minimal blob: only code; the memory config is omitted when all sizes are zero.
        let minimal = container(3, &[(6, &[0, 0, 0])]);
        let parsed = ProgramBlob::parse(&minimal).unwrap();
        assert_eq!(parsed.isa, InstructionSet::JamV1);
        assert!(parsed.code.code.is_empty());
        assert_eq!(parsed.to_bytes(), minimal);
        // Bytes after the end marker are ignored, as PolkaVM does.
        let mut tail = minimal.clone();
        tail.push(0xAA);
        tail[5] += 1;
        assert_eq!(ProgramBlob::parse(&tail), Ok(parsed));
    }

    #[test]
    fn optional_sections_only_after_code() {
        let ok = container(1, &[(6, CODE), (130, &[1]), (128, &[2]), (130, &[])]);
        let ids: Vec<u8> = ProgramBlob::parse(&ok).unwrap().extra_sections.iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![130, 128, 130]);
        let bad = container(1, &[(128, &[1]), (6, CODE)]);
        assert_eq!(
            ProgramBlob::parse(&bad),
            Err(BlobError::UnexpectedSection { offset: 13, id: 128, after: 0 })
        );
        let bad = container(1, &[(6, CODE), (128, &[]), (2, &[])]);
        assert!(matches!(
            ProgramBlob::parse(&bad),
            Err(BlobError::UnexpectedSection { id: 2, after: 128, .. })
        ));
    }
}
