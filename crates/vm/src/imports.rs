//! Host functions bound by import name, and calling exports.
//!
//! A host function sees a [`Caller`]: the user's data, the registers and guest memory.
//! Typed functions take their arguments from `a0..a5` and return a value into `a0` (or
//! `a0`/`a1` for a pair). In a 32-bit program every `u64` takes a register pair instead, low
//! half first (`a0`/`a1` for the first argument or the result, ...), as PolkaVM passes 64-bit
//! values to and from `Latest32` programs.

use std::collections::HashMap;

use isa::Reg;

use crate::error::Error;
use crate::exit::ExitReason;
use crate::instance::Instance;
use crate::interp::exec::RETURN_TO_HOST;
use crate::jit::host::{Failure, HostHandler, HostStop, UNLISTED_IMPORT};

/// An error raised by a host function; it ends the call with [`Error::Host`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError(pub String);

impl<E: std::fmt::Display> From<E> for HostError {
    fn from(err: E) -> HostError {
        HostError(err.to_string())
    }
}

/// What a host function gets to work with.
pub struct Caller<'a, T> {
    /// The embedder's data.
    pub data: &'a mut T,
    /// The instance making the call (registers, memory, gas).
    pub instance: &'a mut Instance,
}

/// Values a typed host function can return.
pub trait HostReturn {
    /// Stores the value into the result registers.
    fn store(self, instance: &mut Instance) -> Result<(), HostError>;
}

impl HostReturn for () {
    fn store(self, _: &mut Instance) -> Result<(), HostError> {
        Ok(())
    }
}

impl HostReturn for u64 {
    #[inline]
    fn store(self, instance: &mut Instance) -> Result<(), HostError> {
        let mut out = ArgRegs::new(instance);
        out.put(instance, self);
        Ok(())
    }
}

impl HostReturn for u32 {
    #[inline]
    fn store(self, instance: &mut Instance) -> Result<(), HostError> {
        instance.set_reg(Reg::A0, u64::from(self));
        Ok(())
    }
}

impl HostReturn for (u64, u64) {
    #[inline]
    fn store(self, instance: &mut Instance) -> Result<(), HostError> {
        let mut out = ArgRegs::new(instance);
        out.put(instance, self.0);
        out.put(instance, self.1);
        Ok(())
    }
}

/// Argument registers in order: `a0..a5` (and `t0..t2` after them in a 32-bit program, where
/// `u64` values take two registers each, as in PolkaVM).
const ARG_REGS_32: [Reg; 9] =
    [Reg::A0, Reg::A1, Reg::A2, Reg::A3, Reg::A4, Reg::A5, Reg::T0, Reg::T1, Reg::T2];

/// Walks the argument registers for typed `u64` values: one register per value, or a (low,
/// high) pair in a 32-bit program.
struct ArgRegs {
    next: usize,
    pairs: bool,
}

impl ArgRegs {
    #[inline]
    fn new(instance: &Instance) -> ArgRegs {
        ArgRegs { next: 0, pairs: !instance.is_64bit() }
    }

    /// Registers needed for `count` values.
    fn needed(&self, count: usize) -> usize {
        if self.pairs {
            2 * count
        } else {
            count
        }
    }

    /// The register available for the next value half, if any.
    #[inline]
    fn reg(&mut self) -> Option<Reg> {
        let regs: &[Reg] = if self.pairs { &ARG_REGS_32 } else { &Reg::ARGS };
        let reg = regs.get(self.next).copied();
        self.next += 1;
        reg
    }

    /// Reads the next register (zero past the last argument register).
    #[inline]
    fn take_half(&mut self, instance: &Instance) -> u64 {
        self.reg().map_or(0, |reg| instance.reg(reg))
    }

    /// Reads the next value (registers past the last argument register read as zero).
    #[inline]
    fn take(&mut self, instance: &Instance) -> u64 {
        if self.pairs {
            let low = self.take_half(instance);
            low | self.take_half(instance) << 32
        } else {
            self.take_half(instance)
        }
    }

    /// Writes the next register (dropped past the last argument register).
    #[inline]
    fn put_half(&mut self, instance: &mut Instance, value: u64) {
        if let Some(reg) = self.reg() {
            instance.set_reg(reg, value);
        }
    }

