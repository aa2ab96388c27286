//! Merged charges: with either metering, a block ending in `jump` or `load_imm_and_jump` pays
//! for the block it jumps to and jumps past that block's charge. Against the interpreter, at
//! every gas budget: out of gas with gas for the block but not for both (the interpreter runs
//! the block), faults inside merged blocks and their retries (also with too little gas left
//! for the successor), more gas after each stop, fresh starts at every instruction, and the
//! blocks that must not merge (holding a host call, targets of a merged jump, a jump to
//! itself).

mod common;

use common::{backends, instance, instructions, Exit, VARIED};
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

/// Fall-through merges (`Sync`): a block that ends in a conditional branch pays for the block
/// it falls into, whose charge is out of line. Faults in a paying block (`head`'s store) and
/// in a paid-for one (`body`'s load), a branch back into a paid-for block (`next` to `body`),
/// a paid-for block in the jump table reached by a dynamic jump (`tgt`), taken branches that
/// give the successor's cost back, a host call, and a branch to no block start, which traps
/// taken or not (`last`'s, to the middle of the `load_imm` after it; its block then pays for
/// nothing).
const FALLS: &str = "
.jump_table @ret @tgt
        load_imm a0, 0
        load_imm a5, 0
        load_imm64 a1, 0x30000
        fallthrough
head:   add_imm_64 a0, a0, 1
        store_indirect_u64 a0, a1, 8
        branch_greater_or_equal_unsigned_imm a0, 5, @far
body:   add_imm_64 a2, a2, 3
        load_indirect_u64 a3, a1, 0x1000
        branch_less_unsigned_imm a0, 3, @head
next:   add_imm_64 s1, s1, 1
        branch_eq_imm s1, 2, @body
tgt:    add_imm_64 a5, a5, 1
        branch_eq_imm a5, 1, @dyn
ret:    add_imm_64 t0, t0, 1
        jump @head
dyn:    load_imm t1, 4
        jump_indirect t1, 0
far:    ecalli 2
        jump @last
last:   add_imm_64 s0, s0, 1
        branch_eq_imm s0, 9, @BAD
end:    load_imm a0, 0x12345678
        trap
";

/// [`FALLS`] with its bad branch aimed one byte into the instruction after it.
fn falls() -> String {
    let probe = FALLS.replace("@BAD", "@0");
    let (end, _) = instructions(&probe).into_iter().find(|(_, line)| line.contains("0x12345678")).unwrap();
    FALLS.replace("@BAD", &format!("@{}", end + 1))
}

/// The programs the tests run.
fn programs() -> [String; 2] {
    [PROGRAM.to_string(), falls()]
}

/// How a run is driven: more gas after each out-of-gas stop (`refuel`, or none: the run
/// ends), and the gas squeezed to at most `squeeze` after each page fault.
#[derive(Copy, Clone, Debug)]
struct Drive {
    refuel: i64,
    squeeze: Option<i64>,
}

type Outcome = (Vec<Exit>, Vec<u8>);

/// Runs `program` from `start` (a fresh start there, or pc 0) with `gas`, mapping pages as
/// they fault; returns every exit (with the registers) and the memory written.
fn drive(program: &str, config: &Config, start: Option<u32>, gas: i64, how: Drive) -> Outcome {
    let mut instance = instance(program, config, &|i| VARIED[i]);
    let exits = common::exits(&mut instance, start, gas, |instance, exit| {
        match exit {
            ExitReason::OutOfGas if how.refuel > 0 => instance.set_gas(instance.gas() + how.refuel),
            ExitReason::PageFault(page) => {
                instance.map(page, 4096, Access::ReadWrite);
                if let Some(most) = how.squeeze {
                    instance.set_gas(instance.gas().min(most));
                }
            }
            ExitReason::HostCall(_) => instance.set_reg(Reg::A0, instance.reg(Reg::A0) + 1),
            _ => return false,
        }
        true
    });
    let mut memory = vec![0; 3 * 4096];
    for (i, page) in memory.chunks_mut(4096).enumerate() {
        let _ = instance.memory().read(0x30000 + i as u32 * 4096, page);
    }
    (exits, memory)
}

