//! Feeds bytes to every blob parser; whatever parses must be rewritten and re-parsed to an
//! equal value, must validate, and must be accepted by the program-image constructors without
//! panicking.
#![no_main]

use isa::blob::{CodeBlob, ProgramBlob, StandardProgram};
use libfuzzer_sys::fuzz_target;
use vm::ProgramImage;

fuzz_target!(|data: &[u8]| {
    if let Ok(blob) = ProgramBlob::parse(data) {
        let bytes = blob.to_bytes();
        assert_eq!(ProgramBlob::parse(&bytes).as_ref(), Ok(&blob), "ProgramBlob round trip");
        assert_eq!(blob.validate(), Ok(()), "a parsed ProgramBlob must validate");
        let _ = ProgramImage::from_polkavm(&blob);
    }

    if let Ok(code) = CodeBlob::parse(data) {
        let bytes = code.to_bytes();
        // (Not byte-exact in general: the varint reader accepts non-minimal encodings.)
        assert!(bytes.len() <= data.len(), "CodeBlob rewrite grew");
        assert_eq!(CodeBlob::parse(&bytes).as_ref(), Ok(&code), "CodeBlob round trip");
        assert_eq!(code.validate(), Ok(()), "a parsed CodeBlob must validate");
    }

    if let Ok(program) = StandardProgram::parse_any(data) {
        let bytes = program.to_bytes().expect("a parsed standard program can be written");
        let again = if program.metadata.is_some() {
            StandardProgram::parse_with_metadata(&bytes)
        } else {
            StandardProgram::parse(&bytes)
        };
        assert_eq!(again.as_ref(), Ok(&program), "StandardProgram round trip");
        // `parse_any` prefers the plain form; a metadata-prefixed encoding that happens to
        // parse as plain `Y` too is a documented ambiguity, not a round-trip failure.
        let ambiguous = program.metadata.is_some() && StandardProgram::parse(&bytes).is_ok();
        if !ambiguous {
            assert_eq!(StandardProgram::parse_any(&bytes).as_ref(), Ok(&program), "parse_any round trip");
        }
        let _ = program.layout(0);
        let _ = ProgramImage::from_standard(&program, isa::InstructionSet::Gp072, &data[..data.len().min(64)]);
    }
});
