//! Merged charges: with either metering, a block ending in `jump` or `load_imm_and_jump` pays
//! for the block it jumps to and jumps past that block's charge. Against the interpreter, at
//! every gas budget: out of gas with gas for the block but not for both (the interpreter runs
//! the block), faults inside merged blocks and their retries (also with too little gas left
//! for the successor), more gas after each stop, fresh starts at every instruction, and the
//! blocks that must not merge (holding a host call, targets of a merged jump, a jump to
//! itself).

mod common;

use common::{backends, instance, VARIED};
use gannet_vm::{Access, Config, ExitReason, Reg};

/// Calls (forward merges into `func`), a jump back to the loop's head (a backward merge),
/// faults in merged blocks (a store before a call, a load before a jump, a store before a
/// jump to `hop`), a host call in a block that ends in a jump, a merge target that ends in a
/// jump itself (`hop`), a jump to its own block (`spin`), and a jump back to a merged block
/// (`out` to `call`).
const PROGRAM: &str = "
.jump_table @ret1 @ret2
        load_imm a0, 0
        load_imm64 a1, 0x30000
        fallthrough
top:    add_imm_64 a0, a0, 1
        branch_eq_imm a0, 3, @odd
call:   store_indirect_u64 a0, a1, 8
        load_imm_and_jump ra, 2, @func
ret1:   xor a2, a2, a0
        load_imm_and_jump ra, 4, @func
ret2:   load_indirect_u64 a3, a1, 0x1008
        add_64 a4, a4, a3
        jump @check
odd:    store_indirect_u32 a0, a1, 0x2000
        add_imm_64 a4, a4, 5
        jump @hop
hop:    add_imm_64 a4, a4, 1
        jump @top
check:  branch_less_unsigned_imm a0, 6, @host
        branch_eq_imm s1, 0, @done
        load_imm s1, 0
        load_imm a5, 0
        jump @spin
done:   trap
host:   ecalli 1
        mul_imm_64 t2, t2, 0x1003f
        jump @top
func:   add_imm_64 a5, a5, 3
        xor t2, t2, a5
        branch_eq_imm a0, 4, @via
        jump_indirect ra, 0
via:    add_imm_64 t2, t2, 1
        jump @tail
tail:   add_imm_64 t1, t1, 1
        jump_indirect ra, 0
spin:   add_imm_64 a5, a5, 1
        branch_greater_unsigned_imm a5, 3, @out
        jump @spin
out:    load_imm a0, 2
        jump @call
";

/// How a run is driven: more gas after each out-of-gas stop (`refuel`, or none: the run
/// ends), and the gas squeezed to at most `squeeze` after each page fault.
#[derive(Copy, Clone, Debug)]
struct Drive {
    refuel: i64,
    squeeze: Option<i64>,
}

type Outcome = (Vec<(ExitReason, u32, i64)>, [u64; 13], Vec<u8>);

/// Runs [`PROGRAM`] from `start` (a fresh start there, or pc 0) with `gas`, mapping pages as
/// they fault; returns every exit with its pc and gas, the registers and the memory written.
fn drive(config: &Config, start: Option<u32>, gas: i64, how: Drive) -> Outcome {
    let mut instance = instance(PROGRAM, config, &|i| VARIED[i]);
    instance.set_gas(gas);
    if let Some(pc) = start {
        instance.set_next_pc(pc);
    }
    let mut exits = Vec::new();
    loop {
        let exit = instance.run();
        exits.push((exit, instance.pc(), instance.gas()));
        match exit {
            ExitReason::OutOfGas if how.refuel > 0 => instance.set_gas(instance.gas() + how.refuel),
            ExitReason::PageFault(page) => {
                instance.map(page, 4096, Access::ReadWrite);
                if let Some(most) = how.squeeze {
                    instance.set_gas(instance.gas().min(most));
                }
            }
            ExitReason::HostCall(_) => instance.set_reg(Reg::A0, instance.reg(Reg::A0) + 1),
            _ => break,
        }
        assert!(exits.len() < 10_000, "runs end");
    }
    let mut memory = vec![0; 3 * 4096];
    for (i, page) in memory.chunks_mut(4096).enumerate() {
        let _ = instance.memory().read(0x30000 + i as u32 * 4096, page);
    }
    (exits, instance.regs(), memory)
}

/// Every backend agrees with the interpreter on `drive(..)`; returns the interpreter's exits.
fn agree(start: Option<u32>, gas: i64, how: Drive) -> Vec<(ExitReason, u32, i64)> {
    let configs = backends();
    let expected = drive(&configs[0].1, start, gas, how);
    for (name, config) in &configs[1..] {
        let got = drive(config, start, gas, how);
        assert_eq!(
            expected, got,
            "{name} differs from the interpreter from {start:?} with {gas} gas, {how:?}"
        );
    }
    expected.0
}

/// Gas the whole program takes from pc 0.
fn total() -> i64 {
    let budget = 1 << 30;
    let exits = agree(None, budget, Drive { refuel: 0, squeeze: None });
    assert_eq!(exits.last().unwrap().0, ExitReason::Panic, "the program ends at its trap");
    budget - exits.last().unwrap().2
}

#[test]
fn every_budget_stops_and_resumes_as_the_interpreter_does() {
    let total = total();
    assert!(total > 100, "{total}");
    let mut out_of_gas_at = std::collections::BTreeSet::new();
    for gas in 0..=total + 2 {
        for how in [
            Drive { refuel: 0, squeeze: None },
            Drive { refuel: 1, squeeze: None },
            Drive { refuel: 4, squeeze: None },
            Drive { refuel: 2, squeeze: Some(gas % 5) },
            // (Down to below zero: a retry then stops out of gas only at the next block.)
            Drive { refuel: 3, squeeze: Some(gas % 5 - 2) },
        ] {
            let exits = agree(None, gas, how);
            out_of_gas_at.extend(exits.iter().filter(|e| e.0 == ExitReason::OutOfGas).map(|e| e.1));
        }
    }
    // Every block start of the program was a place where gas ran out at some budget.
    let blocks = common::block_starts(PROGRAM);
    let missed: Vec<_> = blocks.iter().filter(|pc| !out_of_gas_at.contains(pc)).collect();
    assert!(missed.len() <= 1, "no out-of-gas stop at {missed:?} of {blocks:?}");
}

#[test]
fn fresh_starts_inside_merged_blocks_charge_both() {
    let (set, code) = isa::text::assemble_code(&format!(".isa gp072\n{PROGRAM}")).unwrap();
    let options = isa::text::DisasmOptions { show_offsets: true, show_bytes: false };
    let starts: Vec<u32> = isa::text::disassemble_code_with(set, &code, options)
        .lines()
        .filter_map(|line| line.rsplit_once("; @")?.1.trim().parse().ok())
        .collect();
    assert!(starts.len() > 30, "{starts:?}");
    for &pc in &starts {
        for gas in [0, 1, 2, 3, 4, 5, 7, 9, 40, 1 << 20] {
            for how in [Drive { refuel: 0, squeeze: None }, Drive { refuel: 3, squeeze: Some(1) }] {
                agree(Some(pc), gas, how);
            }
        }
    }
}
