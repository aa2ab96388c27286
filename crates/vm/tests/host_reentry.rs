//! What a host function may do to the instance calling it, on every backend: change its gas,
//! fail, panic, send it elsewhere, run it again, run other instances, replace it. The
//! compiler serves host calls from inside the generated code, so each of these must leave
//! the code exactly as the interpreter's exit-and-dispatch loop would.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use gannet_vm::{
    Caller, Config, Engine, Error, ExitReason, HostError, Imports, Instance, Module, ProgramImage, Reg,
};

const PROGRAM: &str = r#"
.isa revive
.rw_data_size 4096
.stack_size 4096
.import "hook"
.export "loop" @loop_main
.export "sum" @sum_main

loop_main:
        move_reg s0, a0          ; s0 = rounds
        load_imm s1, 0
        fallthrough
again:  move_reg a0, s1
        load_imm a1, 0x55
        ecalli 0                 ; a0 = hook(a0, a1)
        add_imm_64 s1, a0, 1
        add_imm_64 a2, sp, -16   ; memory[sp - 16] += s1
        load_indirect_u64 a3, a2, 0
        add_64 a3, a3, s1
        store_indirect_u64 a3, a2, 0
        add_imm_64 s0, s0, -1
        branch_not_eq_imm s0, 0, @again
        add_imm_64 a2, sp, -16
        load_indirect_u64 a0, a2, 0
        jump_indirect ra, 0
sum_main:                        ; memory[sp - 16] = a0; a0 += a1
        add_imm_64 a2, sp, -16
        store_indirect_u64 a0, a2, 0
        add_64 a0, a0, a1
        jump_indirect ra, 0
"#;

/// What the hook does on its `n`th call (from 0).
type Hook = fn(&mut Caller<'_, State>, u64, u64, u32) -> Result<u64, HostError>;

struct State {
    calls: u32,
    hook: Hook,
    /// Instances a hook may run or swap in.
    other: Option<Instance>,
}

fn module(config: &Config) -> Module {
    let blob = isa::text::assemble(PROGRAM).unwrap();
    let engine = Engine::new(config).unwrap();
    Module::new(&engine, ProgramImage::from_polkavm(&blob).unwrap()).unwrap()
}

/// A new instance of `module` with `gas`.
fn with_gas(module: &Module, gas: i64) -> Instance {
    let mut instance = Instance::new(module).unwrap();
    instance.set_gas(gas);
    instance
}

fn imports() -> Imports<State> {
    let mut imports = Imports::new();
    imports.func("hook", |caller: &mut Caller<'_, State>, a0: u64, a1: u64| {
        let n = caller.data.calls;
        caller.data.calls += 1;
        (caller.data.hook)(caller, a0, a1, n)
    });
    imports
}

/// Runs `loop(rounds)` with `hook` on every backend; returns each backend's outcome (the
/// result or the error's text, the gas left and the number of hook calls).
fn on_backends(rounds: u64, hook: Hook, other: bool) -> Vec<(String, i64, u32, [u64; 13])> {
    let mut outcomes = Vec::new();
    for (name, config) in common::backends() {
        let module = module(&config);
        let mut instance = with_gas(&module, 1_000_000);
        let other = other.then(|| with_gas(&module, 1_000));
        let mut state = State { calls: 0, hook, other };
        let result = match instance.call(&imports(), &mut state, "loop", &[rounds]) {
            Ok(out) => format!("{:?} a0={}", out.exit, out.a0),
            Err(error) => format!("error: {error}"),
        };
        eprintln!("{name}: {result}, gas {}, {} calls", instance.gas(), state.calls);
        outcomes.push((result, instance.gas(), state.calls, instance.regs()));
    }
    let first = outcomes[0].clone();
    for outcome in &outcomes {
        assert_eq!(outcome, &first, "backends disagree");
    }
    outcomes
}

#[test]
fn plain_host_calls_see_and_set_registers() {
    let out = on_backends(5, |_, a0, a1, _| Ok(a0 * 2 + a1), false);
    // s1 = 2 * s1 + 0x55 + 1, five times from 0; the result is the sum of the five.
    let (mut s1, mut expected) = (0u64, 0u64);
    for _ in 0..5 {
        s1 = 2 * s1 + 0x56;
        expected += s1;
    }
    assert_eq!(out[0].0, format!("Halt a0={expected}"));
    assert_eq!(out[0].2, 5);
}

#[test]
fn host_functions_change_gas() {
    let out = on_backends(
        10,
        |caller, a0, _, n| {
            if n == 3 {
                caller.instance.set_gas(20);
            }
            Ok(a0)
        },
        false,
    );
    // From the fourth call on, 20 gas is left: enough for two more rounds, not for ten.
    assert!(out[0].0.starts_with("OutOfGas"), "{}", out[0].0);
    assert_eq!(out[0].2, 6);
    assert!(out[0].1 < 20, "gas left {}", out[0].1);
}

#[test]
fn a_failed_host_call_resumes_after_it() {
    for (_, config) in common::backends() {
        let module = module(&config);
        let mut instance = with_gas(&module, 1_000_000);
        let hook: Hook = |_, a0, _, n| if n == 2 { Err(HostError("refused".into())) } else { Ok(a0) };
        let mut state = State { calls: 0, hook, other: None };
        let imports = imports();
        match instance.call(&imports, &mut state, "loop", &[4]) {
            Err(Error::Host { name, message }) => {
                assert_eq!((name.as_str(), message.as_str()), ("hook", "refused"))
            }
            other => panic!("expected the host error, got {other:?}"),
        }
        assert_eq!(instance.reg(Reg::S0), 2, "two rounds left when the third call failed");
        // Resuming continues after the failed `ecalli` (whose a0 the host left alone).
        let out = instance.resume_call(&imports, &mut state).unwrap();
        // s1 = 1, 2, 3, 4 and the result is their sum.
        assert_eq!((out.exit, out.a0, state.calls), (ExitReason::Halt, 10, 4));
    }
}

