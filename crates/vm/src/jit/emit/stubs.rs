//! The entry and exit trampolines and the shared exit stubs.
//!
//! Entry (`extern "sysv64" fn()`, at the start of the code, called with the `gs` base set to
//! the guest base): saves the host's callee-saved registers, records the native stack pointer
//! in the context, loads the gas counter into `r15` and the 13 guest registers from the
//! register file the context points to, and jumps to
//! [`VmCtx::resume`](super::super::vmctx::VmCtx). Exit: stores the guest registers and the gas
//! counter back, restores the stack and the callee-saved registers and returns to the host.
//! Nothing in between uses a system call or another thread: a host call is an exit plus an
//! entry (and the `gs` base, already right, is not written again).
//!
//! Each stub sets the context's exit fields and jumps to the exit. Stubs that need a value
//! from the instruction that jumped there take it in `rcx`.

use asm::{Assembler, Label, Mem, Reg as H, Scale, Size, Width};
use isa::Reg;

use super::{ctx, host, GAS, TMP};
use crate::jit::vmctx::{self, ExitCode};
use crate::jit::Layout;

/// The callee-saved registers the entry saves, in push order.
const SAVED: [H; 6] = [H::Rbx, H::Rbp, H::R12, H::R13, H::R14, H::R15];

/// Index into the jump table a return-to-host address (0xFFFF0000) produces.
pub(crate) const RETURN_TO_HOST_ENTRY: i32 = (0xFFFF_0000u32 - 2).rotate_right(1) as i32;

/// Labels of the shared stubs.
pub(crate) struct Stubs {
    /// Stores the guest registers and returns to the host.
    pub exit: Label,
    /// `rcx` = pc: exits with a panic there.
    pub trap: Label,
    /// `rcx` = block index: exits out of gas.
    pub out_of_gas: Label,
    /// `rcx` = resume address (pc and argument already stored): exits for a host call.
    pub host_call: Label,
    /// As `host_call`, for `sbrk`.
    pub sbrk: Label,
    /// As `host_call`, for `memset`.
    pub memset: Label,
    /// `rcx` = rotated jump-table index past the table (pc stored): halts or panics.
    pub djump_miss: Label,
    /// Target of jump-table entries without a valid block (pc stored): panics.
    pub invalid_target: Label,
    /// Where the signal handler resumes a faulting thread.
    pub fault_exit: Label,
}

impl Stubs {
    pub(crate) fn new(asm: &mut Assembler) -> Stubs {
        Stubs {
            exit: asm.new_label(),
            trap: asm.new_label(),
            out_of_gas: asm.new_label(),
            host_call: asm.new_label(),
            sbrk: asm.new_label(),
            memset: asm.new_label(),
            djump_miss: asm.new_label(),
            invalid_target: asm.new_label(),
            fault_exit: asm.new_label(),
        }
    }

    /// Emits the entry and exit trampolines; returns the entry's offset.
    pub(crate) fn emit_entry_exit(&self, asm: &mut Assembler) -> u32 {
        let entry = asm.offset();
        for reg in SAVED {
            asm.push(reg);
        }
        asm.mov_mr(Size::S64, ctx(vmctx::NATIVE_SP), H::Rsp);
        asm.mov_rm(Size::S64, GAS, ctx(vmctx::GAS));
        asm.mov_rm(Size::S64, TMP, ctx(vmctx::REGS));
        for reg in Reg::ALL {
            asm.load(Width::W64, host(reg), Mem::base(TMP, 8 * reg.index() as i32));
        }
        asm.jmp_mem(ctx(vmctx::RESUME));

        asm.align(16);
        asm.bind(self.exit);
        asm.mov_mr(Size::S64, ctx(vmctx::GAS), GAS);
        asm.mov_rm(Size::S64, TMP, ctx(vmctx::REGS));
        for reg in Reg::ALL {
            asm.store(Width::W64, Mem::base(TMP, 8 * reg.index() as i32), host(reg));
        }
        asm.mov_rm(Size::S64, H::Rsp, ctx(vmctx::NATIVE_SP));
        for reg in SAVED.into_iter().rev() {
            asm.pop(reg);
        }
        asm.ret();
        entry
    }

    /// Emits the shared stubs (after all code, out of the hot path).
    pub(crate) fn emit_cold(&self, asm: &mut Assembler, entry: u32) -> Layout {
        let exit_with = |asm: &mut Assembler, code: ExitCode| {
            asm.store_imm(Width::W32, ctx(vmctx::EXIT), code as i32);
            asm.jmp(self.exit);
        };
        asm.bind(self.trap);
        asm.store(Width::W32, ctx(vmctx::PC), TMP);
        exit_with(asm, ExitCode::Panic);

        asm.bind(self.out_of_gas);
        asm.store(Width::W32, ctx(vmctx::ARG), TMP);
        exit_with(asm, ExitCode::OutOfGas);

        for (label, code) in [
            (self.host_call, ExitCode::HostCall),
            (self.sbrk, ExitCode::Sbrk),
            (self.memset, ExitCode::Memset),
        ] {
            asm.bind(label);
            asm.mov_mr(Size::S64, ctx(vmctx::RESUME), TMP);
            exit_with(asm, code);
        }

        let halt = asm.new_label();
        asm.bind(self.djump_miss);
        asm.cmp_ri(Size::S32, TMP, RETURN_TO_HOST_ENTRY);
        asm.jcc(asm::Cond::E, halt);
        asm.bind(self.invalid_target);
        let invalid_target = asm.label_offset(self.invalid_target).expect("just bound");
        exit_with(asm, ExitCode::Panic);
        asm.bind(halt);
        exit_with(asm, ExitCode::Halt);

        asm.bind(self.fault_exit);
        let fault_exit = asm.label_offset(self.fault_exit).expect("just bound");
        exit_with(asm, ExitCode::Fault);
        Layout { entry, fault_exit, invalid_target }
    }
}

/// The jump-table operand for the index in `rcx`, with `entries` entries.
pub(crate) fn jump_table_slot(entries: usize) -> Mem {
    Mem::index_only(TMP, Scale::S8, vmctx::jump_table_disp(entries)).gs()
}
