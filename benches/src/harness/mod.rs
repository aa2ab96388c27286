//! The VMs under test behind one interface, and how a time is measured.
//!
//! Every VM loads a guest program ([`Vm::prepare`], timed as its compile step) and then runs
//! `bench(n)` on a fresh instance per sample; only the call is timed (instantiation is not).
//! Every sample's result is checked against `expected.txt` before its time counts.

mod gannet;
mod native;
#[cfg(feature = "peers")]
mod polkavm;
#[cfg(feature = "peers")]
mod wasmi;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::suite::GuestBuild;

pub use gannet::Gannet;
pub use native::Native;

/// The host function every guest imports (`guest/include/gannet_guest.h`).
pub fn gannet_host_mix(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1)
}

/// A virtual machine (or native code) that runs the guest suite.
pub trait Vm {
    /// Short column name, e.g. `gannet-interp`.
    fn name(&self) -> &'static str;
    /// One-line description for the report (version, mode, metering).
    fn describe(&self) -> String;
    /// Whether this VM is measured only when asked for by name (not in a default run).
    fn on_request_only(&self) -> bool {
        false
    }
    /// Whether this VM has a compile step worth reporting (native code does not).
    fn compiles(&self) -> bool {
        true
    }
    /// Reads (and for PVMs, links) one program's build output: work done before a node
    /// receives the program, so not timed.
    fn input(&self, build: &GuestBuild, program: &str) -> Result<Input>;
    /// Loads (parses, validates, compiles) a program: the timed compile step.
    fn prepare(&self, input: &Input) -> Result<Box<dyn Prepared>>;
}

/// A program as a VM receives it.
#[derive(Clone, Debug)]
pub struct Input {
    /// The file it came from.
    pub path: PathBuf,
    /// Its bytes (a `.polkavm` blob, a wasm module; empty for native executables).
    pub bytes: Vec<u8>,
}

/// Links a guest's RV64E ELF with Gannet's linker into a `.polkavm` blob (ReviveV1).
pub fn linked_blob(build: &GuestBuild, program: &str) -> Result<Input> {
    let path = build.rv64_elf(program);
    let elf = GuestBuild::read(&path)?;
    let linked = linker::link(&elf, &linker::LinkOptions::default())
        .map_err(|e| anyhow::anyhow!("link {}: {e}", path.display()))?;
    let bytes = linked.to_bytes().map_err(|e| anyhow::anyhow!("link {}: {e}", path.display()))?;
    Ok(Input { path, bytes })
}

/// A program loaded into a VM, ready to run.
pub trait Prepared {
    /// Bytes of code the compile step processed (PVM code section, wasm code section).
    fn code_bytes(&self) -> usize;
    /// Runs `bench(n)` on a fresh instance; returns the result and the time of the call alone.
    fn run(&mut self, n: u64) -> Result<(u64, Duration)>;
}

/// Every VM this build can measure, in report order (engines are created here, untimed).
pub fn all_vms() -> Result<Vec<Box<dyn Vm>>> {
    let mut vms: Vec<Box<dyn Vm>> = vec![Box::new(Native), Box::new(Gannet::interpreter()?)];
    if vm::jit::is_supported() {
        vms.push(Box::new(Gannet::compiler(vm::GasMetering::Sync)?));
        vms.push(Box::new(Gannet::compiler(vm::GasMetering::Async)?));
        vms.push(Box::new(Gannet::compiler_unmetered()?));
    }
    #[cfg(feature = "peers")]
    {
        vms.push(Box::new(polkavm::PolkaVm::new(::polkavm::BackendKind::Interpreter)?));
        vms.push(Box::new(polkavm::PolkaVm::new(::polkavm::BackendKind::Compiler)?));
        vms.push(Box::new(wasmi::Wasmi::new()));
    }
    Ok(vms)
}

/// Whether PolkaVM and wasmi are built in (the `peers` feature).
pub const PEERS: bool = cfg!(feature = "peers");

/// How long to measure each (VM, program) pair.
#[derive(Copy, Clone, Debug)]
pub struct Budget {
    /// At least this many timed runs.
    pub min_samples: usize,
    /// At most this many timed runs.
    pub max_samples: usize,
    /// Keep sampling (up to `max_samples`) until this much time was spent in timed runs.
    pub min_time: Duration,
}

/// The timed runs of one program on one VM.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    /// Every sample, sorted ascending.
    pub samples: Vec<Duration>,
}

impl Timing {
    /// From unsorted samples (at least one).
    pub fn new(mut samples: Vec<Duration>) -> Timing {
        samples.sort();
        Timing { samples }
    }

    /// The median sample.
    pub fn median(&self) -> Duration {
        let n = self.samples.len();
        if n == 0 {
            return Duration::ZERO;
        }
        if n % 2 == 1 {
            self.samples[n / 2]
        } else {
            (self.samples[n / 2 - 1] + self.samples[n / 2]) / 2
        }
    }

    /// The fastest sample.
    pub fn min(&self) -> Duration {
        self.samples.first().copied().unwrap_or_default()
    }
}

impl Budget {
    /// How many timed runs to make of something whose warm-up run took `per_run`.
    pub fn samples_for(&self, per_run: Duration) -> usize {
        let per_run = per_run.max(Duration::from_micros(1));
        let wanted = (self.min_time.as_nanos() / per_run.as_nanos()).max(1) as usize;
        wanted.clamp(self.min_samples.max(1), self.max_samples.max(self.min_samples).max(1))
    }
}

/// Fails unless a run returned the expected value.
pub fn check(result: u64, expected: u64) -> Result<()> {
    if result != expected {
        bail!("returned {result:#018x}, expected {expected:#018x}");
    }
    Ok(())
}

/// Loads a program `rounds` times and keeps the fastest load (the compile time) and the last
/// loaded program.
pub fn prepare_timed(vm: &dyn Vm, input: &Input, rounds: usize) -> Result<(Box<dyn Prepared>, Duration)> {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        let prepared = vm.prepare(input)?;
        best = best.min(start.elapsed());
        last = Some(prepared);
    }
    match last {
        Some(prepared) => Ok((prepared, best)),
        None => bail!("no load round ran"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_min_of_samples() {
        let ms = Duration::from_millis;
        let t = Timing::new(vec![ms(5), ms(1), ms(3)]);
        assert_eq!((t.median(), t.min()), (ms(3), ms(1)));
        let t = Timing::new(vec![ms(4), ms(2)]);
        assert_eq!(t.median(), ms(3));
        assert_eq!(Timing::new(vec![]).median(), Duration::ZERO);
    }

    #[test]
    fn sample_counts_follow_the_budget() {
        let budget = Budget { min_samples: 5, max_samples: 50, min_time: Duration::from_secs(1) };
        assert_eq!(budget.samples_for(Duration::from_millis(400)), 5);
        assert_eq!(budget.samples_for(Duration::from_millis(50)), 20);
        assert_eq!(budget.samples_for(Duration::ZERO), 50);
        assert!(check(1, 1).is_ok() && check(1, 2).is_err());
    }

    #[test]
    fn host_function_matches_the_guest_header() {
        assert_eq!(gannet_host_mix(0), 1);
        assert_eq!(gannet_host_mix(1), 0x9E37_79B9_7F4A_7C16);
    }
}
