//! Where a run starts (a fresh start at a code offset, which charges the containing block,
//! or a resumption), and running the interpreter from there (compiled code is run by
//! [`crate::jit::run::run_instance`]).

use crate::config::Dispatch;
use crate::interp::{self, Cpu, Stop};
use crate::memory::Memory;
use crate::module::ModuleInner;

/// Where the next run starts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A new start at a code offset: charges the containing block's gas.
    Fresh(u32),
    /// Continue without charging (after a host call, fault or step): at an op index for the
    /// interpreter, at a native code address for compiled code.
    Resume(usize),
}

/// Runs the interpreter from `entry` until it stops; `entry` becomes the resumption point.
pub(crate) fn run_interpreted(
    inner: &ModuleInner,
    cpu: &mut Cpu,
    memory: &mut Memory,
    entry: &mut Entry,
) -> Stop {
    let program = inner.program.as_ref().expect("an interpreted module");
    let ip = match *entry {
        Entry::Resume(ip) => ip,
        Entry::Fresh(pc) => {
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
    *entry = Entry::Resume(cpu.ip);
    stop
}
