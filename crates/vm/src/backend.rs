//! Where a run starts (a fresh start at a code offset, which charges the containing block,
//! or a resumption), and running the interpreter from there (compiled code is run by
//! [`crate::jit::run::run_instance`]).

use crate::config::Dispatch;
use crate::interp::{self, Cpu, Stop};
use crate::memory::Memory;
use crate::module::ModuleInner;

/// Where the next run starts, packed in one word so that the host-call dispatcher's "is the
/// instance still where the code left it" ([`Entry::LINKED`]) is one comparison: a
/// resumption's op index or native address as it is (both below 2^62), a fresh start's code
/// offset with the top bit set, a retry's with the next one.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry(u64);

/// An [`Entry`] unpacked.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Start {
    /// A new start at a code offset: charges the containing block's gas.
    Fresh(u32),
    /// Continue without charging (after a host call, fault or step): at an op index for the
    /// interpreter, at a native code address for compiled code.
    Resume(usize),
    /// Continue at a code offset without charging its block (compiled code: the retry of an
    /// access that faulted in a block that pays for its successor, which charges the
    /// successor's cost again, see `jit::emit::merge`).
    Retry(u32),
}

impl Entry {
    /// The bit that marks a fresh start.
    const FRESH: u64 = 1 << 63;
    /// The bit that marks a retry.
    const RETRY: u64 = 1 << 62;

    /// A compiled instance that runs, or ran, with its host calls served from inside the
    /// code (`jit::host`): it resumes at the context's resumption address, which the last
    /// host call stored (the run ended in a host function's failure or panic, or a host
    /// function is running). Only `jit::run` sets it, before entering the code with a
    /// handler, and it reads it (when a run starts); anything else that moves the instance
    /// replaces it, which is how the dispatcher notices with one comparison. It reads as a
    /// resumption (so [`crate::Instance::pc`] is the `Cpu`'s); zero is no native address.
    pub(crate) const LINKED: Entry = Entry(0);

    /// A new start at code offset `pc`.
    pub(crate) const fn fresh(pc: u32) -> Entry {
        Entry(Entry::FRESH | pc as u64)
    }

    /// A retry at code offset `pc`.
    pub(crate) const fn retry(pc: u32) -> Entry {
        Entry(Entry::RETRY | pc as u64)
    }

    /// A resumption at `at` (an op index or a user-space code address, so below 2^62).
    pub(crate) fn resume(at: usize) -> Entry {
        debug_assert!(at as u64 >> 62 == 0, "resumption point {at:#x} out of range");
        Entry(at as u64)
    }

    /// The entry unpacked.
    pub(crate) fn get(self) -> Start {
        if self.0 & Entry::FRESH != 0 {
            Start::Fresh(self.0 as u32)
        } else if self.0 & Entry::RETRY != 0 {
            Start::Retry(self.0 as u32)
        } else {
            Start::Resume(self.0 as usize)
        }
    }
}

/// Runs the interpreter from `entry` until it stops; `entry` becomes the resumption point.
pub(crate) fn run_interpreted(
    inner: &ModuleInner,
    cpu: &mut Cpu,
    memory: &mut Memory,
    entry: &mut Entry,
) -> Stop {
    let program = inner.interpreter();
    let ip = match entry.get() {
        Start::Resume(ip) => ip,
        Start::Retry(pc) => {
            cpu.pc = pc;
            let Some(index) = program.op_at(pc) else {
                return Stop::Panic;
            };
            index
        }
        Start::Fresh(pc) => {
            cpu.pc = pc;
            let Some(index) = program.op_at(pc) else {
                return Stop::Panic;
            };
            let block = program.block_of(index);
            if block + 1 == index {
                block
            } else {
                // Starting inside a block charges the whole block, as PolkaVM does.
                let cost = i64::from(program.ops[block].x);
                if cpu.gas < cost {
                    return Stop::OutOfGas;
                }
                cpu.gas -= cost;
                index
            }
        }
    };
    cpu.ip = ip;
    let config = inner.engine.config();
    let stop = match (config.dispatch, config.step) {
        (Dispatch::Threaded, false) => interp::threaded::run::<false>(cpu, program, memory),
        (Dispatch::Threaded, true) => interp::threaded::run::<true>(cpu, program, memory),
        (Dispatch::Switch, false) => interp::switch::run::<false>(cpu, program, memory),
        (Dispatch::Switch, true) => interp::switch::run::<true>(cpu, program, memory),
    };
    *entry = Entry::resume(cpu.ip);
    stop
}

#[cfg(test)]
mod tests {
    use super::{Entry, Start};

    #[test]
    fn entries_unpack_to_what_was_packed() {
        for pc in [0, 1, 0x7fff_ffff, u32::MAX] {
            assert_eq!(Entry::fresh(pc).get(), Start::Fresh(pc));
            assert_ne!(Entry::fresh(pc), Entry::resume(pc as usize));
        }
        for pc in [0, 1, 0x7fff_ffff, u32::MAX] {
            assert_eq!(Entry::retry(pc).get(), Start::Retry(pc));
            assert_ne!(Entry::retry(pc), Entry::fresh(pc));
            assert_ne!(Entry::retry(pc), Entry::resume(pc as usize));
        }
        for at in [0, 1, u32::MAX as usize, 0x7fff_ffff_f000, (1 << 62) - 1] {
            assert_eq!(Entry::resume(at).get(), Start::Resume(at));
        }
    }
}
