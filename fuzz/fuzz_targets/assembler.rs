//! Feeds arbitrary UTF-8 to the text assembler: it must never panic, and whatever assembles
//! must disassemble to text that assembles back to the same blob (program and bare code forms).
#![no_main]

use isa::text::{assemble, assemble_code, disassemble, disassemble_code};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };

    if let Ok(blob) = assemble(text) {
        let listing = disassemble(&blob);
        match assemble(&listing) {
            Ok(again) => assert!(again == blob, "disassemble -> assemble changed the blob\n{listing}"),
            Err(e) => panic!("the disassembly does not assemble: {e}\n{listing}"),
        }
    }

    if let Ok((set, code)) = assemble_code(text) {
        let listing = disassemble_code(set, &code);
        match assemble_code(&listing) {
            Ok(again) => assert!(again == (set, code), "disassemble_code -> assemble_code changed the blob\n{listing}"),
            Err(e) => panic!("the code disassembly does not assemble: {e}\n{listing}"),
        }
    }
});