    /// Writes the next value (dropped past the last argument register).
    #[inline]
    fn put(&mut self, instance: &mut Instance, value: u64) {
        self.put_half(instance, value);
        if self.pairs {
            self.put_half(instance, value >> 32);
        }
    }
}

impl<R: HostReturn> HostReturn for Result<R, HostError> {
    #[inline]
    fn store(self, instance: &mut Instance) -> Result<(), HostError> {
        self?.store(instance)
    }
}

/// A bound host function. Its failure is boxed so that the result fits in a register: the
/// dispatcher of compiled code then tests it without a return slot in memory.
type DynHostFn<T> = Box<dyn Fn(&mut Caller<'_, T>) -> Result<(), Box<Failure>> + Send + Sync>;

/// A host function ready to be bound (made by [`IntoHostFn`]).
pub struct HostFn<T>(DynHostFn<T>);

/// Conversion of closures with 0–6 `u64` arguments into host functions (in a 32-bit program,
/// arguments past the ninth register read as zero).
pub trait IntoHostFn<T, Args> {
    /// Boxes the function.
    fn into_host_fn(self) -> HostFn<T>;
}

macro_rules! impl_into_host_fn {
    ($($arg:ident),*) => {
        impl<T, F, R> IntoHostFn<T, ($(impl_into_host_fn!(@ty $arg),)*)> for F
        where
            F: Fn(&mut Caller<'_, T>, $(impl_into_host_fn!(@ty $arg)),*) -> R + Send + Sync + 'static,
            R: HostReturn,
        {
            #[allow(unused_variables, unused_mut, non_snake_case)]
            fn into_host_fn(self) -> HostFn<T> {
                HostFn(Box::new(move |caller: &mut Caller<'_, T>| {
                    let mut next = ArgRegs::new(caller.instance);
                    $(let $arg = next.take(caller.instance);)*
                    let result = self(caller, $($arg),*);
                    result.store(caller.instance).map_err(Failure::host)
                }))
            }
        }
    };
    (@ty $arg:ident) => { u64 };
}

impl_into_host_fn!();
impl_into_host_fn!(A);
impl_into_host_fn!(A, B);
impl_into_host_fn!(A, B, C);
impl_into_host_fn!(A, B, C, D);
impl_into_host_fn!(A, B, C, D, E);
impl_into_host_fn!(A, B, C, D, E, G);

/// Host functions by import name.
pub struct Imports<T> {
    functions: HashMap<String, DynHostFn<T>>,
}

impl<T> Default for Imports<T> {
    fn default() -> Self {
        Imports { functions: HashMap::new() }
    }
}

impl<T> Imports<T> {
    /// No host functions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds `name` to a typed host function (arguments from `a0..a5`, result into `a0`).
    pub fn func<Args>(&mut self, name: &str, f: impl IntoHostFn<T, Args>) -> &mut Self {
        self.functions.insert(name.to_owned(), f.into_host_fn().0);
        self
    }

    /// Whether `name` is bound.
    pub fn contains(&self, name: &str) -> bool {
        self.functions.contains_key(name)
    }
}

/// The outcome of [`Instance::call`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// How the call ended (never `HostCall`: those are dispatched).
    pub exit: ExitReason,
    /// The `u64` result: `a0` at the end; in a 32-bit program the pair `a0` (low half) and
    /// `a1` (high half), as a 64-bit result is returned there.
    pub a0: u64,
    /// `a1` at the end (its low 32 bits in a 32-bit program).
    pub a1: u64,
    /// Gas left.
    pub gas: i64,
}

impl Instance {
    /// Calls the export `name` with up to six arguments in `a0..a5`, dispatching host calls to
    /// `imports`, until the export returns (halt), traps, runs out of gas or faults.
    pub fn call<T>(
        &mut self,
        imports: &Imports<T>,
        data: &mut T,
        name: &str,
        args: &[u64],
    ) -> Result<CallOutcome, Error> {
        let pc = self.module().export_pc(name).ok_or_else(|| Error::UnknownExport(name.to_owned()))?;
        self.call_pc(imports, data, pc, args)
    }

