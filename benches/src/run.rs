//! One benchmark run: every VM on every guest program, plus compile time and host-call cost.

use std::time::Duration;

use anyhow::{anyhow, Result};

use crate::harness::{check, prepare_timed, Budget, Prepared, Timing, Vm};
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
        .filter(|vm| match options.vms.is_empty() {
            true => !vm.on_request_only(),
            false => options.vms.iter().any(|v| v == vm.name()),
        })
        .collect();
    let programs: Vec<&GuestProgram> = programs
        .iter()
        .filter(|p| options.only.is_empty() || options.only.contains(&p.name) || p.name == HOST_CALL_PROGRAM)
        .collect();
    let mut report = Report::new(vms.iter().map(|vm| VmInfo { name: vm.name().into(), what: vm.describe() }));
    report.quick = options.quick;
    for program in &programs {
        let (n, expected) = program.case(options.quick);
        let results = measure_program(&vms, build, &program.name, n, expected, options);
        let mut row = Row { program: program.name.clone(), n, times: Vec::new() };
        for ((index, vm), result) in vms.iter().enumerate().zip(results) {
            match result {
                Ok(outcome) => {
                    log(&format!(
                        "{:<10} {:<15} {}",
                        program.name,
                        vm.name(),
                        crate::report::human(outcome.time)
                    ));
                    if let Some((code_bytes, compile_time)) = outcome.compile {
                        let figure = report.compile[index].get_or_insert(CompileFigure::default());
                        figure.code_bytes += code_bytes;
                        figure.time += compile_time;
                    }
                    if program.name == HOST_CALL_PROGRAM {
                        let calls = n.saturating_mul(PING_CALLS_PER_N).max(1);
                        report.host_call[index] = Some(outcome.time.as_secs_f64() * 1e9 / calls as f64);
                    }
                    row.times.push(Some(outcome.time));
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

/// What one VM measured for one program.
struct Outcome {
    /// Median time per run.
    time: Duration,
    /// Code size and fastest compile, for VMs with a compile step.
    compile: Option<(usize, Duration)>,
}

/// A VM taking part in one program's measurement.
struct Contender {
    index: usize,
    prepared: Box<dyn Prepared>,
    compile: Option<(usize, Duration)>,
    wanted: usize,
    samples: Vec<Duration>,
}

/// Compiles one program on every VM, then takes the timed runs in rounds, one run per VM per
/// round, so that a slow phase of a shared machine hits every VM alike rather than whichever
/// happened to be measured then. Results are checked on every run; a VM that fails drops out
/// with its error.
fn measure_program(
    vms: &[&dyn Vm],
    build: &GuestBuild,
    program: &str,
    n: u64,
    expected: u64,
    options: &Options,
) -> Vec<Result<Outcome>> {
    let mut results: Vec<Result<Outcome>> = Vec::new();
    let mut contenders = Vec::new();
    for (index, vm) in vms.iter().enumerate() {
        let prepared =
            vm.input(build, program).and_then(|input| prepare_timed(*vm, &input, options.compile_rounds));
        // Warm-up run (untimed): page-ins, lazy paths; its time sizes the sample count.
        let warm = prepared.and_then(|(mut prepared, compile_time)| {
            let (result, time) = prepared.run(n)?;
            check(result, expected)?;
            let compile = vm.compiles().then(|| (prepared.code_bytes(), compile_time));
            Ok(Contender {
                index,
                prepared,
                compile,
                wanted: options.budget.samples_for(time),
                samples: Vec::new(),
            })
        });
        match warm {
            Ok(contender) => {
                contenders.push(contender);
                results.push(Err(anyhow!("not measured")));
            }
            Err(error) => results.push(Err(error)),
        }
    }
    while contenders.iter().any(|c| c.samples.len() < c.wanted) {
        let mut failed = Vec::new();
        for (position, contender) in contenders.iter_mut().enumerate() {
            if contender.samples.len() >= contender.wanted {
                continue;
            }
            match contender.prepared.run(n).and_then(|(result, time)| check(result, expected).map(|()| time))
            {
                Ok(time) => contender.samples.push(time),
                Err(error) => failed.push((position, error)),
            }
        }
        for (position, error) in failed.into_iter().rev() {
            let contender = contenders.remove(position);
            results[contender.index] = Err(error);
        }
    }
    for contender in contenders {
        let time = Timing::new(contender.samples).median();
        results[contender.index] = Ok(Outcome { time, compile: contender.compile });
    }
    results
}
