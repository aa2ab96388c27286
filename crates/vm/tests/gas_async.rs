//! `GasMetering::Async`: compiled code whose block charges trap (an invalid opcode) when they
//! cannot be paid, instead of branching to a stub. It must stop exactly where `Sync` and the
//! interpreter stop, with the same state, and resume after more gas from there, including
//! inside fused groups, across dynamic jumps and host calls, on many threads at once and in a
//! run nested in a host function; and its code must be the smaller, which is its point.

mod common;

use std::sync::Arc;

use common::{backends, distinct};
use gannet_vm::{
    Access, Backend, Caller, Config, Engine, ExitReason, GasMetering, Imports, Instance, Module,
    ProgramImage, Reg,
};

/// A loop with a fused group (`add_64` + load), a dynamic jump through the jump table, a host
/// call and a page fault the host maps and retries, then a trap.
const PROGRAM: &str = "
.jump_table @double
        load_imm s0, 0
        load_imm a3, 0x40000
        fallthrough
again:  add_imm_64 s0, s0, 1
        add_64 a4, a3, s0
        load_indirect_u8 a5, a4, 0        ; page fault on the first round
        add_64 a1, a1, a5
        load_imm a0, 2                    ; the jump table's first entry: @double
        jump_indirect a0, 0
back:   ecalli 9
        branch_less_unsigned_imm s0, 40, @again
        trap
double: add_64 a2, a2, a2
        add_imm_64 a2, a2, 1
        store_indirect_u8 a2, a4, 0
        jump @back
";

/// Runs [`PROGRAM`] from `budget` gas, adding `budget` more each time it runs out, to its end;
/// returns every exit (with pc and gas), the final registers and how many times gas ran out.
fn refuelled(config: &Config, budget: i64) -> (Vec<(ExitReason, u32, i64)>, [u64; 13], usize) {
    let mut instance = common::instance(PROGRAM, config, &distinct);
    instance.set_gas(budget);
    let (mut exits, mut refuels) = (Vec::new(), 0);
    loop {
        let exit = instance.run();
        exits.push((exit, instance.pc(), instance.gas()));
        match exit {
            ExitReason::OutOfGas => {
                refuels += 1;
                instance.set_gas(instance.gas() + budget);
            }
            ExitReason::PageFault(page) => instance.map(page, 4096, Access::ReadWrite),
            ExitReason::HostCall(_) => instance.set_reg(Reg::A0, instance.reg(Reg::S0) * 3),
            _ => break,
        }
        assert!(exits.len() < 100_000, "the program ends");
    }
    (exits, instance.regs(), refuels)
}

#[test]
fn refuelled_runs_stop_and_resume_where_the_interpreter_does() {
    let configs = backends();
    if configs.len() < 3 {
        eprintln!("the compiler is not supported on this machine; skipping");
        return;
    }
    // Budgets below the cheapest block, around the blocks' costs, and above a whole round.
    for budget in [1, 2, 3, 4, 5, 7, 11, 13, 40, 1000] {
        let expected = refuelled(&configs[0].1, budget);
        assert_eq!(expected.0.last().unwrap().0, ExitReason::Panic, "budget {budget}: ends at the trap");
        if budget < 1000 {
            assert!(expected.2 > 0, "budget {budget}: gas runs out on the way");
        }
        for (name, config) in &configs[1..] {
            assert_eq!(refuelled(config, budget), expected, "{name}, budget {budget}");
        }
    }
}

fn async_engine() -> Option<Engine> {
    if !gannet_vm::jit::is_supported() {
        eprintln!("the compiler is not supported on this machine; skipping");
        return None;
    }
    let mut config = Config::new();
    config.set_backend(Backend::Compiler).set_gas_metering(GasMetering::Async);
    Some(Engine::new(&config).unwrap())
}

const LOOP: &str = "
        load_imm a0, 0
        fallthrough
again:  add_imm_64 a0, a0, 1
        add_imm_64 a1, a1, 3
        branch_less_unsigned_imm a0, 1000, @again
        trap";

/// The code offset of [`LOOP`]'s `again` (after `load_imm`, two bytes, and `fallthrough`).
const AGAIN: u32 = 3;

