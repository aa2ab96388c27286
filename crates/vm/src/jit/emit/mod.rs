//! Code generation: one forward pass over the decoder's instruction stream, emitting x86-64
//! for each instruction as it comes (no IR, no second pass over the program).
//!
//! Work per instruction is bounded (a few dozen bytes of code, O(1) bookkeeping, and a
//! bitmask look-up for each branch target), so compile time is linear in code size whatever
//! the blob. Forward branches are rel32 fixups resolved once at the end.
//!
//! Conventions of the generated code: the 13 guest registers live in host registers
//! ([`host`]); the `gs` segment base is the guest base, so guest memory, the context and the
//! jump table are all `gs:`-relative operands (guest addresses with 32-bit address size, which
//! wraps them modulo 2^32 in the addressing hardware itself); `r15` holds the gas counter and
//! `rcx` is the only scratch register. Each basic block starts by charging its cost (`sub r15,
//! cost; jl out_of_gas`, one fused micro-op on a register), the cost being patched in when the
//! block ends. Within a guest instruction, the memory access (the only
//! thing that can fault) comes before any write to a guest register, so a fault leaves the
//! guest state exactly as before the instruction.

mod alu;
mod flow;
mod fuse;
pub(crate) mod mem;
mod muldiv;
mod stubs;
mod table;

use asm::{AluOp, Assembler, Cond, Label, Mem, Reg as H, Size};
use isa::gas::CostModel;
use isa::{CodeView, DecodedKind, Reg};

use super::{Block, Layout, SideEntry};

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
    H::R10, // a4
    H::R11, // a5
];

/// The gas counter while compiled code runs.
const GAS: H = H::R15;
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

/// Why a program cannot be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// A basic block costs more gas than one charge instruction can take.
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
    /// For each code offset: `label index + 1` of the block starting there, or 0 (at least
    /// `len + 1` entries; a buffer reused between compilations, see [`SPARE_LABELS`]).
    block_labels: Vec<u32>,
    /// Per instruction: (native offset, code offset), in code order.
    insts: Vec<(u32, u32)>,
    blocks: Vec<Block>,
    /// Shared exit stubs.
    stubs: stubs::Stubs,
    /// Each charged block's out-of-gas branch (its rel32 field) and block index: the stubs
    /// they go to are emitted after the code.
    out_of_gas: Vec<(u32, u32)>,
    /// Each fused pair's second instruction and the end of the pair's code, for the side
    /// entries emitted after the code.
    fused: Vec<(u32, Label)>,
    /// Each forward static branch, checked once the walk has passed its target (see
    /// [`Self::branch_ok`]).
    forward: Vec<Forward>,
    /// Number of jump-table entries.
    jump_table_len: usize,
}

/// A forward static branch: its target, where its code starts and its pc.
#[derive(Copy, Clone)]
struct Forward {
    target: u32,
    start: u32,
    pc: u32,
}

/// Code buffers above this size are not kept for reuse (see [`Output::recycle`]).
const KEEP_BUFFER: usize = 16 << 20;

std::thread_local! {
    /// An assembler whose buffer a previous compilation on this thread left for reuse, so
    /// that compiling does not allocate and zero a fresh buffer every time.
    static SPARE: core::cell::Cell<Option<Assembler>> = const { core::cell::Cell::new(None) };
    /// An all-zero `block_labels` buffer a previous compilation on this thread left, so that
    /// compiling does not allocate, zero and page in four bytes per code byte every time.
    static SPARE_LABELS: core::cell::Cell<Vec<u32>> = const { core::cell::Cell::new(Vec::new()) };
}

