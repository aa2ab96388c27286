//! Compiling small C programs for RV64E in tests, with the flags of `guest/build.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::repo_root;

/// A scratch directory with the sources written out.
pub fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gannet-cc-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("write source");
    }
    dir
}

/// Runs a command, failing the test with its stderr if it fails.
pub fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

/// Compiles `sources` in `dir` (flags of guest/build.sh plus `extra`); returns the objects.
pub fn compile(dir: &Path, sources: &[&str], extra: &[&str]) -> Vec<PathBuf> {
    let include = repo_root().join("guest").join("include");
    sources
        .iter()
        .map(|src| {
            let obj = dir.join(format!("{src}.o"));
            run(Command::new("clang-19")
                .args(["--target=riscv64-unknown-none-elf", "-march=rv64emac_zbb", "-mno-strict-align"])
                .args(["-mabi=lp64e", "-O2"])
                .args(["-ffreestanding", "-fno-builtin", "-nostdlib", "-fPIC", "-fno-plt"])
                .args(["-fno-asynchronous-unwind-tables", "-fno-unwind-tables"])
                .args(["-ffunction-sections", "-fdata-sections", "-std=c11"])
                .args(extra)
                .arg("-I")
                .arg(&include)
                .arg("-c")
                .arg(dir.join(src))
                .arg("-o")
                .arg(&obj));
            obj
        })
        .collect()
}

/// Links objects into a shared object the way guest/build.sh does.
pub fn link_elf(dir: &Path, objects: &[PathBuf]) -> Vec<u8> {
    let elf = dir.join("prog.elf");
    run(Command::new("ld.lld-19")
        .args([
            "-shared",
            "--emit-relocs",
            "--unique",
            "--apply-dynamic-relocs",
            "--no-allow-shlib-undefined",
        ])
        .args(["-Bsymbolic", "-z", "norelro", "--gc-sections"])
        .args(objects)
        .arg("-o")
        .arg(&elf));
    std::fs::read(elf).expect("read ELF")
}
