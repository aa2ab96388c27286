//! Compile-time probe: for each program file given (`.polkavm` container, JAM standard program
//! or bare code blob), builds a module with the interpreter's pre-decode and with the
//! compiler, `ROUNDS` times each, and prints the median time, MB/s of code and µs per module.
//!
//! With `--dump DIR`, also writes each program's machine code to `DIR/<name>.bin` and the
//! native offset of each instruction to `DIR/<name>.map` (`native_offset pc` per line).
//!
//! `--backend interpreter|compiler` measures one backend only (for profiles). `--async-gas`
//! compiles with `GasMetering::Async` (block charges that trap) instead of `Sync`. `--polkavm` adds a
//! row for PolkaVM 0.37's recompiler (`Module::new`, gas metering `Sync`) on the same code, put
//! into a `.polkavm` container with the program's instruction set (no data, no exports).
//!
//! `cargo run --release -p gannet-benches --example compile_probe -- FILE... [--rounds N]
//! [--backend interpreter|compiler] [--async-gas] [--dump DIR]`

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use isa::blob::{CodeBlob, ProgramBlob, StandardProgram, BLOB_MAGIC};
use isa::InstructionSet;
use vm::{Backend, Config, Engine, GasMetering, Module, ProgramImage};

fn load(bytes: &[u8]) -> Result<(InstructionSet, CodeBlob)> {
    if bytes.starts_with(&BLOB_MAGIC) {
        let blob = ProgramBlob::parse(bytes)?;
        return Ok((blob.isa, blob.code));
    }
    if let Ok(program) = StandardProgram::parse_any(bytes) {
        return Ok((InstructionSet::Gp072, program.code));
    }
    Ok((InstructionSet::Gp072, CodeBlob::parse(bytes)?))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() -> Result<()> {
    let mut rounds = 50usize;
    let mut dump: Option<std::path::PathBuf> = None;
    let mut backends = vec![Backend::Interpreter, Backend::Compiler];
    let mut files = Vec::new();
    let mut polkavm = false;
    let mut metering = GasMetering::Sync;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--dump" {
            dump = Some(args.next().context("--dump needs a directory")?.into());
        } else if arg == "--backend" {
            backends = match args.next().as_deref() {
                Some("interpreter") => vec![Backend::Interpreter],
                Some("compiler") => vec![Backend::Compiler],
                _ => bail!("--backend takes `interpreter` or `compiler`"),
            };
        } else if arg == "--async-gas" {
            metering = GasMetering::Async;
        } else if arg == "--polkavm" {
            polkavm = true;
        } else if arg == "--rounds" {
            rounds = args.next().context("--rounds needs a number")?.parse()?;
        } else {
            files.push(arg);
        }
    }
    if files.is_empty() {
        bail!("usage: compile_probe FILE... [--rounds N] [--backend interpreter|compiler] [--async-gas] [--polkavm] [--dump DIR]");
    }
    println!(
        "| program | code bytes | backend | module (median) | MB/s | native bytes | instance (median) |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|");
    for file in files {
        let bytes = std::fs::read(&file).with_context(|| file.clone())?;
        let (set, code) = load(&bytes).with_context(|| file.clone())?;
        let name =
            std::path::Path::new(&file).file_name().map_or(file.clone(), |n| n.to_string_lossy().into());
        for &backend in &backends {
            let mut config = Config::new();
            config.set_backend(backend).set_gas_metering(metering);
            let engine = Engine::new(&config)?;
            let mut times = Vec::with_capacity(rounds);
            let mut native = 0;
            for _ in 0..rounds {
                let image = ProgramImage::bare(set, code.clone());
                let start = Instant::now();
                let module = Module::new(&engine, image)?;
                times.push(start.elapsed());
                native = module.compiled_len();
                if let (Some(dir), Some((code, insts))) = (&dump, module.compiled_code()) {
                    std::fs::create_dir_all(dir)?;
                    std::fs::write(dir.join(format!("{name}.bin")), code)?;
                    let map: String = insts.iter().map(|(native, pc)| format!("{native:x} {pc}\n")).collect();
                    std::fs::write(dir.join(format!("{name}.map")), map)?;
                }
            }
            let t = median(times);
            let mbs = code.code.len() as f64 / t.as_secs_f64() / 1e6;
            let module = Module::new(&engine, ProgramImage::bare(set, code.clone()))?;
            let mut instances = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                let start = Instant::now();
                let instance = vm::Instance::new(&module)?;
                instances.push(start.elapsed());
                drop(instance);
            }
            println!(
                "| {name} | {} | {backend:?}{} | {:.1} µs | {mbs:.0} | {native} | {:.1} µs |",
                code.code.len(),
                if backend == Backend::Compiler && metering == GasMetering::Async {
                    " (async gas)"
                } else {
                    ""
                },
                t.as_secs_f64() * 1e6,
                median(instances).as_secs_f64() * 1e6
            );
        }
        if polkavm {
            let t = polkavm_compile(set, &code, rounds).with_context(|| format!("PolkaVM on {name}"))?;
            let mbs = code.code.len() as f64 / t.as_secs_f64() / 1e6;
            println!(
                "| {name} | {} | PolkaVM 0.37 compiler | {:.1} µs | {mbs:.0} | | |",
                code.code.len(),
                t.as_secs_f64() * 1e6
            );
        }
    }
    Ok(())
}

