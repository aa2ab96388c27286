//! Parses every real blob in the shared corpora and checks byte-exact round trips and the
//! numbers the corpora READMEs record.
//!
//! The corpora are found through `GANNET_CORPORA` (default: `/work/shared/corpora`, i.e.
//! `../../../shared/corpora` from this crate). When they are missing the tests print a skip
//! message and pass, unless `GANNET_REQUIRE_CORPORA=1`.

use std::fs;
use std::path::Path;

use gannet_isa::blob::{CodeBlob, ProgramBlob, StandardProgram};
use gannet_isa::InstructionSet;

use testkit::{corpora, files, vector_programs};

/// Instruction starts: set bits of the bitmask.
fn instructions(code: &CodeBlob) -> u32 {
    code.bitmask.iter().map(|b| b.count_ones()).sum()
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn polkavm_containers_parse_and_round_trip() {
    let Some(root) = corpora() else { return };
    let paths = files(&root.join("polkavm-blobs"), &["polkavm", "pvm"]);
    assert!(paths.len() >= 3, "expected the three container blobs, found {paths:?}");
    for path in &paths {
        let bytes = fs::read(path).unwrap();
        let blob = ProgramBlob::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(blob.to_bytes(), bytes, "{}: not rewritten byte for byte", path.display());
        assert_eq!(blob.validate(), Ok(()), "{}", path.display());
        let code = &blob.code;
        let summary = (blob.version, code.code.len(), code.jump_table.len(), instructions(code));
        match name(path).as_str() {
            "Baseline.pvm" => {
                assert_eq!(summary, (0, 510, 12, 167));
                assert_eq!(blob.isa, InstructionSet::ReviveV1);
                let exports: Vec<_> =
                    blob.exports.iter().map(|e| gannet_isa::blob::symbol_name(&e.symbol)).collect();
                assert_eq!(exports, ["call", "deploy"]);
            }
            "example-hello-world.polkavm" => {
                assert_eq!(summary, (1, 25, 0, 10));
                assert_eq!(bytes.len(), 93);
                assert_eq!((blob.ro_data_size, blob.rw_data_size, blob.stack_size), (0, 0, 8192));
                assert_eq!(blob.imports.len(), 1);
                assert_eq!(blob.imports[0].symbol, b"get_third_number");
                assert_eq!((blob.exports[0].pc, blob.exports[0].symbol.as_slice()), (0, &b"add_numbers"[..]));
                assert_eq!(blob.code.bitmask, [0x49, 0x99, 0x94, 0x00]);
            }
            "blc-vm.polkavm" => assert_eq!(summary, (2, 51, 0, 17)),
            other => eprintln!("note: {other} has no recorded numbers"),
        }
    }
}

/// `(file, ro, rw, heap pages, stack, code bytes, jump-table entries, instructions)` from the README.
type Row = (&'static str, usize, usize, u16, u32, usize, usize, u32);

const JAMDUNA: &[Row] = &[
    ("algo.pvm", 4864, 232, 17, 65536, 50846, 454, 16442),
    ("auth_copy.pvm", 772, 96, 18, 65536, 10358, 113, 3280),
    ("blake2b_child.pvm", 572, 88, 257, 1 << 20, 9357, 58, 2983),
    ("blake2b_parent.pvm", 17832, 16, 32769, 65536, 14462, 170, 4554),
    ("bootstrap.pvm", 572, 16, 18, 65536, 7125, 108, 2357),
    ("corevm_child.pvm", 522, 8, 257, 1 << 20, 3699, 39, 1275),
    ("fib.pvm", 744, 4120, 18, 65536, 8020, 112, 2650),
    ("game_of_life.pvm", 3670, 16, 258, 1 << 20, 12647, 151, 3960),
    ("game_of_life_child.pvm", 0, 0, 10, 1 << 20, 2326, 24, 732),
    ("game_of_life_child_with_log.pvm", 602, 8, 266, 1 << 20, 5930, 66, 1953),
    ("megatron.pvm", 888, 16, 17, 65536, 7534, 75, 2481),
    ("null_authorizer.pvm", 322, 8, 17, 65536, 3944, 39, 1369),
    ("tribonacci.pvm", 656, 16, 17, 65536, 6916, 71, 2305),
];

const W3F: &[Row] = &[
    ("jam-bootstrap-service.jam", 13080, 10096, 0, 8192, 80074, 998, 24047),
    ("jam-null-authorizer.jam", 7816, 10088, 0, 8192, 23819, 190, 7522),
    ("test-service.jam", 8176, 10076, 0, 8192, 20297, 184, 6455),
];

fn check_standard(path: &Path, p: &StandardProgram, table: &[Row]) {
    let file = name(path);
    let Some(row) = table.iter().find(|row| row.0 == file) else {
        eprintln!("note: {file} has no recorded numbers");
        return;
    };
    let got = (
        row.0,
        p.ro_data.len(),
        p.rw_data.len(),
        p.heap_pages,
        p.stack_size,
        p.code.code.len(),
        p.code.jump_table.len(),
        instructions(&p.code),
    );
    assert_eq!(&got, row, "{file}");
    p.layout(0).unwrap_or_else(|e| panic!("{file}: {e}"));
}

#[test]
fn jamduna_standard_programs_parse_and_round_trip() {
    let Some(root) = corpora() else { return };
    let paths = files(&root.join("jam-service-blobs/jamduna"), &["pvm"]);
    assert_eq!(paths.len(), JAMDUNA.len(), "{paths:?}");
    for path in &paths {
        let bytes = fs::read(path).unwrap();
        let p = StandardProgram::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(p.metadata, None);
        assert_eq!(StandardProgram::parse_any(&bytes).as_ref(), Ok(&p));
        assert_eq!(p.to_bytes().unwrap(), bytes, "{}", path.display());
        check_standard(path, &p, JAMDUNA);
    }
}

#[test]
fn w3f_service_code_parses_with_metadata() {
    let Some(root) = corpora() else { return };
    let paths = files(&root.join("jam-service-blobs/w3f-jamtestvectors"), &["jam"]);
    assert_eq!(paths.len(), W3F.len(), "{paths:?}");
    for path in &paths {
        let bytes = fs::read(path).unwrap();
        let p = StandardProgram::parse_with_metadata(&bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let metadata = p.metadata.as_deref().unwrap();
        let stem = name(path).trim_end_matches(".jam").to_owned();
        assert!(
            metadata.windows(stem.len()).any(|w| w == stem.as_bytes()),
            "{stem} not named in its metadata"
        );
        assert!(StandardProgram::parse(&bytes).is_err(), "{}: also parses without metadata", path.display());
        assert_eq!(StandardProgram::parse_any(&bytes).as_ref(), Ok(&p));
        assert_eq!(p.to_bytes().unwrap(), bytes, "{}", path.display());
        check_standard(path, &p, W3F);
    }
}

#[test]
fn jam_vector_programs_parse_as_code_blobs() {
    let Some(root) = corpora() else { return };
    let mut programs = vector_programs(&root.join("jam-pvm/pvm/programs"));
    assert_eq!(programs.len(), 307);
    programs.extend(vector_programs(&root.join("jam-pvm/extra-removed-upstream/pvm/programs")));
    assert_eq!(programs.len(), 311);
    for (path, program) in &programs {
        let blob = CodeBlob::parse(program).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(&blob.to_bytes(), program, "{}", path.display());
        assert_eq!(blob.validate(), Ok(()), "{}", path.display());
    }
}
