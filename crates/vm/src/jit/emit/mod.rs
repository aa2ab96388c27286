//! Code generation: one forward pass over the decoder's instruction stream, emitting x86-64
//! for each instruction as it comes (no IR, no second pass over the program).
//!
//! Work per instruction is bounded (a few dozen bytes of code and O(1) bookkeeping), so
//! compile time is linear in code size whatever the blob. Forward branches are rel32 fields
//! aimed (or turned into traps) once at the end (`flow`).
//!
//! Conventions of the generated code: the 13 guest registers live in host registers
//! ([`host`]); the `gs` segment base is the guest base, so guest memory, the context and the
//! jump table are all `gs:`-relative operands (guest addresses with 32-bit address size, which
//! wraps them modulo 2^32 in the addressing hardware itself); `r10` holds the gas counter and
//! `rcx` is the only scratch register. Each basic block starts by charging its cost (`sub r10,
//! cost; jl out_of_gas`, one fused micro-op on a register; with `Async` metering the `jl` jumps
//! to a trap, see `gas`), the cost being patched in when the block ends; a block of one
//! instruction that a branch can skip is also run, and charged, by a `cmov` at the branch
//! (`select`). Within a guest instruction, the memory access (the only thing that can fault)
//! comes before any write to a guest register, so a fault leaves the guest state exactly as
//! before the instruction.

mod alu;
mod extend;
mod fall;
mod flow;
mod fuse;
mod gas;
pub(crate) mod mem;
mod merge;
mod muldiv;
mod rare;
mod reg_templates;
mod select;
mod stubs;
mod table;
mod templates;

use asm::{Assembler, Mem, Reg as H, Size, Width};
use isa::gas::CostModel;
use isa::{CodeView, DecodedKind, Reg};

pub(crate) use gas::{async_long_charge_block, ASYNC_TRAP, ASYNC_TRAP_BYTE, GAS_STUB_LEN};

use super::{vmctx, Block, Layout, SideEntry};
use crate::GasMetering;

/// The host register holding each guest register (indexed by [`Reg::index`]).
const HOST: [H; 13] = [
    H::Rbx, // ra
    H::Rsi, // sp
    H::R13, // t0
    H::Rbp, // t1
    H::R12, // t2
    H::R8,  // s0
    H::R9,  // s1
    H::Rdi, // a0
    H::Rax, // a1
    H::Rdx, // a2
    H::R14, // a3
    H::R15, // a4
    H::R11, // a5
];

/// The gas counter while compiled code runs.
const GAS: H = H::R10;
/// Scratch register.
const TMP: H = H::Rcx;

/// The host register of guest register `reg`.
#[inline(always)]
pub(crate) fn host(reg: Reg) -> H {
    HOST[reg.index()]
}

/// A context field as a memory operand (`gs:[disp32]`, below the guest base).
#[inline(always)]
fn ctx(disp: i32) -> Mem {
    Mem::abs(disp).gs()
}

/// `head` followed by `tail` (`N` must be their total length).
pub(super) const fn concat<const N: usize>(head: &[isa::Opcode], tail: &[isa::Opcode]) -> [isa::Opcode; N] {
    let mut out = [isa::Opcode::Trap; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < head.len() { head[i] } else { tail[i - head.len()] };
        i += 1;
    }
    out
}

/// Why a program cannot be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// A basic block costs more gas than one charge instruction can take (alone, or with the
    /// block it jumps to and pays for, see `merge`).
    #[error("a basic block at offset {0:#x} costs more than 2^31 - 1 gas")]
    BlockTooExpensive(u32),
    /// The generated code is too large.
    #[error(transparent)]
    Asm(#[from] asm::AsmError),
}

