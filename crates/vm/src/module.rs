//! Engines and modules: a validated, pre-decoded program plus its memory image, shared by
//! every instance made from it.

use std::sync::Arc;

use isa::blob::CodeBlob;
use isa::InstructionSet;

use crate::config::{Backend, Config};
use crate::error::Error;
use crate::interp::Program;
use crate::memory::{Access, Heap};

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
            return Err(Error::Unsupported("the compiler backend is not built yet; use the interpreter".into()));
        }
        Ok(Engine { config: config.clone() })
    }

    /// The engine's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

/// A region of the initial memory map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// Start address (page-aligned).
    pub address: u32,
    /// Accessible length in bytes (rounded up to pages when mapped).
    pub size: u32,
    /// Access rights.
    pub access: Access,
    /// Initial contents from `address` (the rest is zero).
    pub data: Vec<u8>,
}

/// Everything a module needs, independent of the container format it came from.
#[derive(Clone, Debug)]
pub struct ProgramImage {
    /// Opcode numbering.
    pub isa: InstructionSet,
    /// Code, bitmask and jump table.
    pub code: CodeBlob,
    /// Initial memory.
    pub regions: Vec<Region>,
    /// `sbrk` heap.
    pub heap: Heap,
    /// Initial register values for a fresh instance.
    pub initial_regs: [u64; 13],
    /// Stack pointer set when calling an export.
    pub stack_top: u32,
    /// Import names, by `ecalli` index.
    pub imports: Vec<String>,
    /// Exported entry points: name and code offset.
    pub exports: Vec<(String, u32)>,
}

impl ProgramImage {
    /// A program with no memory at all (the caller maps what it needs), as in the JAM vectors.
    pub fn bare(isa: InstructionSet, code: CodeBlob) -> ProgramImage {
        ProgramImage {
            isa,
            code,
            regions: Vec::new(),
            heap: Heap::default(),
            initial_regs: [0; 13],
            stack_top: 0,
            imports: Vec::new(),
            exports: Vec::new(),
        }
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
    /// Validates and pre-decodes a program image.
    pub fn new(engine: &Engine, image: ProgramImage) -> Result<Module, Error> {
        if !image.isa.is_64bit() {
            return Err(Error::Unsupported(format!(
                "instruction set `{}` is 32-bit; only 64-bit programs can be executed",
                image.isa.name()
            )));
        }
        let program =
            Program::compile(image.code.view(image.isa), &image.code.jump_table, engine.config().cost_model);
        Ok(Module { inner: Arc::new(ModuleInner { engine: engine.clone(), image, program }) })
    }

    /// The program image.
    pub fn image(&self) -> &ProgramImage {
        &self.inner.image
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
