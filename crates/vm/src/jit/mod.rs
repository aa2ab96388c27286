//! The x86-64 recompiler backend.
//!
//! `Compiled::new` translates a program in one pass (`emit`) and maps the result executable
//! (`sys::CodeMemory`, W^X); all instances of a module share it. An instance gets a
//! protected memory reservation whose prefix holds its context and a copy of the native jump
//! table (`vmctx`); `run` enters the code and turns its exits into the
//! interpreter's stops, so both backends report the same exits, registers, memory and gas.

mod buffers;
pub(crate) mod emit;
pub(crate) mod host;
mod prepaid;
pub(crate) mod run;
pub(crate) mod vmctx;

use isa::gas::CostModel;
use isa::CodeView;

use crate::sys::signals::FaultReport;
use crate::sys::{CodeError, CodeMemory};
use crate::GasMetering;

pub use emit::CompileError;

/// A basic block of the compiled program.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Block {
    /// Code offset of its first instruction.
    pub pc: u32,
    /// Native offset of its gas charge.
    pub native: u32,
    /// Its gas cost.
    pub cost: u32,
}

/// A side entry: code that runs a later instruction of a fused group alone and runs on into
/// the next one's side entry or jumps past the group, for a start or a retry there (see
/// `emit::fuse`).
#[derive(Copy, Clone, Debug)]
pub(crate) struct SideEntry {
    /// Code offset of a later instruction of a fused group (the second or third).
    pub pc: u32,
    /// Native offsets of its code, `start..end` (after all blocks).
    pub start: u32,
    pub end: u32,
}

/// Offsets of the trampolines in the code.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Layout {
    /// `extern "sysv64" fn(guest_base: *mut u8)`.
    pub entry: u32,
    /// Where the signal handler sends a faulting thread.
    pub fault_exit: u32,
    /// Target of jump-table entries that name no valid block.
    pub invalid_target: u32,
    /// Where block 0's out-of-gas stub starts (`Sync`; the others follow it in block order,
    /// `emit::GAS_STUB_LEN` bytes each), or 0 if there are none.
    pub gas_stubs: u32,
}

/// Why the recompiler cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JitError {
    /// The program cannot be compiled.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// Executable memory is unavailable.
    #[error(transparent)]
    Code(#[from] CodeError),
}

/// A compiled program, shared by all instances of a module.
pub(crate) struct Compiled {
    pub code: CodeMemory,
    pub layout: Layout,
    /// Per instruction: (native offset, code offset), ascending in both. The second
    /// instruction of a fused group is at the end of the group's code.
    pub insts: Vec<(u32, u32)>,
    /// The side entries of fused groups, ascending by code and by native offset.
    pub side: Vec<SideEntry>,
    /// The instructions where the code has some registers stale (`emit::extend`), ascending:
    /// a fresh start there runs its block in the interpreter (`prepaid::interpreted`).
    pub stale_starts: Vec<u32>,
    pub blocks: Vec<Block>,
    /// Each block whose charge also pays for the block it jumps to (`emit::merge`): its index
    /// and that cost, by index. (Apart from `blocks`, which it would make a third larger,
    /// enough to move the compile's big allocations across the allocator's thresholds.)
    pub prepaid: Vec<(u32, u32)>,
    /// Absolute native address for each jump-table entry.
    pub jump_table: Vec<u64>,
}

/// Whether this machine can run compiled code: x86-64 Linux with the BMI1, BMI2, LZCNT and
/// POPCNT instructions the code generator uses.
pub fn is_supported() -> bool {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("bmi2")
            && std::arch::is_x86_feature_detected!("lzcnt")
            && std::arch::is_x86_feature_detected!("popcnt")
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    {
        false
    }
}

/// Whether `GANNET_PERF_MAP` asks for perf symbol maps (read once per process: looking up
/// the environment takes a lock and a scan, a noticeable share of compiling a small module).
fn perf_map_enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("GANNET_PERF_MAP").is_some())
}

/// Bytes of `nop` before the first block, from `GANNET_JIT_PAD` (read once per process;
/// default 0, at most 4096): a diagnostic that moves all generated code by that much, to see
/// how much a program's speed depends on where its code lies (see docs/jit.md).
fn code_padding() -> usize {
    static PAD: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *PAD.get_or_init(|| {
        let pad = std::env::var("GANNET_JIT_PAD").ok().and_then(|v| v.parse::<usize>().ok());
        pad.unwrap_or(0).min(4096)
    })
}

impl Drop for Compiled {
    fn drop(&mut self) {
        buffers::give(&buffers::INSTS, core::mem::take(&mut self.insts));
        buffers::give(&buffers::BLOCKS, core::mem::take(&mut self.blocks));
    }
}

impl Compiled {
    /// Compiles `view` (a 64-bit instruction set) with `jump_table` (code offsets).
    pub(crate) fn new(
        view: CodeView<'_>,
        jump_table: &[u32],
        cost_model: CostModel,
        metering: GasMetering,
    ) -> Result<Compiled, JitError> {
        crate::sys::signals::install();
        let out = emit::Compiler::compile(view, jump_table, cost_model, metering)?;
        let code = CodeMemory::new(out.asm.code(), |_, _| {});
        emit::Output::recycle(out.asm);
        let code = code?;
        let start = code.start() as u64;
        let jump_table = out.jump_table.iter().map(|&native| start + u64::from(native)).collect();
        let compiled = Compiled {
            code,
            layout: out.layout,
            insts: out.insts,
            stale_starts: out.stale_starts,
            side: out.side,
            blocks: out.blocks,
            prepaid: out.prepaid,
            jump_table,
        };
        if perf_map_enabled() {
            compiled.write_perf_map();
        }
        Ok(compiled)
    }

