//! Host calls served from inside compiled code.
//!
//! When [`crate::Instance::resume_call`] runs compiled code it links its host functions to
//! the run: the context's `host_fn` holds [`dispatch`]`::<H>` and `host_data` a [`HostLink`].
//! At an `ecalli` the code stores the pc, the guest registers and gas into the instance's
//! `Cpu` and the resumption address into the context, and calls the dispatcher on the same
//! native stack. The instance is then up to date as it is: its entry, set once per run, is
//! [`Entry::LINKED`] ("resume at the context's resumption address"). The dispatcher hands
//! the handler `&mut Instance` and, if nothing but registers, gas and memory changed, lets
//! the code reload the state and carry on. A round trip is then two plain `call`/`ret` pairs
//! and the handler itself: no exit through the entry trampoline, no run loop.
//!
//! The handler may do anything safe Rust allows with the instance: set another start
//! ([`crate::Instance::set_next_pc`]), reset it, run it again (nested), even replace it. Every
//! such change leaves its entry other than [`Entry::LINKED`], and the dispatcher
//! then stops the code at once ([`HostStop::Redirected`]) without reading the context again,
//! and the caller's loop starts over from whatever the instance now says. A nested run of
//! the same instance puts back the context's stack pointer and dispatcher when it ends.
//!
//! Soundness rests on one rule, kept by [`super::run::run_instance`]: between
//! `resume_call`'s `&mut Instance` and this dispatcher, every frame reaches the instance only
//! through one raw pointer (no reference to it or its fields is live across the call into
//! the code), so the `&mut Instance` made here is the only live one. A panic in the handler
//! is caught here (unwinding through generated code is not possible) and resumed by the
//! caller once the code has been left.
#![allow(unsafe_code)]

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::backend::Entry;
use crate::error::Error;
use crate::imports::HostError;
use crate::instance::Instance;

use super::vmctx::HostAnswer;

/// What serves host calls for a run (the import table and the embedder's data).
pub(crate) trait HostHandler {
    /// Performs host call `index` for `instance` (whose registers, gas and memory are up to
    /// date; its position is just after the `ecalli`).
    fn call(&mut self, instance: &mut Instance, index: u32) -> Result<(), Box<Failure>>;
}

/// The name reported for an `ecalli` whose index is past the module's import table.
pub(crate) const UNLISTED_IMPORT: &str = "<none>";

/// Why a host call failed. A host function's own error is named after its import only
/// when it is reported ([`Failure::into_error`]), so that nothing the naming needs is kept
/// alive across the host function on the fast path. It is passed around boxed, so that the
/// result of a call fits in a register.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The call could not be made (no function bound to the import).
    Vm(Error),
    /// The host function returned this error.
    Host(HostError),
}

impl Failure {
    /// A host function's error, boxed (a cold path of its own).
    #[cold]
    pub(crate) fn host(error: HostError) -> Box<Failure> {
        Box::new(Failure::Host(error))
    }

    /// The error to report for a failure of host call `index` made by `instance`.
    #[cold]
    pub(crate) fn into_error(self, instance: &Instance, index: u32) -> Error {
        match self {
            Failure::Vm(error) => error,
            Failure::Host(HostError(message)) => {
                let imports = &instance.module().image().imports;
                let name = imports.get(index as usize).cloned().unwrap_or_else(|| UNLISTED_IMPORT.to_owned());
                Error::Host { name, message }
            }
        }
    }
}

/// The handler of runs without one (`Instance::run`): host calls exit to the caller.
pub(crate) enum NoHost {}

impl HostHandler for NoHost {
    fn call(&mut self, _: &mut Instance, _: u32) -> Result<(), Box<Failure>> {
        match *self {}
    }
}

/// Why the dispatcher left the code.
pub(crate) enum HostStop {
    /// The handler failed (at host call `.1`); the instance resumes after the `ecalli` if
    /// run again.
    Failed(Box<Failure>, u32),
    /// The handler panicked (with this payload).
    Panicked(Box<dyn Any + Send>),
    /// The handler moved the instance somewhere else; run it from where it now is.
    Redirected,
}

/// What the code's dispatcher works with, on the stack of the run that links it.
pub(crate) struct HostLink<H> {
    /// The running instance (the only way to it while the code runs).
    pub instance: *mut Instance,
    /// The handler.
    pub handler: *mut H,
    /// The guest base of the instance's reservation (to notice a replaced instance).
    pub base: usize,
    /// The index of the host call being served (kept here across the handler).
    pub index: u32,
    /// Set when the dispatcher stops the code.
    pub stop: Option<HostStop>,
}

/// The dispatcher of runs without a handler: every host call exits to the caller.
pub(crate) extern "sysv64" fn no_host(_: *mut u8, _: u32) -> HostAnswer {
    HostAnswer::Exit
}

/// The dispatcher compiled code calls for host call `index` (see the module note).
pub(crate) extern "sysv64" fn dispatch<H: HostHandler>(link: *mut HostLink<H>, index: u32) -> HostAnswer {
    match catch_unwind(AssertUnwindSafe(|| serve(link, index))) {
        Ok(answer) => answer,
        Err(payload) => stop(link, HostStop::Panicked(payload)),
    }
}

/// Serves one host call. `link` is read through the raw pointer before and after the
/// handler, never kept as a reference across it: what the code needs afterwards (the
/// instance and its base) is reloaded from the link, so the dispatcher
/// keeps almost nothing in registers across the handler (its prologue and epilogue are most
/// of a round trip's cost).
#[inline(always)]
fn serve<H: HostHandler>(link: *mut HostLink<H>, index: u32) -> HostAnswer {
    // SAFETY: `link` is the `host_data` that `run_instance` stored in the context next to
    // this function, pointing at a `HostLink<H>` in its frame that outlives the call into the
    // code; nothing else uses it while the code runs.
    let (instance, handler) = unsafe {
        (*link).index = index;
        ((*link).instance, (*link).handler)
    };
    {
        // SAFETY: see the module note: `link.instance` is the only path to the instance while
        // the code runs, and no reference made from it is alive in the frames below us.
        let instance = unsafe { &mut *instance };
        // SAFETY: `link.handler` comes from the `&mut H` the run was given, unused meanwhile.
        let handler = unsafe { &mut *handler };
        if let Err(failure) = handler.call(instance, index) {
            // (Read back from the link rather than kept in a register across the handler.)
            // SAFETY: as above.
            let index = unsafe { (*link).index };
            return stop(link, HostStop::Failed(failure, index));
        }
    }
    // SAFETY: as above; the handler's references are gone.
    let (instance, base) = unsafe { (&mut *(*link).instance, (*link).base) };
    let parts = instance.parts();
    // Anything that moved the instance also changed its entry: a new start, a reset, a
    // nested run (which leaves it wherever that run stopped). A replaced instance has
    // another reservation (or an unprotected one).
    let reservation = parts.memory.reservation();
    if *parts.entry != Entry::LINKED || reservation.protected_base() != base {
        return stop(link, HostStop::Redirected);
    }
    // (`ctx.cpu` needs no repair: it is this instance's `Cpu`, at a fixed place.)
    HostAnswer::Continue
}

/// Stops the code for `why` (out of line, like every path but the common one, so that the
/// dispatcher's prologue saves few registers).
#[cold]
#[inline(never)]
fn stop<H>(link: *mut HostLink<H>, why: HostStop) -> HostAnswer {
    // SAFETY: as in `serve`; no reference to the link is alive (the handler has returned).
    unsafe { (*link).stop = Some(why) };
    HostAnswer::Stop
}
