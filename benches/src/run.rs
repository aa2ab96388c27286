//! One benchmark run: every VM on every guest program, plus compile time and host-call cost.

use std::time::Duration;

use anyhow::Result;

use crate::harness::{measure, prepare_timed, Budget, Vm};
use crate::report::{CompileFigure, Report, Row, VmInfo};
use crate::suite::{GuestBuild, GuestProgram, HOST_CALL_PROGRAM, PING_CALLS_PER_N};

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Use each program's small argument and one timed run (a smoke test, not a measurement).
    pub quick: bool,
    /// Only these programs (all when empty).
    pub only: Vec<String>,
    /// Only these VMs (all when empty).
    pub vms: Vec<String>,
    /// How long to sample each pair.
    pub budget: Budget,
    /// Load rounds per program for the compile time (the fastest counts).
    pub compile_rounds: usize,
}

impl Options {
    /// Full measurement: at least 5 runs and 1 s per pair.
    pub fn full() -> Options {
        Options {
            quick: false,
            only: Vec::new(),
            vms: Vec::new(),
            budget: Budget { min_samples: 5, max_samples: 200, min_time: Duration::from_secs(1) },
            compile_rounds: 5,
        }
    }

    /// Smoke run: small arguments, one timed run, one compile round.
    pub fn quick() -> Options {
        Options {
            quick: true,
            budget: Budget { min_samples: 1, max_samples: 1, min_time: Duration::ZERO },
            compile_rounds: 1,
            ..Options::full()
        }
    }
}

/// Runs the suite on `vms`; progress goes to `log` (one line per measurement).
pub fn run(
    vms: &[Box<dyn Vm>],
    build: &GuestBuild,
    programs: &[GuestProgram],
    options: &Options,
    log: &mut dyn FnMut(&str),
) -> Result<Report> {
    let vms: Vec<&dyn Vm> = vms
        .iter()
        .map(|vm| vm.as_ref())
        .filter(|vm| options.vms.is_empty() || options.vms.iter().any(|v| v == vm.name()))
        .collect();
    let programs: Vec<&GuestProgram> = programs
        .iter()
        .filter(|p| options.only.is_empty() || options.only.contains(&p.name) || p.name == HOST_CALL_PROGRAM)
        .collect();
    let mut report = Report::new(vms.iter().map(|vm| VmInfo { name: vm.name().into(), what: vm.describe() }));
    report.quick = options.quick;
    for program in &programs {
        let (n, expected) = program.case(options.quick);
        let mut row = Row { program: program.name.clone(), n, times: Vec::new() };
        for (index, vm) in vms.iter().enumerate() {
            match measure_one(*vm, build, &program.name, n, expected, options) {
                Ok((time, compile)) => {
                    log(&format!("{:<10} {:<15} {}", program.name, vm.name(), crate::report::human(time)));
                    if let Some((code_bytes, compile_time)) = compile {
                        let figure = report.compile[index].get_or_insert(CompileFigure::default());
                        figure.code_bytes += code_bytes;
                        figure.time += compile_time;
                    }
                    if program.name == HOST_CALL_PROGRAM {
                        let calls = n.saturating_mul(PING_CALLS_PER_N).max(1);
                        let per_call = time.as_secs_f64() / calls as f64;
                        report.host_call[index] = Some(Duration::from_secs_f64(per_call));
                    }
                    row.times.push(Some(time));
                }
                Err(error) => {
                    let line = format!("{} on {}: {error:#}", program.name, vm.name());
                    log(&format!("FAILED {line}"));
                    report.failures.push(line);
                    row.times.push(None);
                }
            }
        }
        if program.name == HOST_CALL_PROGRAM {
            report.host_call_n = n;
        } else {
            report.rows.push(row);
        }
    }
    Ok(report)
}

/// Compiles and times one program on one VM: the median run time and, for VMs with a compile
/// step, the code size and the fastest compile.
fn measure_one(
    vm: &dyn Vm,
    build: &GuestBuild,
    program: &str,
    n: u64,
    expected: u64,
    options: &Options,
) -> Result<(Duration, Option<(usize, Duration)>)> {
    let input = vm.input(build, program)?;
    let (mut prepared, compile_time) = prepare_timed(vm, &input, options.compile_rounds)?;
    let timing = measure(prepared.as_mut(), n, expected, &options.budget)?;
    let compile = vm.compiles().then(|| (prepared.code_bytes(), compile_time));
    Ok((timing.median(), compile))
}