/// The single-pass compiler's state.
pub(crate) struct Compiler<'a> {
    asm: Assembler,
    view: CodeView<'a>,
    cost_model: CostModel,
    metering: GasMetering,
    /// For each code offset: the index + 1 of the block starting there once the walk has
    /// opened it (with a bit for a merged block), else 0 or a mark (see `merge`; read it
    /// through [`Self::block_start`]). At least `len + 1` entries; a buffer reused between
    /// compilations, see [`SPARE_STARTS`].
    block_starts: Vec<u32>,
    /// Per instruction: (native offset, code offset), in code order.
    insts: Vec<(u32, u32)>,
    blocks: Vec<Block>,
    /// Shared exit stubs.
    stubs: stubs::Stubs,
    /// The later instructions of the fused groups, in code order, for the side entries
    /// emitted after the code.
    fused: Vec<rare::Tail>,
    /// Each forward static branch, aimed once the walk has passed its target (see
    /// [`Self::emit_forward_branches`]).
    forward: Vec<flow::Forward>,
    /// Number of jump-table entries.
    jump_table_len: usize,
    /// Whether some jump-table entry names no valid block (then every dynamic jump stores
    /// its pc before it jumps, for the invalid-target exit).
    jump_table_has_invalid_entries: bool,
    /// Each dynamic jump's miss branch (rel32 field) and pc if the jumps do not store it.
    djump_misses: Vec<(u32, u32)>,
    /// Whether blocks may pay for their successors (with metering, see `merge` and `fall`).
    merging: bool,
    /// The block being emitted.
    open: merge::Open,
    /// Each merged block (index) and its successor, in block order; after
    /// [`Self::resolve_merges`], each with what it pays for it instead.
    merges: Vec<(u32, u32)>,
    /// Each branch whose block pays for the block it falls into (see `fall`).
    falls: Vec<fall::Fall>,
    /// The guest registers (bits by index) whose high half is not yet the sign extension of
    /// the low half (see `extend`).
    stale: u16,
    /// Whether 32-bit results may leave their registers stale: during the walk, with gas.
    deferring: bool,
    /// The instructions where some registers are stale, in code order.
    stale_starts: Vec<u32>,
    /// `Async` metering: each block too costly for its short charge, with its cost (see
    /// `gas`).
    long_charges: Vec<(u32, u32)>,
}

/// Code buffers above this size are not kept for reuse (see [`Output::recycle`]).
const KEEP_BUFFER: usize = 16 << 20;

std::thread_local! {
    /// An assembler whose buffer a previous compilation on this thread left for reuse, so
    /// that compiling does not allocate and zero a fresh buffer every time.
    static SPARE: core::cell::Cell<Option<Assembler>> = const { core::cell::Cell::new(None) };
    /// An all-zero `block_starts` buffer a previous compilation on this thread left, so that
    /// compiling does not allocate, zero and page in four bytes per code byte every time.
    static SPARE_STARTS: core::cell::Cell<Vec<u32>> = const { core::cell::Cell::new(Vec::new()) };
}

/// What compilation produced, before it is mapped executable.
pub(crate) struct Output {
    /// The finished code is `asm.code()`.
    pub asm: Assembler,
    pub layout: Layout,
    pub insts: Vec<(u32, u32)>,
    pub side: Vec<SideEntry>,
    pub blocks: Vec<Block>,
    /// Each merged block's index and what it pays for its target, by index.
    pub prepaid: Vec<(u32, u32)>,
    /// The native offset of each jump-table entry's block; [`Layout::invalid_target`] for an
    /// entry that names no valid block.
    pub jump_table: Vec<u32>,
    /// The instructions where some registers are stale (see `extend`), in code order.
    pub stale_starts: Vec<u32>,
}

impl Output {
    /// Leaves the code buffer for the next compilation on this thread (unless it is huge).
    pub(crate) fn recycle(asm: Assembler) {
        if asm.capacity() <= KEEP_BUFFER {
            SPARE.set(Some(asm));
        }
    }
}

