//! Feeds bytes (seeded with real guest ELF files) to the linker: it must return a program or
//! diagnostics, never panic, hang or allocate without bound; a program it returns must
//! serialise, parse back equal, validate, and load into the VM.
#![no_main]

use isa::blob::ProgramBlob;
use libfuzzer_sys::fuzz_target;
use linker::{link, LinkOptions, OutputIsa};
use vm::ProgramImage;

fuzz_target!(|data: &[u8]| {
    for isa in [OutputIsa::Revive, OutputIsa::Gp072] {
        let options = LinkOptions { isa, ..LinkOptions::default() };
        match link(data, &options) {
            Ok(linked) => {
                let bytes = linked.to_bytes();
                if isa == OutputIsa::Revive {
                    let bytes = bytes.expect("a linked program serialises");
                    let parsed = ProgramBlob::parse(&bytes).expect("linker output parses");
                    assert_eq!(parsed, linked.blob, "linker output round trip");
                    assert_eq!(parsed.validate(), Ok(()), "linker output validates");
                    let _ = ProgramImage::from_polkavm(&parsed);
                }
            }
            Err(e) => assert!(!e.diagnostics.is_empty(), "an error carries at least one diagnostic"),
        }
    }
});
