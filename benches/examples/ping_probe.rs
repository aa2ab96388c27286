//! Host-call round trip probe: runs the `ping` guest (one host call per iteration) on a
//! backend and prints nanoseconds per host call (best of several runs).
//!
//! `cargo run --release -p gannet-benches --example ping_probe -- BLOB [interpreter|compiler] [CALLS]`

use std::time::Instant;

use anyhow::{Context, Result};
use vm::{Backend, Caller, Config, Engine, Imports, Instance, Module, ProgramImage};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().context("usage: ping_probe BLOB [interpreter|compiler] [CALLS]")?;
    let backend = Backend::from_name(&args.next().unwrap_or_else(|| "compiler".into())).context("backend")?;
    let calls: u64 = args.next().map_or(Ok(1_000_000), |s| s.parse())?;
    let bytes = std::fs::read(&path)?;
    let blob = isa::blob::ProgramBlob::parse(&bytes)?;
    let mut config = Config::new();
    config.set_backend(backend);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, ProgramImage::from_polkavm(&blob)?)?;
    let mut imports = Imports::<()>::new();
    imports.func("gannet_host_mix", |_: &mut Caller<'_, ()>, x: u64| -> u64 {
        gannet_benches::harness::gannet_host_mix(x)
    });
    let mut best = f64::MAX;
    for _ in 0..5 {
        let mut instance = Instance::new(&module)?;
        instance.set_gas(i64::MAX);
        let start = Instant::now();
        let outcome = instance.call(&imports, &mut (), "bench", &[calls / 1000])?;
        let ns = start.elapsed().as_secs_f64() * 1e9 / calls as f64;
        anyhow::ensure!(outcome.exit == vm::ExitReason::Halt, "exit {:?}", outcome.exit);
        best = best.min(ns);
    }
    println!("{backend:?}: {best:.1} ns per host call");
    Ok(())
}
