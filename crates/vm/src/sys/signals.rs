//! The fault handler for compiled code.
//!
//! Compiled guest code never checks bounds: an access to an inaccessible guest page faults
//! in hardware (SIGSEGV, or SIGBUS). The handler installed here (once per process, for
//! SIGSEGV, SIGBUS, SIGILL and SIGFPE) looks at the interrupted instruction pointer. If it
//! lies in the code this thread is running ([`Running`], named around every entry into
//! compiled code), it records the fault in that run's [`FaultReport`] and resumes the thread
//! at the code's fault exit, which leaves compiled code like any other exit; the run then
//! turns the report into the interpreter's exit. Any other fault is passed on to the handler
//! that was installed before ours (for example the Rust runtime's stack-overflow reporter),
//! or to the default action.
#![allow(unsafe_code)]

use core::cell::Cell;
use std::sync::Once;

/// Where a fault in compiled code is reported (part of the recompiler's per-instance context).
#[derive(Copy, Clone, Debug, Default)]
#[repr(C)]
pub struct FaultReport {
    /// Instruction pointer of the faulting instruction.
    pub rip: u64,
    /// Faulting address, as the kernel reports it.
    pub address: u64,
    /// Signal number (0 when no fault happened).
    pub signal: u32,
    /// Padding.
    pub _pad: u32,
}

/// What the handler needs to know about the compiled code a thread is running (kept in the
/// running instance's context, so that naming it costs one pointer store).
#[derive(Copy, Clone, Debug, Default)]
#[repr(C)]
pub struct Running {
    /// First byte of the code.
    pub code_start: u64,
    /// One past the last byte of the code.
    pub code_end: u64,
    /// Where to resume the thread after a fault in the code.
    pub fault_exit: u64,
    /// Where the fault is recorded.
    pub report: FaultReport,
}

thread_local! {
    // A `const` thread-local without a destructor: reading it is a plain TLS access, which is
    // safe inside a signal handler.
    static RUNNING: Cell<*mut Running> = const { Cell::new(core::ptr::null_mut()) };
}

const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

static INSTALL: Once = Once::new();

/// The actions installed before ours, in the order of [`SIGNALS`]; written once, inside
/// `INSTALL`, before our handler can run.
static mut PREVIOUS: [Option<libc::sigaction>; 4] = [None; 4];

/// Installs the handler (idempotent, thread-safe).
pub fn install() {
    INSTALL.call_once(|| {
        for (i, &signal) in SIGNALS.iter().enumerate() {
            // SAFETY: `sigaction` with a zeroed struct, our handler and an empty mask is a
            // valid call; `PREVIOUS` is only written here, inside `call_once`, before the
            // handler is installed for this signal, and only read by the handler afterwards.
            unsafe {
                let mut action: libc::sigaction = core::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut action.sa_mask);
                let mut old: libc::sigaction = core::mem::zeroed();
                if libc::sigaction(signal, core::ptr::null(), &mut old) == 0 {
                    (*core::ptr::addr_of_mut!(PREVIOUS))[i] = Some(old);
                }
                libc::sigaction(signal, &action, core::ptr::null_mut());
            }
        }
    });
}

/// Names `running` as the code this thread runs until the returned guard is dropped (which
/// restores what ran before, so nested runs work). `running` must stay valid and unmoved
/// while the guard lives.
pub fn enter(running: *mut Running) -> RunningGuard {
    RunningGuard { previous: RUNNING.replace(running) }
}

/// Restores the previously running code on drop (see [`enter`]).
pub struct RunningGuard {
    previous: *mut Running,
}

impl RunningGuard {
    /// Whether other code was running on this thread when this run began (a host function
    /// started it).
    pub fn nested(&self) -> bool {
        !self.previous.is_null()
    }
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        RUNNING.set(self.previous);
    }
}

extern "C" fn handler(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let running = RUNNING.get();
    let context = context.cast::<libc::ucontext_t>();
    // SAFETY: the kernel passes a valid `ucontext_t` to an SA_SIGINFO handler; we only read
    // and write the saved instruction pointer.
    let rip = unsafe { (*context).uc_mcontext.gregs[libc::REG_RIP as usize] } as u64;
    // SAFETY: a non-null `running` points into the running instance's context, valid and
    // unmoved while this thread runs its code (see `enter`).
    if let Some(running) = unsafe { running.as_mut() } {
        if rip >= running.code_start && rip < running.code_end {
            // SAFETY: `info` is valid for an SA_SIGINFO handler. Setting RIP makes the thread
            // continue at the code's fault exit when the handler returns.
            unsafe {
                running.report =
                    FaultReport { rip, address: (*info).si_addr() as u64, signal: signal as u32, _pad: 0 };
                (*context).uc_mcontext.gregs[libc::REG_RIP as usize] = running.fault_exit as i64;
            }
            return;
        }
    }
    chain(signal, info, context.cast());
}

/// Passes a fault that is not ours to the previously installed action.
fn chain(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let Some(index) = SIGNALS.iter().position(|&s| s == signal) else { return };
    // SAFETY: `PREVIOUS` was fully written before our handler was installed (see `install`).
    let previous = unsafe { (*core::ptr::addr_of!(PREVIOUS))[index] };
    match previous {
        Some(old) if old.sa_sigaction != libc::SIG_DFL && old.sa_sigaction != libc::SIG_IGN => {
            if old.sa_flags & libc::SA_SIGINFO != 0 {
                // SAFETY: the previous handler was installed with SA_SIGINFO, so it has this
                // signature; we call it with the arguments the kernel gave us.
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    unsafe { core::mem::transmute(old.sa_sigaction) };
                f(signal, info, context);
            } else {
                // SAFETY: a handler installed without SA_SIGINFO takes the signal number only.
                let f: extern "C" fn(libc::c_int) = unsafe { core::mem::transmute(old.sa_sigaction) };
                f(signal);
            }
        }
        _ => {
            // Default action: reinstall it and return; the faulting instruction runs again and
            // the fault takes its default course (the process ends with that signal).
            // SAFETY: resetting a signal to SIG_DFL is always valid.
            unsafe {
                libc::signal(signal, libc::SIG_DFL);
            }
        }
    }
}
