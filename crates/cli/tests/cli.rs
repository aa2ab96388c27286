//! End-to-end tests of the `gannet` binary on hand-written programs: assemble, run,
//! disassemble, run Gannet's own conformance vectors, and check that bad input gives a
//! one-line error and never a panic. `tests/corpora.rs` covers the corpora blobs.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;

fn run_add(blob: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run".to_string(), blob.display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    gannet(&args)
}

#[test]
fn add_prints_the_sum_first() {
    let dir = scratch("add");
    let blob = add_blob(&dir);
    let out = ok(run_add(&blob, &["--export", "add", "--arg", "2", "--arg", "3"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "0x5");
    assert_eq!(lines[1], "exit: halt");
    assert!(lines[2].starts_with("gas: "), "{out}");
    let gas: i64 = lines[2]["gas: ".len()..].parse().unwrap();
    assert_eq!(gas, 10_000_000_000 - 2);
}

#[test]
fn time_flag_prints_a_time_line() {
    assert!(is_time_line("time: 1.250 us") && is_time_line("time: 12 ns"));
    assert!(!is_time_line("time: 1.2 sec") && !is_time_line("time: x ns"));
    let dir = scratch("time");
    let blob = add_blob(&dir);
    let out = ok(run_add(&blob, &["--export", "add", "--arg", "2", "--arg", "3", "--time"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "0x5");
    assert!(is_time_line(lines[1]), "{out}");
    assert_eq!(lines[2], "exit: halt");
}

#[test]
fn loops_arguments_and_gas() {
    let dir = scratch("loop");
    let blob = add_blob(&dir);
    let out = ok(run_add(&blob, &["--export", "sum_to", "--arg", "100"]));
    assert_eq!(out.lines().next(), Some("0x13ba"));
    let out = ok(run_add(&blob, &["--export", "sum_to", "--arg", "0x64", "--gas", "1000000"]));
    assert!(out.contains("\nexit: halt\n"), "{out}");
    let out = ok(run_add(&blob, &["--export", "sum_to", "--arg", "1000", "--gas", "50"]));
    assert!(out.contains("\nexit: out of gas\n"), "{out}");
    assert!(out.contains("\npc: "), "{out}");
    let out = ok(run_add(&blob, &["--export", "store_load", "--arg", "-1"]));
    assert_eq!(out.lines().next(), Some("0xffffffffffffffff"));
    let out = ok(run_add(&blob, &["--export", "add", "--arg=-2", "--arg", "5"]));
    assert_eq!(out.lines().next(), Some("0x3"));
}

#[test]
fn disasm_output_assembles_to_the_same_blob() {
    let dir = scratch("roundtrip");
    let blob = add_blob(&dir);
    let text = ok(gannet(&["disasm".as_ref(), blob.as_os_str(), "--offsets".as_ref(), "--bytes".as_ref()]));
    assert!(text.starts_with(".isa revive\n"), "{text}");
    assert!(text.contains(".export \"sum_to\""), "{text}");
    let src = dir.join("again.pvmasm");
    std::fs::write(&src, text).unwrap();
    let again = dir.join("again.polkavm");
    ok(gannet(&["asm".as_ref(), src.as_os_str(), "-o".as_ref(), again.as_os_str()]));
    assert_eq!(std::fs::read(&blob).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn bare_code_blobs_assemble_and_run() {
    let dir = scratch("code");
    let src = dir.join("code.pvmasm");
    std::fs::write(&src, ".isa gp072\nadd_64 a0, a0, a1\njump_indirect ra, 0\n").unwrap();
    let blob = dir.join("code.bin");
    ok(gannet(&["asm".as_ref(), src.as_os_str(), "--code".as_ref(), "-o".as_ref(), blob.as_os_str()]));
    let info = ok(gannet(&["inspect".as_ref(), blob.as_os_str()]));
    assert!(info.contains("format:       bare code blob"), "{info}");
    let out = ok(gannet(&["run", &blob.display().to_string(), "--pc", "0", "--arg", "40", "--arg", "2"]));
    assert_eq!(out.lines().take(2).collect::<Vec<_>>(), ["0x2a", "exit: halt"]);
    let text = ok(gannet(&["disasm".as_ref(), blob.as_os_str()]));
    assert!(text.contains("\n.isa gp072\n") && text.contains("add_64 a0, a0, a1"), "{text}");
}

#[test]
fn assembler_errors_are_listed_with_positions() {
    let dir = scratch("asm-errors");
    let src = dir.join("bad.pvmasm");
    std::fs::write(&src, ".isa revive\nload_imm a0\njump @nowhere\n").unwrap();
    let blob = dir.join("bad.polkavm");
    let out = gannet(&["asm".as_ref(), src.as_os_str(), "-o".as_ref(), blob.as_os_str()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    let name = src.display().to_string();
    assert!(err.contains(&format!("{name}:2:12: `load_imm` takes 2 operand(s), found 1\n")), "{err}");
    assert!(err.contains(&format!("{name}:3:6: undefined label `nowhere`\n")), "{err}");
    assert!(err.lines().last().unwrap().starts_with("error: "), "{err}");
    assert!(!blob.exists());
    // Program-level directives are errors in a bare code blob.
    std::fs::write(&src, ".isa gp072\n.export \"f\" @0\ntrap\n").unwrap();
    let out = gannet(&["asm".as_ref(), src.as_os_str(), "--code".as_ref(), "-o".as_ref(), blob.as_os_str()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains(":2:1: `.export` is not allowed in a bare code blob"), "{}", stderr(&out));
}

#[test]
fn the_hello_example_runs() {
    let dir = scratch("hello");
    let src = manifest_dir().join("../../examples/hello.pvmasm");
    let blob = dir.join("hello.polkavm");
    ok(gannet(&["asm".as_ref(), src.as_os_str(), "-o".as_ref(), blob.as_os_str()]));
    let out = ok(gannet(&["run", &blob.display().to_string(), "--export", "main", "--arg", "10", "--time"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "0x37");
    assert!(is_time_line(lines[1]), "{out}");
    assert_eq!(lines[2], "exit: halt");
}

#[test]
fn bad_input_gives_one_line_errors() {
    let dir = scratch("errors");
    let blob = add_blob(&dir);
    let blob_s = blob.display().to_string();

    let missing = dir.join("missing.polkavm");
    let line =
        one_line_error(gannet(&["run".as_ref(), missing.as_os_str(), "--export".as_ref(), "add".as_ref()]));
    assert!(line.contains("cannot read") && line.contains("missing.polkavm"), "{line}");
    one_line_error(gannet(&["inspect".as_ref(), missing.as_os_str()]));
    one_line_error(gannet(&["disasm".as_ref(), missing.as_os_str()]));

    let bytes = std::fs::read(&blob).unwrap();
    let truncated = dir.join("truncated.polkavm");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    for cmd in ["inspect", "disasm"] {
        let line = one_line_error(gannet(&[cmd.as_ref(), truncated.as_os_str()]));
        assert!(line.contains("not a valid .polkavm blob: at byte"), "{line}");
    }
    one_line_error(gannet(&["run".as_ref(), truncated.as_os_str(), "--export".as_ref(), "add".as_ref()]));

    let garbage = dir.join("garbage.bin");
    std::fs::write(&garbage, b"hello, this is not a blob\n").unwrap();
    let line = one_line_error(gannet(&["inspect".as_ref(), garbage.as_os_str()]));
    assert!(line.contains("not a .polkavm blob (bad magic), not a JAM standard program ("), "{line}");
    assert!(line.contains("not a code blob ("), "{line}");
    let empty = dir.join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    one_line_error(gannet(&["inspect".as_ref(), empty.as_os_str()]));

    let line = one_line_error(gannet(&["run", &blob_s, "--export", "nope"]));
    assert!(line.contains("no export named `nope`"), "{line}");
    for bad in ["12x", "0x", "99999999999999999999", ""] {
        let line = one_line_error(gannet(&["run", &blob_s, "--export", "add", "--arg", bad]));
        assert!(line.contains("--arg"), "{line}");
    }
    one_line_error(gannet(&["run", &blob_s, "--export", "add", "--gas", "-5"]));
    one_line_error(gannet(&[
        "run", &blob_s, "--export", "add", "--arg", "1", "--arg", "2", "--arg", "3", "--arg", "4", "--arg",
        "5", "--arg", "6", "--arg", "7",
    ]));
    // The compiler, where this machine supports it, prints exactly what the interpreter does.
    if vm::jit::is_supported() {
        let args = ["run", &blob_s, "--export", "add", "--arg", "40", "--arg", "2"];
        let interpreted = ok(gannet(&args));
        let compiled = ok(gannet(&[&args[..], &["--backend", "compiler"]].concat()));
        assert_eq!(interpreted, compiled);
    }
    one_line_error(gannet(&["conformance", &dir.join("nowhere").display().to_string()]));
    one_line_error(gannet(&["asm", &dir.join("nowhere.pvmasm").display().to_string(), "-o", &blob_s]));

    // clap's usage errors: several lines, the first names the problem.
    for args in [
        &["run", &blob_s, "--export", "add", "--bogus"][..],
        &["run", &blob_s],
        &["frobnicate"],
        &["run", &blob_s, "--export", "add", "--backend", "quantum"],
    ] {
        let out = gannet(args);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: "), "{err}");
    }
    let out = gannet(&["run", &blob_s, "--export", "add", "--bogus"]);
    assert!(stderr(&out).starts_with("error: unexpected argument '--bogus'"), "{}", stderr(&out));
}

#[test]
fn own_vectors_pass_and_failures_are_listed() {
    let vectors = manifest_dir().join("../conformance/vectors");
    let out = ok(gannet(&[
        "conformance".as_ref(),
        vectors.as_os_str(),
        "--backend".as_ref(),
        "interpreter".as_ref(),
    ]));
    let last = out.lines().last().unwrap();
    assert!(last.ends_with(" passed, 0 failed"), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");

    // A vector whose expectation is wrong is reported and makes the exit status non-zero.
    let dir = scratch("conformance-fail");
    let name = "skip_of_exactly_24_is_allowed";
    let text = std::fs::read_to_string(vectors.join(format!("{name}.json"))).unwrap();
    let broken = text.replacen("\"expected-gas\": ", "\"expected-gas\": 1", 1);
    assert_ne!(broken, text);
    std::fs::write(dir.join(format!("{name}.json")), broken).unwrap();
    let out = gannet(&["conformance".as_ref(), dir.as_os_str()]);
    assert!(!out.status.success());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with(&format!("FAIL {name}: ")), "{text}");
    assert_eq!(lines.last(), Some(&"0 passed, 1 failed"), "{text}");

    if vm::jit::is_supported() {
        let out = ok(gannet(&[
            "conformance".as_ref(),
            vectors.as_os_str(),
            "--backend".as_ref(),
            "compiler".as_ref(),
        ]));
        assert!(out.ends_with(" passed, 0 failed\n"), "{out}");
    }
}

#[test]
fn link_rejects_non_elf_input_with_one_line() {
    let dir = scratch("link");
    let out = dir.join("out.polkavm");
    let missing = dir.join("missing.elf");
    one_line_error(gannet(&["link".as_ref(), missing.as_os_str(), "-o".as_ref(), out.as_os_str()]));
    let garbage = dir.join("garbage.elf");
    std::fs::write(&garbage, b"\x7fELF not really").unwrap();
    let line =
        one_line_error(gannet(&["link".as_ref(), garbage.as_os_str(), "-o".as_ref(), out.as_os_str()]));
    assert!(line.contains("not a readable ELF file"), "{line}");
    // A blob is not an ELF file either.
    let blob = add_blob(&dir);
    let line = one_line_error(gannet(&["link".as_ref(), blob.as_os_str(), "-o".as_ref(), out.as_os_str()]));
    assert!(line.contains("ELF"), "{line}");
    assert!(!out.exists(), "no output is written on failure");
}

#[test]
fn bench_rejects_bad_selections_with_one_line() {
    let line = one_line_error(gannet(&["bench", "--quick", "--program", "nope"]));
    assert!(line.contains("unknown program \"nope\""), "{line}");
    let line = one_line_error(gannet(&["bench", "--quick", "--vm", "quantum"]));
    assert!(
        line.contains("unknown or unavailable VM \"quantum\"") && line.contains("gannet-interp"),
        "{line}"
    );
    let line = one_line_error(gannet(&["bench", "--min-time=-1"]));
    assert!(line.contains("--min-time"), "{line}");
    let dir = scratch("bench-repo");
    let line = one_line_error(gannet(&["bench", "--quick", "--repo", &dir.display().to_string()]));
    assert!(line.contains("no guest suite under"), "{line}");
}
