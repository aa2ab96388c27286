//! Every `.polkavm` container error variant, reached through the public API with hand-built
//! blobs, plus `ProgramBlob::validate` on inconsistent in-memory programs.

use gannet_isa::blob::{
    BlobError, CodeBlob, Export, Import, OpaqueSection, ProgramBlob, BLOB_MAGIC, SECTION_END,
};
use gannet_isa::{varint, InstructionSet};

/// Assembles a container from raw sections, with a correct length field.
fn container(version: u8, sections: &[(u8, &[u8])]) -> Vec<u8> {
    let mut out = BLOB_MAGIC.to_vec();
    out.push(version);
    out.extend_from_slice(&[0; 8]);
    for (id, payload) in sections {
        out.push(*id);
        varint::write(&mut out, payload.len() as u32);
        out.extend_from_slice(payload);
    }
    out.push(SECTION_END);
    let len = (out.len() as u64).to_le_bytes();
    out[5..13].copy_from_slice(&len);
    out
}

/// `count 1, z 1, code length 2, entry 4, code [0, 0], bitmask 0b11`.
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
        imports: vec![Import { symbol: b"gas".to_vec() }],
        exports: vec![Export { pc: 0, symbol: b"call".to_vec() }],
        code: CodeBlob::parse(CODE).unwrap(),
        extra_sections: vec![OpaqueSection { id: 131, payload: vec![9; 3] }],
    }
}

#[test]
fn every_container_error_is_reachable() {
    use BlobError::*;
    let parse = ProgramBlob::parse;
    assert!(matches!(parse(b"PV"), Err(Truncated { offset: 0, available: 2, .. })));
    assert_eq!(parse(b"ELF\x7f...."), Err(BadMagic));
    assert!(matches!(parse(b"PVM\0"), Err(Truncated { offset: 4, .. })));
    assert_eq!(parse(b"PVM\0\x04"), Err(UnsupportedVersion(4)));
    assert!(matches!(parse(b"PVM\0\x00\x01"), Err(Truncated { offset: 5, what: "the blob length", .. })));
    let mut b = container(0, &[(6, CODE)]);
    b[5] = 0;
    assert_eq!(parse(&b), Err(LengthMismatch { declared: 0, actual: b.len() as u64 }));
    let mut b = container(0, &[(6, CODE)]);
    b.pop();
    b[5] -= 1;
    assert!(matches!(parse(&b), Err(Truncated { what: "a section id or the end marker 0", .. })));
    let b = container(0, &[(3, &[]), (2, &[])]);
    assert_eq!(parse(&b), Err(UnexpectedSection { offset: 15, id: 2, after: 3 }));
    let b = container(0, &[(6, CODE), (6, CODE)]);
    assert!(matches!(parse(&b), Err(UnexpectedSection { id: 6, after: 6, .. })));
    let b = container(0, &[(7, &[])]);
    assert_eq!(parse(&b), Err(UnexpectedSection { offset: 13, id: 7, after: 0 }));
    let mut b = container(0, &[(2, &[1, 2])]);
    b[14] = 9;
    assert_eq!(parse(&b), Err(SectionOverrun { offset: 13, id: 2, declared: 9, available: 3 }));
    let mut b = container(0, &[(2, &[1, 2])]);
    b[14] = 0xFF;
    assert!(matches!(parse(&b), Err(BadVarint { offset: 14, byte: 0xFF, .. })));
    let b = container(0, &[(1, &[0, 0, 0, 0]), (6, CODE)]);
    assert_eq!(parse(&b), Err(SectionSizeMismatch { offset: 15, id: 1, declared: 4, used: 3 }));
    let b = container(0, &[(1, &[0, 0])]);
    assert!(matches!(parse(&b), Err(Truncated { offset: 17, what: "the stack size", .. })));
    let b = container(0, &[(1, &[1, 0, 0]), (2, &[1, 2])]);
    assert_eq!(parse(&b), Err(DataTooLarge { offset: 20, what: "RO data", len: 2, declared: 1 }));
    let b = container(0, &[(3, &[1])]);
    assert_eq!(parse(&b), Err(DataTooLarge { offset: 15, what: "RW data", len: 1, declared: 0 }));
    let b = container(0, &[(4, &[0x84, 0x01])]);
    assert_eq!(parse(&b), Err(TooManyImports { offset: 15, count: 1025, max: 1024 }));
    let b = container(0, &[(4, &[2, 1, 0, 0, 0, 0, 0, 0, 0, b'a'])]);
    assert_eq!(parse(&b), Err(BadImportOffset { offset: 20, index: 1, value: 0, min: 1, max: 1 }));
    let b = container(0, &[(4, &[1, 2, 0, 0, 0, b'a'])]);
    assert_eq!(parse(&b), Err(BadImportOffset { offset: 16, index: 0, value: 2, min: 0, max: 1 }));
    let b = container(0, &[(4, &[2, 0, 0, 0])]);
    assert!(matches!(parse(&b), Err(Truncated { offset: 16, what: "the import symbol offsets", .. })));
    let b = container(0, &[(5, &[1, 0, 3, b'a'])]);
    assert!(matches!(parse(&b), Err(Truncated { offset: 18, what: "an export's symbol", .. })));
    let b = container(0, &[(5, &[1, 0, 1, b'a', 0])]);
    assert_eq!(parse(&b), Err(TrailingBytes { offset: 19, count: 1, what: "the exports section" }));
    let b = container(0, &[(2, &[])]);
    assert_eq!(parse(&b), Err(MissingCode { offset: 15 }));
    let b = container(0, &[(6, &[])]);
    assert_eq!(parse(&b), Err(MissingCode { offset: 13 }));
    let b = container(0, &[(6, &[0, 0, 1, 0, 2])]);
    assert_eq!(parse(&b), Err(BitmaskPadding { offset: 19, byte: 2 }));
}

#[test]
fn validate_reports_inconsistent_fields() {
    let mut blob = sample();
    blob.isa = InstructionSet::Gp072;
    assert!(matches!(blob.validate(), Err(BlobError::IsaMismatch { version: 0, .. })));
    let mut blob = sample();
    blob.ro_data_size = 1;
    assert!(matches!(blob.validate(), Err(BlobError::DataTooLarge { what: "RO data", .. })));
    let mut blob = sample();
    blob.extra_sections.push(OpaqueSection { id: 9, payload: vec![] });
    assert!(matches!(blob.validate(), Err(BlobError::UnexpectedSection { id: 9, .. })));
    let mut blob = sample();
    blob.version = 7;
    assert_eq!(blob.validate(), Err(BlobError::UnsupportedVersion(7)));
}
