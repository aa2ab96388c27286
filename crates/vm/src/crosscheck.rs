//! Crosscheck mode ([`crate::Config::set_crosscheck`], debug builds): a compiled instance
//! carries a shadow interpreter state. Before each run the shadow takes the instance's
//! registers, gas and memory (which the host may have changed since the last run); both
//! run; then exit, pc, registers, gas, heap and every accessible page must be identical, or
//! the run panics with what differs. Runs that stop for the same reasons at the same points
//! keep the two in lock-step, exit by exit.

use crate::backend::{self, Entry, Start};
use crate::error::Error;
use crate::interp::{Cpu, Stop};
use crate::memory::Memory;
use crate::module::{Module, ModuleInner};

/// The interpreter's copy of a compiled instance's state.
pub(crate) struct Shadow {
    cpu: Cpu,
    memory: Memory,
    entry: Entry,
}

impl Shadow {
    /// A shadow for instances of `module` if it is compiled with crosscheck on (it then also
    /// carries the interpreter's form).
    pub(crate) fn for_module(module: &Module) -> Result<Option<Shadow>, Error> {
        let inner = &module.inner;
        if inner.compiled.is_none() || inner.program.is_none() {
            return Ok(None);
        }
        Ok(Some(Shadow { cpu: Cpu::new(), memory: Memory::new()?, entry: Entry::fresh(0) }))
    }

    /// Takes the instance's state before a run (`entry` is the instance's; a fresh start is
    /// copied, a resumption continues from the shadow's own last stop).
    pub(crate) fn prepare(&mut self, cpu: &Cpu, memory: &Memory, entry: Entry) {
        self.cpu.regs[..13].copy_from_slice(&cpu.regs[..13]);
        self.cpu.gas = cpu.gas;
        self.cpu.pc = cpu.pc;
        if let Start::Fresh(_) = entry.get() {
            self.entry = entry;
        }
        self.memory.reset();
        self.memory.set_heap(memory.heap());
        let mut page = [0u8; 4096];
        for (address, access) in memory.accessible_pages() {
            self.memory.set_access(address, 4096, access);
            memory.read(address, &mut page).expect("accessible pages are readable");
            self.memory.write_initial(address, &page).expect("the page was just mapped");
        }
    }

    /// Runs the shadow and panics unless it ends like the instance did (`stop`, `cpu`,
    /// `memory` after its run).
    pub(crate) fn check(&mut self, inner: &ModuleInner, stop: Stop, cpu: &Cpu, memory: &Memory) {
        let expected = backend::run_interpreted(inner, &mut self.cpu, &mut self.memory, &mut self.entry);
        let mut differences = Vec::new();
        if (expected, self.cpu.pc) != (stop, cpu.pc) {
            differences.push(format!(
                "exit: interpreter {expected:?} at pc {}, compiler {stop:?} at pc {}",
                self.cpu.pc, cpu.pc
            ));
        }
        if self.cpu.gas != cpu.gas {
            differences.push(format!("gas: interpreter {}, compiler {}", self.cpu.gas, cpu.gas));
        }
        for i in 0..13 {
            if self.cpu.regs[i] != cpu.regs[i] {
                differences
                    .push(format!("r{i}: interpreter {:#x}, compiler {:#x}", self.cpu.regs[i], cpu.regs[i]));
            }
        }
        if self.memory.heap() != memory.heap() {
            differences.push(format!(
                "heap: interpreter {:?}, compiler {:?}",
                self.memory.heap(),
                memory.heap()
            ));
        }
        let pages: Vec<_> = memory.accessible_pages().collect();
        if pages != self.memory.accessible_pages().collect::<Vec<_>>() {
            differences.push("accessible pages differ".into());
        } else {
            let (mut a, mut b) = ([0u8; 4096], [0u8; 4096]);
            for (address, _) in pages {
                memory.read(address, &mut a).expect("accessible");
                self.memory.read(address, &mut b).expect("accessible");
                if a != b {
                    differences.push(format!("memory differs in page {address:#x}"));
                }
            }
        }
        assert!(
            differences.is_empty(),
            "crosscheck: compiler and interpreter differ:\n{}",
            differences.join("\n")
        );
    }
}