/// What compilation produced, before it is mapped executable.
pub(crate) struct Output {
    /// The finished code is `asm.code()`.
    pub asm: Assembler,
    pub layout: Layout,
    pub insts: Vec<(u32, u32)>,
    pub side: Vec<SideEntry>,
    pub blocks: Vec<Block>,
    /// The native offset of each jump-table entry's block; [`Layout::invalid_target`] for an
    /// entry that names no valid block.
    pub jump_table: Vec<u32>,
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
    ) -> Result<Output, CompileError> {
        let len = view.len() as usize;
        let mut asm = SPARE.take().unwrap_or_default();
        asm.clear();
        asm.reserve(len * 8 + 1024);
        let stubs = stubs::Stubs::new(&mut asm);
        let mut block_labels = SPARE_LABELS.take();
        if block_labels.len() <= len {
            block_labels.resize(len + 1, 0);
        }
        let mut c = Compiler {
            asm,
            view,
            cost_model,
            block_labels,
            insts: Vec::with_capacity(len / 3 + 8),
            blocks: Vec::with_capacity(len / 8 + 8),
            stubs,
            out_of_gas: Vec::with_capacity(len / 8 + 8),
            fused: Vec::new(),
            forward: Vec::new(),
            jump_table_len: jump_table.len(),
        };
        let entry = c.stubs.emit_entry_exit(&mut c.asm);
        let mut positions = view.positions();
        // One basic block per turn of the outer loop, one instruction (or fused pair) per turn
        // of the inner one; the walk yields a terminator (the implicit trap at the latest) to
        // end every block.
        while let Some(mut p) = positions.next() {
            let patch = c.open_block(p.pc);
            let mut cost = 0u64;
            loop {
                cost += u64::from(cost_model.cost(p.opcode));
                c.insts.push((c.asm.offset(), p.pc));
                if p.kind == DecodedKind::Valid {
                    let chunk = view.operand_chunk(p.pc);
                    if table::HANDLERS[p.opcode.index()](&mut c, p.pc, p.len - 1, chunk) {
                        // Fused with the next instruction (never a terminator), whose code is
                        // the fused code's end.
                        let second = positions.next().expect("a fused pair has a second instruction");
                        debug_assert_eq!(second.pc, p.next_pc());
                        cost += u64::from(cost_model.cost(second.opcode));
                        c.insts.push((c.asm.offset(), second.pc));
                        let end = c.asm.new_label();
                        c.asm.bind(end);
                        c.fused.push((second.pc, end));
                        // (Neither ends a block: only non-terminators fuse.)
                    }
                } else {
                    // (Invalid positions decode as `trap`, which ends a block.)
                    c.trap(p.pc);
                }
                if p.ends_block() {
                    break;
                }
                match positions.next() {
                    Some(next) => p = next,
                    None => break,
                }
            }
            c.close_block(patch, cost)?;
        }
        let side = c.emit_side_entries();
        let layout = c.emit_cold(entry);
        let invalid_branches = c.emit_invalid_branches(layout.invalid_target);
        c.asm.resolve()?;
        for (start, stub) in invalid_branches {
            c.asm.patch_jmp(start, stub);
        }
        let jump_table =
            jump_table.iter().map(|&target| c.jump_table_entry(target, layout.invalid_target)).collect();
        // Only block starts and forward branch targets have labels (see `branch_ok`), so this
        // leaves the buffer all zero.
        for block in &c.blocks {
            c.block_labels[block.pc as usize] = 0;
        }
        for branch in &c.forward {
            c.block_labels[branch.target as usize] = 0;
        }
        debug_assert!(c.block_labels.iter().all(|&slot| slot == 0));
        if c.block_labels.len() <= KEEP_BUFFER / 4 {
            SPARE_LABELS.set(core::mem::take(&mut c.block_labels));
        }
        Ok(Output { asm: c.asm, layout, insts: c.insts, side, blocks: c.blocks, jump_table })
    }

    /// The label of the block starting at `pc` (a valid jump target).
    fn block_label(&mut self, pc: u32) -> Label {
        let slot = &mut self.block_labels[pc as usize];
        if *slot == 0 {
            let label = self.asm.new_label();
            *slot = label.index() + 1;
            label
        } else {
            asm::Label::from_index(*slot - 1)
        }
    }

    /// Starts the block at `pc`: binds its label and emits its gas charge, whose cost is
    /// patched in by [`Self::close_block`] at the returned offset (`None` without metering).
    fn open_block(&mut self, pc: u32) -> Option<u32> {
        let label = self.block_label(pc);
        self.asm.bind(label);
        let native = self.asm.offset();
        let mut patch = None;
        if self.cost_model != CostModel::Free {
            patch = Some(self.asm.alu_ri_imm32(AluOp::Sub, Size::S64, GAS, 0));
            let branch = self.asm.jcc_forward(Cond::L);
            self.out_of_gas.push((branch, self.blocks.len() as u32));
        }
        self.blocks.push(Block { pc, native, cost: 0 });
        patch
    }

    /// Ends the block opened last, which costs `cost`.
    fn close_block(&mut self, patch: Option<u32>, cost: u64) -> Result<(), CompileError> {
        let block = self.blocks.last_mut().expect("an open block was recorded");
        let cost = i32::try_from(cost).map_err(|_| CompileError::BlockTooExpensive(block.pc))?;
        block.cost = cost as u32;
        if let Some(patch) = patch {
            self.asm.patch_u32(patch, cost as u32);
        }
        Ok(())
    }

    /// Emits, after all blocks, a side entry for each fused pair: the second instruction
    /// compiled alone, then a jump to the end of the pair's code. A fresh start at the second
    /// instruction begins there, and so does a retry of a fused load that faulted.
    fn emit_side_entries(&mut self) -> Vec<SideEntry> {
        let fused = core::mem::take(&mut self.fused);
        let mut side = Vec::with_capacity(fused.len());
        for (pc, end) in fused {
            let start = self.asm.offset();
            let decoded = self.view.decode(pc);
            debug_assert_eq!(decoded.kind, DecodedKind::Valid);
            debug_assert!(!decoded.ends_block());
            self.instruction(pc, decoded.next_pc(), decoded.inst);
            self.asm.jmp(end);
            side.push(SideEntry { pc, start, end: self.asm.offset() });
        }
        side
    }

    /// Emits what follows the code: the shared stubs, then each block's out-of-gas stub.
    fn emit_cold(&mut self, entry: u32) -> Layout {
        // The shared stubs first, so that each block's stub jumps back to a bound label
        // (encoded on the spot) rather than adding a fixup.
        let layout = self.stubs.emit_cold(&mut self.asm, entry);
        for (branch, index) in core::mem::take(&mut self.out_of_gas) {
            let stub = self.asm.offset();
            self.asm.patch_rel32(branch, stub);
            self.asm.mov_ri(Size::S32, TMP, index as i32);
            self.asm.jmp(self.stubs.out_of_gas);
        }
        layout
    }

    /// Whether a static branch at `pc` to `target` (and, if it can fall through, to `next`)
    /// may be compiled as a branch; one that may not compiles to a trap, as in the
    /// interpreter. `start` is where the branch's code begins.
    ///
    /// The valid jump targets are exactly the offsets where the walk opens a block (an
    /// instruction start after a terminator, an invalid position, or nothing). So a target at
    /// or before `pc`, which the walk has passed, is valid if and only if its block label is
    /// bound: every opened block binds one, and nothing else is bound during the walk. A
    /// forward target inside the code is taken on trust and recorded: once the walk is done,
    /// [`Self::emit_invalid_branches`] turns the branches whose target never opened a block
    /// into traps. `next` follows a terminator, so it is valid whenever an instruction starts
    /// there, that is whenever it lies inside the code.
    #[inline(always)]
    fn branch_ok(&mut self, pc: u32, target: u32, next: Option<u32>) -> bool {
        let len = self.view.len();
        debug_assert!(next.is_none_or(|n| (n < len) == self.view.is_jump_target_valid(n)));
        if next.is_some_and(|n| n >= len) {
            return false;
        }
        if target <= pc {
            let slot = self.block_labels[target as usize];
            let bound = slot != 0 && self.asm.label_offset(Label::from_index(slot - 1)).is_some();
            debug_assert_eq!(bound, self.view.is_jump_target_valid(target));
            bound
        } else if target < len {
            self.forward.push(Forward { target, start: self.asm.offset(), pc });
            true
        } else {
            false
        }
    }

    /// Emits a trap stub for each forward branch whose target turned out not to be a block
    /// start, and binds the target's label to `invalid` (so that a jump-table entry naming it
    /// goes there too). Returns each such branch's start and stub: the start is overwritten
    /// with a jump to the stub once labels are resolved (every branch's code is at least the
    /// five bytes of that jump: a `jmp rel32`, or a compare and a `jcc rel32`).
    fn emit_invalid_branches(&mut self, invalid: u32) -> Vec<(u32, u32)> {
        let mut patches = Vec::new();
        for n in 0..self.forward.len() {
            let Forward { target, start, pc } = self.forward[n];
            let label = Label::from_index(self.block_labels[target as usize] - 1);
            let valid = self.asm.label_offset(label).is_some();
            debug_assert_eq!(valid, self.view.is_jump_target_valid(target));
            if !valid {
                patches.push((start, self.asm.offset(), label));
                self.trap(pc);
            }
        }
        // (Bound only now: a second branch to the same target must still see it unbound.)
        for &(_, _, label) in &patches {
            if self.asm.label_offset(label).is_none() {
                self.asm.bind_at(label, invalid);
            }
        }
        patches.into_iter().map(|(start, stub, _)| (start, stub)).collect()
    }

    /// The native offset of jump-table target `target` once the code is complete: its block,
    /// or the invalid-target stub. Every block start has a block label bound to its code; the
    /// only other bound block labels are invalid forward targets, bound to the stub (see
    /// [`Self::branch_ok`]).
    fn jump_table_entry(&self, target: u32, invalid: u32) -> u32 {
        let slot = self.block_labels.get(target as usize).copied().unwrap_or(0);
        let block = slot.checked_sub(1).and_then(|label| self.asm.label_offset(Label::from_index(label)));
        // (A forward branch's invalid target is bound to `invalid`: see `emit_invalid_branches`.)
        let block = block.filter(|&offset| offset != invalid);
        debug_assert_eq!(block.is_some(), self.blocks.binary_search_by_key(&target, |b| b.pc).is_ok());
        block.unwrap_or(invalid)
    }

    /// `trap` at `pc`.
    fn trap(&mut self, pc: u32) {
        self.asm.mov_ri(Size::S32, TMP, pc as i32);
        self.asm.jmp(self.stubs.trap);
    }
}