impl<'a> Compiler<'a> {
    /// Compiles `view` (64-bit instruction sets) with `jump_table` (code offsets).
    pub(crate) fn compile(
        view: CodeView<'a>,
        jump_table: &[u32],
        cost_model: CostModel,
        metering: GasMetering,
    ) -> Result<Output, CompileError> {
        let mut c = Compiler::new(view, jump_table, cost_model, metering);
        let entry = c.stubs.emit_entry_exit(&mut c.asm);
        // (A diagnostic: see `jit::code_padding`.)
        c.asm.nop(super::code_padding());
        // One basic block per turn of the outer loop, one instruction per turn of the inner
        // one, stepping with `position_at` (which carries only a position across the handler
        // calls, the next one, decoded a turn ahead) the way the walk does
        // (`CodeView::positions`): every block ends with a terminator, the implicit trap at
        // the end of the code at the latest. `pending` counts
        // the instructions still to come that the last handler fused with its own (none of
        // them terminators): their code is already emitted.
        let mut pending = 0;
        // (Not without gas: see `jit::prepaid`, which runs a block from a stale start.)
        c.deferring = c.merging;
        let mut next = view.position_at(0);
        while !view.is_empty() {
            let mut p = next;
            c.open_block(p.pc);
            let mut cost = 0u64;
            loop {
                // The next position, decoded before this instruction is compiled: the
                // handler's dispatch then depends on nothing computed late (see the docs).
                next = view.position_at(p.next_pc());
                cost += u64::from(cost_model.cost(p.opcode));
                if pending != 0 {
                    pending = c.unusual(p, pending);
                } else {
                    c.insts.push((c.asm.offset(), p.pc));
                    // (`emit_one`, written out: called here, it costs the walk ~1 % more
                    // host instructions in how the loop is compiled.)
                    if p.kind == DecodedKind::Valid {
                        // The loads, stores and `add_imm_64` come from templates (see
                        // `templates`), the others from their opcode's handler.
                        let chunk = view.operand_chunk(p.pc);
                        if !templates::emit_mem(&mut c, p.opcode, chunk, p.len - 1)
                            && !reg_templates::emit_reg(&mut c, p.opcode, chunk, p.len - 1, next.opcode)
                        {
                            pending = table::HANDLERS[p.opcode.index()](&mut c, p.pc, p.len - 1, chunk);
                        }
                    } else {
                        // (Invalid positions decode as `trap`, which ends a block.)
                        c.trap(p.pc);
                    }
                }
                if p.ends_block() {
                    break;
                }
                p = next;
            }
            c.close_block(cost)?;
            if p.ends_walk(view.code.len()) {
                break;
            }
        }
        c.deferring = false;
        debug_assert_eq!(c.stale, 0, "every block ends extending its stale registers");
        c.resolve_merges()?;
        let side = c.emit_side_entries();
        let layout = c.emit_cold(entry);
        c.emit_forward_branches();
        c.asm.resolve()?;
        let jump_table =
            jump_table.iter().map(|&target| c.jump_table_entry(target, layout.invalid_target)).collect();
        // Only block starts are set, so this leaves the buffer all zero.
        for block in &c.blocks {
            c.block_starts[block.pc as usize] = 0;
        }
        debug_assert!(c.block_starts.iter().all(|&slot| slot == 0));
        if c.block_starts.len() <= KEEP_BUFFER / 4 {
            SPARE_STARTS.set(core::mem::take(&mut c.block_starts));
        }
        Ok(Output {
            asm: c.asm,
            layout,
            insts: c.insts,
            side,
            blocks: c.blocks,
            prepaid: c.merges,
            jump_table,
            stale_starts: c.stale_starts,
        })
    }

