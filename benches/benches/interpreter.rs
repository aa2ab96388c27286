//! Interpreter execution time per run: Gannet vs PolkaVM 0.37's interpreter on the same blob.
//! Compilation and instantiation are outside the timed region; gas metering is on in both.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{criterion_group, criterion_main, Criterion};
use gannet_benches::PROGRAMS;
use vm::Dispatch;

#[path = "shared/polkavm_raw.rs"]
mod polkavm_raw;
use polkavm_raw::{polkavm_instance, run_polkavm};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("interpreter");
    group.sample_size(20);
    for program in PROGRAMS {
        let expected = (program.reference)(program.arg);
        let mut gannet = program.gannet_instance();
        assert_eq!(program.run_gannet(&mut gannet, program.arg), expected, "gannet {}", program.name);
        let mut switch = program.gannet_instance_with(Dispatch::Switch);
        assert_eq!(program.run_gannet(&mut switch, program.arg), expected, "gannet switch {}", program.name);
        let (mut polka, pc) = polkavm_instance(program.blob().to_bytes());
        assert_eq!(run_polkavm(&mut polka, pc, program.arg), expected, "polkavm {}", program.name);

        let main = gannet.module().export_pc("main").expect("main export");
        group.bench_function(format!("{}/gannet", program.name), |b| {
            b.iter(|| program.run_gannet_at(&mut gannet, main, program.arg))
        });
        group.bench_function(format!("{}/gannet-switch", program.name), |b| {
            b.iter(|| program.run_gannet_at(&mut switch, main, program.arg))
        });
        group.bench_function(format!("{}/polkavm", program.name), |b| {
            b.iter(|| run_polkavm(&mut polka, pc, program.arg))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
