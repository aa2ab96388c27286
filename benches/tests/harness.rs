//! `gannet bench`'s harness end to end on a quick run: every VM of this build (native and
//! Gannet's interpreter in the default test build) runs every guest program with a checked
//! result, and the report, chart and BENCHMARKS.md section come out complete.

mod common;

use gannet_benches::document::{section, splice, Provenance, BEGIN, END};
use gannet_benches::harness::all_vms;
use gannet_benches::run::{run, Options};
use gannet_benches::suite::{load_programs, GuestBuild, HOST_CALL_PROGRAM};

#[test]
fn quick_run_measures_every_program_on_every_vm() {
    if !common::toolchain_or_skip() {
        return;
    }
    let out = common::build_guests();
    let root = common::repo_root();
    let programs = load_programs(&root).expect("expected.txt");
    let vms = all_vms().expect("engines");
    let measured = vms.iter().filter(|vm| !vm.on_request_only()).count();
    let mut lines = Vec::new();
    let report = run(&vms, &GuestBuild::existing(&out), &programs, &Options::quick(), &mut |l| {
        lines.push(l.to_owned())
    })
    .expect("run");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.rows.len(), programs.len() - 1, "every program but {HOST_CALL_PROGRAM} has a row");
    assert_eq!(lines.len(), programs.len() * measured, "{lines:?}");
    for row in &report.rows {
        assert!(row.times.iter().all(|t| t.is_some_and(|t| !t.is_zero())), "{row:?}");
    }
    assert!(report.host_call.iter().all(Option::is_some), "{:?}", report.host_call);
    let gannet = report.column("gannet-interp").expect("gannet column");
    let compile = report.compile[gannet].as_ref().expect("gannet compiles");
    assert!(compile.code_bytes > 10_000, "{compile:?}");

    let markdown = report.markdown();
    assert!(markdown.contains("**geometric mean, time / native**"), "{markdown}");
    let chart = gannet_benches::chart::svg(&report, "test").expect("chart");
    assert!(chart.contains("gannet-interp"));
    let text = section(&report, &Provenance::collect(&root), Some("chart.svg"));
    assert!(text.starts_with(BEGIN) && text.trim_end().ends_with(END));
    assert!(text.contains("**Quick run**"), "{text}");
    let document = splice("# Benchmarks\n", &text).expect("splice");
    assert_eq!(splice(&document, &text).expect("re-splice"), document);
}

#[test]
fn a_wrong_expected_result_is_a_failure() {
    if !common::toolchain_or_skip() {
        return;
    }
    let out = common::build_guests();
    let mut programs = load_programs(&common::repo_root()).expect("expected.txt");
    programs.retain(|p| p.name == "alu" || p.name == HOST_CALL_PROGRAM);
    programs[0].small_result ^= 1;
    let vms = all_vms().expect("engines");
    let measured = vms.iter().filter(|vm| !vm.on_request_only()).count();
    let report =
        run(&vms, &GuestBuild::existing(&out), &programs, &Options::quick(), &mut |_| {}).expect("run");
    assert_eq!(report.failures.len(), measured, "{:?}", report.failures);
    assert!(report.failures[0].contains("expected 0x"), "{:?}", report.failures);
    assert!(report.rows[0].times.iter().all(Option::is_none));
}
