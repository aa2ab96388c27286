//! The C guest suite under criterion (needs `--features peers`): `bench(small n)` on every VM
//! of the harness, and each VM's compile step, per program. `gannet bench` is the headline
//! report (default arguments, table, chart); this bench tracks the same pairs with criterion's
//! statistics.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{criterion_group, criterion_main, Criterion};
use gannet_benches::harness::{all_vms, Prepared};
use gannet_benches::suite::{load_programs, repo_root, GuestBuild};

fn guests(c: &mut Criterion) {
    let repo = repo_root();
    let build = GuestBuild::build(&repo, &repo.join("target").join("guest")).expect("guest/build.sh");
    let programs = load_programs(&repo).expect("guest/programs/expected.txt");
    let vms = all_vms().expect("engines");
    let mut run = c.benchmark_group("guest-run");
    run.sample_size(10);
    for program in &programs {
        let (n, expected) = program.case(true);
        for vm in &vms {
            let input = vm.input(&build, &program.name).expect("program input");
            let mut prepared: Box<dyn Prepared> = vm.prepare(&input).expect("prepare");
            let (result, _) = prepared.run(n).expect("run");
            assert_eq!(result, expected, "{} on {}", program.name, vm.name());
            run.bench_function(format!("{}/{}", program.name, vm.name()), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| prepared.run(n).expect("run").1).sum())
            });
        }
    }
    run.finish();
    let mut compile = c.benchmark_group("guest-compile");
    compile.sample_size(20);
    for program in &programs {
        for vm in vms.iter().filter(|vm| vm.compiles()) {
            let input = vm.input(&build, &program.name).expect("program input");
            compile.bench_function(format!("{}/{}", program.name, vm.name()), |b| {
                b.iter(|| vm.prepare(&input).expect("prepare"))
            });
        }
    }
    compile.finish();
}

criterion_group!(benches, guests);
criterion_main!(benches);
