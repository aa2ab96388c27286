//! The result of a benchmark run and its Markdown form (the section `gannet bench` writes into
//! `BENCHMARKS.md`).

use std::fmt::Write as _;
use std::time::Duration;

/// A VM column.
#[derive(Clone, Debug)]
pub struct VmInfo {
    /// Column name.
    pub name: String,
    /// What exactly ran (version, mode, metering).
    pub what: String,
}

/// One program's median times, one per VM (`None`: failed).
#[derive(Clone, Debug)]
pub struct Row {
    /// Program name.
    pub program: String,
    /// The argument `bench` ran with.
    pub n: u64,
    /// Median time per run, by VM column.
    pub times: Vec<Option<Duration>>,
}

/// Compile step totals over the suite for one VM.
#[derive(Clone, Debug, Default)]
pub struct CompileFigure {
    /// Code bytes compiled (sum over programs).
    pub code_bytes: usize,
    /// Compile time (sum over programs of each one's fastest load).
    pub time: Duration,
}

impl CompileFigure {
    /// Microseconds per KiB of code.
    pub fn micros_per_kib(&self) -> f64 {
        if self.code_bytes == 0 {
            return 0.0;
        }
        self.time.as_secs_f64() * 1e6 / (self.code_bytes as f64 / 1024.0)
    }
}

/// Everything one run measured.
#[derive(Clone, Debug)]
pub struct Report {
    /// VM columns.
    pub vms: Vec<VmInfo>,
    /// The suite, one row per program (the host-call program excluded).
    pub rows: Vec<Row>,
    /// Compile totals by VM column (`None` for native code or when nothing compiled).
    pub compile: Vec<Option<CompileFigure>>,
    /// Host-call round trip in nanoseconds by VM column (fractional: below 1 ns resolution).
    pub host_call: Vec<Option<f64>>,
    /// The host-call program's argument.
    pub host_call_n: u64,
    /// Whether this was a quick (smoke) run.
    pub quick: bool,
    /// Failed measurements, one line each.
    pub failures: Vec<String>,
}

impl Report {
    /// An empty report for these VM columns.
    pub fn new(vms: impl IntoIterator<Item = VmInfo>) -> Report {
        let vms: Vec<VmInfo> = vms.into_iter().collect();
        let count = vms.len();
        Report {
            vms,
            rows: Vec::new(),
            compile: vec![None; count],
            host_call: vec![None; count],
            host_call_n: 0,
            quick: false,
            failures: Vec::new(),
        }
    }

