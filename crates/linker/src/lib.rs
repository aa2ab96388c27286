//! `gannet-linker`: relinks RISC-V ELF files (RV64E or RV32E with M, A, C and Zbb, as Debian
//! `clang-19`/`ld.lld-19` produce them) into PVM program blobs (RV32E into PolkaVM's 32-bit
//! `Latest32` blobs).
//!
//! Input is a shared object linked with `--emit-relocs` or a relocatable object; guests
//! declare imports and exports with PolkaVM's metadata conventions (`.polkavm_metadata`,
//! `.polkavm_exports`, the `custom-0` host-call marker, `.polkavm_min_stack_size`), so ELF
//! files built for `polkavm-linker` link unchanged.
//!
//! The stages: [`elf`] reads sections, relocations and symbols; [`data`] places RO/RW data
//! where the PolkaVM memory map puts it; [`code`] decodes the code ([`riscv`]) and finds what
//! the exports reach, which positions start blocks and which need jump-table entries; the
//! lowering turns each reachable instruction into PVM instructions; the assembler's layout
//! engine ([`isa::text::CodeBuilder`]) encodes them; [`debug`] turns the input's DWARF into
//! the optional debug sections (source locations per PVM pc). Every problem found is reported,
//! each with its section, offset and nearest symbol.

mod addr;
mod alu;
mod atomic;
pub mod code;
pub mod data;
pub mod debug;
pub mod elf;
pub mod error;
mod lower;
pub mod meta;
mod narrow;
pub mod riscv;

use std::collections::BTreeMap;

use isa::blob::{CodeBlob, Export, Import, ProgramBlob, StandardProgram};
use isa::text::CodeBuilder;
use isa::InstructionSet;

pub use error::{Diagnostic, LinkError};

use crate::elf::{Elf, Loc};
use crate::riscv::Xlen;

/// The instruction set of the output.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum OutputIsa {
    /// PolkaVM `ReviveV1` (`.polkavm` version 0), runs on PolkaVM 0.37 and pallet-revive. For
    /// RV32E input: PolkaVM `Latest32` (`.polkavm` version 1), the 32-bit instruction set.
    #[default]
    Revive,
    /// Graypaper 0.7.2 numbering, written as a JAM standard program (no import or export
    /// names: host calls are `ecalli` by import index, entry points by code offset).
    Gp072,
}

/// Link options.
#[derive(Clone, Debug, Default)]
pub struct LinkOptions {
    /// Output instruction set.
    pub isa: OutputIsa,
    /// Leave out the optional debug sections (source locations from the ELF file's DWARF).
    pub strip: bool,
    /// Stack size when the ELF declares none (default 64 KiB).
    pub default_stack_size: Option<u32>,
}

/// Default stack size when neither the ELF nor the options give one.
pub const DEFAULT_STACK_SIZE: u32 = 64 * 1024;

/// A linked program.
#[derive(Clone, Debug)]
pub struct Linked {
    /// The program as a `.polkavm` blob structure (for [`OutputIsa::Revive`]; for
    /// [`OutputIsa::Gp072`] the same contents with `isa` = `Gp072`).
    pub blob: ProgramBlob,
    /// Problems that did not stop linking (unreadable DWARF: the debug sections are left out).
    pub warnings: Vec<Diagnostic>,
}

impl Linked {
    /// The output file's bytes: a `.polkavm` blob, or a JAM standard program for GP 0.7.2.
    pub fn to_bytes(&self) -> Result<Vec<u8>, LinkError> {
        if self.blob.isa == InstructionSet::Gp072 {
            let program = StandardProgram {
                metadata: None,
                ro_data: self.blob.ro_data.clone(),
                rw_data: self.blob.rw_data.clone(),
                heap_pages: heap_pages(&self.blob),
                stack_size: self.blob.stack_size,
                code: self.blob.code.clone(),
            };
            program.to_bytes().map_err(|e| LinkError::global(format!("cannot write a standard program: {e}")))
        } else {
            Ok(self.blob.to_bytes())
        }
    }
}

/// Pages of BSS beyond the RW bytes (a standard program expresses BSS as heap pages).
fn heap_pages(blob: &ProgramBlob) -> u16 {
    let extra = blob.rw_data_size.saturating_sub(blob.rw_data.len() as u32);
    u16::try_from(extra.div_ceil(4096)).unwrap_or(u16::MAX)
}

/// Whether to collect source locations: not stripping, and the ELF file has DWARF lines.
fn wants_debug(elf: &Elf, options: &LinkOptions) -> bool {
    !options.strip && elf.sections.iter().any(|s| s.name == ".debug_line")
}

