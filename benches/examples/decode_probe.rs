//! Decoder throughput probe: iterates the decoder over each program's code `ROUNDS` times
//! and prints the median time and MB/s (the floor under both backends' load time).
//!
//! `cargo run --release -p gannet-benches --example decode_probe -- FILE... [--rounds N]`

use std::time::Instant;

use anyhow::{Context, Result};
use isa::blob::{ProgramBlob, StandardProgram, BLOB_MAGIC};
use isa::InstructionSet;

fn main() -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut rounds = 100;
    if let Some(i) = args.iter().position(|a| a == "--rounds") {
        rounds = args.get(i + 1).context("--rounds N")?.parse()?;
        args.drain(i..i + 2);
    }
    for path in &args {
        let bytes = std::fs::read(path)?;
        let (isa, code) = if bytes.starts_with(&BLOB_MAGIC) {
            let blob = ProgramBlob::parse(&bytes)?;
            (blob.isa, blob.code)
        } else {
            (InstructionSet::Gp072, StandardProgram::parse_any(&bytes)?.code)
        };
        let view = code.view(isa);
        let mut times = Vec::new();
        let mut checksum = 0u64;
        for _ in 0..rounds {
            let start = Instant::now();
            for d in view.instructions() {
                checksum = checksum.wrapping_add(u64::from(d.pc) ^ d.inst.opcode as u64);
                std::hint::black_box(&d);
            }
            times.push(start.elapsed());
        }
        times.sort();
        let median = times[times.len() / 2];
        let mbs = view.len() as f64 / median.as_secs_f64() / 1e6;
        println!(
            "{path}: {} code bytes, {:.1} µs, {mbs:.0} MB/s (checksum {checksum:x})",
            view.len(),
            median.as_secs_f64() * 1e6
        );
    }
    Ok(())
}
