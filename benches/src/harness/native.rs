//! The same C compiled for the host by clang-19 (`-O2 -march=native`), run as a child
//! process whose driver (`guest/native/driver.c`) times each call of `bench(n)` itself.

use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

use super::{Input, Prepared, Vm};
use crate::suite::GuestBuild;

/// Native x86-64 code.
pub struct Native;

impl Vm for Native {
    fn name(&self) -> &'static str {
        "native"
    }

    fn describe(&self) -> String {
        "the same C, clang-19 -O2 -march=native for x86-64, timed in-process by guest/native/driver.c"
            .to_owned()
    }

    fn compiles(&self) -> bool {
        false
    }

    fn input(&self, build: &GuestBuild, program: &str) -> Result<Input> {
        let path = build.native(program);
        if !path.is_file() {
            bail!("{} is missing (run guest/build.sh)", path.display());
        }
        Ok(Input { path, bytes: Vec::new() })
    }

    fn prepare(&self, input: &Input) -> Result<Box<dyn Prepared>> {
        Ok(Box::new(NativeProgram { input: input.clone() }))
    }
}

struct NativeProgram {
    input: Input,
}

impl Prepared for NativeProgram {
    fn code_bytes(&self) -> usize {
        0
    }

    /// One child process per run: the driver times the call itself, so process start-up is
    /// not in the figure.
    fn run(&mut self, n: u64) -> Result<(u64, Duration)> {
        let exe = &self.input.path;
        let output = Command::new(exe)
            .args(["--time", &n.to_string(), "1"])
            .output()
            .with_context(|| format!("run {}", exe.display()))?;
        if !output.status.success() {
            bail!("{} failed: {}", exe.display(), String::from_utf8_lossy(&output.stderr).trim());
        }
        let mut runs = parse_driver_output(&String::from_utf8_lossy(&output.stdout), 1)
            .with_context(|| format!("output of {}", exe.display()))?;
        runs.pop().ok_or_else(|| anyhow!("no run reported"))
    }
}

/// Parses the driver's `--time` output: the result line, then `times_ns: t1 t2 ...`.
fn parse_driver_output(text: &str, count: usize) -> Result<Vec<(u64, Duration)>> {
    let mut lines = text.lines();
    let result =
        lines.next().and_then(|l| l.trim().strip_prefix("0x")).ok_or_else(|| anyhow!("no result line"))?;
    let result = u64::from_str_radix(result, 16).context("result is not hex")?;
    let times =
        lines.next().and_then(|l| l.strip_prefix("times_ns:")).ok_or_else(|| anyhow!("no times_ns line"))?;
    let times: Vec<Duration> = times
        .split_whitespace()
        .map(|t| t.parse::<u64>().map(Duration::from_nanos))
        .collect::<Result<_, _>>()
        .context("bad time")?;
    if times.len() != count {
        bail!("{} times for {count} runs", times.len());
    }
    Ok(times.into_iter().map(|t| (result, t)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_driver_timing_output() {
        let runs = parse_driver_output("0x00000000000000ff\ntimes_ns: 10 20\n", 2).expect("parses");
        assert_eq!(runs, vec![(255, Duration::from_nanos(10)), (255, Duration::from_nanos(20))]);
        assert!(parse_driver_output("0xff\ntimes_ns: 10\n", 2).is_err());
        assert!(parse_driver_output("ff\ntimes_ns: 10\n", 1).is_err());
        assert!(parse_driver_output("0xff\n", 1).is_err());
    }
}
