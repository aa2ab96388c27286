//! Hostile conditions for compiled code: faults on many threads at once, tiny native stacks,
//! nested runs from host functions, jump-table entries into the middle of instructions, and
//! blobs built to make a compiler slow or huge (which must compile to code linear in size).

use std::sync::Arc;

use gannet_vm::{
    Access, Backend, Caller, Config, Engine, ExitReason, Imports, Instance, Module, ProgramImage, Reg,
};
use isa::blob::CodeBlob;
use isa::InstructionSet;

fn compiler() -> Option<Engine> {
    if !gannet_vm::jit::is_supported() {
        eprintln!("the compiler is not supported on this machine; skipping");
        return None;
    }
    let mut config = Config::new();
    config.set_backend(Backend::Compiler);
    Some(Engine::new(&config).unwrap())
}

fn module(engine: &Engine, text: &str) -> Module {
    let (set, code) = isa::text::assemble_code(&format!(".isa gp072\n{text}")).unwrap();
    let module = Module::new(engine, ProgramImage::bare(set, code)).unwrap();
    assert!(module.is_compiled());
    module
}

/// A program that faults in four ways, resumed by the host each time: a page fault (mapped
/// and retried), a write to a read-only page (panic), an access below 0x10000 (panic).
const FAULTS: &str = "
    load_imm a0, 0x40000
    store_indirect_u64 a1, a0, 8      ; page fault, then retried after mapping
    load_indirect_u64 a2, a0, 8
    load_imm a3, 0x70000
    store_indirect_u32 a2, a3, 0      ; read-only page: panic
    trap";

/// Runs [`FAULTS`] once on a fresh instance and checks every exit.
fn run_faults(module: &Module, seed: u64) {
    let mut instance = Instance::new(module).unwrap();
    instance.map(0x70000, 4096, Access::Read);
    instance.set_reg(Reg::A1, seed);
    instance.set_gas(1000);
    assert_eq!(instance.run(), ExitReason::PageFault(0x40000));
    instance.map(0x40000, 4096, Access::ReadWrite);
    assert_eq!(instance.run(), ExitReason::Panic);
    assert_eq!(instance.reg(Reg::A2), seed);
    assert_eq!(instance.pc(), 16);
}

#[test]
fn faults_on_many_threads_at_once() {
    let Some(engine) = compiler() else { return };
    let module = Arc::new(module(&engine, FAULTS));
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let module = Arc::clone(&module);
            std::thread::spawn(move || {
                for i in 0..200 {
                    run_faults(&module, t * 1000 + i);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("no thread crashed");
    }
}

#[test]
fn compiled_code_runs_on_a_tiny_native_stack() {
    let Some(engine) = compiler() else { return };
    let module = module(&engine, FAULTS);
    std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            for i in 0..50 {
                run_faults(&module, i);
            }
        })
        .unwrap()
        .join()
        .expect("the run fits a 64 KiB stack");
}

/// A full program (imports, exports, memory map) from assembly text.
fn program(engine: &Engine, text: &str) -> Module {
    let blob = isa::text::assemble(&format!(".isa revive\n.stack_size 4096\n{text}")).unwrap();
    let module = Module::new(engine, ProgramImage::from_polkavm(&blob).unwrap()).unwrap();
    assert!(module.is_compiled());
    module
}

#[test]
fn host_functions_can_run_other_instances() {
    let Some(engine) = compiler() else { return };
    let inner = program(
        &engine,
        ".export \"f\" @f\nf: add_imm_64 a0, a0, 1\nload_u64 a1, 0x50000\njump_indirect ra, 0",
    );
    let outer = program(
        &engine,
        ".import \"nested\"\n.export \"g\" @g\ng: ecalli 0\nadd_imm_64 a0, a0, 100\njump_indirect ra, 0",
    );
    let mut imports = Imports::<Module>::new();
    imports.func("nested", |caller: &mut Caller<'_, Module>, x: u64| -> u64 {
        // The inner run faults (unmapped page) and is resumed; the outer run must not notice.
        let mut instance = Instance::new(caller.data).unwrap();
        instance.set_gas(1000);
        let out = instance.call(&Imports::new(), &mut (), "f", &[x]).unwrap();
        assert_eq!(out.exit, ExitReason::PageFault(0x50000));
        instance.map(0x50000, 4096, Access::Read);
        assert_eq!(instance.run(), ExitReason::Halt);
        instance.reg(Reg::A0) * 2
    });
    let mut instance = Instance::new(&outer).unwrap();
    instance.set_gas(1000);
    let mut data = inner;
    let out = instance.call(&imports, &mut data, "g", &[20]).unwrap();
    assert_eq!((out.exit, out.a0), (ExitReason::Halt, 142));
}

