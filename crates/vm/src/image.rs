//! Program images: code plus initial memory and registers, independent of the container
//! format. Built from `.polkavm` blobs, JAM standard programs or bare code blobs.

use isa::blob::{symbol_name, CodeBlob, PolkavmLayout, ProgramBlob, StandardProgram, ZONE_SIZE};
use isa::InstructionSet;

use crate::error::Error;
use crate::interp::exec::RETURN_TO_HOST;
use crate::memory::{Access, Heap};

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

fn region(address: u32, size: u32, access: Access, data: &[u8]) -> Option<Region> {
    (size > 0).then(|| Region { address, size, access, data: data.to_vec() })
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

    /// A `.polkavm` program with PolkaVM's memory map (RO at 0x10000, RW, heap, stack below
    /// the top guard zone; no aux data).
    pub fn from_polkavm(blob: &ProgramBlob) -> Result<ProgramImage, Error> {
        let layout = PolkavmLayout::for_program(blob, 0).map_err(|e| Error::Layout(e.to_string()))?;
        let regions = [
            region(layout.ro_address, layout.ro_size, Access::Read, &blob.ro_data),
            region(layout.rw_address, layout.rw_size, Access::ReadWrite, &blob.rw_data),
            region(layout.stack_low, layout.stack_high - layout.stack_low, Access::ReadWrite, &[]),
        ];
        let mut initial_regs = [0; 13];
        initial_regs[0] = u64::from(RETURN_TO_HOST);
        initial_regs[1] = u64::from(layout.stack_high);
        Ok(ProgramImage {
            isa: blob.isa,
            code: blob.code.clone(),
            regions: regions.into_iter().flatten().collect(),
            heap: Heap {
                base: layout.heap_base,
                top: layout.heap_base,
                limit: layout.heap_base.saturating_add(layout.max_heap_size),
            },
            initial_regs,
            stack_top: layout.stack_high,
            imports: blob.imports.iter().map(|i| symbol_name(&i.symbol)).collect(),
            exports: blob.exports.iter().map(|e| (symbol_name(&e.symbol), e.pc)).collect(),
        })
    }

    /// A JAM standard program with the GP's standard initialisation `Y(p, a)` for arguments
    /// `args`. The `sbrk` heap starts at the first byte after the RW data and heap pages.
    pub fn from_standard(
        program: &StandardProgram,
        isa: InstructionSet,
        args: &[u8],
    ) -> Result<ProgramImage, Error> {
        let args_len = u32::try_from(args.len()).map_err(|_| Error::Layout("arguments too large".into()))?;
        let layout = program.layout(args_len).map_err(|e| Error::Layout(e.to_string()))?;
        let regions = [
            region(layout.ro_base, layout.ro_size, Access::Read, &program.ro_data),
            region(layout.rw_base, layout.rw_size, Access::ReadWrite, &program.rw_data),
            region(layout.stack_low, layout.stack_high - layout.stack_low, Access::ReadWrite, &[]),
            region(layout.args_base, layout.args_size, Access::Read, args),
        ];
        Ok(ProgramImage {
            isa,
            code: program.code.clone(),
            regions: regions.into_iter().flatten().collect(),
            heap: Heap {
                base: layout.initial_heap_top,
                top: layout.initial_heap_top,
                limit: layout.stack_low.saturating_sub(ZONE_SIZE).max(layout.initial_heap_top),
            },
            initial_regs: layout.initial_registers(),
            stack_top: layout.stack_high,
            imports: Vec::new(),
            exports: Vec::new(),
        })
    }
}
