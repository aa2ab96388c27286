//! Runs one vector on a backend and lists every difference from its expectations.

use std::collections::BTreeMap;

use isa::blob::CodeBlob;
use isa::{InstructionSet, Reg};
use vm::{Access, Backend, Config, Engine, ExitReason, Instance, Module, ProgramImage};

use crate::vector::{Expectation, PageMapEntry, Vector};

/// Why a vector failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Vector name.
    pub name: String,
    /// What differed, one item per difference.
    pub differences: Vec<String>,
}

fn status_name(exit: ExitReason) -> &'static str {
    match exit {
        ExitReason::Halt => "halt",
        ExitReason::Panic => "panic",
        ExitReason::OutOfGas => "out-of-gas",
        ExitReason::PageFault(_) => "page-fault",
        ExitReason::HostCall(_) => "host-call",
        ExitReason::Step => "step",
    }
}

/// Runs until an exit other than `Step` (step mode must not change any outcome).
fn run(instance: &mut Instance) -> ExitReason {
    loop {
        let exit = instance.run();
        if exit != ExitReason::Step {
            return exit;
        }
    }
}

fn map(instance: &mut Instance, entries: &[PageMapEntry]) {
    for entry in entries {
        let access = if entry.is_writable { Access::ReadWrite } else { Access::Read };
        instance.map(entry.address, entry.length, access);
    }
}

/// Runs `vector` on `backend` with the default configuration. `Ok(())` if every expectation holds.
pub fn run_vector(vector: &Vector, backend: Backend) -> Result<(), Failure> {
    let mut config = Config::new();
    config.set_backend(backend);
    run_vector_with(vector, &config)
}

/// Runs `vector` with an explicit engine configuration.
pub fn run_vector_with(vector: &Vector, config: &Config) -> Result<(), Failure> {
    let fail = |differences: Vec<String>| Failure { name: vector.name.clone(), differences };
    let set = match vector.isa.as_deref() {
        None => InstructionSet::Gp072,
        Some(name) => {
            InstructionSet::from_name(name).ok_or_else(|| fail(vec![format!("unknown isa `{name}`")]))?
        }
    };
    let code = CodeBlob::parse(&vector.program);
    if let Some(expected) = &vector.expected_error {
        return match code {
            Err(err) if err.to_string().contains(expected.as_str()) => Ok(()),
            Err(err) => Err(fail(vec![format!("error `{err}` does not mention `{expected}`")])),
            Ok(_) => Err(fail(vec![format!("program was accepted; expected an error about `{expected}`")])),
        };
    }
    let code = code.map_err(|err| fail(vec![format!("program rejected: {err}")]))?;
    let engine = Engine::new(config).map_err(|err| fail(vec![err.to_string()]))?;
    let module =
        Module::new(&engine, ProgramImage::bare(set, code)).map_err(|err| fail(vec![err.to_string()]))?;
    if config.backend == Backend::Compiler && !module.is_compiled() {
        return Err(fail(vec!["the compiler backend was asked for but the module is interpreted".into()]));
    }
    let mut instance = Instance::new(&module).map_err(|err| fail(vec![err.to_string()]))?;

    map(&mut instance, &vector.page_map);
    for chunk in &vector.memory {
        if instance.memory_mut().write_initial(chunk.address, &chunk.contents).is_err() {
            return Err(fail(vec![format!("initial memory at {:#x} is not mapped", chunk.address)]));
        }
    }
    for (i, &value) in vector.regs.iter().enumerate().take(13) {
        instance.set_reg(Reg::ALL[i], value);
    }
    instance.set_gas(vector.gas);
    instance.set_next_pc(vector.pc);

    let Some(first) = &vector.expect else {
        return Err(fail(vec!["vector has neither expectations nor expected-error".into()]));
    };
    let mut differences = Vec::new();
    let exit = run(&mut instance);
    check(&instance, exit, first, "", &mut differences);
    for (i, step) in vector.steps.iter().enumerate() {
        for &(index, value) in &step.set_regs {
            if let Some(&reg) = Reg::ALL.get(index) {
                instance.set_reg(reg, value);
            }
        }
        if let Some(gas) = step.set_gas {
            instance.set_gas(gas);
        }
        map(&mut instance, &step.map);
        let exit = run(&mut instance);
        check(&instance, exit, &step.expect, &format!("step {}: ", i + 1), &mut differences);
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(fail(differences))
    }
}

fn check(instance: &Instance, exit: ExitReason, expect: &Expectation, prefix: &str, out: &mut Vec<String>) {
    if status_name(exit) != expect.status {
        out.push(format!("{prefix}status: expected {}, got {}", expect.status, status_name(exit)));
    }
    if let (Some(expected), ExitReason::PageFault(got)) = (expect.page_fault_address, exit) {
        if expected != got {
            out.push(format!("{prefix}page fault address: expected {expected:#x}, got {got:#x}"));
        }
    }
    if let (Some(expected), ExitReason::HostCall(got)) = (expect.hostcall, exit) {
        if expected != got {
            out.push(format!("{prefix}host call: expected {expected}, got {got}"));
        }
    }
    if instance.pc() != expect.pc {
        out.push(format!("{prefix}pc: expected {}, got {}", expect.pc, instance.pc()));
    }
    if instance.gas() != expect.gas {
        out.push(format!("{prefix}gas: expected {}, got {}", expect.gas, instance.gas()));
    }
    let regs = instance.regs();
    for (i, (&want, &got)) in expect.regs.iter().zip(regs.iter()).enumerate() {
        if want != got {
            out.push(format!("{prefix}{}: expected {want:#x}, got {got:#x}", Reg::ALL[i]));
        }
    }
    check_memory(instance, expect, prefix, out);
}

fn check_memory(instance: &Instance, expect: &Expectation, prefix: &str, out: &mut Vec<String>) {
    let mut expected: BTreeMap<u32, u8> = BTreeMap::new();
    for chunk in &expect.memory {
        for (i, &byte) in chunk.contents.iter().enumerate() {
            expected.insert(chunk.address.wrapping_add(i as u32), byte);
        }
    }
    let mut page = vec![0u8; vm::memory::PAGE_SIZE as usize];
    let mut reported = 0;
    let pages: Vec<u32> = instance.memory().accessible_pages().map(|(address, _)| address).collect();
    for address in &pages {
        if instance.read_memory(*address, &mut page).is_err() {
            continue;
        }
        for (i, &got) in page.iter().enumerate() {
            let at = address + i as u32;
            let want = expected.remove(&at).unwrap_or(0);
            if want != got && reported < 8 {
                out.push(format!("{prefix}memory[{at:#x}]: expected {want:#04x}, got {got:#04x}"));
                reported += 1;
            }
        }
    }
    for (at, want) in expected {
        if want != 0 && reported < 8 {
            out.push(format!(
                "{prefix}memory[{at:#x}]: expected {want:#04x}, but the page is not accessible"
            ));
            reported += 1;
        }
    }
}
