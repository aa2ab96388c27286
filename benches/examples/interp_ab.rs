//! Gannet's interpreter and PolkaVM 0.37's, taking turns on the assembly benchmark programs:
//! `interp_ab [ROUNDS] [PROGRAM...]`. Each round times one call on each VM (gas metering on in
//! both, instances reused, results checked against the Rust reference), so drift of a shared
//! machine hits both alike; prints the median and minimum per VM and their ratios.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use gannet_benches::PROGRAMS;

#[path = "../benches/shared/polkavm_raw.rs"]
mod polkavm_raw;
use polkavm_raw::{polkavm_instance, run_polkavm};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().map_or(15, |r| r.parse().expect("rounds"));
    let only: Vec<String> = args.collect();
    println!("| program | Gannet median | PolkaVM median | ratio (medians) | Gannet min | PolkaVM min | ratio (mins) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for program in PROGRAMS.iter().filter(|p| only.is_empty() || only.iter().any(|o| o == p.name)) {
        let expected = (program.reference)(program.arg);
        let mut gannet = program.gannet_instance();
        let main = gannet.module().export_pc("main").expect("main export");
        let (mut polka, pc) = polkavm_instance(program.blob().to_bytes());
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..rounds.max(1) {
            let start = Instant::now();
            let a = program.run_gannet_at(&mut gannet, main, program.arg);
            ours.push(start.elapsed());
            let start = Instant::now();
            let b = run_polkavm(&mut polka, pc, program.arg);
            theirs.push(start.elapsed());
            assert_eq!((a, b), (expected, expected), "{}", program.name);
        }
        let (gmin, pmin) = (*ours.iter().min().expect("samples"), *theirs.iter().min().expect("samples"));
        let (gmed, pmed) = (median(ours), median(theirs));
        println!(
            "| {} | {gmed:.2?} | {pmed:.2?} | {:.2}x | {gmin:.2?} | {pmin:.2?} | {:.2}x |",
            program.name,
            pmed.as_secs_f64() / gmed.as_secs_f64(),
            pmin.as_secs_f64() / gmin.as_secs_f64()
        );
    }
}
