//! Engine configuration.

use isa::gas::CostModel;

/// Which execution backend runs the code.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// The pre-decoding interpreter (available everywhere).
    #[default]
    Interpreter,
    /// The x86-64 recompiler (x86-64 Linux with BMI1/BMI2/LZCNT/POPCNT; selecting it
    /// elsewhere is an error).
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

/// How the interpreter dispatches pre-decoded ops.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Dispatch {
    /// Each handler tail-calls the next op's handler (default; fastest in BENCHMARKS.md).
    #[default]
    Threaded,
    /// One loop with a `match` on the op kind.
    Switch,
}

/// How compiled code finds that a block cannot be paid for. Both kinds charge the same costs
/// at the same points and stop at the same place with the same state (the start of the block
/// that cannot be paid, its cost not taken, resumable after more gas is added), so the
/// interpreter, which has no such choice, agrees with either.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum GasMetering {
    /// Each block's charge branches to a stub of its own, which leaves the code with the
    /// block's index: an out-of-gas exit costs about as much as any other exit.
    #[default]
    Sync,
    /// Each block's charge branches back into the middle of its own first instruction, onto
    /// a byte that is an invalid opcode:
    /// the processor's trap reports which block it was, through the signal handler. The
    /// charge is four bytes shorter and there are no per-block stubs, so code is smaller and
    /// compiles faster, but an out-of-gas exit takes a signal (microseconds, not
    /// nanoseconds). For code that rarely runs out of gas.
    Async,
}

/// Engine-wide settings.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Backend selection.
    pub backend: Backend,
    /// Gas cost model.
    pub cost_model: CostModel,
    /// How compiled code checks its gas (the interpreter ignores it: it stops at the same
    /// place either way).
    pub gas_metering: GasMetering,
    /// Stop with [`crate::ExitReason::Step`] before every instruction.
    pub step: bool,
    /// Interpreter dispatch strategy.
    pub dispatch: Dispatch,
    /// Crosscheck compiled code against the interpreter, run by run (debug builds only).
    pub crosscheck: bool,
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

    /// Selects how compiled code checks its gas.
    pub fn set_gas_metering(&mut self, metering: GasMetering) -> &mut Self {
        self.gas_metering = metering;
        self
    }

    /// Selects the interpreter dispatch strategy.
    pub fn set_dispatch(&mut self, dispatch: Dispatch) -> &mut Self {
        self.dispatch = dispatch;
        self
    }

    /// Enables or disables crosscheck mode: in debug builds, a compiled instance also keeps an
    /// interpreter copy of its state, runs both at every [`crate::Instance::run`] and panics
    /// if their exits, registers, gas, heap or memory differ. Release builds ignore it.
    pub fn set_crosscheck(&mut self, crosscheck: bool) -> &mut Self {
        self.crosscheck = crosscheck;
        self
    }

    /// Enables or disables step mode.
    pub fn set_step(&mut self, step: bool) -> &mut Self {
        self.step = step;
        self
    }
}
