//! Engines and modules: a validated, pre-decoded program plus its memory image, shared by
//! every instance made from it.

use std::sync::{Arc, OnceLock};

use crate::config::{Backend, Config};
use crate::error::Error;
use crate::image::ProgramImage;
use crate::interp::Program;
use crate::jit::Compiled;

/// A compiled module's machine code and, per instruction, `(native offset, code offset)`.
pub type CompiledCode<'a> = (&'a [u8], &'a [(u32, u32)]);

/// Holds the configuration modules are built with.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    config: Config,
}

impl Engine {
    /// Creates an engine. Selecting [`Backend::Compiler`] fails where the recompiler cannot
    /// run (see [`crate::jit::is_supported`]); [`Backend::Auto`] then uses the interpreter.
    pub fn new(config: &Config) -> Result<Engine, Error> {
        if config.backend == Backend::Compiler && !crate::jit::is_supported() {
            return Err(Error::Unsupported(
                "the compiler backend needs x86-64 Linux with BMI1, BMI2, LZCNT and POPCNT".into(),
            ));
        }
        Ok(Engine { config: config.clone() })
    }

    /// Whether modules of this engine are compiled (given the program's register width):
    /// the compiler backend, or `Auto` where the compiler is supported, for 64-bit programs;
    /// step mode always interprets.
    fn compiles(&self, bits64: bool) -> bool {
        let wanted = match self.config.backend {
            Backend::Interpreter => false,
            Backend::Compiler => true,
            Backend::Auto => crate::jit::is_supported(),
        };
        wanted && bits64 && !self.config.step
    }

    /// The engine's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

pub(crate) struct ModuleInner {
    pub engine: Engine,
    pub image: ProgramImage,
    /// The interpreter's form (when the module is interpreted).
    pub program: Option<Program>,
    /// The compiled form (when the module is compiled).
    pub compiled: Option<Compiled>,
    /// The interpreter's form of a compiled module, made when the compiled code first needs
    /// the interpreter (see [`ModuleInner::interpreter`]).
    pub fallback: OnceLock<Program>,
}

impl ModuleInner {
    /// The interpreter's form: the module's own, or for a compiled module, one made on
    /// first use. Compiled code runs a block in the interpreter when the gas left pays for
    /// the block but not for the next one it already charges for (`jit::emit::merge`).
    pub(crate) fn interpreter(&self) -> &Program {
        self.program.as_ref().unwrap_or_else(|| {
            self.fallback.get_or_init(|| {
                let view = self.image.code.view(self.image.isa);
                Program::compile(view, &self.image.code.jump_table, self.engine.config().cost_model)
            })
        })
    }
}

/// A loaded program. Cheap to clone; instances share its pre-decoded code.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

impl Module {
    /// Validates and pre-decodes a program image (64-bit instruction sets, and PolkaVM's 32-bit
    /// `Latest32` with its 32-bit semantics).
    /// With the compiler backend, a 32-bit program is an error; `Auto` interprets it.
    pub fn new(engine: &Engine, image: ProgramImage) -> Result<Module, Error> {
        let view = image.code.view(image.isa);
        let cost_model = engine.config().cost_model;
        let bits64 = image.isa.is_64bit();
        if engine.config().backend == Backend::Compiler && !bits64 {
            return Err(Error::Unsupported("the compiler runs 64-bit programs only".into()));
        }
        let (program, compiled) = if engine.compiles(bits64) {
            let compiled =
                Compiled::new(view, &image.code.jump_table, cost_model, engine.config().gas_metering)
                    .map_err(|e| Error::Unsupported(format!("cannot compile: {e}")))?;
            // Crosscheck mode (debug builds) runs the interpreter beside the compiled code.
            let crosscheck = cfg!(debug_assertions) && engine.config().crosscheck;
            let program = crosscheck.then(|| Program::compile(view, &image.code.jump_table, cost_model));
            (program, Some(compiled))
        } else {
            (Some(Program::compile(view, &image.code.jump_table, cost_model)), None)
        };
        let fallback = OnceLock::new();
        Ok(Module {
            inner: Arc::new(ModuleInner { engine: engine.clone(), image, program, compiled, fallback }),
        })
    }

    /// Whether the module runs compiled code (rather than the interpreter).
    pub fn is_compiled(&self) -> bool {
        self.inner.compiled.is_some()
    }

    /// The compiled machine code, for a compiled module (for diagnostics: disassemble it with
    /// `objdump -b binary -m i386:x86-64 -D`), with the code offset of each instruction's
    /// native code as `(native offset, code offset)` pairs.
    pub fn compiled_code(&self) -> Option<CompiledCode<'_>> {
        let compiled = self.inner.compiled.as_ref()?;
        Some((compiled.code.bytes(), &compiled.insts))
    }

    /// Size of the compiled machine code in bytes (0 for an interpreted module).
    pub fn compiled_len(&self) -> usize {
        self.inner.compiled.as_ref().map_or(0, |c| c.code.len())
    }

    /// The program image.
    pub fn image(&self) -> &ProgramImage {
        &self.inner.image
    }

    /// Whether the program's registers are 64-bit. For a 32-bit program (PolkaVM's `Latest32`)
    /// registers hold 32-bit values: [`crate::Instance::reg`] returns the low 32 bits and
    /// 64-bit call arguments and results take register pairs (see [`crate::Instance::call`]).
    pub fn is_64bit(&self) -> bool {
        self.inner.image.isa.is_64bit()
    }

    /// Code offset of an export.
    pub fn export_pc(&self, name: &str) -> Option<u32> {
        self.inner.image.exports.iter().find(|(n, _)| n == name).map(|&(_, pc)| pc)
    }

    /// Number of basic blocks and ops after pre-decoding, for an interpreted module (for
    /// diagnostics and benchmarks; 0 for a compiled one).
    pub fn predecoded_len(&self) -> usize {
        self.inner.program.as_ref().map_or(0, |p| p.ops.len())
    }
}
