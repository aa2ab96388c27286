//! The per-instance context compiled code reads and writes, and where it lives.
//!
//! A compiled instance's memory is `[jump table][context page][4 GiB guest][guard]` (see
//! [`crate::sys::GuestMemory::protected`]). The guest base is the `gs` segment base while
//! compiled code runs, and the code reaches everything else at fixed negative `gs:`
//! displacements: the [`VmCtx`] at `-CONTEXT_OFFSET` and the native jump table (one absolute
//! code address per entry) just below it, so neither needs a register of its own.
//!
//! This is one of the places `unsafe` is allowed (the context's layout, shared with
//! generated code); the offsets are checked with `offset_of!` below.
#![allow(unsafe_code)]

use core::mem::offset_of;

use crate::interp::Cpu;
use crate::sys::signals::Running;

/// Distance from the guest base down to the context (every field within a one-byte displacement).
pub(crate) const CONTEXT_OFFSET: i32 = 128;

/// How compiled code left (the value of [`VmCtx::exit`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum ExitCode {
    /// Returned to the host address.
    Halt = 0,
    /// Trapped at [`VmCtx::pc`].
    Panic = 1,
    /// Not enough gas for a block, named by the return address its out-of-gas stub's `call`
    /// left in [`VmCtx::resume`] (`Compiled::gas_stub_block`).
    OutOfGas = 2,
    /// `ecalli` [`VmCtx::arg`] at [`VmCtx::pc`]; continue at [`VmCtx::resume`].
    HostCall = 3,
    /// A fault the signal handler reported in [`VmCtx::running`].
    Fault = 4,
    /// `sbrk` at [`VmCtx::pc`] (registers in [`VmCtx::arg`]: destination << 8 | size).
    Sbrk = 5,
    /// `memset` at [`VmCtx::pc`].
    Memset = 6,
}

impl ExitCode {
    pub(crate) fn from_u32(value: u32) -> Option<ExitCode> {
        Some(match value {
            0 => ExitCode::Halt,
            1 => ExitCode::Panic,
            2 => ExitCode::OutOfGas,
            3 => ExitCode::HostCall,
            4 => ExitCode::Fault,
            5 => ExitCode::Sbrk,
            6 => ExitCode::Memset,
            _ => return None,
        })
    }
}

/// What the host-call dispatcher ([`VmCtx::host_fn`]) answers compiled code.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum HostAnswer {
    /// Served: reload the guest state and carry on after the `ecalli`.
    Continue = 0,
    /// Leave the code at once, without touching the context (the reason is the dispatcher's).
    Stop = 1,
    /// No handler: exit with [`ExitCode::HostCall`].
    Exit = 2,
}

/// The context at `guest base - CONTEXT_OFFSET`.
#[derive(Debug)]
#[repr(C)]
pub(crate) struct VmCtx {
    /// The instance's registers and gas: compiled code loads the 13 guest registers and the
    /// gas counter from it on entry and after a host call, and stores them on exit and
    /// before one (at [`CPU_REGS`] and [`CPU_GAS`]).
    pub cpu: *mut Cpu,
    /// Native stack pointer to restore on exit.
    pub native_sp: u64,
    /// Native address the entry trampoline jumps to (after an out-of-gas exit: the return
    /// address of the block's stub, which names the block, not a place to go on).
    pub resume: u64,
    /// Code offset of the instruction that exited.
    pub pc: u32,
    /// An [`ExitCode`].
    pub exit: u32,
    /// Exit argument (host call number, `sbrk` registers).
    pub arg: u32,
    /// Padding.
    pub _pad: u32,
    /// The host-call dispatcher compiled code calls at an `ecalli` (see [`super::host`]): an
    /// `extern "sysv64" fn(host_data, index, resume) -> HostAnswer`.
    pub host_fn: u64,
    /// The dispatcher's first argument (its [`super::host::HostLink`]).
    pub host_data: u64,
    /// The module's code, for the signal handler, and the fault it reports.
    pub running: Running,
}

/// Offset of a context field from the guest base (a negative `gs:` displacement).
const fn at(field: usize) -> i32 {
    field as i32 - CONTEXT_OFFSET
}

