//! Tests for the RISC-V decoder.
//!
//! * `base` / `compressed`: hand-picked encodings of every instruction form, including boundary
//!   immediates, hints, and the unsupported/reserved encodings.
//! * `robustness`: every 16-bit value and millions of pseudo-random 32-bit words, for both XLENs.
//! * `assembler` (with `asm_table`) and `objdump` (with `objdump_parse`): cross-checks against
//!   `clang-19` and `llvm-objdump-19`, skipped when the toolchain is missing unless
//!   `GANNET_REQUIRE_TOOLCHAIN=1`. The process and temp-file plumbing is at the end of this file.

mod asm_table;
mod assembler;
mod base;
mod compressed;
mod objdump;
mod objdump_parse;
mod robustness;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use object::{Object, ObjectSection};

use super::{
    decode, AtomicOp, BranchKind, DecodeError, Inst, LoadKind, RegImmKind, RegRegKind, StoreKind, UnaryKind,
    Xlen,
};

pub(super) const fn ri(kind: RegImmKind, rd: u8, rs1: u8, imm: i32) -> Inst {
    Inst::RegImm { kind, rd, rs1, imm }
}

pub(super) const fn rr(kind: RegRegKind, rd: u8, rs1: u8, rs2: u8) -> Inst {
    Inst::RegReg { kind, rd, rs1, rs2 }
}

pub(super) const fn un(kind: UnaryKind, rd: u8, rs1: u8) -> Inst {
    Inst::Unary { kind, rd, rs1 }
}

pub(super) const fn ld(kind: LoadKind, rd: u8, base: u8, offset: i32) -> Inst {
    Inst::Load { kind, rd, base, offset }
}

pub(super) const fn st(kind: StoreKind, base: u8, src: u8, offset: i32) -> Inst {
    Inst::Store { kind, base, src, offset }
}

pub(super) const fn br(kind: BranchKind, rs1: u8, rs2: u8, offset: i32) -> Inst {
    Inst::Branch { kind, rs1, rs2, offset }
}

pub(super) const fn amo(op: AtomicOp, wide: bool, rd: u8, addr: u8, src: u8) -> Inst {
    Inst::Atomic { op, wide, rd, addr, src }
}

pub(super) const fn c0(funct3: u8, rd: u8, rs1: u8, rs2: u8) -> Inst {
    Inst::Custom0 { funct3, rd, rs1, rs2 }
}

/// Decodes a 32-bit word (followed by junk bytes, which must be ignored).
pub(super) fn decode_word(word: u32, xlen: Xlen) -> Result<Inst, DecodeError> {
    let mut bytes = [0xa5; 6];
    bytes[..4].copy_from_slice(&word.to_le_bytes());
    let decoded = decode(&bytes, xlen)?;
    assert_eq!(decoded.len, 4, "word {word:#010x} ({xlen:?}) decoded with length {}", decoded.len);
    Ok(decoded.inst)
}

/// Decodes a 16-bit word (followed by junk bytes, which must be ignored).
pub(super) fn decode_half(half: u16, xlen: Xlen) -> Result<Inst, DecodeError> {
    let mut bytes = [0xff; 4];
    bytes[..2].copy_from_slice(&half.to_le_bytes());
    let decoded = decode(&bytes, xlen)?;
    assert_eq!(decoded.len, 2, "half {half:#06x} ({xlen:?}) decoded with length {}", decoded.len);
    // The second half of the buffer must not matter.
    assert_eq!(decode(&half.to_le_bytes(), xlen), Ok(decoded));
    Ok(decoded.inst)
}

