//! Instances: registers, gas, memory and a position in a module's code.

use isa::Reg;

use crate::backend::{self, Entry, Start};
use crate::crosscheck::Shadow;
use crate::error::Error;
use crate::exit::ExitReason;
use crate::interp::{Cpu, Stop};
use crate::jit;
use crate::jit::host::{HostHandler, HostStop, NoHost};
use crate::memory::{Access, Fault, Memory};
use crate::module::Module;

/// A running program.
pub struct Instance {
    module: Module,
    cpu: Cpu,
    memory: Memory,
    entry: Entry,
    /// The interpreter's copy of the state, in crosscheck mode.
    shadow: Option<Box<Shadow>>,
    /// Whether registers are 64-bit (else they hold sign-extended 32-bit values, as in PolkaVM).
    bits64: bool,
}

impl Instance {
    /// Creates an instance with the module's initial memory and registers, at pc 0 with no gas.
    pub fn new(module: &Module) -> Result<Instance, Error> {
        let memory = match &module.inner.compiled {
            None => Memory::new()?,
            Some(compiled) => {
                let mut memory = Memory::protected(jit::vmctx::prefix_len(compiled.jump_table.len()))?;
                jit::run::install(compiled, &mut memory);
                memory
            }
        };
        let mut instance = Instance {
            module: module.clone(),
            cpu: Cpu::new(),
            memory,
            entry: Entry::fresh(0),
            shadow: Shadow::for_module(module)?.map(Box::new),
            bits64: module.is_64bit(),
        };
        instance.load_image()?;
        Ok(instance)
    }

    fn load_image(&mut self) -> Result<(), Error> {
        let image = &self.module.inner.image;
        for region in &image.regions {
            self.memory.set_access(region.address, region.size, region.access);
            if !region.data.is_empty() {
                self.memory.write_initial(region.address, &region.data).map_err(|_| {
                    Error::Layout(format!("initial data at {:#x} does not fit its region", region.address))
                })?;
            }
        }
        self.memory.set_heap(image.heap);
        let initial_regs = image.initial_regs;
        for (reg, value) in Reg::ALL.into_iter().zip(initial_regs) {
            self.set_reg(reg, value);
        }
        Ok(())
    }

    /// Restores the initial memory, registers and position (gas is kept).
    pub fn reset(&mut self) -> Result<(), Error> {
        self.memory.reset();
        self.cpu.regs = [0; 256];
        self.entry = Entry::fresh(0);
        self.load_image()
    }

    /// The module this instance runs.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Whether registers are 64-bit (else the program is a 32-bit one).
    pub(crate) fn is_64bit(&self) -> bool {
        self.bits64
    }

    /// A register's value (in a 32-bit program: its low 32 bits, zero-extended).
    #[inline]
    pub fn reg(&self, reg: Reg) -> u64 {
        let value = self.cpu.regs[reg.index()];
        if self.bits64 {
            value
        } else {
            value & 0xFFFF_FFFF
        }
    }

    /// Sets a register (in a 32-bit program: to the low 32 bits of `value`).
    #[inline]
    pub fn set_reg(&mut self, reg: Reg, value: u64) {
        // A 32-bit program's registers hold sign-extended values, as in PolkaVM's
        // interpreter; the 32-bit instructions compute on them unchanged.
        self.cpu.regs[reg.index()] = if self.bits64 { value } else { isa::ops::sext32(value) };
    }

    /// All thirteen registers (as [`Instance::reg`] returns them).
    pub fn regs(&self) -> [u64; 13] {
        Reg::ALL.map(|reg| self.reg(reg))
    }

    /// Remaining gas.
    #[inline]
    pub fn gas(&self) -> i64 {
        self.cpu.gas
    }

    /// Sets the remaining gas.
    #[inline]
    pub fn set_gas(&mut self, gas: i64) {
        self.cpu.gas = gas;
    }

