//! The subcommands, one module each, and what they share: the `--backend` and
//! `--gas-metering` flags and engine creation.

pub mod asm;
pub mod bench;
pub mod conformance;
pub mod inspect;
pub mod link;
pub mod run;

use anyhow::{anyhow, Result};
use clap::ValueEnum;
use vm::{Backend, Config, Engine, GasMetering};

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

    /// The configuration for this backend with gas checked as `gas` says.
    pub fn config(self, gas: GasArg) -> Config {
        let mut config = Config::new();
        config.set_backend(self.backend()).set_gas_metering(gas.metering());
        config
    }

    /// An engine for this backend; fails (with the VM's reason) when the backend is not available.
    pub fn engine(self, gas: GasArg) -> Result<Engine> {
        Engine::new(&self.config(gas)).map_err(|e| anyhow!("cannot use the {} backend: {e}", self.name()))
    }
}

/// The `--gas-metering` values (how compiled code checks its gas; the interpreter stops at the
/// same place either way).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum GasArg {
    /// Each block's charge branches to a stub of its own (fast out-of-gas exits).
    #[default]
    Sync,
    /// Each block's charge traps when it cannot be paid (smaller code, faster compiles, an
    /// out-of-gas exit takes a signal).
    Async,
}

impl GasArg {
    /// The VM's metering of this name.
    pub fn metering(self) -> GasMetering {
        match self {
            GasArg::Sync => GasMetering::Sync,
            GasArg::Async => GasMetering::Async,
        }
    }
}