#[test]
fn out_of_gas_traps_on_many_threads_at_once() {
    let Some(engine) = async_engine() else { return };
    let (set, code) = isa::text::assemble_code(&format!(".isa gp072\n{LOOP}")).unwrap();
    let module = Arc::new(Module::new(&engine, ProgramImage::bare(set, code)).unwrap());
    assert!(module.is_compiled());
    let threads: Vec<_> = (0..8i64)
        .map(|t| {
            let module = Arc::clone(&module);
            std::thread::spawn(move || {
                for round in 0..100 {
                    // Gas for `turns` turns of the three-instruction loop after its two-instruction
                    // start, plus `extra` that does not pay for another turn.
                    let (turns, extra) = (t * 7 + round % 50, round % 3);
                    let mut instance = Instance::new(&module).unwrap();
                    instance.set_reg(Reg::A1, 0);
                    instance.set_gas(2 + 3 * turns + extra);
                    assert_eq!(instance.run(), ExitReason::OutOfGas);
                    // Stopped at the loop's start with the unspent gas and `turns` turns done.
                    assert_eq!(
                        (instance.pc(), instance.gas(), instance.reg(Reg::A0), instance.reg(Reg::A1)),
                        (AGAIN, extra, turns as u64, 3 * turns as u64)
                    );
                    // And it resumes from there.
                    instance.set_gas(4000);
                    assert_eq!(instance.run(), ExitReason::Panic);
                    assert_eq!(instance.reg(Reg::A0), 1000);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("no thread crashed");
    }
}

#[test]
fn out_of_gas_in_a_run_nested_in_a_host_function() {
    let Some(engine) = async_engine() else { return };
    let outer = ".isa revive\n.stack_size 4096\n.import \"inner\"\n.export \"main\" @main\n\
        main:   ecalli 0\n        add_imm_64 a0, a0, 5\n        jump_indirect ra, 0\n";
    let inner = format!(".isa revive\n.stack_size 4096\n.export \"main\" @main\nmain:\n{LOOP}");
    let module = |text: &str| {
        let blob = isa::text::assemble(text).unwrap();
        let module = Module::new(&engine, ProgramImage::from_polkavm(&blob).unwrap()).unwrap();
        assert!(module.is_compiled());
        module
    };
    let (outer, inner) = (module(outer), module(&inner));
    let mut other = Instance::new(&inner).unwrap();
    let mut imports = Imports::<Instance>::new();
    imports.func("inner", |caller: &mut Caller<'_, Instance>| {
        // The nested run traps for its gas inside this host function, on this thread.
        let other = &mut *caller.data;
        other.set_gas(2 + 3 * 10);
        let out = other.call(&Imports::<()>::new(), &mut (), "main", &[]).unwrap();
        assert_eq!(out.exit, ExitReason::OutOfGas);
        Ok(other.reg(Reg::A0) * 100 + other.gas() as u64)
    });
    let mut instance = Instance::new(&outer).unwrap();
    instance.set_gas(1000);
    let out = instance.call(&imports, &mut other, "main", &[]).unwrap();
    // Ten turns done, no gas left, then the outer instance adds 5.
    assert_eq!((out.exit, out.a0), (ExitReason::Halt, 1005));
    assert_eq!(other.pc(), other.module().export_pc("main").unwrap() + AGAIN);
}

#[test]
fn async_charges_make_smaller_code() {
    let Some(asynchronous) = async_engine() else { return };
    let mut config = Config::new();
    config.set_backend(Backend::Compiler);
    let sync = Engine::new(&config).unwrap();
    // 1000 one-instruction blocks and the trap's.
    let text = format!(".isa gp072\n{}trap", "fallthrough\n".repeat(1000));
    let (set, code) = isa::text::assemble_code(&text).unwrap();
    let len =
        |engine: &Engine| Module::new(engine, ProgramImage::bare(set, code.clone())).unwrap().compiled_len();
    let (sync, asynchronous) = (len(&sync), len(&asynchronous));
    // Per block: a 6-byte charge instead of 10 bytes, and no five-byte stub (a `call`).
    assert!(sync >= asynchronous + 1001 * (4 + 5), "sync {sync} bytes, async {asynchronous}");
}
