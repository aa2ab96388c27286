//! The C guest suite (`guest/programs/`): which programs exist, their benchmark arguments and
//! expected results (`guest/programs/expected.txt`), and where `guest/build.sh` put each build.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};

/// The program whose loop body is a single host call; the harness reports its time per
/// iteration as the host-call round trip instead of listing it with the suite.
pub const HOST_CALL_PROGRAM: &str = "ping";

/// Iterations of `ping`'s loop per unit of `n` (its `bench(n)` makes `n * 1000` host calls).
pub const PING_CALLS_PER_N: u64 = 1000;

/// One guest program and its checked arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestProgram {
    /// Program name (file stem under `guest/programs/`).
    pub name: String,
    /// Benchmark argument.
    pub default_n: u64,
    /// `bench(default_n)`.
    pub default_result: u64,
    /// A quick argument (for smoke runs).
    pub small_n: u64,
    /// `bench(small_n)`.
    pub small_result: u64,
}

impl GuestProgram {
    /// The argument and expected result for a full (`quick == false`) or quick run.
    pub fn case(&self, quick: bool) -> (u64, u64) {
        if quick {
            (self.small_n, self.small_result)
        } else {
            (self.default_n, self.default_result)
        }
    }
}

/// The repository this crate was built from.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Parses `expected.txt`: `name default_n default_result small_n small_result` per line,
/// `#` comments, results as `0x` hex.
pub fn parse_expected(text: &str) -> Result<Vec<GuestProgram>> {
    let mut programs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [name, default_n, default_result, small_n, small_result] = fields[..] else {
            bail!("expected.txt line {}: want 5 fields, found {}", index + 1, fields.len());
        };
        let number = |text: &str| -> Result<u64> {
            let parsed = match text.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => text.parse(),
            };
            parsed.with_context(|| format!("expected.txt line {}: bad number {text:?}", index + 1))
        };
        programs.push(GuestProgram {
            name: name.to_owned(),
            default_n: number(default_n)?,
            default_result: number(default_result)?,
            small_n: number(small_n)?,
            small_result: number(small_result)?,
        });
    }
    if programs.is_empty() {
        bail!("expected.txt lists no programs");
    }
    Ok(programs)
}

/// The suite as listed in `<repo>/guest/programs/expected.txt`.
pub fn load_programs(repo: &Path) -> Result<Vec<GuestProgram>> {
    let path = repo.join("guest").join("programs").join("expected.txt");
    let text = std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
    parse_expected(&text)
}

/// The outputs of `guest/build.sh` (its `OUT` directory).
#[derive(Clone, Debug)]
pub struct GuestBuild {
    /// The output directory.
    pub dir: PathBuf,
}

impl GuestBuild {
    /// Runs `guest/build.sh` with `OUT=dir` (incremental: quick when nothing changed).
    pub fn build(repo: &Path, dir: &Path) -> Result<GuestBuild> {
        let script = repo.join("guest").join("build.sh");
        let status = Command::new("bash")
            .arg(&script)
            .env("OUT", dir)
            .status()
            .with_context(|| format!("run {}", script.display()))?;
        if !status.success() {
            bail!("{} failed ({status})", script.display());
        }
        Ok(GuestBuild { dir: dir.to_path_buf() })
    }

    /// An existing output directory (no build).
    pub fn existing(dir: &Path) -> GuestBuild {
        GuestBuild { dir: dir.to_path_buf() }
    }

    /// The RV64E ELF of a program.
    pub fn rv64_elf(&self, name: &str) -> PathBuf {
        self.dir.join("rv64").join(format!("{name}.elf"))
    }

    /// The wasm32 module of a program.
    pub fn wasm(&self, name: &str) -> PathBuf {
        self.dir.join("wasm").join(format!("{name}.wasm"))
    }

    /// The native x86-64 executable of a program (with `guest/native/driver.c`).
    pub fn native(&self, name: &str) -> PathBuf {
        self.dir.join("native").join(name)
    }

    /// Reads one output file, naming it in the error.
    pub fn read(path: &Path) -> Result<Vec<u8>> {
        std::fs::read(path).map_err(|e| anyhow!("read {}: {e} (run guest/build.sh)", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_expected_table() {
        let text = "# comment\nalu 300 0x10 2 0x3 # trailing\n\nping 5 0xff 1 0x1\n";
        let programs = parse_expected(text).expect("parses");
        assert_eq!(programs.len(), 2);
        assert_eq!(programs[0].name, "alu");
        assert_eq!(programs[0].case(false), (300, 0x10));
        assert_eq!(programs[1].case(true), (1, 1));
    }

    #[test]
    fn rejects_malformed_lines() {
        assert!(parse_expected("alu 300 0x10 2\n").is_err());
        assert!(parse_expected("alu x 0x10 2 0x3\n").is_err());
        assert!(parse_expected("# nothing\n").is_err());
    }

    #[test]
    fn the_repository_table_lists_the_suite() {
        let programs = load_programs(&repo_root()).expect("expected.txt");
        assert!(programs.len() >= 10, "{} programs", programs.len());
        assert!(programs.iter().any(|p| p.name == HOST_CALL_PROGRAM));
    }
}
