//! `gannet-conformance`: runs JSON PVM test vectors (the JAM vectors and Gannet's own)
//! against a backend and reports every difference in status, pc, registers, memory and gas.

pub mod runner;
pub mod vector;

use std::path::{Path, PathBuf};

pub use runner::{run_vector, run_vector_with, Failure};
pub use vector::Vector;
use vm::{Backend, Config};

/// Outcome of running a directory of vectors.
#[derive(Debug, Default)]
pub struct Report {
    /// Vectors that passed.
    pub passed: usize,
    /// Vectors that failed, with reasons.
    pub failed: Vec<Failure>,
}

/// Why a directory could not be run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A directory or file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not a valid vector.
    #[error("{path}: not a test vector: {source}")]
    Json {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
}

/// Reads every `*.json` file in `dir` (sorted by name) as a vector.
pub fn load_dir(dir: &Path) -> Result<Vec<Vector>, LoadError> {
    let io = |path: &Path, source| LoadError::Io { path: path.to_path_buf(), source };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
            serde_json::from_str(&text).map_err(|source| LoadError::Json { path: path.clone(), source })
        })
        .collect()
}

/// Runs every vector in `dir` on `backend`.
pub fn run_dir(dir: &Path, backend: Backend) -> Result<Report, LoadError> {
    let mut config = Config::new();
    config.set_backend(backend);
    run_dir_with(dir, &config)
}

/// Runs every vector in `dir` with an explicit engine configuration.
pub fn run_dir_with(dir: &Path, config: &Config) -> Result<Report, LoadError> {
    let mut report = Report::default();
    for vector in load_dir(dir)? {
        match runner::run_vector_with(&vector, config) {
            Ok(()) => report.passed += 1,
            Err(failure) => report.failed.push(failure),
        }
    }
    Ok(report)
}

/// Directory of Gannet's own vectors.
pub fn own_vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}
