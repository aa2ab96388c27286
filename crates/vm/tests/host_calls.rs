//! Host functions bound by import name: typed arguments from a0.., results into a0/a1,
//! access to guest memory and the embedder's data, errors and missing imports.

use gannet_vm::{
    Caller, Config, Engine, Error, ExitReason, HostError, Imports, Instance, Module, ProgramImage,
};

const PROGRAM: &str = r#"
.isa revive
.rw_data_size 4096
.stack_size 4096
.import "double"
.import "add3"
.import "pair"
.import "store"
.import "missing"
.export "loop" @loop_main
.export "add3" @add3_main
.export "pair" @pair_main
.export "store" @store_main
.export "missing" @missing_main
.export "store_at" @store_at_main
.export "unlisted" @unlisted_main

loop_main:
        move_reg s0, a0          ; s0 = rounds
        load_imm a0, 1
        fallthrough
again:  ecalli 0                 ; a0 = double(a0)
        add_imm_64 s0, s0, -1
        branch_not_eq_imm s0, 0, @again
        jump_indirect ra, 0
add3_main:
        ecalli 1
        jump_indirect ra, 0
pair_main:
        ecalli 2
        jump_indirect ra, 0
store_main:
        load_imm a0, 0x20000
        ecalli 3
        load_indirect_u64 a0, a0, 0
        jump_indirect ra, 0
missing_main:
        ecalli 4
        jump_indirect ra, 0
store_at_main:
        ecalli 3                 ; store(a0)
        load_imm a0, 7
        jump_indirect ra, 0
unlisted_main:
        ecalli 9                 ; no such import
        jump_indirect ra, 0
"#;

struct State {
    calls: u32,
}

fn setup() -> (Instance, Imports<State>) {
    let blob = isa::text::assemble(PROGRAM).unwrap();
    let engine = Engine::new(&Config::new()).unwrap();
    let module = Module::new(&engine, ProgramImage::from_polkavm(&blob).unwrap()).unwrap();
    let mut imports = Imports::new();
    imports.func("double", |caller: &mut Caller<'_, State>, x: u64| {
        caller.data.calls += 1;
        x * 2
    });
    imports.func("add3", |_: &mut Caller<'_, State>, a: u64, b: u64, c: u64| a + b + c);
    imports.func("pair", |_: &mut Caller<'_, State>, a: u64, b: u64| (b, a));
    imports.func("store", |caller: &mut Caller<'_, State>, address: u64| -> Result<(), HostError> {
        caller
            .instance
            .write_memory(address as u32, &0x1122_3344_5566_7788u64.to_le_bytes())
            .map_err(|f| HostError(format!("{f:?}")))
    });
    (Instance::new(&module).unwrap(), imports)
}

#[test]
fn host_calls_in_a_loop() {
    let (mut instance, imports) = setup();
    let mut state = State { calls: 0 };
    instance.set_gas(1_000_000);
    let out = instance.call(&imports, &mut state, "loop", &[10]).unwrap();
    assert_eq!(out.exit, ExitReason::Halt);
    assert_eq!(out.a0, 1024);
    assert_eq!(state.calls, 10);
    // fallthrough-free entry block (3) + 10 loop blocks of 3 + return block (1)
    assert_eq!(1_000_000 - out.gas, 3 + 10 * 3 + 1);
}

#[test]
fn typed_arguments_and_results() {
    let (mut instance, imports) = setup();
    let mut state = State { calls: 0 };
    instance.set_gas(1000);
    assert_eq!(instance.call(&imports, &mut state, "add3", &[1, 20, 300]).unwrap().a0, 321);
    let out = instance.call(&imports, &mut state, "pair", &[5, 6]).unwrap();
    assert_eq!((out.a0, out.a1), (6, 5));
    assert_eq!(instance.call(&imports, &mut state, "store", &[]).unwrap().a0, 0x1122_3344_5566_7788);
}

#[test]
fn missing_imports_and_exports_are_errors() {
    let (mut instance, imports) = setup();
    let mut state = State { calls: 0 };
    instance.set_gas(1000);
    match instance.call(&imports, &mut state, "missing", &[]) {
        Err(Error::MissingImport { index: 4, name }) => assert_eq!(name, "missing"),
        other => panic!("expected a missing import, got {other:?}"),
    }
    assert!(matches!(instance.call(&imports, &mut state, "nope", &[]), Err(Error::UnknownExport(_))));
    assert!(matches!(
        instance.call(&imports, &mut state, "add3", &[1, 2, 3, 4, 5, 6, 7]),
        Err(Error::TooManyArguments(7))
    ));
}

#[test]
fn a_host_function_failing_on_its_first_call_is_named_after_its_import() {
    // The first call of an import in a `call` goes through the lookup's slow path; its
    // failure is reported under the import's name like any other, and the instance resumes
    // after the `ecalli`.
    let (mut instance, imports) = setup();
    let mut state = State { calls: 0 };
    instance.set_gas(1000);
    for _ in 0..2 {
        // Page 0 is never mapped: the host function's write fails.
        match instance.call(&imports, &mut state, "store_at", &[0]) {
            Err(Error::Host { name, message }) => {
                assert_eq!(name, "store");
                assert!(!message.is_empty());
            }
            other => panic!("expected the host function's error, got {other:?}"),
        }
        assert_eq!(instance.pc(), instance.module().export_pc("store_at").unwrap());
    }
    let out = instance.resume_call(&imports, &mut state).unwrap();
    assert_eq!((out.exit, out.a0), (ExitReason::Halt, 7));
    // An `ecalli` past the import table is a missing import without a name.
    match instance.call(&imports, &mut state, "unlisted", &[]) {
        Err(Error::MissingImport { index: 9, name }) => assert_eq!(name, "<none>"),
        other => panic!("expected a missing import, got {other:?}"),
    }
}