    /// Appends one symbol per basic block (`gannet:<pc>`) to `/tmp/perf-<pid>.map`, where
    /// `perf report` looks for names of generated code (enabled by `GANNET_PERF_MAP`; for
    /// profiling only, errors are ignored).
    fn write_perf_map(&self) {
        use std::io::Write;
        let start = self.code.start();
        let mut text = String::new();
        // (A block whose charge is out of line, see `emit::fall`, is named from its code.)
        let from = |block: &Block| match self.native_at(block.pc) {
            Some(code) if code - start < block.native as usize => (code - start) as u32,
            _ => block.native,
        };
        for (i, block) in self.blocks.iter().enumerate() {
            let end = self.blocks.get(i + 1).map_or(self.layout.fault_exit, from);
            let size = end.saturating_sub(from(block));
            text.push_str(&format!("{:x} {size:x} gannet:{}\n", start + from(block) as usize, block.pc));
        }
        let path = format!("/tmp/perf-{}.map", std::process::id());
        if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = file.write_all(text.as_bytes());
        }
    }

    /// Native address where running from the instruction at code offset `pc` starts, if one
    /// starts there: its own code, or the side entry of a fused group's later instruction.
    pub(crate) fn native_at(&self, pc: u32) -> Option<usize> {
        let native = match self.side_entry(pc) {
            Some(side) => side.start,
            None => self.insts[self.insts.binary_search_by_key(&pc, |&(_, p)| p).ok()?].0,
        };
        Some(self.code.start() + native as usize)
    }

    /// Whether the code has some registers stale at the instruction at `pc`.
    pub(crate) fn starts_stale(&self, pc: u32) -> bool {
        self.stale_starts.binary_search(&pc).is_ok()
    }

    /// The side entry of the instruction at `pc`, if it is a later instruction of a fused group.
    pub(crate) fn side_entry(&self, pc: u32) -> Option<&SideEntry> {
        let i = self.side.binary_search_by_key(&pc, |side| side.pc).ok()?;
        Some(&self.side[i])
    }

    /// The cost of the block that block `index` jumps to and pays for, or 0.
    pub(crate) fn prepaid(&self, index: usize) -> u32 {
        let at = self.prepaid.binary_search_by_key(&(index as u32), |&(block, _)| block);
        at.map_or(0, |at| self.prepaid[at].1)
    }

    /// The block containing the instruction at `pc`, and what it pays for its successor.
    pub(crate) fn block_and_prepaid(&self, pc: u32) -> Option<(&Block, u32)> {
        let i = self.blocks.partition_point(|b| b.pc <= pc).checked_sub(1)?;
        Some((&self.blocks[i], self.prepaid(i)))
    }

    /// The index of the block whose out-of-gas stub (`Sync`) pushed `resume` (the return
    /// address of its `call`), if it is one.
    pub(crate) fn gas_stub_block(&self, resume: u64) -> Option<u32> {
        let offset = usize::try_from(resume).ok()?.checked_sub(self.code.start())?;
        let past = u32::try_from(offset).ok()?.checked_sub(self.layout.gas_stubs)?;
        let index = (past / emit::GAS_STUB_LEN).checked_sub(1)?;
        let exact = self.layout.gas_stubs != 0 && past % emit::GAS_STUB_LEN == 0;
        (exact && (index as usize) < self.blocks.len()).then_some(index)
    }

    /// The index of the block whose `Async` gas charge trapped, if the fault in `report` is
    /// such a trap (see `emit::gas::ASYNC_TRAP`): an invalid opcode two bytes into a block's
    /// code (or into a costly block's charge after the code), on the trap byte.
    pub(crate) fn gas_trap_block(&self, report: &FaultReport) -> Option<u32> {
        if report.signal != libc::SIGILL as u32 {
            return None;
        }
        let rip = usize::try_from(report.rip).ok()?;
        let offset = u32::try_from(rip.checked_sub(self.code.start())?).ok()?;
        if self.code.bytes().get(offset as usize) != Some(&emit::ASYNC_TRAP_BYTE) {
            return None;
        }
        let mut native = offset.checked_sub(emit::ASYNC_TRAP)?;
        if self.blocks.binary_search_by_key(&native, |b| b.native).is_err() {
            // A costly block's charge, after the code.
            native = emit::async_long_charge_block(self.code.bytes(), native)?;
        }
        let index = self.blocks.binary_search_by_key(&native, |b| b.native).ok()?;
        u32::try_from(index).ok()
    }

    /// Code offset of the instruction whose code contains native address `rip` (for a fused
    /// group, the first instruction), and whether `rip` is in a side entry.
    pub(crate) fn pc_at(&self, rip: usize) -> Option<(u32, bool)> {
        let offset = u32::try_from(rip.checked_sub(self.code.start())?).ok()?;
        let side = self.side.partition_point(|side| side.start <= offset).checked_sub(1);
        if let Some(side) = side.map(|i| &self.side[i]).filter(|side| offset < side.end) {
            return Some((side.pc, true));
        }
        let i = self.insts.partition_point(|&(native, _)| native <= offset).checked_sub(1)?;
        Some((self.insts[i].1, false))
    }
}