/// Links the ELF file `bytes` into a program.
pub fn link(bytes: &[u8], options: &LinkOptions) -> Result<Linked, LinkError> {
    let elf = Elf::parse(bytes)?;
    let bits32 = elf.xlen == Xlen::Rv32;
    let set = match (options.isa, bits32) {
        (OutputIsa::Revive, false) => InstructionSet::ReviveV1,
        (OutputIsa::Gp072, false) => InstructionSet::Gp072,
        (OutputIsa::Revive, true) => InstructionSet::Latest32,
        (OutputIsa::Gp072, true) => {
            return Err(LinkError::global(
                "RV32E input links only to PolkaVM's 32-bit `Latest32` (the GP 0.7.2 PVM is 64-bit)",
            ))
        }
    };
    let mut diags = Vec::new();
    let exports = meta::exports(&elf, &mut diags);
    let mut data = data::place(&elf).map_err(|d| LinkError { diagnostics: vec![d] })?;

    let mut code = code::decode_all(&elf);
    let roots: Vec<Loc> = exports.iter().map(|e| e.entry).collect();
    let data_refs = data::code_refs(&elf);
    code.analyse(&elf, &roots, &data_refs, &mut diags);
    let jump_addresses: BTreeMap<Loc, u32> =
        code.jump_table.iter().enumerate().map(|(i, &loc)| (loc, (i as u32 + 1) * 2)).collect();

    let resolver = |t| lower::resolve(&elf, &data, &jump_addresses, t);
    let mut patched = data.clone();
    data::patch(&elf, &mut patched, &resolver, &mut diags);
    data = patched;

    let mut lowering = lower::Lowering {
        elf: &elf,
        code: &code,
        data: &data,
        jump_addresses: &jump_addresses,
        labels: BTreeMap::new(),
        imports: Vec::new(),
        out: CodeBuilder::new(set),
        bits32,
        diags: Vec::new(),
        positions: wants_debug(&elf, options).then(Vec::new),
    };
    for e in &exports {
        let l = lowering.out.label();
        lowering.labels.insert(e.entry, l);
    }
    for &loc in &code.jump_table {
        let l = lowering.out.label();
        lowering.labels.entry(loc).or_insert(l);
    }
    lowering.run();
    diags.append(&mut lowering.diags);
    let labels = lowering.labels;
    let imports = lowering.imports;
    let positions = lowering.positions;
    if !diags.is_empty() {
        return Err(LinkError { diagnostics: diags });
    }
    let built = lowering.out.finish().map_err(|e| LinkError {
        diagnostics: e
            .errors()
            .iter()
            .map(|e| Diagnostic {
                section: String::new(),
                offset: 0,
                symbol: None,
                message: format!("code layout: {}", e.kind),
            })
            .collect(),
    })?;
    let pc = |loc: &Loc| labels.get(loc).and_then(|&l| built.offset(l));
    let mut warnings = Vec::new();
    let extra_sections = match positions {
        Some(positions) => {
            let positions: Vec<(Loc, u32)> =
                positions.iter().filter_map(|&(loc, l)| Some((loc, built.offset(l)?))).collect();
            let code_len = u32::try_from(built.code.len()).unwrap_or(u32::MAX);
            debug::sections(bytes, &elf, &positions, code_len).unwrap_or_else(|e| {
                warnings.push(Diagnostic {
                    section: String::new(),
                    offset: 0,
                    symbol: None,
                    message: format!("debug information left out: {e}"),
                });
                Vec::new()
            })
        }
        None => Vec::new(),
    };
    let jump_table = code.jump_table.iter().map(|l| pc(l).unwrap_or(0)).collect();
    let exports =
        exports.iter().map(|e| Export { pc: pc(&e.entry).unwrap_or(0), symbol: e.symbol.clone() }).collect();
    let mut ordered: Vec<(u32, Vec<u8>)> =
        imports.iter().enumerate().map(|(i, (s, index))| (index.unwrap_or(i as u32), s.clone())).collect();
    ordered.sort();
    let imports = ordered.into_iter().map(|(_, symbol)| Import { symbol }).collect();
    let stack_size = meta::min_stack_size(&elf).or(options.default_stack_size).unwrap_or(DEFAULT_STACK_SIZE);
    let blob = ProgramBlob {
        version: set.blob_version().unwrap_or(0),
        isa: set,
        ro_data_size: data.ro_size,
        rw_data_size: data.rw_size,
        stack_size,
        ro_data: data.ro,
        rw_data: data.rw,
        imports,
        exports,
        code: CodeBlob::new(jump_table, built.code, built.bitmask),
        extra_sections,
    };
    Ok(Linked { blob, warnings })
}
