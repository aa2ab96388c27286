//! Out-of-gas exit probe: a loop run with gas for one turn at a time, refuelled after every
//! out-of-gas stop, on the interpreter and on the compiler with each kind of gas metering.
//! Prints nanoseconds per stop (best of several runs): the cost of leaving on an empty tank
//! and coming back, which `Async` metering trades for smaller code (a trap and a signal
//! instead of a per-block stub).
//!
//! `cargo run --release -p gannet-benches --example oog_probe -- [STOPS]`

use std::time::Instant;

use anyhow::{ensure, Result};
use vm::{Backend, Config, Engine, ExitReason, GasMetering, Instance, Module, ProgramImage, Reg};

/// Three gas a turn; the loop's block is the third instruction's start.
const LOOP: &str = "
.isa gp072
        load_imm a0, 0
        fallthrough
again:  add_imm_64 a0, a0, 1
        add_imm_64 a1, a1, 3
        branch_less_unsigned_imm a0, 0xFFFFFFFF, @again
        trap";

fn main() -> Result<()> {
    let stops: u64 = std::env::args().nth(1).map_or(Ok(200_000), |s| s.parse())?;
    let (set, code) = isa::text::assemble_code(LOOP)?;
    for (name, backend, metering) in [
        ("interpreter", Backend::Interpreter, GasMetering::Sync),
        ("compiler, sync gas", Backend::Compiler, GasMetering::Sync),
        ("compiler, async gas", Backend::Compiler, GasMetering::Async),
    ] {
        let mut config = Config::new();
        config.set_backend(backend).set_gas_metering(metering);
        let engine = Engine::new(&config)?;
        let module = Module::new(&engine, ProgramImage::bare(set, code.clone()))?;
        let mut best = f64::MAX;
        for _ in 0..5 {
            let mut instance = Instance::new(&module)?;
            instance.set_gas(2);
            let start = Instant::now();
            for _ in 0..stops {
                ensure!(instance.run() == ExitReason::OutOfGas, "{name}: the loop runs out of gas");
                instance.set_gas(3);
            }
            best = best.min(start.elapsed().as_secs_f64() * 1e9 / stops as f64);
            // Every stop after the first ran one turn.
            ensure!(instance.reg(Reg::A0) == stops - 1, "{name}: one turn per stop");
        }
        println!("{name}: {best:.1} ns per out-of-gas stop");
    }
    Ok(())
}