    /// Like [`Instance::call`], with the entry point given as a code offset (look it up once
    /// with [`crate::Module::export_pc`] to call an export repeatedly).
    pub fn call_pc<T>(
        &mut self,
        imports: &Imports<T>,
        data: &mut T,
        pc: u32,
        args: &[u64],
    ) -> Result<CallOutcome, Error> {
        self.prepare_call(pc, args)?;
        self.resume_call(imports, data)
    }

    /// Sets up registers for a call to code offset `pc`: `ra` = return-to-host, `sp` = stack top,
    /// arguments in `a0..a5` (in a 32-bit program: a register pair per argument, low half first,
    /// in `a0..a5, t0..t2`), other registers zero.
    pub fn prepare_call(&mut self, pc: u32, args: &[u64]) -> Result<(), Error> {
        let mut regs = ArgRegs::new(self);
        if regs.needed(args.len()) > Reg::ARGS.len().max(regs.needed(4)) {
            return Err(Error::TooManyArguments(args.len()));
        }
        for reg in Reg::ALL {
            self.set_reg(reg, 0);
        }
        self.set_reg(Reg::RA, u64::from(RETURN_TO_HOST));
        self.set_reg(Reg::SP, u64::from(self.module().image().stack_top));
        for &value in args {
            regs.put(self, value);
        }
        self.set_next_pc(pc);
        Ok(())
    }

    /// Runs from the current position, dispatching host calls, until a non-host-call exit.
    /// Compiled code calls the host functions without leaving the code (see
    /// `jit::host`); a panic in a host function propagates to the caller of this function.
    pub fn resume_call<T>(&mut self, imports: &Imports<T>, data: &mut T) -> Result<CallOutcome, Error> {
        let mut handler = ImportHandler { imports, data, resolved: Vec::new() };
        loop {
            let exit = match self.run_linked(&mut handler) {
                Ok(exit) => exit,
                Err(HostStop::Failed(failure, index)) => return Err((*failure).into_error(self, index)),
                Err(HostStop::Panicked(payload)) => std::panic::resume_unwind(payload),
                Err(HostStop::Redirected) => continue,
            };
            if let ExitReason::HostCall(index) = exit {
                handler.call(self, index).map_err(|failure| (*failure).into_error(self, index))?;
                continue;
            }
            let a0 = ArgRegs::new(self).take(self);
            return Ok(CallOutcome { exit, a0, a1: self.reg(Reg::A1), gas: self.gas() });
        }
    }
}

/// Serves host calls from an import table. Functions are resolved by import index on first
/// use: a guest calling the host in a loop pays the name lookup once per
/// [`Instance::resume_call`], not once per host call.
struct ImportHandler<'a, T> {
    imports: &'a Imports<T>,
    data: &'a mut T,
    resolved: Vec<Option<&'a DynHostFn<T>>>,
}

impl<'a, T> ImportHandler<'a, T> {
    /// Looks up the function bound to import `index` of the instance's module and calls it.
    /// (Out of line, so that nothing the lookup needs stays in registers across the call in
    /// [`HostHandler::call`].)
    #[cold]
    #[inline(never)]
    fn resolve_and_call(&mut self, instance: &mut Instance, index: u32) -> Result<(), Box<Failure>> {
        let slot = index as usize;
        let missing =
            |name: &str| Box::new(Failure::Vm(Error::MissingImport { index, name: name.to_owned() }));
        let name = instance.module().image().imports.get(slot).ok_or_else(|| missing(UNLISTED_IMPORT))?;
        let f = self.imports.functions.get(name).ok_or_else(|| missing(name))?;
        if self.resolved.len() <= slot {
            self.resolved.resize(slot + 1, None);
        }
        self.resolved[slot] = Some(f);
        f(&mut Caller { data: &mut *self.data, instance })
    }
}

impl<T> HostHandler for ImportHandler<'_, T> {
    #[inline]
    fn call(&mut self, instance: &mut Instance, index: u32) -> Result<(), Box<Failure>> {
        match self.resolved.get(index as usize).copied().flatten() {
            Some(f) => f(&mut Caller { data: &mut *self.data, instance }),
            None => self.resolve_and_call(instance, index),
        }
    }
}
