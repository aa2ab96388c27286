//! Engines and modules: a validated, pre-decoded program plus its memory image, shared by
//! every instance made from it.

use std::sync::Arc;

use crate::config::{Backend, Config};
use crate::error::Error;
use crate::image::ProgramImage;
use crate::interp::Program;

/// Holds the configuration modules are built with.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    config: Config,
}

impl Engine {
    /// Creates an engine. Selecting [`Backend::Compiler`] fails until the recompiler exists;
    /// [`Backend::Auto`] falls back to the interpreter.
    pub fn new(config: &Config) -> Result<Engine, Error> {
        if config.backend == Backend::Compiler {
            return Err(Error::Unsupported(
                "the compiler backend is not built yet; use the interpreter".into(),
            ));
        }
        Ok(Engine { config: config.clone() })
    }

    /// The engine's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

pub(crate) struct ModuleInner {
    pub engine: Engine,
    pub image: ProgramImage,
    pub program: Program,
}

/// A loaded program. Cheap to clone; instances share its pre-decoded code.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

impl Module {
    /// Validates and pre-decodes a program image (64-bit instruction sets, and PolkaVM's 32-bit
    /// `Latest32` with its 32-bit semantics).
    pub fn new(engine: &Engine, image: ProgramImage) -> Result<Module, Error> {
        let program =
            Program::compile(image.code.view(image.isa), &image.code.jump_table, engine.config().cost_model);
        Ok(Module { inner: Arc::new(ModuleInner { engine: engine.clone(), image, program }) })
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

    /// Number of basic blocks and ops after pre-decoding (for diagnostics and benchmarks).
    pub fn predecoded_len(&self) -> usize {
        self.inner.program.ops.len()
    }
}
