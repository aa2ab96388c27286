//! Property tests of the blob parsers: no input makes them panic, whatever they accept
//! re-encodes to an equal value, and random valid programs round-trip exactly.

use gannet_isa::blob::{CodeBlob, Export, Import, OpaqueSection, ProgramBlob, StandardProgram, BLOB_MAGIC};
use gannet_isa::InstructionSet;
use proptest::collection::vec;
use proptest::prelude::*;

/// Runs every parser on `bytes`; whatever parses must survive a write/parse cycle unchanged.
fn parse_everything(bytes: &[u8]) {
    if let Ok(code) = CodeBlob::parse(bytes) {
        assert_eq!(CodeBlob::parse(&code.to_bytes()), Ok(code.clone()));
    }
    if let Ok(blob) = ProgramBlob::parse(bytes) {
        assert_eq!(ProgramBlob::parse(&blob.to_bytes()), Ok(blob.clone()));
        assert_eq!(blob.validate(), Ok(()));
    }
    for parse in [StandardProgram::parse, StandardProgram::parse_with_metadata, StandardProgram::parse_any] {
        if let Ok(program) = parse(bytes) {
            let again = program.to_bytes().unwrap();
            let reparsed = match program.metadata {
                Some(_) => StandardProgram::parse_with_metadata(&again),
                None => StandardProgram::parse(&again),
            };
            assert_eq!(reparsed, Ok(program));
        }
    }
}

/// A container header (magic, `version`) followed by `body`, with a correct length field.
fn with_header(version: u8, body: &[u8]) -> Vec<u8> {
    let mut out = BLOB_MAGIC.to_vec();
    out.push(version);
    out.extend_from_slice(&((13 + body.len()) as u64).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// A valid code blob: random code, bitmask with zero padding, jump table of random width.
fn code_blob() -> impl Strategy<Value = CodeBlob> {
    (vec(any::<u8>(), 0..48), vec(any::<u8>(), 8), vec(any::<u32>(), 0..6), 0u8..=4, any::<bool>()).prop_map(
        |(code, mask_bytes, mut jump_table, widen, small)| {
            if small {
                for entry in &mut jump_table {
                    *entry &= 0xFF;
                }
            }
            let mut bitmask: Vec<u8> = mask_bytes.into_iter().cycle().take(code.len().div_ceil(8)).collect();
            if code.len() % 8 != 0 {
                if let Some(last) = bitmask.last_mut() {
                    *last &= (1u8 << (code.len() % 8)) - 1;
                }
            }
            let mut blob = CodeBlob::new(jump_table, code, bitmask);
            blob.jump_table_entry_size = blob.jump_table_entry_size.max(widen);
            blob
        },
    )
}

fn symbol() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..10)
}

fn program_blob() -> impl Strategy<Value = ProgramBlob> {
    (
        0u8..=3,
        (vec(any::<u8>(), 0..40), 0u32..5000, vec(any::<u8>(), 0..40), 0u32..5000, any::<u32>()),
        vec(symbol(), 0..4),
        vec((any::<u32>(), symbol()), 0..4),
        code_blob(),
        vec((128u8..=255, vec(any::<u8>(), 0..12)), 0..3),
    )
        .prop_map(
            |(version, (ro_data, ro_extra, rw_data, rw_extra, stack), imports, exports, code, extra)| {
                ProgramBlob {
                    version,
                    isa: InstructionSet::from_blob_version(version).unwrap(),
                    ro_data_size: ro_data.len() as u32 + ro_extra,
                    rw_data_size: rw_data.len() as u32 + rw_extra,
                    stack_size: stack,
                    ro_data,
                    rw_data,
                    imports: imports.into_iter().map(|symbol| Import { symbol }).collect(),
                    exports: exports.into_iter().map(|(pc, symbol)| Export { pc, symbol }).collect(),
                    code,
                    extra_sections: extra
                        .into_iter()
                        .map(|(id, payload)| OpaqueSection { id, payload })
                        .collect(),
                }
            },
        )
}

fn standard_program() -> impl Strategy<Value = StandardProgram> {
    (
        proptest::option::of(vec(any::<u8>(), 0..200)),
        vec(any::<u8>(), 0..40),
        vec(any::<u8>(), 0..40),
        any::<u16>(),
        0u32..0x100_0000,
        code_blob(),
    )
        .prop_map(|(metadata, ro_data, rw_data, heap_pages, stack_size, code)| StandardProgram {
            metadata,
            ro_data,
            rw_data,
            heap_pages,
            stack_size,
            code,
        })
}

/// Byte edits applied to an encoding: `(position, new byte, kind)` with kind 0 = overwrite,
/// 1 = insert, 2 = delete.
fn edits() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    vec((any::<usize>(), any::<u8>(), 0u8..3), 1..4)
}

fn apply(bytes: &mut Vec<u8>, edits: &[(usize, u8, u8)]) {
    for &(at, byte, kind) in edits {
        let len = bytes.len();
        match kind {
            0 if len > 0 => bytes[at % len] = byte,
            1 => bytes.insert(at % (len + 1), byte),
            2 if len > 0 => {
                bytes.remove(at % len);
            }
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..300)) {
        parse_everything(&bytes);
    }

    #[test]
    fn arbitrary_container_bodies_never_panic(version in 0u8..5, body in vec(any::<u8>(), 0..300)) {
        parse_everything(&with_header(version, &body));
    }

    #[test]
    fn arbitrary_code_blob_tails_never_panic(count in 0u8..8, size in 0u8..6, len in 0u8..40, tail in vec(any::<u8>(), 0..80)) {
        let mut bytes = vec![count, size, len];
        bytes.extend_from_slice(&tail);
        parse_everything(&bytes);
    }

    #[test]
    fn valid_program_blobs_round_trip(blob in program_blob()) {
        let bytes = blob.to_bytes();
        prop_assert_eq!(ProgramBlob::parse(&bytes), Ok(blob.clone()));
        prop_assert_eq!(blob.validate(), Ok(()));
        prop_assert_eq!(ProgramBlob::parse(&bytes).unwrap().to_bytes(), bytes);
    }

    #[test]
    fn mutated_program_blobs_never_panic(blob in program_blob(), edits in edits()) {
        let mut bytes = blob.to_bytes();
        apply(&mut bytes, &edits);
        if bytes.len() >= 13 {
            let len = (bytes.len() as u64).to_le_bytes();
            bytes[5..13].copy_from_slice(&len);
        }
        parse_everything(&bytes);
    }

    #[test]
    fn valid_standard_programs_round_trip(program in standard_program(), edits in edits()) {
        let mut bytes = program.to_bytes().unwrap();
        let parsed = if program.metadata.is_some() {
            StandardProgram::parse_with_metadata(&bytes)
        } else {
            StandardProgram::parse(&bytes)
        };
        prop_assert_eq!(parsed, Ok(program.clone()));
        if program.metadata.is_none() {
            prop_assert_eq!(StandardProgram::parse_any(&bytes), Ok(program.clone()));
        }
        apply(&mut bytes, &edits);
        parse_everything(&bytes);
    }
}
