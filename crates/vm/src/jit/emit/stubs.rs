//! The entry and exit trampolines and the shared exit stubs.
//!
//! Entry (`extern "sysv64" fn()`, at the start of the code, called with the `gs` base set to
//! the guest base): saves the host's callee-saved registers, records the native stack pointer
//! in the context, loads the gas counter into `r15` and the 13 guest registers from the
//! register file the context points to, and jumps to
//! [`VmCtx::resume`](super::super::vmctx::VmCtx). Exit: stores the guest registers and the gas
//! counter back, restores the stack and the callee-saved registers and returns to the host.
//! Nothing in between uses a system call or another thread: a host call is a `call` to the
//! host-call stub, which calls the dispatcher on the same stack and returns to the guest
//! (see [`Stubs::emit_host_call`]).
//!
//! Each stub sets the context's exit fields and jumps to the exit. Stubs that need a value
//! from the instruction that jumped there take it in `rcx`.

use asm::{Assembler, Label, Mem, Reg as H, Scale, Size, Width};
use isa::Reg;

use super::{ctx, host, GAS, TMP};
use crate::jit::vmctx::{self, ExitCode, HostAnswer};
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
    /// Called by a block's out-of-gas stub (`emit::gas`): exits out of gas with the return
    /// address, which names the block, as the context's resumption address.
    pub out_of_gas: Label,
    /// Called (pc and argument already stored, `TMP` = the `Cpu`): a host call (see
    /// [`Stubs::emit_host_call`]).
    pub host_call: Label,
    /// `rcx` = resume address (pc and argument already stored): exits for `sbrk`.
    pub sbrk: Label,
    /// As `sbrk`, for `memset`.
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

    /// Emits the entry and exit trampolines (and the host-call stub) at the start of the
    /// code; returns the entry's offset (0). They are the same bytes in every module, so they
    /// are assembled once per process ([`Trampolines`]) and copied.
    pub(crate) fn emit_entry_exit(&self, asm: &mut Assembler) -> u32 {
        debug_assert!(asm.is_empty(), "the trampolines start the code");
        let trampolines = Trampolines::get();
        let entry = asm.offset();
        asm.bytes(&trampolines.code);
        asm.bind_at(self.exit, entry + trampolines.exit);
        asm.bind_at(self.host_call, entry + trampolines.host_call);
        entry
    }

    /// Assembles the trampolines into `asm` (empty): the entry, then the exit and the
    /// host-call stub. Every label they use is bound among them.
    fn assemble_trampolines(&self, asm: &mut Assembler) -> u32 {
        let entry = asm.offset();
        for reg in SAVED {
            asm.push(reg);
        }
        asm.mov_mr(Size::S64, ctx(vmctx::NATIVE_SP), H::Rsp);
        load_state(asm);
        asm.jmp_mem(ctx(vmctx::RESUME));

        asm.align(16);
        asm.bind(self.exit);
        save_state(asm);
        let stored = asm.new_label();
        asm.bind(stored);
        asm.mov_rm(Size::S64, H::Rsp, ctx(vmctx::NATIVE_SP));
        let leave = asm.new_label();
        asm.bind(leave);
        for reg in SAVED.into_iter().rev() {
            asm.pop(reg);
        }
        asm.ret();

        self.emit_host_call(asm, stored, leave);
        entry
    }

    /// The host-call stub, reached by `call` from an `ecalli` (the pc stored in the `Cpu`,
    /// whose address is in `TMP`, the index in the context, the return address the place to
    /// continue). It saves the guest state and the return address (as the context's
    /// resumption address) and calls `host_fn(host_data, index)` (System V: the stack is
    /// 16-byte aligned here, one return address below the entry's pushes). On
    /// [`HostAnswer::Continue`] it reloads the state and returns to the guest; on
    /// [`HostAnswer::Stop`] the state is saved and it leaves the code at once through
    /// `leave`, without touching the context (which the host may have replaced); on
    /// [`HostAnswer::Exit`] (runs without a handler) it exits with [`ExitCode::HostCall`].
    fn emit_host_call(&self, asm: &mut Assembler, stored: Label, leave: Label) {
        let not_continue = asm.new_label();
        asm.align(16);
        asm.bind(self.host_call);
        save_state_at_tmp(asm);
        asm.mov_rm(Size::S64, TMP, Mem::base(H::Rsp, 0));
        asm.mov_mr(Size::S64, ctx(vmctx::RESUME), TMP);
        asm.mov_rm(Size::S64, H::Rdi, ctx(vmctx::HOST_DATA));
        asm.mov_rm(Size::S32, H::Rsi, ctx(vmctx::ARG));
        asm.call_mem(ctx(vmctx::HOST_FN));
        const _: () = assert!(HostAnswer::Continue as u32 == 0);
        asm.test_rr(Size::S32, H::Rax, H::Rax);
        asm.jcc(asm::Cond::Ne, not_continue);
        load_state(asm);
        asm.ret();

        asm.bind(not_continue);
        asm.pop(TMP);
        asm.cmp_ri(Size::S32, H::Rax, HostAnswer::Stop as i32);
        asm.jcc(asm::Cond::E, leave);
        asm.store_imm(Width::W32, ctx(vmctx::EXIT), ExitCode::HostCall as i32);
        asm.jmp(stored);
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

        // (It leaves by a `ret` to the exit, so that the processor's stack of return
        // addresses, which the block stub's `call` pushed to, stays in step with the host's
        // calls: a `jmp` would leave the exit's own `ret`, and every return after it in the
        // host, mispredicted. Measured: 52 ns per out-of-gas stop that way, against 28.)
        asm.bind(self.out_of_gas);
        asm.mov_rm(Size::S64, TMP, Mem::base(H::Rsp, 0));
        asm.mov_mr(Size::S64, ctx(vmctx::RESUME), TMP);
        asm.store_imm(Width::W32, ctx(vmctx::EXIT), ExitCode::OutOfGas as i32);
        asm.lea(Size::S64, TMP, Mem::label(self.exit, 0));
        asm.mov_mr(Size::S64, Mem::base(H::Rsp, 0), TMP);
        asm.ret();

        for (label, code) in [(self.sbrk, ExitCode::Sbrk), (self.memset, ExitCode::Memset)] {
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
        Layout { entry, fault_exit, invalid_target, gas_stubs: 0 }
    }
}