    /// A compiler for `view`, with the buffers a previous compilation on this thread left.
    fn new(
        view: CodeView<'a>,
        jump_table: &[u32],
        cost_model: CostModel,
        metering: GasMetering,
    ) -> Compiler<'a> {
        let len = view.len() as usize;
        let mut asm = SPARE.take().unwrap_or_default();
        asm.clear();
        asm.reserve(len * 8 + 1024);
        let stubs = stubs::Stubs::new(&mut asm);
        let mut block_starts = SPARE_STARTS.take();
        if block_starts.len() <= len {
            block_starts.resize(len + 1, 0);
        }
        Compiler {
            asm,
            view,
            cost_model,
            metering,
            block_starts,
            insts: super::buffers::take(&super::buffers::INSTS, len / 3 + 8),
            blocks: super::buffers::take(&super::buffers::BLOCKS, len / 8 + 8),
            stubs,
            fused: Vec::new(),
            forward: Vec::with_capacity(len / 16 + 8),
            jump_table_len: jump_table.len(),
            jump_table_has_invalid_entries: !jump_table
                .iter()
                .all(|&target| view.is_jump_target_valid(target)),
            djump_misses: Vec::new(),
            merging: cost_model != CostModel::Free,
            open: merge::Open::default(),
            merges: Vec::with_capacity(len / 32 + 8),
            falls: Vec::new(),
            stale: 0,
            deferring: false,
            stale_starts: Vec::new(),
            long_charges: Vec::new(),
        }
    }

    /// Starts the block at `pc`: records where its code starts and emits its gas charge,
    /// whose cost [`Self::close_block`] (`Async`) or [`Self::emit_cold`] (`Sync`, with the
    /// out-of-gas branch) fills in.
    fn open_block(&mut self, pc: u32) {
        let native = self.asm.offset();
        let fall = self.record_block_start(pc);
        if self.cost_model != CostModel::Free && !fall {
            self.emit_charge();
        }
        self.blocks.push(Block { pc, native, cost: 0 });
    }

    /// Ends the block opened last, which costs `cost`.
    fn close_block(&mut self, cost: u64) -> Result<(), CompileError> {
        let block = self.blocks.last_mut().expect("an open block was recorded");
        let cost = i32::try_from(cost).map_err(|_| CompileError::BlockTooExpensive(block.pc))?;
        block.cost = cost as u32;
        let native = block.native;
        if self.metering == GasMetering::Async && self.cost_model != CostModel::Free {
            self.complete_async_charge(native, cost as u32);
        }
        Ok(())
    }

    /// Emits what follows the code: the shared stubs, each dynamic jump's miss stub (if the
    /// jumps do not store their pc), then each block's out-of-gas stub (`Sync` metering).
    /// (Out of line: inlined, it changes how the compile loop keeps the walk in registers.)
    #[inline(never)]
    fn emit_cold(&mut self, entry: u32) -> Layout {
        // The shared stubs first, so that each block's stub jumps back to a bound label
        // (encoded on the spot) rather than adding a fixup.
        let mut layout = self.stubs.emit_cold(&mut self.asm, entry);
        for &(field, pc) in &self.djump_misses {
            let stub = self.asm.offset();
            self.asm.patch_rel32(field, stub);
            self.asm.store_imm(Width::W32, ctx(vmctx::PC), pc as i32);
            self.asm.jmp(self.stubs.djump_miss);
        }
        self.emit_fall_stubs();
        self.emit_async_long_charges();
        if self.cost_model != CostModel::Free && self.metering == GasMetering::Sync {
            let out_of_gas = self.asm.label_offset(self.stubs.out_of_gas).expect("bound by Stubs::emit_cold");
            layout.gas_stubs = self.emit_out_of_gas_stubs(out_of_gas);
        }
        layout
    }

    /// The native offset of jump-table target `target` once the code is complete: its block,
    /// or the invalid-target stub (the valid targets are exactly the block starts).
    fn jump_table_entry(&self, target: u32, invalid: u32) -> u32 {
        let start = self.block_start(target);
        // (Dynamic jumps store their pc for the invalid-target exit unless all entries are
        // valid: the two checks of validity must agree.)
        debug_assert!(start.is_some() || self.jump_table_has_invalid_entries);
        debug_assert_eq!(start.is_some(), self.blocks.binary_search_by_key(&target, |b| b.pc).is_ok());
        start.unwrap_or(invalid)
    }

    /// `trap` at `pc`.
    fn trap(&mut self, pc: u32) {
        self.asm.mov_ri(Size::S32, TMP, pc as i32);
        self.asm.jmp(self.stubs.trap);
    }
}
