//! Seed corpus generator for the Gannet fuzz targets.
//!
//! Usage: `gannet-fuzz-seedgen <corpora dir> <fuzz/corpus dir>`
//!
//! Walks the corpora directory for JAM PVM JSON vectors (`*.json` with a `program` array, a
//! GP `deblob` code blob) and program blobs (`.polkavm`, `.pvm`, `.jam` files), and writes
//! inputs in each target's format (see `fuzz/src/lib.rs`) to `<out>/<target>/`, named by a
//! hash of their content so that reruns are idempotent. Unparseable files are skipped.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::{env, fs, process};

use isa::blob::{CodeBlob, ProgramBlob, StandardProgram};
use isa::text::{disassemble, disassemble_code};
use isa::InstructionSet;

/// Code window (bytes) for interpreter seeds: longer code is cut into windows, since big
/// inputs make every execution slow.
const CODE_WINDOW: usize = 4096;
/// Code window for decoder seeds (the target decodes at every offset, which is quadratic in
/// the length of unmarked gaps).
const DECODER_WINDOW: usize = 512;
/// Code window for assembler seeds (the text is about ten times larger than the code).
const ASM_WINDOW: usize = 1024;
/// Most windows taken from one program.
const MAX_WINDOWS: usize = 4;
/// Largest whole-program disassembly kept as an assembler seed.
const MAX_ASM_TEXT: usize = 16 * 1024;

/// Flags of the interpreter input format (`fuzz/src/lib.rs`).
const FLAG_CODE_BLOB: u8 = 1 << 2;

struct Writer {
    out: PathBuf,
    written: usize,
}

impl Writer {
    fn put(&mut self, target: &str, bytes: &[u8]) {
        let mut h = DefaultHasher::new();
        bytes.hash(&mut h);
        let dir = self.out.join(target);
        let path = dir.join(format!("seed-{:016x}", h.finish()));
        if let Err(e) = fs::create_dir_all(&dir).and_then(|()| fs::write(&path, bytes)) {
            eprintln!("seedgen: cannot write {}: {e}", path.display());
            process::exit(1);
        }
        self.written += 1;
    }
}

fn set_index(set: InstructionSet) -> u8 {
    InstructionSet::ALL.iter().position(|&s| s == set).expect("set is in ALL") as u8
}

/// Cuts `code` into at most [`MAX_WINDOWS`] windows of `size` bytes (8-aligned, so the bitmask
/// slices with them); the jump table keeps the entries that fall inside, rebased.
fn windows(code: &CodeBlob, size: usize) -> Vec<CodeBlob> {
    if code.code.len() <= size {
        return vec![code.clone()];
    }
    let count = code.code.len().div_ceil(size).min(MAX_WINDOWS);
    // Spread the windows over the program: start, middle parts, end.
    let last_start = (code.code.len() - size) / 8 * 8;
    (0..count)
        .map(|k| {
            let start = if count == 1 { 0 } else { last_start * k / (count - 1) / 8 * 8 };
            let end = (start + size).min(code.code.len());
            let bits = &code.bitmask[start / 8..end.div_ceil(8)];
            let mut bitmask = bits.to_vec();
            if end % 8 != 0 {
                *bitmask.last_mut().expect("non-empty window") &= (1u8 << (end % 8)) - 1;
            }
            let table = code
                .jump_table
                .iter()
                .filter(|&&t| (start as u32..end as u32).contains(&t))
                .map(|&t| t - start as u32)
                .collect();
            CodeBlob::new(table, code.code[start..end].to_vec(), bitmask)
        })
        .collect()
}

