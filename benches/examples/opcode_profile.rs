//! Which instructions a guest program executes most, alone and in adjacent pairs: steps the
//! interpreter through `bench(n)` and counts. Used to choose the recompiler's fused pairs.
//!
//! `opcode_profile BLOB N [TOP]` (programs without host calls).

use std::collections::HashMap;

use anyhow::{bail, Context, Result};
use isa::{Instruction, Operands};
use vm::{Config, Engine, ExitReason, Instance, Module, ProgramImage};

/// The name an instruction is counted under: its opcode, plus the immediate of a shift or
/// `and_imm` by a constant (which decides how an extension idiom compiles).
fn key(inst: &Instruction) -> String {
    let name = inst.opcode.name();
    match inst.operands {
        Operands::RegRegImm { imm, .. } if name.starts_with("shift") || name == "and_imm" => {
            format!("{name} {imm}")
        }
        _ => name.to_owned(),
    }
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: opcode_profile BLOB N [TOP]";
    let path = args.next().context(usage)?;
    let n: u64 = args.next().context(usage)?.parse()?;
    let top: usize = args.next().map_or(Ok(25), |s| s.parse())?;
    let bytes = std::fs::read(&path)?;
    let blob = isa::blob::ProgramBlob::parse(&bytes)?;
    let view = blob.code_view();
    let mut config = Config::new();
    config.set_step(true);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, ProgramImage::from_polkavm(&blob)?)?;
    let mut instance = Instance::new(&module)?;
    instance.set_gas(i64::MAX);
    let pc = module.export_pc("bench").context("no export `bench`")?;
    instance.prepare_call(pc, &[n])?;
    let (mut singles, mut pairs) = (HashMap::<String, u64>::new(), HashMap::<String, u64>::new());
    let (mut previous, mut total) = (None::<(u32, String)>, 0u64);
    loop {
        let pc = instance.pc();
        let decoded = view.decode(pc);
        let name = key(&decoded.inst);
        match instance.run() {
            ExitReason::Step => {}
            ExitReason::Halt => break,
            other => bail!("stopped at {pc} with {other:?}"),
        }
        total += 1;
        *singles.entry(name.clone()).or_default() += 1;
        // A pair is two instructions in a row in the code (fusable), not just in time.
        if let Some((prev_pc, prev_name)) = previous.take() {
            if view.decode(prev_pc).next_pc() == pc {
                *pairs.entry(format!("{prev_name} + {name}")).or_default() += 1;
            }
        }
        previous = (!decoded.ends_block()).then_some((pc, name));
    }
    println!("{total} instructions executed");
    for (title, counts) in [("instructions", singles), ("adjacent pairs in one block", pairs)] {
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
        println!("\n{title}:");
        for (name, count) in counts.into_iter().take(top) {
            println!("{:6.2}%  {name}", count as f64 * 100.0 / total as f64);
        }
    }
    Ok(())
}
