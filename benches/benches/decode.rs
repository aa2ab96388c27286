//! Decoding throughput on real programs, in bytes of PVM code per second:
//!
//! * `instructions`: [`isa::CodeView::instructions`] iterated to the end (what a single-pass
//!   compiler walks);
//! * `instructions+targets`: the same, plus [`isa::CodeView::is_jump_target_valid`] for every
//!   static branch or jump target;
//! * `module`: a full [`vm::Module::new`], the interpreter's pre-decode (the image clone it
//!   consumes is made outside the timed region).
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
use isa::{CodeView, InstructionSet};
use vm::{Config, Engine, Module, ProgramImage};

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

/// Walks every instruction, summing a little of each so nothing is optimised away.
fn walk(view: CodeView<'_>) -> u64 {
    view.instructions().fold(0u64, |sum, d| sum.wrapping_add(u64::from(d.pc ^ d.len)) ^ d.inst.opcode as u64)
}

/// [`walk`] plus a validity check of every static target.
fn walk_with_targets(view: CodeView<'_>) -> u64 {
    view.instructions().fold(0u64, |sum, d| {
        let valid = d.inst.operands.target().is_some_and(|t| view.is_jump_target_valid(t));
        sum.wrapping_add(u64::from(d.pc ^ d.len) + u64::from(valid)) ^ d.inst.opcode as u64
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
    let engine = Engine::new(&Config::new()).expect("engine");
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
        group.bench_function(format!("module/{}", input.name), |b| {
            b.iter_batched(
                || input.image.clone(),
                |image| Module::new(&engine, image).expect("module"),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