    /// The column of a VM.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.vms.iter().position(|vm| vm.name == name)
    }

    /// Per-program ratios `time[numerator] / time[denominator]` where both ran.
    pub fn ratios(&self, numerator: usize, denominator: usize) -> Vec<(String, f64)> {
        self.rows
            .iter()
            .filter_map(|row| {
                let top = (*row.times.get(numerator)?)?;
                let bottom = (*row.times.get(denominator)?)?;
                (bottom > Duration::ZERO)
                    .then(|| (row.program.clone(), top.as_secs_f64() / bottom.as_secs_f64()))
            })
            .collect()
    }

    /// Geometric mean of [`Report::ratios`] (`None` if no program has both).
    pub fn geomean_ratio(&self, numerator: usize, denominator: usize) -> Option<f64> {
        geomean(self.ratios(numerator, denominator).iter().map(|(_, r)| *r))
    }

    /// The Markdown section: suite table, comparison with PolkaVM, compile, host calls.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let native = self.column("native");
        let gannet = self.column("gannet-interp");
        let polka = self.column("polkavm-interp");
        let _ = writeln!(
            out,
            "| program | n |{}",
            self.vms.iter().map(|vm| format!(" {} |", vm.name)).collect::<String>()
        );
        let _ = writeln!(out, "|---|---:|{}", "---:|".repeat(self.vms.len()));
        for row in &self.rows {
            let _ = write!(out, "| {} | {} |", row.program, row.n);
            for (column, time) in row.times.iter().enumerate() {
                let cell = match (time, native.and_then(|c| row.times[c])) {
                    (None, _) => "failed".to_owned(),
                    (Some(t), Some(base)) if Some(column) != native && base > Duration::ZERO => {
                        format!("{} ({:.1}x)", human(*t), t.as_secs_f64() / base.as_secs_f64())
                    }
                    (Some(t), _) => human(*t),
                };
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
        if let Some(native) = native {
            let _ = write!(out, "| **geometric mean, time / native** | |");
            for column in 0..self.vms.len() {
                let cell = match self.geomean_ratio(column, native) {
                    Some(r) if column != native => format!("**{r:.2}x**"),
                    _ => String::new(),
                };
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
        self.comparison(&mut out, "interpreter", polka, gannet);
        self.comparison(&mut out, "recompiler", self.column("polkavm-jit"), self.column("gannet-jit"));
        self.compile_and_host_calls(&mut out);
        out
    }

    /// PolkaVM's time over Gannet's per program, for one kind of backend.
    fn comparison(&self, out: &mut String, kind: &str, polka: Option<usize>, gannet: Option<usize>) {
        let (Some(gannet), Some(polka)) = (gannet, polka) else { return };
        let ratios = self.ratios(polka, gannet);
        let _ = writeln!(out, "\nPolkaVM {kind} time / Gannet {kind} time (higher: Gannet faster):\n");
        out.push_str("| program | ratio |\n|---|---:|\n");
        for (program, ratio) in &ratios {
            let _ = writeln!(out, "| {program} | {ratio:.2}x |");
        }
        if let Some(mean) = self.geomean_ratio(polka, gannet) {
            let _ = writeln!(out, "| **geometric mean** | **{mean:.2}x** |");
        }
    }

    fn compile_and_host_calls(&self, out: &mut String) {
        out.push_str("\n| VM | code compiled (suite) | compile time (suite) | per KiB of code | host-call round trip |\n");
        out.push_str("|---|---:|---:|---:|---:|\n");
        for (column, vm) in self.vms.iter().enumerate() {
            let (size, time, per_kib) = match &self.compile[column] {
                Some(c) => (
                    format!("{:.1} KiB", c.code_bytes as f64 / 1024.0),
                    human(c.time),
                    format!("{:.1} µs", c.micros_per_kib()),
                ),
                None => ("—".into(), "—".into(), "—".into()),
            };
            let call = self.host_call[column].map(human_ns).unwrap_or_else(|| "—".into());
            let _ = writeln!(out, "| {} | {size} | {time} | {per_kib} | {call} |", vm.name);
        }
        out.push_str("\nColumns:\n\n");
        for vm in &self.vms {
            let _ = writeln!(out, "* `{}`: {}", vm.name, vm.what);
        }
        if !self.failures.is_empty() {
            out.push_str("\nFailed measurements:\n\n");
            for failure in &self.failures {
                let _ = writeln!(out, "* {failure}");
            }
        }
    }
}

/// Geometric mean (`None` for no values).
pub fn geomean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut sum, mut count) = (0.0, 0usize);
    for value in values {
        sum += value.ln();
        count += 1;
    }
    (count > 0).then(|| (sum / count as f64).exp())
}

/// A duration with three significant digits and a unit (ns, µs, ms, s).
pub fn human(time: Duration) -> String {
    human_ns(time.as_secs_f64() * 1e9)
}

/// A time in nanoseconds (fractional allowed), formatted like [`human`].
pub fn human_ns(ns: f64) -> String {
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let vm = |name: &str| VmInfo { name: name.into(), what: format!("{name} vm") };
        let mut report = Report::new([vm("native"), vm("gannet-interp"), vm("polkavm-interp")]);
        let ms = |v: u64| Some(Duration::from_millis(v));
        report.rows.push(Row { program: "a".into(), n: 1, times: vec![ms(1), ms(10), ms(40)] });
        report.rows.push(Row { program: "b".into(), n: 2, times: vec![ms(2), ms(20), None] });
        report
    }

    #[test]
    fn ratios_skip_failed_cells() {
        let report = report();
        assert_eq!(report.ratios(2, 1), vec![("a".to_owned(), 4.0)]);
        let mean = report.geomean_ratio(1, 0).expect("both rows ran");
        assert!((mean - 10.0).abs() < 1e-9, "{mean}");
    }

    #[test]
    fn markdown_has_every_figure() {
        let text = report().markdown();
        assert!(text.contains("| a | 1 | 1.00 ms | 10.0 ms (10.0x) | 40.0 ms (40.0x) |"), "{text}");
        assert!(text.contains("failed"), "{text}");
        assert!(text.contains("| **geometric mean** | **4.00x** |"), "{text}");
        assert!(text.contains("* `gannet-interp`: gannet-interp vm"), "{text}");
    }

    #[test]
    fn human_units() {
        assert_eq!(human(Duration::from_nanos(5)), "5.00 ns");
        assert_eq!(human(Duration::from_nanos(12_345)), "12.3 µs");
        assert_eq!(human(Duration::from_millis(250)), "250 ms");
        assert_eq!(human(Duration::from_secs(2)), "2.00 s");
        assert_eq!(human_ns(1.234), "1.23 ns");
        assert_eq!(geomean([2.0, 8.0].into_iter()), Some(4.0));
        assert_eq!(geomean(std::iter::empty()), None);
    }
}
