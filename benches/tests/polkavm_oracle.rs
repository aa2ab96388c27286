//! PolkaVM 0.37 as an oracle for the semantic decisions: every test vector that needs no
//! memory map (the JAM vectors and Gannet's own, including multi-step ones with host calls and
//! out-of-gas resumes) is run on PolkaVM's interpreter, and its outcome must equal the vector's
//! expectation, which Gannet's conformance suite already holds Gannet to.

use conformance::vector::{Expectation, PageMapEntry, Vector};
use polkavm::{BackendKind, GasMeteringKind, InterruptKind, ProgramCounter, Reg};

const REGS: [Reg; 13] = [
    Reg::RA,
    Reg::SP,
    Reg::T0,
    Reg::T1,
    Reg::T2,
    Reg::S0,
    Reg::S1,
    Reg::A0,
    Reg::A1,
    Reg::A2,
    Reg::A3,
    Reg::A4,
    Reg::A5,
];

/// Wraps a GP code blob in a version-0 (ReviveV1) container: for programs without `sbrk` the
/// numbering is the same.
fn container(program: &[u8]) -> Option<Vec<u8>> {
    let code = isa::blob::CodeBlob::parse(program).ok()?;
    let blob = isa::blob::ProgramBlob {
        version: 0,
        isa: isa::InstructionSet::ReviveV1,
        ro_data_size: 0,
        rw_data_size: 0,
        stack_size: 0,
        ro_data: vec![],
        rw_data: vec![],
        imports: vec![],
        exports: vec![],
        code,
        extra_sections: vec![],
    };
    Some(blob.to_bytes())
}

fn status(kind: &InterruptKind) -> String {
    match kind {
        // Gannet panics on writes to read-only pages (docs/semantics.md), as PolkaVM does
        // without dynamic paging; with dynamic paging (needed here for arbitrary page maps)
        // PolkaVM reports the same event as a segfault flagged `is_write_protected`.
        InterruptKind::Segfault(fault) if fault.is_write_protected => "panic".into(),
        InterruptKind::Finished => "halt".into(),
        InterruptKind::Trap => "panic".into(),
        InterruptKind::Ecalli(_) => "host-call".into(),
        InterruptKind::NotEnoughGas => "out-of-gas".into(),
        InterruptKind::Segfault(_) => "page-fault".into(),
        InterruptKind::Step => "step".into(),
    }
}

/// Makes the page-map entries accessible (zeroed, writable for now) and records them. Entries
/// below 0x10000 are skipped: that range is never accessible (both VMs panic there).
fn map(instance: &mut polkavm::RawInstance, entries: &[PageMapEntry], regions: &mut Vec<(u32, u32)>) {
    for entry in entries.iter().filter(|e| e.address >= 0x10000) {
        instance
            .zero_memory_with_memory_protection(
                entry.address,
                entry.length,
                polkavm::MemoryProtection::ReadWrite,
            )
            .expect("map pages");
        regions.push((entry.address, entry.length));
    }
}

/// Write-protects the read-only entries.
fn protect(instance: &mut polkavm::RawInstance, entries: &[PageMapEntry]) {
    for entry in entries.iter().filter(|e| !e.is_writable && e.address >= 0x10000) {
        instance.protect_memory(entry.address, entry.length).expect("protect pages");
    }
}

fn compare(
    instance: &mut polkavm::RawInstance,
    kind: &InterruptKind,
    expect: &Expectation,
    regions: &[(u32, u32)],
) -> Vec<String> {
    let mut out = Vec::new();
    if let (InterruptKind::Segfault(fault), Some(want)) = (kind, expect.page_fault_address) {
        if fault.page_address != want {
            out.push(format!("fault page {:#x} (expected {want:#x})", fault.page_address));
        }
    }
    let mut expected = std::collections::BTreeMap::new();
    for chunk in &expect.memory {
        for (i, &byte) in chunk.contents.iter().enumerate() {
            expected.insert(chunk.address + i as u32, byte);
        }
    }
    for &(address, length) in regions {
        let bytes = instance.read_memory(address, length).expect("read mapped memory");
        for (i, &got) in bytes.iter().enumerate() {
            let at = address + i as u32;
            let want = expected.get(&at).copied().unwrap_or(0);
            if got != want {
                out.push(format!("memory[{at:#x}] {got:#04x} (expected {want:#04x})"));
                break;
            }
        }
    }
    if status(kind) != expect.status {
        out.push(format!("status {} (expected {})", status(kind), expect.status));
    }
    if let (InterruptKind::Ecalli(n), Some(want)) = (kind, expect.hostcall) {
        if *n != want {
            out.push(format!("host call {n} (expected {want})"));
        }
    }
    if !matches!(kind, InterruptKind::Finished) {
        let pc = instance.program_counter().map(|pc| pc.0);
        if pc != Some(expect.pc) {
            out.push(format!("pc {pc:?} (expected {})", expect.pc));
        }
    }
    if instance.gas() != expect.gas {
        out.push(format!("gas {} (expected {})", instance.gas(), expect.gas));
    }
    for (i, reg) in REGS.iter().enumerate() {
        if instance.reg(*reg) != expect.regs[i] {
            out.push(format!("{reg:?} {:#x} (expected {:#x})", instance.reg(*reg), expect.regs[i]));
        }
    }
    out
}

