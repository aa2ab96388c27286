//! Times one guest's `bench` export on one backend, in process: the best and the median of
//! several runs, each on a fresh instance of one module (for A/B comparisons of builds,
//! where `gannet bench` is too coarse).
//!
//! `cargo run --release -p gannet-benches --example bench_probe -- BLOB ARG [ROUNDS] [BACKEND]
//! [sync|async|free]` (the gas metering, or none at all: `free`)

use std::time::Instant;

use anyhow::{Context, Result};
use vm::{Backend, Caller, Config, Engine, Imports, Instance, Module, ProgramImage};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench_probe BLOB ARG [ROUNDS] [interpreter|compiler] [sync|async|free]";
    let path = args.next().context(usage)?;
    let arg: u64 = args.next().context(usage)?.parse()?;
    let rounds: usize = args.next().map_or(Ok(21), |s| s.parse())?;
    let backend = Backend::from_name(&args.next().unwrap_or_else(|| "compiler".into())).context("backend")?;
    let blob = isa::blob::ProgramBlob::parse(&std::fs::read(&path)?)?;
    let mut config = Config::new();
    config.set_backend(backend);
    match args.next().as_deref() {
        None | Some("sync") => {}
        Some("async") => {
            config.set_gas_metering(vm::GasMetering::Async);
        }
        Some("free") => config.cost_model = isa::gas::CostModel::Free,
        Some(other) => anyhow::bail!("unknown metering {other:?}; {usage}"),
    }
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, ProgramImage::from_polkavm(&blob)?)?;
    let mut imports = Imports::<()>::new();
    imports.func("gannet_host_mix", |_: &mut Caller<'_, ()>, x: u64| -> u64 {
        gannet_benches::harness::gannet_host_mix(x)
    });
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let mut instance = Instance::new(&module)?;
        instance.set_gas(i64::MAX);
        let start = Instant::now();
        let outcome = instance.call(&imports, &mut (), "bench", &[arg])?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(outcome.exit == vm::ExitReason::Halt, "exit {:?}", outcome.exit);
    }
    times.sort_by(f64::total_cmp);
    println!("{backend:?}: best {:.3} ms, median {:.3} ms", times[0], times[rounds / 2]);
    Ok(())
}