#[test]
fn jump_table_entries_inside_instructions_panic() {
    let Some(engine) = compiler() else { return };
    // Entry 0 points into the middle of the `load_imm64` (offset 1), entry 1 at the trap.
    let (set, mut code) = isa::text::assemble_code(
        ".isa gp072\n.jump_table @0 @0\njump_indirect a0, 0\nload_imm64 a1, 0x1122334455667788\ntrap",
    )
    .unwrap();
    code.jump_table = vec![4, 13];
    for (address, exit) in
        [(2u64, ExitReason::Panic), (4, ExitReason::Panic), (0xFFFF_0000, ExitReason::Halt)]
    {
        for backend in [Backend::Interpreter, Backend::Compiler] {
            let mut config = Config::new();
            config.set_backend(backend);
            let engine =
                if backend == Backend::Compiler { engine.clone() } else { Engine::new(&config).unwrap() };
            let module = Module::new(&engine, ProgramImage::bare(set, code.clone())).unwrap();
            let mut instance = Instance::new(&module).unwrap();
            instance.set_reg(Reg::A0, address);
            instance.set_gas(100);
            assert_eq!((instance.run(), instance.pc()), (exit, 0), "{backend:?} jumping to {address:#x}");
        }
    }
}

/// Compiles `code` and returns native bytes per code byte.
fn native_per_byte(engine: &Engine, (set, code): (InstructionSet, CodeBlob)) -> f64 {
    let len = code.code.len();
    let module = Module::new(engine, ProgramImage::bare(set, code)).unwrap();
    module.compiled_len() as f64 / len as f64
}

#[test]
fn adversarial_blobs_compile_to_linear_size() {
    let Some(engine) = compiler() else { return };
    let blob = |text: String| isa::text::assemble_code(&format!(".isa latest64\n{text}")).unwrap();
    // Every instruction a branch to the same far block.
    let mut branches = String::new();
    for i in 0..20_000 {
        branches.push_str(&format!("branch_eq a{}, a{}, @far\n", i % 6, (i + 1) % 6));
    }
    branches.push_str("far: trap\n");
    // Every instruction its own basic block.
    let fallthroughs = "fallthrough\n".repeat(100_000);
    // Ecalli and memset (host exits) everywhere.
    let exits = "ecalli 1\nmemset\n".repeat(20_000) + "trap\n";
    // Division, the longest single-instruction sequence.
    let divisions = "rem_signed_64 a0, a1, a2\ndiv_signed_32 a2, a0, a1\n".repeat(20_000) + "trap\n";
    for (name, code) in [
        ("branches", blob(branches)),
        ("fallthroughs", blob(fallthroughs)),
        ("exits", blob(exits)),
        ("divisions", blob(divisions)),
    ] {
        let ratio = native_per_byte(&engine, code);
        // The largest sequence for one instruction is a few dozen bytes, and every instruction
        // is at least one code byte; a block adds its gas charge and a 10-byte stub.
        assert!(ratio < 80.0, "{name}: {ratio:.1} native bytes per code byte");
    }
    // A huge jump table costs one native entry (8 bytes) per table entry, per instance.
    let (_, mut code) = blob("jump_indirect a0, 0\ntrap".into());
    code.jump_table = (0..1_000_000).map(|i| if i % 2 == 0 { 4 } else { 3 }).collect();
    let module = Module::new(&engine, ProgramImage::bare(InstructionSet::Latest64, code)).unwrap();
    let mut instance = Instance::new(&module).unwrap();
    instance.set_reg(Reg::A0, 2 * 999_999 + 2);
    instance.set_gas(10);
    assert_eq!(instance.run(), ExitReason::Panic);
    instance.set_reg(Reg::A0, 2 * 999_998 + 2);
    instance.set_next_pc(0);
    assert_eq!(instance.run(), ExitReason::Panic);
}

#[test]
fn reused_code_memory_runs_the_new_code() {
    let Some(engine) = compiler() else { return };
    // Dropped modules' code mappings are pooled and rewritten: each module must run its own code.
    for i in 0..200u64 {
        let module = module(&engine, &format!("load_imm a0, {i}\nadd_imm_64 a0, a0, {}\ntrap", i * 3));
        let mut instance = Instance::new(&module).unwrap();
        instance.set_gas(10);
        assert_eq!(instance.run(), ExitReason::Panic);
        assert_eq!(instance.reg(Reg::A0), i * 4);
    }
}