/// Seeds derived from one code blob under `set`.
fn code_seeds(w: &mut Writer, set: InstructionSet, code: &CodeBlob) {
    // decoder: set selector, code, bitmask.
    for code in windows(code, DECODER_WINDOW) {
        let mut d = vec![set_index(set)];
        d.extend_from_slice(&code.code);
        d.extend_from_slice(&code.bitmask);
        w.put("decoder", &d);
    }

    for code in windows(code, CODE_WINDOW) {
        // interpreter: flags (set + code-blob mode), register selectors, start 0, code blob.
        if set.is_64bit() {
            let run_index = match set {
                InstructionSet::Gp072 => 0,
                InstructionSet::ReviveV1 => 1,
                InstructionSet::JamV1 => 2,
                _ => 3,
            };
            let mut i = vec![0u8; 15];
            i[0] = run_index | FLAG_CODE_BLOB;
            // ra = return-to-host, sp = top of the RW pages, a0 = RW page, a1 = RO page.
            i[1] = 5;
            i[2] = 12;
            i[8] = 3;
            i[9] = 4;
            i.extend_from_slice(&code.to_bytes());
            w.put("interpreter", &i);
            // The compiler target reads the same format.
            w.put("compiler", &i);
        }
    }

    // assembler: bare code disassemblies.
    for code in windows(code, ASM_WINDOW) {
        w.put("assembler", disassemble_code(set, &code).as_bytes());
    }
}

fn from_json(w: &mut Writer, path: &Path) {
    let Ok(text) = fs::read_to_string(path) else { return };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else { return };
    let Some(program) = value.get("program").and_then(|p| p.as_array()) else { return };
    let bytes: Option<Vec<u8>> =
        program.iter().map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok())).collect();
    let Some(bytes) = bytes else { return };
    w.put("blob_parser", &bytes);
    if let Ok(code) = CodeBlob::parse(&bytes) {
        code_seeds(w, InstructionSet::Gp072, &code);
    }
}

fn from_blob(w: &mut Writer, path: &Path) {
    let Ok(bytes) = fs::read(path) else { return };
    w.put("blob_parser", &bytes);
    if let Ok(blob) = ProgramBlob::parse(&bytes) {
        code_seeds(w, blob.isa, &blob.code);
        w.put("blob_parser", &blob.code.to_bytes());
        let text = disassemble(&blob);
        if text.len() <= MAX_ASM_TEXT {
            w.put("assembler", text.as_bytes());
        }
    } else if let Ok(program) = StandardProgram::parse_any(&bytes) {
        // JAM programs use the GP 0.7.2 numbering.
        code_seeds(w, InstructionSet::Gp072, &program.code);
        if program.metadata.is_some() {
            let plain = StandardProgram { metadata: None, ..program.clone() };
            if let Ok(plain) = plain.to_bytes() {
                w.put("blob_parser", &plain);
            }
        }
    }
}

fn walk(w: &mut Writer, dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(w, &path);
            continue;
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => from_json(w, &path),
            Some("polkavm" | "pvm" | "jam") => from_blob(w, &path),
            _ => {}
        }
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: {} <corpora dir> <output corpus dir>", args[0]);
        process::exit(2);
    }
    let mut w = Writer { out: PathBuf::from(&args[2]), written: 0 };
    // A few hand-made inputs so every target has seeds even without the corpora.
    w.put("assembler", b".isa jamv1\nmain: load_imm a0, 10\n fallthrough\nloop: add_imm_64 a0, a0, -1\n branch_not_eq_imm a0, 0, @loop\n ecalli 0\n jump_indirect ra, 0\n");
    w.put("assembler", b".isa gp072\n.jump_table @0\n load_imm a1, 0x10000\n store_ind_u64 a1, a0, 8\n trap\n");
    w.put("interpreter", &[0u8; 15]);
    w.put("compiler", &[0u8; 15]);
    w.put("decoder", &[0, 1, 1]);
    w.put("blob_parser", &[0, 0, 0]);
    let corpora = Path::new(&args[1]);
    if corpora.is_dir() {
        walk(&mut w, corpora);
    } else {
        eprintln!("seedgen: {} is not a directory; writing built-in seeds only", corpora.display());
    }
    eprintln!("seedgen: wrote {} seed files under {}", w.written, w.out.display());
}