/// Checks a table of `(encoding, expected)` pairs, reporting every mismatch at once.
pub(super) fn check_table<W: Copy + Into<u32> + std::fmt::LowerHex>(
    cases: &[(W, Inst)],
    xlen: Xlen,
    decode_one: fn(W, Xlen) -> Result<Inst, DecodeError>,
) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|&(raw, expected)| {
            let got = decode_one(raw, xlen);
            (got != Ok(expected)).then(|| format!("{raw:#x} ({xlen:?}): got {got:?}, expected {expected:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

/// Checks a table of `(encoding, expected error)` pairs.
pub(super) fn check_errors<W: Copy + Into<u32> + std::fmt::LowerHex>(
    cases: &[(W, DecodeError)],
    xlen: Xlen,
    decode_one: fn(W, Xlen) -> Result<Inst, DecodeError>,
) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|&(raw, expected)| {
            let got = decode_one(raw, xlen);
            (got != Err(expected)).then(|| format!("{raw:#x} ({xlen:?}): got {got:?}, expected {expected:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

// ---- Toolchain plumbing for the cross-checks: finding the tools, unique temp files, assembling,
// ---- extracting `.text`, and running `llvm-objdump`.

pub(super) const CLANG: &str = "clang-19";
pub(super) const OBJDUMP: &str = "llvm-objdump-19";

/// Looks `name` up in `PATH`.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

/// Finds a required tool. When it is missing, prints a skip notice and returns `None`, unless
/// `GANNET_REQUIRE_TOOLCHAIN=1`, in which case the test fails.
pub(super) fn require_tool(name: &str) -> Option<PathBuf> {
    if let Some(path) = find_on_path(name) {
        return Some(path);
    }
    let required = std::env::var("GANNET_REQUIRE_TOOLCHAIN").is_ok_and(|value| value == "1");
    assert!(!required, "{name} not found on PATH, and GANNET_REQUIRE_TOOLCHAIN=1");
    println!("skipped: {name} not found");
    None
}

/// A file under the system temp directory with a unique name, deleted on drop.
pub(super) struct TempFile(PathBuf);

impl TempFile {
    pub(super) fn new(tag: &str, extension: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        let name = format!(
            "gannet-riscv-{tag}-{}-{}-{nanos}.{extension}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        TempFile(std::env::temp_dir().join(name))
    }

    pub(super) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Best effort: the file may never have been created.
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs a command to completion, failing the test (with its output) if it does not succeed.
fn run(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("tool output is not UTF-8")
}

/// Assembles `source` for `march` into a relocatable object (without linker relaxation).
pub(super) fn assemble(clang: &Path, source: &str, xlen: Xlen, march: &str) -> TempFile {
    // The base ISA letter follows "rv32"/"rv64": 'e' selects the RV-E ABIs.
    let (target, mabi) = match (xlen, march.as_bytes().get(4) == Some(&b'e')) {
        (Xlen::Rv64, true) => ("riscv64-unknown-elf", "lp64e"),
        (Xlen::Rv64, false) => ("riscv64-unknown-elf", "lp64"),
        (Xlen::Rv32, true) => ("riscv32-unknown-elf", "ilp32e"),
        (Xlen::Rv32, false) => ("riscv32-unknown-elf", "ilp32"),
    };
    let asm = TempFile::new("src", "s");
    std::fs::write(asm.path(), source).expect("cannot write the assembly source");
    let obj = TempFile::new("obj", "o");
    run(Command::new(clang)
        .arg(format!("--target={target}"))
        .arg(format!("-march={march}"))
        .arg(format!("-mabi={mabi}"))
        .args(["-mno-relax", "-c"])
        .arg(asm.path())
        .arg("-o")
        .arg(obj.path()));
    obj
}

/// The contents of the `.text` section of an object file, which must have no relocations.
pub(super) fn text_section(obj: &Path) -> Vec<u8> {
    let data = std::fs::read(obj).expect("cannot read the object file");
    let file = object::File::parse(&*data).expect("cannot parse the object file");
    let text = file.section_by_name(".text").expect("no .text section");
    assert!(text.relocations().next().is_none(), ".text has relocations; use numeric offsets only");
    text.data().expect("cannot read .text").to_vec()
}

/// Disassembles an object file without aliases, with decimal immediates.
pub(super) fn disassemble(objdump: &Path, obj: &Path) -> String {
    run(Command::new(objdump).args(["-d", "-M", "no-aliases", "--no-print-imm-hex"]).arg(obj))
}

/// The ABI name or `xN` name of a register, as the assembler and disassembler spell it.
pub(super) fn register_number(name: &str) -> Option<u8> {
    const ABI: [&str; 32] = [
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
        "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    ];
    if name == "fp" {
        return Some(8);
    }
    if let Some(index) = ABI.iter().position(|&abi| abi == name) {
        return u8::try_from(index).ok();
    }
    let number: u8 = name.strip_prefix('x')?.parse().ok()?;
    (number < 32).then_some(number)
}