/// Every backend agrees with the interpreter on `drive(..)`; returns the interpreter's exits.
fn agree(program: &str, start: Option<u32>, gas: i64, how: Drive) -> Vec<Exit> {
    let configs = backends();
    let expected = drive(program, &configs[0].1, start, gas, how);
    for (name, config) in &configs[1..] {
        let got = drive(program, config, start, gas, how);
        assert_eq!(
            expected, got,
            "{name} differs from the interpreter from {start:?} with {gas} gas, {how:?}"
        );
    }
    expected.0
}

/// Gas the whole `program` takes from pc 0.
fn total(program: &str) -> i64 {
    let budget = 1 << 30;
    let exits = agree(program, None, budget, Drive { refuel: 0, squeeze: None });
    assert_eq!(exits.last().unwrap().0, ExitReason::Panic, "the program ends at its trap");
    budget - exits.last().unwrap().2
}

#[test]
fn every_budget_stops_and_resumes_as_the_interpreter_does() {
    for program in programs() {
        every_budget(&program);
    }
}

fn every_budget(program: &str) {
    let total = total(program);
    assert!(total > 40, "{total}");
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
            let exits = agree(program, None, gas, how);
            out_of_gas_at.extend(exits.iter().filter(|e| e.0 == ExitReason::OutOfGas).map(|e| e.1));
        }
    }
    // Every block start of the program was a place where gas ran out at some budget.
    let blocks = common::block_starts(program);
    let missed: Vec<_> = blocks.iter().filter(|pc| !out_of_gas_at.contains(pc)).collect();
    assert!(missed.len() <= 1, "no out-of-gas stop at {missed:?} of {blocks:?}");
}

#[test]
fn fresh_starts_inside_merged_blocks_charge_both() {
    for program in programs() {
        fresh_starts(&program);
    }
}

fn fresh_starts(program: &str) {
    let starts: Vec<u32> = instructions(program).into_iter().map(|(pc, _)| pc).collect();
    assert!(starts.len() > 20, "{starts:?}");
    for &pc in &starts {
        for gas in [0, 1, 2, 3, 4, 5, 7, 9, 40, 1 << 20] {
            for how in [Drive { refuel: 0, squeeze: None }, Drive { refuel: 3, squeeze: Some(1) }] {
                agree(program, Some(pc), gas, how);
            }
        }
    }
}

/// Blocks too costly for a one-byte cost in their charge (`Sync` then charges out of line):
/// `big` (131) jumps to `pays` and pays for it (232 in all); `falls` (61) pays for the block
/// it falls into, `tail` (191 in all), whose own charge, for the branch from `paid`, is out of line
/// and costs 130 alone.
fn long_blocks() -> String {
    let filler = |n: usize| "        add_imm_64 a2, a2, 1\n".repeat(n);
    format!(
        "
        load_imm a0, 0
        load_imm64 a1, 0x30000
        fallthrough
big:
{big}        store_indirect_u64 a2, a1, 8
        add_imm_64 a0, a0, 1
        jump @pays
pays:
{pays}        jump @paid
paid:
{paid}        branch_eq_imm a0, 2, @tail
falls:
{falls}        branch_eq_imm a0, 3, @done
tail:
{tail}        branch_less_unsigned_imm a0, 3, @big
done:   trap
",
        big = filler(128),
        pays = filler(100),
        paid = filler(40),
        falls = filler(60),
        tail = filler(129),
    )
}

#[test]
fn costly_blocks_stop_and_resume_as_the_interpreter_does() {
    let program = long_blocks();
    let total = total(&program);
    assert!(total > 1000, "{total}");
    let mut out_of_gas_at = std::collections::BTreeSet::new();
    for gas in 0..=total + 2 {
        let drives: &[Drive] = match gas % 7 {
            0 => &[Drive { refuel: 0, squeeze: None }, Drive { refuel: 50, squeeze: Some(gas % 150) }],
            _ => &[Drive { refuel: 0, squeeze: None }],
        };
        for &how in drives {
            let exits = agree(&program, None, gas, how);
            out_of_gas_at.extend(exits.iter().filter(|e| e.0 == ExitReason::OutOfGas).map(|e| e.1));
        }
    }
    // Gas ran out at every block start, the paid-for ones included (with gas for the payer
    // alone, the interpreter runs it and stops at the paid-for block's start).
    let blocks = common::block_starts(&program);
    let missed: Vec<_> = blocks.iter().filter(|pc| !out_of_gas_at.contains(pc)).collect();
    assert!(missed.is_empty(), "no out-of-gas stop at {missed:?} of {blocks:?}");
}
