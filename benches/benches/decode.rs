//! Decoding throughput on real programs, in bytes of PVM code per second:
//!
//! * `instructions`: [`isa::CodeView::instructions`] iterated to the end (what a single-pass
//!   compiler walks);
//! * `instructions+targets`: the same, plus [`isa::CodeView::is_jump_target_valid`] for every
//!   static branch or jump target;
//! * `module`: a full [`vm::Module::new`] with the interpreter backend, i.e. its pre-decode
//!   (the image clone it consumes is made outside the timed region);
//! * `module-jit`: the same with the compiler backend, for 64-bit programs where it runs.
//!
//! Inputs: the blobs in `$GANNET_CORPORA/polkavm-blobs/` and `$GANNET_CORPORA/jam-service-blobs/`
//! (skipped with a message when the corpora are absent) and the guest suite linked from
//! `target/guest/rv64/*.elf` when `guest/build.sh` has been run (skipped otherwise).
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::path::Path;
use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use gannet_benches::harness::linked_blob;
use gannet_benches::suite::{load_programs, repo_root, GuestBuild};
use isa::blob::{ProgramBlob, StandardProgram};
use isa::{CodeView, Decoded, InstructionSet, Operands};
use vm::{Backend, Config, Engine, Module, ProgramImage};

/// The instruction set JAM standard programs are decoded with (as `gannet run` does).
const JAM_ISA: InstructionSet = InstructionSet::Gp072;

/// One benchmark input.
struct Input {
    name: String,
    image: ProgramImage,
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn corpus_inputs(out: &mut Vec<Input>) {
    let Some(root) = testkit::corpora() else { return };
    let polkavm = root.join("polkavm-blobs");
    let paths = testkit::files(&polkavm, &["polkavm", "pvm"]);
    if paths.is_empty() {
        eprintln!("skipping: no blobs in {}", polkavm.display());
    }
    for path in paths {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let blob = ProgramBlob::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let image = ProgramImage::from_polkavm(&blob).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push(Input { name: file_name(&path), image });
    }
    let jam = root.join("jam-service-blobs");
    let paths = testkit::files(&jam, &["pvm", "jam"]);
    if paths.is_empty() {
        eprintln!("skipping: no blobs in {}", jam.display());
    }
    for path in paths {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let program =
            StandardProgram::parse_any(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let image = ProgramImage::from_standard(&program, JAM_ISA, &[])
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push(Input { name: file_name(&path), image });
    }
}

fn guest_inputs(out: &mut Vec<Input>) {
    let repo = repo_root();
    let build = GuestBuild::existing(&repo.join("target").join("guest"));
    let programs = match load_programs(&repo) {
        Ok(programs) => programs,
        Err(e) => return eprintln!("skipping the guest suite: {e}"),
    };
    for program in programs {
        if !build.rv64_elf(&program.name).is_file() {
            eprintln!("skipping guest {}: not built (run guest/build.sh)", program.name);
            continue;
        }
        let input = linked_blob(&build, &program.name).unwrap_or_else(|e| panic!("{}: {e}", program.name));
        let blob = ProgramBlob::parse(&input.bytes).unwrap_or_else(|e| panic!("{}: {e}", program.name));
        let image = ProgramImage::from_polkavm(&blob).unwrap_or_else(|e| panic!("{}: {e}", program.name));
        out.push(Input { name: format!("guest-{}", program.name), image });
    }
}

/// A little of every field of `d`, the way a compiler reads it all (so no part of decoding is
/// optimised away).
#[inline(always)]
fn digest(d: &Decoded) -> u64 {
    let operands = match d.inst.operands {
        Operands::Argless => 0,
        Operands::Imm { imm } | Operands::Offset { target: imm } => u64::from(imm),
        Operands::RegImm64 { reg, imm } => imm ^ reg as u64,
        Operands::ImmImm { imm1, imm2 } => u64::from(imm1) << 32 | u64::from(imm2),
        Operands::RegImm { reg, imm } => u64::from(imm) ^ reg as u64,
        Operands::RegImmImm { reg, imm1, imm2 } | Operands::RegImmOffset { reg, imm: imm1, target: imm2 } => {
            (u64::from(imm1) << 32 | u64::from(imm2)) ^ reg as u64
        }
        Operands::RegReg { d, s } => (d as u64) << 8 | s as u64,
        Operands::RegRegImm { a, b, imm } | Operands::RegRegOffset { a, b, target: imm } => {
            u64::from(imm) << 16 | (a as u64) << 8 | b as u64
        }
        Operands::RegRegImmImm { a, b, imm1, imm2 } => {
            (u64::from(imm1) << 32 | u64::from(imm2)) ^ ((a as u64) << 8 | b as u64)
        }
        Operands::RegRegReg { d, s1, s2 } => (d as u64) << 16 | (s1 as u64) << 8 | s2 as u64,
    };
    operands.rotate_left(d.pc) ^ u64::from(d.len) << 8 ^ d.inst.opcode as u64
}

/// Walks every instruction, summing a digest of each.
fn walk(view: CodeView<'_>) -> u64 {
    view.instructions().fold(0u64, |sum, d| sum.wrapping_add(digest(&d)))
}

/// [`walk`] plus a validity check of every static target.
fn walk_with_targets(view: CodeView<'_>) -> u64 {
    view.instructions().fold(0u64, |sum, d| {
        let valid = d.inst.operands.target().is_some_and(|t| view.is_jump_target_valid(t));
        sum.wrapping_add(digest(&d)) ^ u64::from(valid)
    })
}

fn decode(c: &mut Criterion) {
    let mut inputs = Vec::new();
    corpus_inputs(&mut inputs);
    guest_inputs(&mut inputs);
    if inputs.is_empty() {
        eprintln!("skipping the decode bench: no inputs");
        return;
    }
    let engine = Engine::new(Config::new().set_backend(Backend::Interpreter)).expect("engine");
    let jit = vm::jit::is_supported()
        .then(|| Engine::new(Config::new().set_backend(Backend::Compiler)).expect("engine"));
    if jit.is_none() {
        eprintln!("skipping module-jit: the compiler backend does not run here");
    }
    let mut group = c.benchmark_group("decode");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500));
    for input in &inputs {
        let view = input.image.code.view(input.image.isa);
        group.throughput(Throughput::Bytes(view.len().max(1).into()));
        group.bench_function(format!("instructions/{}", input.name), |b| b.iter(|| walk(black_box(view))));
        group.bench_function(format!("instructions+targets/{}", input.name), |b| {
            b.iter(|| walk_with_targets(black_box(view)))
        });
        for (name, engine) in [("module", Some(&engine)), ("module-jit", jit.as_ref())] {
            let Some(engine) = engine.filter(|_| name == "module" || input.image.isa.is_64bit()) else {
                continue;
            };
            group.bench_function(format!("{name}/{}", input.name), |b| {
                b.iter_batched(
                    || input.image.clone(),
                    |image| Module::new(engine, image).expect("module"),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
