//! Engine configuration.

use isa::gas::CostModel;

/// Which execution backend runs the code.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// The pre-decoding interpreter (available everywhere).
    #[default]
    Interpreter,
    /// The x86-64 recompiler (not built yet: selecting it is an error).
    Compiler,
    /// The compiler where supported, otherwise the interpreter.
    Auto,
}

impl Backend {
    /// Parses `interpreter`, `compiler` or `auto`.
    pub fn from_name(name: &str) -> Option<Backend> {
        match name {
            "interpreter" => Some(Backend::Interpreter),
            "compiler" => Some(Backend::Compiler),
            "auto" => Some(Backend::Auto),
            _ => None,
        }
    }
}

/// Engine-wide settings.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Backend selection.
    pub backend: Backend,
    /// Gas cost model.
    pub cost_model: CostModel,
    /// Stop with [`crate::ExitReason::Step`] before every instruction.
    pub step: bool,
}

impl Config {
    /// The default configuration: interpreter, one gas per instruction, no stepping.
    pub fn new() -> Config {
        Config::default()
    }

    /// Selects the backend.
    pub fn set_backend(&mut self, backend: Backend) -> &mut Self {
        self.backend = backend;
        self
    }

    /// Enables or disables step mode.
    pub fn set_step(&mut self, step: bool) -> &mut Self {
        self.step = step;
        self
    }
}