/// Runs `vector` on PolkaVM; `None` if it is out of scope (needs memory, a heap or a map step).
fn run(engine: &polkavm::Engine, vector: &Vector) -> Option<Vec<String>> {
    let expect = vector.expect.as_ref()?;
    let in_scope = vector.expected_error.is_none()
        && matches!(vector.isa.as_deref(), None | Some("gp072") | Some("revive"))
        && !vector.name.contains("sbrk");
    if !in_scope {
        return None;
    }
    let mut config = polkavm::ModuleConfig::new();
    config.set_gas_metering(Some(GasMeteringKind::Sync));
    // Faults on unmapped pages are page faults (as in the JAM vectors), not traps.
    config.set_dynamic_paging(true);
    let module = match polkavm::Module::new(engine, &config, container(&vector.program)?.into()) {
        Ok(module) => module,
        Err(err) => panic!("{}: PolkaVM rejected the module: {err}", vector.name),
    };
    let mut instance = module.instantiate().expect("instantiate");
    let mut regions = Vec::new();
    map(&mut instance, &vector.page_map, &mut regions);
    for chunk in &vector.memory {
        instance.write_memory(chunk.address, &chunk.contents).expect("initial memory");
    }
    protect(&mut instance, &vector.page_map);
    for (reg, &value) in REGS.iter().zip(&vector.regs) {
        instance.set_reg(*reg, value);
    }
    instance.set_gas(vector.gas);
    instance.set_next_program_counter(ProgramCounter(vector.pc));
    let kind = instance.run().expect("polkavm run");
    let mut differences = compare(&mut instance, &kind, expect, &regions);
    for (i, step) in vector.steps.iter().enumerate() {
        for &(index, value) in &step.set_regs {
            instance.set_reg(REGS[index], value);
        }
        if let Some(gas) = step.set_gas {
            instance.set_gas(gas);
        }
        map(&mut instance, &step.map, &mut regions);
        protect(&mut instance, &step.map);
        let kind = instance.run().expect("polkavm run");
        let step_differences = compare(&mut instance, &kind, &step.expect, &regions);
        differences.extend(step_differences.into_iter().map(|d| format!("step {}: {d}", i + 1)));
    }
    Some(differences)
}

#[test]
fn polkavm_agrees_with_the_vectors() {
    let mut dirs = vec![conformance::own_vectors_dir()];
    if let Some(corpora) = testkit::corpora() {
        dirs.push(corpora.join("jam-pvm/pvm/programs"));
    }
    let mut engine_config = polkavm::Config::new();
    engine_config.set_backend(Some(BackendKind::Interpreter));
    engine_config.set_allow_dynamic_paging(true);
    let engine = polkavm::Engine::new(&engine_config).expect("engine");
    let (mut checked, mut failures) = (0, Vec::new());
    for dir in dirs {
        for vector in conformance::load_dir(&dir).expect("vectors load") {
            if let Some(differences) = run(&engine, &vector) {
                checked += 1;
                if !differences.is_empty() {
                    failures.push(format!("{}: {}", vector.name, differences.join("; ")));
                }
            }
        }
    }
    // Known, documented divergences (docs/semantics.md, "Where Gannet and PolkaVM differ"):
    // 1. the JAM vector expects a trailing `fallthrough` to continue into the implicit trap at
    //    the end of the code (pc 1, 2 gas); PolkaVM 0.37 traps at the `fallthrough` itself.
    //    Gannet follows the vector.
    // 2. a store from a read-only page into an unmapped one: Gannet classifies by the lowest
    //    inaccessible byte (read-only, so panic); PolkaVM's dynamic paging reports the unmapped
    //    page first (a fault the host could serve, after which the retry hits the read-only page).
    let known = [
        "inst_fallthrough: pc Some(0) (expected 1); gas 9999 (expected 9998)",
        "mem_store_straddle_read_only_into_unmapped_panics: status page-fault (expected panic)",
    ];
    let before = failures.len();
    failures.retain(|f| !known.contains(&f.as_str()));
    assert!(before - failures.len() <= known.len());
    for failure in &failures {
        eprintln!("PolkaVM disagrees: {failure}");
    }
    eprintln!("{checked} vectors checked on PolkaVM, {} disagreements", failures.len());
    assert!(checked > 100, "too few vectors in scope: {checked}");
    assert!(failures.is_empty(), "{} of {checked} vectors disagree with PolkaVM", failures.len());
}
