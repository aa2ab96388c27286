//! End-to-end tests of the `gannet` binary on the corpora: inspect and disassemble every
//! blob, start every JAM service, and pass all JAM PVM test vectors.
//!
//! The corpora are found through `$GANNET_CORPORA` (default `../shared/corpora` beside the
//! workspace); the tests skip with a message when it is absent, and fail when
//! `GANNET_REQUIRE_CORPORA=1`.

mod common;

use isa::blob::StandardProgram;

use common::*;

#[test]
fn inspect_describes_the_corpora_blobs() {
    let Some(root) = corpora() else { return };
    let baseline = root.join("polkavm-blobs/revive/Baseline.pvm");
    let info = ok(gannet(&["inspect".as_ref(), baseline.as_os_str()]));
    for expected in [
        "format:       polkavm container (.polkavm)\n",
        "blob size:    762 bytes\n",
        "version:      0 (instruction set revive)\n",
        "  3      seal_return\n",
        "  @494   call\n",
        "  @501   deploy\n",
        "code:         510 bytes\n",
        "instructions: 167 ",
        "jump table:   12 entries",
        "validation:   ok\n",
        "runnable:     yes",
    ] {
        assert!(info.contains(expected), "missing {expected:?} in\n{info}");
    }
    for path in polkavm_blobs(&root).iter().chain(service_blobs(&root).iter()) {
        let info = ok(gannet(&["inspect".as_ref(), path.as_os_str()]));
        assert!(info.contains("validation:   ok\n"), "{}:\n{info}", path.display());
    }
    let service = root.join("jam-service-blobs/w3f-jamtestvectors/test-service.jam");
    let info = ok(gannet(&["inspect".as_ref(), service.as_os_str()]));
    assert!(info.contains("format:       JAM standard program with metadata\n"), "{info}");
    assert!(info.contains("instructions: 6455 "), "{info}");
}

#[test]
fn disasm_of_corpora_blobs_round_trips() {
    let Some(root) = corpora() else { return };
    let dir = scratch("corpora-disasm");
    for path in polkavm_blobs(&root) {
        let text = ok(gannet(&["disasm".as_ref(), path.as_os_str()]));
        assert!(text.starts_with(".isa "), "{}", path.display());
        let src = dir.join("blob.pvmasm");
        std::fs::write(&src, text).unwrap();
        let again = dir.join("blob.polkavm");
        ok(gannet(&["asm".as_ref(), src.as_os_str(), "-o".as_ref(), again.as_os_str()]));
        assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(&again).unwrap(), "{}", path.display());
    }
    for path in service_blobs(&root) {
        let text = ok(gannet(&["disasm".as_ref(), path.as_os_str(), "--offsets".as_ref()]));
        assert!(text.starts_with("; JAM standard program"), "{}", path.display());
        assert!(text.contains("\n.isa gp072\n"), "{}", path.display());
        let src = dir.join("code.pvmasm");
        std::fs::write(&src, text).unwrap();
        let again = dir.join("code.bin");
        ok(gannet(&["asm".as_ref(), src.as_os_str(), "--code".as_ref(), "-o".as_ref(), again.as_os_str()]));
        let program = StandardProgram::parse_any(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(program.code.to_bytes(), std::fs::read(&again).unwrap(), "{}", path.display());
    }
}

#[test]
fn every_jam_service_runs_to_a_clean_exit() {
    let Some(root) = corpora() else { return };
    let blobs = service_blobs(&root);
    assert_eq!(blobs.len(), 16);
    for path in blobs {
        let out =
            ok(gannet(&["run".as_ref(), path.as_os_str(), "--pc".as_ref(), "0".as_ref(), "--time".as_ref()]));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("0x"), "{}: {out}", path.display());
        assert!(is_time_line(lines[1]), "{}: {out}", path.display());
        let exit = lines[2].strip_prefix("exit: ").unwrap_or_else(|| panic!("{}: {out}", path.display()));
        assert!(
            exit == "halt" || exit.starts_with("host call ") || exit.starts_with("page fault at "),
            "{}: {out}",
            path.display()
        );
        assert!(lines[3].starts_with("gas: "), "{}: {out}", path.display());
    }
    // Named exports do not exist in standard programs; the error says what to do instead.
    let fib = root.join("jam-service-blobs/jamduna/fib.pvm");
    let line =
        one_line_error(gannet(&["run".as_ref(), fib.as_os_str(), "--export".as_ref(), "main".as_ref()]));
    assert!(line.contains("--pc"), "{line}");
    let out = ok(gannet(&[
        "run".as_ref(),
        fib.as_os_str(),
        "--pc".as_ref(),
        "0".as_ref(),
        "--input".as_ref(),
        "0x0102".as_ref(),
    ]));
    assert!(out.contains("\nexit: "), "{out}");
}

#[test]
fn polkavm_host_calls_are_a_clean_error() {
    let Some(root) = corpora() else { return };
    let baseline = root.join("polkavm-blobs/revive/Baseline.pvm");
    let line =
        one_line_error(gannet(&["run".as_ref(), baseline.as_os_str(), "--export".as_ref(), "call".as_ref()]));
    assert!(line.contains("has no host function"), "{line}");
}

#[test]
fn jam_vectors_all_pass() {
    let Some(root) = corpora() else { return };
    let dir = root.join("jam-pvm/pvm/programs");
    let out = ok(gannet(&["conformance".as_ref(), dir.as_os_str()]));
    assert_eq!(out.lines().last(), Some("307 passed, 0 failed"), "{out}");
    let out = ok(gannet(&["conformance".as_ref(), dir.as_os_str(), "--backend".as_ref(), "auto".as_ref()]));
    assert_eq!(out.lines().last(), Some("307 passed, 0 failed"), "{out}");
}
