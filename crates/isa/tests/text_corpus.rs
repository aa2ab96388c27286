//! Disassembles every real blob in the shared corpora and assembles the text back, checking
//! that the blob (and its encoding) comes back byte for byte and that the text is a fixpoint.
//!
//! The corpora are found through `GANNET_CORPORA` (default: `../../../shared/corpora` from
//! this crate). When they are missing the tests print a skip message and pass, unless
//! `GANNET_REQUIRE_CORPORA=1`.

use std::fs;
use std::path::Path;

use gannet_isa::blob::{CodeBlob, ProgramBlob, StandardProgram};
use gannet_isa::text::{
    assemble, assemble_code, disassemble, disassemble_code, disassemble_code_with, disassemble_with,
    DisasmOptions,
};
use gannet_isa::InstructionSet;

const ANNOTATED: DisasmOptions = DisasmOptions { show_offsets: true, show_bytes: true };

use testkit::{corpora, files, vector_programs};

/// What the text of one blob contains.
#[derive(Default, Debug)]
struct Tally {
    blobs: usize,
    code_bytes: usize,
    lines: usize,
    raw: usize,
    pad: usize,
    suffixed: usize,
}

impl Tally {
    fn add(&mut self, code: &CodeBlob, text: &str) {
        self.blobs += 1;
        self.code_bytes += code.code.len();
        for line in text.lines().map(str::trim_start) {
            self.lines += 1;
            if line.starts_with(".raw") {
                self.raw += 1;
            } else if line.starts_with(".pad") {
                self.pad += 1;
            } else if !line.starts_with('.') && line.split(';').next().is_some_and(|l| l.contains(':')) {
                self.suffixed += usize::from(!line.ends_with(':') && !line.starts_with('@'));
            }
        }
    }

    fn report(&self, what: &str) {
        eprintln!(
            "{what}: {} blobs, {} code bytes, {} text lines round-tripped exactly \
             ({} .raw lines, {} .pad lines, {} instructions with width suffixes)",
            self.blobs, self.code_bytes, self.lines, self.raw, self.pad, self.suffixed
        );
    }
}

/// Round-trips a bare code blob and its encoding; returns the text.
fn check_code(path: &Path, set: InstructionSet, code: &CodeBlob) -> String {
    let text = disassemble_code(set, code);
    let (set2, back) = assemble_code(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(set2, set, "{}", path.display());
    assert!(back == *code, "{}: code blob differs after the round trip", path.display());
    assert_eq!(back.to_bytes(), code.to_bytes(), "{}", path.display());
    assert_eq!(disassemble_code(set, &back), text, "{}: text is not a fixpoint", path.display());
    let annotated = disassemble_code_with(set, code, ANNOTATED);
    let (_, again) =
        assemble_code(&annotated).unwrap_or_else(|e| panic!("{}: annotated: {e}", path.display()));
    assert!(again == *code, "{}: annotated text differs", path.display());
    text
}

#[test]
fn polkavm_containers_round_trip_through_text() {
    let Some(root) = corpora() else { return };
    let mut tally = Tally::default();
    for path in files(&root.join("polkavm-blobs"), &["polkavm", "pvm"]) {
        let bytes = fs::read(&path).unwrap();
        let blob = ProgramBlob::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = disassemble(&blob);
        let back = assemble(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(back == blob, "{}: blob differs after the round trip", path.display());
        assert_eq!(back.to_bytes(), bytes, "{}: bytes differ", path.display());
        assert_eq!(disassemble(&back), text, "{}: text is not a fixpoint", path.display());
        let annotated = assemble(&disassemble_with(&blob, ANNOTATED)).unwrap();
        assert!(annotated == blob, "{}: annotated text differs", path.display());
        if path.ends_with("example-hello-world.polkavm") {
            assert!(text.contains("    add_32 s0, a1, a0\n"), "{text}");
            assert!(text.contains("    jump_indirect ra, 0\n"), "{text}");
        }
        tally.add(&blob.code, &text);
    }
    assert!(tally.blobs >= 3, "{tally:?}");
    tally.report("polkavm-blobs");
}

#[test]
fn jam_service_programs_round_trip_through_text() {
    let Some(root) = corpora() else { return };
    let mut tally = Tally::default();
    let dir = root.join("jam-service-blobs");
    for path in files(&dir, &["pvm", "jam"]) {
        let bytes = fs::read(&path).unwrap();
        let program = if path.extension().is_some_and(|e| e == "jam") {
            StandardProgram::parse_with_metadata(&bytes)
        } else {
            StandardProgram::parse(&bytes)
        };
        let program = program.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = check_code(&path, InstructionSet::Gp072, &program.code);
        tally.add(&program.code, &text);
    }
    assert!(tally.blobs >= 13, "{tally:?}");
    tally.report("jam-service-blobs");
}

#[test]
fn jam_vector_programs_round_trip_through_text() {
    let Some(root) = corpora() else { return };
    let mut tally = Tally::default();
    let mut programs = vector_programs(&root.join("jam-pvm/pvm/programs"));
    programs.extend(vector_programs(&root.join("jam-pvm/extra-removed-upstream/pvm/programs")));
    for (path, program) in programs {
        let code = CodeBlob::parse(&program).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = check_code(&path, InstructionSet::Gp072, &code);
        assert_eq!(assemble_code(&text).unwrap().1.to_bytes(), program, "{}", path.display());
        tally.add(&code, &text);
    }
    assert!(tally.blobs >= 307, "{tally:?}");
    tally.report("jam-pvm vectors");
}
