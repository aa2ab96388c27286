//! The subcommands, one module each, and what they share: the `--backend` flag and engine
//! creation.

pub mod asm;
pub mod bench;
pub mod conformance;
pub mod inspect;
pub mod link;
pub mod run;

use anyhow::{anyhow, Result};
use clap::ValueEnum;
use vm::{Backend, Config, Engine};

/// The `--backend` values.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// The pre-decoding interpreter.
    #[default]
    Interpreter,
    /// The x86-64 recompiler.
    Compiler,
    /// The compiler where supported, otherwise the interpreter.
    Auto,
}

impl BackendArg {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            BackendArg::Interpreter => "interpreter",
            BackendArg::Compiler => "compiler",
            BackendArg::Auto => "auto",
        }
    }

    /// The VM's backend of this name.
    pub fn backend(self) -> Backend {
        Backend::from_name(self.name()).unwrap_or_default()
    }

    /// An engine for this backend; fails (with the VM's reason) when the backend is not available.
    pub fn engine(self) -> Result<Engine> {
        let mut config = Config::new();
        config.set_backend(self.backend());
        Engine::new(&config).map_err(|e| anyhow!("cannot use the {} backend: {e}", self.name()))
    }
}