#[test]
fn a_panicking_host_function_unwinds_to_the_caller() {
    for (_, config) in common::backends() {
        let module = module(&config);
        let mut instance = with_gas(&module, 1_000_000);
        let hook: Hook = |_, a0, _, n| if n == 1 { panic!("host bug") } else { Ok(a0) };
        let mut state = State { calls: 0, hook, other: None };
        let imports = imports();
        let caught = catch_unwind(AssertUnwindSafe(|| instance.call(&imports, &mut state, "loop", &[3])));
        let payload = caught.expect_err("the panic propagates");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"host bug"));
        // The instance is still sound and usable.
        let out = instance.call(&imports, &mut state, "sum", &[40, 2]).unwrap();
        assert_eq!((out.exit, out.a0), (ExitReason::Halt, 42));
        // `sum` left 40 in memory; two rounds add s1 = 1 and 2.
        let out = instance.call(&imports, &mut state, "loop", &[2]).unwrap();
        assert_eq!((out.exit, out.a0), (ExitReason::Halt, 43));
    }
}

#[test]
fn a_host_function_sends_the_instance_elsewhere() {
    let out = on_backends(
        10,
        |caller, a0, _, n| {
            if n == 2 {
                // Abandon the loop: continue at `sum` with a0 = 1000, a1 = 7.
                let pc = caller.instance.module().export_pc("sum").unwrap();
                caller.instance.set_next_pc(pc);
                caller.instance.set_reg(Reg::A1, 7);
                return Ok(1000);
            }
            Ok(a0)
        },
        false,
    );
    assert_eq!(out[0].0, "Halt a0=1007");
    assert_eq!(out[0].2, 3);
}

#[test]
fn a_host_function_runs_the_same_instance_again() {
    let out = on_backends(
        3,
        |caller, a0, _, n| {
            if n == 1 {
                let nested = caller.instance.call(&Imports::<()>::new(), &mut (), "sum", &[a0, 100]).unwrap();
                assert_eq!((nested.exit, nested.a0), (ExitReason::Halt, a0 + 100));
            }
            Ok(a0)
        },
        false,
    );
    // The nested call left the instance halted at the end of `sum` (a1 = 100 from its
    // arguments); the hook's result (a0 = 1) goes into that state, and the outer call then
    // runs on from where the instance now is: the return to the host.
    assert_eq!(out[0].0, "Halt a0=1");
    assert_eq!(out[0].3[Reg::A1.index()], 100);
    assert_eq!(out[0].2, 2);
}

#[test]
fn a_host_function_runs_other_instances() {
    let out = on_backends(
        6,
        |caller, a0, a1, _| {
            // A cross-contract call: another instance (its own memory and `gs` base) runs on
            // this thread in the middle of ours, and ours carries on afterwards.
            let other = caller.data.other.as_mut().unwrap();
            let nested = other.call(&Imports::<()>::new(), &mut (), "sum", &[a0, a1]).unwrap();
            Ok(nested.a0)
        },
        true,
    );
    // s1 grows by 0x56 a round and the result is the sum; the other instance's stores went
    // to its own memory (and ours would show them if the `gs` base were not put back).
    let expected = 0x56 * (1..=6).sum::<u64>();
    assert_eq!(out[0].0, format!("Halt a0={expected}"));
}

#[test]
fn a_host_function_replaces_the_instance() {
    let out = on_backends(
        5,
        |caller, a0, _, n| {
            if n == 1 {
                let fresh = caller.data.other.take().unwrap();
                let old = std::mem::replace(caller.instance, fresh);
                drop(old);
            }
            Ok(a0)
        },
        true,
    );
    // The replacement has not run yet, so the call goes on with it from its start (pc 0, the
    // `loop` export), with its own registers and 1000 gas, and a0 = 1 (the hook's result):
    // one more round, one more call.
    assert_eq!(out[0].0, "Halt a0=1");
    assert_eq!(out[0].2, 3);
    assert!(out[0].1 < 1000);
}

#[test]
fn a_host_function_resumes_the_same_instance_from_its_call() {
    let out = on_backends(
        4,
        |caller, a0, _, n| {
            if n == 1 {
                // Run this very instance on, nested, from just after this `ecalli` (its a0
                // still the guest's argument, 1): one round (s1 = 2, memory 1 + 2) up to the
                // same `ecalli` again, a host call the nested run has no handler for.
                let pc = caller.instance.pc();
                assert_eq!(caller.instance.run(), ExitReason::HostCall(0));
                assert_eq!((caller.instance.pc(), caller.instance.reg(Reg::A0)), (pc, 2));
            }
            Ok(a0)
        },
        false,
    );
    // The hook's result (a0 = 1) goes into the state the nested run left, and the call runs
    // on from after the second `ecalli`: s1 = 2 (memory 5), then one more round with a third
    // call (s1 = 3, memory 8).
    assert_eq!(out[0].0, "Halt a0=8");
    assert_eq!(out[0].2, 3);
}