/// The median time of PolkaVM 0.37's recompiler building a module of `code` (`rounds` times).
fn polkavm_compile(set: InstructionSet, code: &CodeBlob, rounds: usize) -> Result<Duration> {
    // PolkaVM has no `Gp072` (a JAM standard program's numbering): such code goes in as
    // `JamV1`, each opcode byte renumbered (the operand layouts are the same). `JamV1` has no
    // `sbrk`, so an `sbrk` becomes a `move_reg` (same format): a different program, but the
    // same amount of compiling within one instruction.
    let (set, code) = match set {
        InstructionSet::Gp072 => (InstructionSet::JamV1, renumber(code, set, InstructionSet::JamV1)?),
        other => (other, code.clone()),
    };
    let blob =
        ProgramBlob::with_code(set, code).context("PolkaVM has no blob version for this instruction set")?;
    let bytes: polkavm::ArcBytes = blob.to_bytes().into();
    let mut config = polkavm::Config::new();
    config.set_backend(Some(polkavm::BackendKind::Compiler));
    let engine = polkavm::Engine::new(&config).map_err(|e| anyhow::anyhow!("engine: {e}"))?;
    let mut module_config = polkavm::ModuleConfig::new();
    module_config.set_gas_metering(Some(polkavm::GasMeteringKind::Sync));
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let module = polkavm::Module::new(&engine, &module_config, bytes.clone())
            .map_err(|e| anyhow::anyhow!("module: {e}"))?;
        times.push(start.elapsed());
        drop(module);
    }
    Ok(median(times))
}

/// `code` (read with `from`) with every valid instruction's opcode byte renumbered for `to`
/// (`sbrk` as `move_reg` where `to` has no `sbrk`).
fn renumber(code: &CodeBlob, from: InstructionSet, to: InstructionSet) -> Result<CodeBlob> {
    let mut out = code.clone();
    for position in code.view(from).positions().filter(|p| p.kind == isa::DecodedKind::Valid) {
        let opcode = match position.opcode {
            isa::Opcode::Sbrk if to.byte(isa::Opcode::Sbrk).is_none() => isa::Opcode::MoveReg,
            opcode => opcode,
        };
        let byte = to.byte(opcode).with_context(|| format!("no {to:?} opcode for {opcode:?}"))?;
        out.code[position.pc as usize] = byte;
    }
    Ok(out)
}