    /// Code offset of the instruction that caused the last exit (or the next start offset).
    pub fn pc(&self) -> u32 {
        match self.entry.get() {
            Start::Fresh(pc) => pc,
            Start::Resume(_) | Start::Retry(_) => self.cpu.pc,
        }
    }

    /// Makes the next [`Instance::run`] start at `pc`, charging its block's gas.
    pub fn set_next_pc(&mut self, pc: u32) {
        self.entry = Entry::fresh(pc);
    }

    /// Guest memory (host view: map pages, inspect the heap).
    pub fn memory(&self) -> &Memory {
        &self.memory
    }

    /// Mutable guest memory.
    pub fn memory_mut(&mut self) -> &mut Memory {
        &mut self.memory
    }

    /// Reads guest memory with guest read rules.
    pub fn read_memory(&self, address: u32, out: &mut [u8]) -> Result<(), Fault> {
        self.memory.read(address, out)
    }

    /// Writes guest memory with guest write rules (nothing is written on failure).
    pub fn write_memory(&mut self, address: u32, data: &[u8]) -> Result<(), Fault> {
        self.memory.write(address, data)
    }

    /// Maps `[address, address + len)` with the given access (page granular).
    pub fn map(&mut self, address: u32, len: u32, access: Access) {
        self.memory.set_access(address, len, access);
    }

    /// The instance's run state, borrowed apart (for the compiled run loop and host calls).
    pub(crate) fn parts(&mut self) -> Parts<'_> {
        Parts { cpu: &mut self.cpu, memory: &mut self.memory, entry: &mut self.entry }
    }

    /// Runs until the program exits, serving host calls with `handler` from inside compiled
    /// code where it can (not in crosscheck mode, whose shadow interpreter stops at each
    /// host call); elsewhere host calls are exits, as in [`Instance::run`].
    pub(crate) fn run_linked<H: HostHandler>(&mut self, handler: &mut H) -> Result<ExitReason, HostStop> {
        if self.module.inner.compiled.is_some() && self.shadow.is_none() {
            jit::run::run_instance(self, Some(handler)).map(exit_reason)
        } else {
            Ok(self.run())
        }
    }

    /// Runs until the program exits. With crosscheck on (debug builds), the interpreter runs
    /// the same step on a copy of the state and any difference panics.
    pub fn run(&mut self) -> ExitReason {
        if let Some(shadow) = &mut self.shadow {
            shadow.prepare(&self.cpu, &self.memory, self.entry);
        }
        let stop = if self.module.inner.compiled.is_some() {
            match jit::run::run_instance::<NoHost>(self, None) {
                Ok(stop) => stop,
                Err(_) => unreachable!("a run without a handler has no host stops"),
            }
        } else {
            backend::run_interpreted(&self.module.inner, &mut self.cpu, &mut self.memory, &mut self.entry)
        };
        if let Some(shadow) = &mut self.shadow {
            shadow.check(&self.module.inner, stop, &self.cpu, &self.memory);
        }
        exit_reason(stop)
    }
}

/// The instance's run state (see [`Instance::parts`]).
pub(crate) struct Parts<'a> {
    /// Registers, gas and pc.
    pub cpu: &'a mut Cpu,
    /// Guest memory.
    pub memory: &'a mut Memory,
    /// Where the next run starts.
    pub entry: &'a mut Entry,
}

/// The public form of a stop.
fn exit_reason(stop: Stop) -> ExitReason {
    match stop {
        Stop::Halt => ExitReason::Halt,
        Stop::Panic => ExitReason::Panic,
        Stop::OutOfGas => ExitReason::OutOfGas,
        Stop::PageFault(page) => ExitReason::PageFault(page),
        Stop::HostCall(n) => ExitReason::HostCall(n),
        Stop::Step => ExitReason::Step,
        Stop::Budget => unreachable!("the dispatcher resumes after its budget runs out"),
    }
}