/// The trampolines' code, assembled once ([`Stubs::emit_entry_exit`]), with the offsets of
/// the exit and the host-call stub in it.
struct Trampolines {
    code: Vec<u8>,
    exit: u32,
    host_call: u32,
}

impl Trampolines {
    fn get() -> &'static Trampolines {
        static TRAMPOLINES: std::sync::OnceLock<Trampolines> = std::sync::OnceLock::new();
        TRAMPOLINES.get_or_init(|| {
            let mut asm = Assembler::new();
            let stubs = Stubs::new(&mut asm);
            let entry = stubs.assemble_trampolines(&mut asm);
            debug_assert_eq!(entry, 0);
            let code = asm.finalize().expect("the trampolines bind every label they use").to_vec();
            let offset = |label| asm.label_offset(label).expect("bound by the trampolines");
            Trampolines { code, exit: offset(stubs.exit), host_call: offset(stubs.host_call) }
        })
    }
}

/// Stores the gas counter and the 13 guest registers into the instance's `Cpu`.
fn save_state(asm: &mut Assembler) {
    asm.mov_rm(Size::S64, TMP, ctx(vmctx::CPU));
    save_state_at_tmp(asm);
}

/// As [`save_state`], with the `Cpu`'s address already in `TMP`.
fn save_state_at_tmp(asm: &mut Assembler) {
    asm.mov_mr(Size::S64, Mem::base(TMP, vmctx::CPU_GAS), GAS);
    for reg in Reg::ALL {
        asm.store(Width::W64, reg_slot(reg), host(reg));
    }
}

/// Loads the gas counter and the 13 guest registers from the instance's `Cpu`.
fn load_state(asm: &mut Assembler) {
    asm.mov_rm(Size::S64, TMP, ctx(vmctx::CPU));
    asm.mov_rm(Size::S64, GAS, Mem::base(TMP, vmctx::CPU_GAS));
    for reg in Reg::ALL {
        asm.load(Width::W64, host(reg), reg_slot(reg));
    }
}

/// Guest register `reg` in the `Cpu` whose address is in `TMP`.
fn reg_slot(reg: Reg) -> Mem {
    Mem::base(TMP, vmctx::CPU_REGS + 8 * reg.index() as i32)
}

/// The jump-table operand for the index in `rcx`, with `entries` entries.
pub(crate) fn jump_table_slot(entries: usize) -> Mem {
    Mem::index_only(TMP, Scale::S8, vmctx::jump_table_disp(entries)).gs()
}