/// Displacement of [`VmCtx::cpu`].
pub(crate) const CPU: i32 = at(offset_of!(VmCtx, cpu));
/// Offset of the register file in a [`Cpu`].
pub(crate) const CPU_REGS: i32 = offset_of!(Cpu, regs) as i32;
/// Offset of the gas counter in a [`Cpu`].
pub(crate) const CPU_GAS: i32 = offset_of!(Cpu, gas) as i32;
/// Offset of the pc in a [`Cpu`].
pub(crate) const CPU_PC: i32 = offset_of!(Cpu, pc) as i32;
/// Displacement of [`VmCtx::native_sp`].
pub(crate) const NATIVE_SP: i32 = at(offset_of!(VmCtx, native_sp));
/// Displacement of [`VmCtx::resume`].
pub(crate) const RESUME: i32 = at(offset_of!(VmCtx, resume));
/// Displacement of [`VmCtx::pc`].
pub(crate) const PC: i32 = at(offset_of!(VmCtx, pc));
/// Displacement of [`VmCtx::exit`].
pub(crate) const EXIT: i32 = at(offset_of!(VmCtx, exit));
/// Displacement of [`VmCtx::arg`].
pub(crate) const ARG: i32 = at(offset_of!(VmCtx, arg));
/// Displacement of [`VmCtx::host_fn`].
pub(crate) const HOST_FN: i32 = at(offset_of!(VmCtx, host_fn));
/// Displacement of [`VmCtx::host_data`].
pub(crate) const HOST_DATA: i32 = at(offset_of!(VmCtx, host_data));

const _: () = assert!(core::mem::size_of::<VmCtx>() <= CONTEXT_OFFSET as usize);
const _: () = assert!(core::mem::align_of::<VmCtx>() <= 4096);

/// Displacement of a jump table of `entries` entries.
pub(crate) fn jump_table_disp(entries: usize) -> i32 {
    -(CONTEXT_OFFSET + 8 * entries as i32)
}

/// Bytes of prefix (context and jump table, in whole pages) an instance needs.
pub(crate) fn prefix_len(entries: usize) -> usize {
    (CONTEXT_OFFSET as usize + 8 * entries).next_multiple_of(4096)
}

/// The context of a protected reservation (whose prefix is at least [`prefix_len`]`(0)`
/// bytes): the quick way, for the run loop.
#[inline(always)]
pub(crate) fn context(reservation: &mut crate::sys::GuestMemory) -> &mut VmCtx {
    assert!(reservation.is_protected(), "compiled instances have a protected reservation");
    let ptr = reservation.base_ptr().wrapping_sub(CONTEXT_OFFSET as usize);
    // SAFETY: the CONTEXT_OFFSET bytes below the guest base are the end of the read-write
    // prefix (a protected reservation's prefix is whole pages, at least one), 8-byte aligned (the base is page aligned), owned by the
    // reservation and exclusively borrowed with it; every bit pattern is a valid `VmCtx`.
    unsafe { &mut *ptr.cast::<VmCtx>() }
}

/// The context and jump table inside a reservation prefix of [`prefix_len`] bytes.
pub(crate) fn split_prefix(prefix: &mut [u8], entries: usize) -> (&mut VmCtx, &mut [u8]) {
    let len = prefix.len();
    assert!(len >= prefix_len(entries), "prefix too short for the context and jump table");
    let (rest, page) = prefix.split_at_mut(len - CONTEXT_OFFSET as usize);
    let table_start = rest.len() - 8 * entries;
    let ptr = page.as_mut_ptr();
    assert!((ptr as usize).is_multiple_of(core::mem::align_of::<VmCtx>()));
    // SAFETY: `page` is CONTEXT_OFFSET >= size_of::<VmCtx>() bytes, suitably aligned (checked
    // above; the prefix ends at the page-aligned guest base), exclusively borrowed for the lifetime of the result,
    // and every bit pattern of the fields except `regs` is valid; `regs` is a raw pointer,
    // for which any value is valid too (it is only dereferenced by compiled code, after the
    // run sets it).
    let vmctx = unsafe { &mut *ptr.cast::<VmCtx>() };
    (vmctx, &mut rest[table_start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_what_compiled_code_expects() {
        assert_eq!(CPU, -128);
        assert_eq!(NATIVE_SP, -128 + 8);
        assert_eq!(RESUME, -128 + 16);
        assert_eq!(PC, -128 + 24);
        assert_eq!(EXIT, -128 + 28);
        assert_eq!(ARG, -128 + 32);
        assert_eq!(HOST_FN, -128 + 40);
        assert_eq!(HOST_DATA, -128 + 48);
        assert_eq!(offset_of!(VmCtx, running), 56);
        assert_eq!((CPU_REGS, CPU_GAS), (0, 2048));
        assert_eq!(jump_table_disp(3), -128 - 24);
        assert_eq!(prefix_len(0), 4096);
        assert_eq!(prefix_len(496), 4096);
        assert_eq!(prefix_len(497), 8192);
    }

    #[test]
    fn split_prefix_places_the_table_below_the_context() {
        let mut memory = crate::sys::GuestMemory::protected(prefix_len(600)).unwrap();
        let prefix = memory.prefix_mut();
        let len = prefix.len();
        let base = prefix.as_ptr() as usize + len;
        let (vmctx, table) = split_prefix(prefix, 600);
        assert_eq!(vmctx as *mut VmCtx as usize, base - 128);
        assert_eq!(table.as_ptr() as usize, (base as isize + jump_table_disp(600) as isize) as usize);
        assert_eq!(table.len(), 4800);
    }
}
