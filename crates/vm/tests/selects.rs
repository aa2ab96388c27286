//! The recompiler compiles a forward branch over a block of one instruction and a
//! `fallthrough`, and a branch back to a loop's head followed by a block of one instruction
//! and a `jump` to the same head, as a "select" (`cmov`s, no branch; `jit/emit/select.rs`).
//! These tests check it against the interpreter: every instruction it takes, under every
//! branch condition, taken and not, with the instruction reading and writing the branch's
//! operands; running out of gas just before and inside the skipped block; and the skipped
//! block reached from elsewhere (a jump, the jump table, a fresh start there).

mod common;

use common::{backends, block_starts, instance, run_with, VARIED};
use gannet_vm::{Config, ExitReason, Reg};
use isa::gas::CostModel;

/// The instructions a select takes, as assembly with `{d}`, `{s}` and `{t}` for registers.
const SELECTABLE: [&str; 16] = [
    "move_reg {d}, {s}",
    "load_imm {d}, 0xFFFF8001",
    "load_imm {d}, 0",
    "load_imm64 {d}, 0x8000000000000007",
    "add_64 {d}, {s}, {t}",
    "add_32 {d}, {s}, {t}",
    "add_imm_64 {d}, {s}, 0xFFFFFFF0",
    "add_imm_32 {d}, {s}, 0x7FFFFFFF",
    "sub_64 {d}, {s}, {t}",
    "and {d}, {s}, {t}",
    "or {d}, {s}, {t}",
    "xor {d}, {s}, {t}",
    "and_imm {d}, {s}, 0xFFFF0F0F",
    "or_imm {d}, {s}, 0x80",
    "xor_imm {d}, {s}, 0xFFFFFFFF",
    "negate_and_add_imm_64 {d}, {s}, 5",
];

/// Every conditional branch, as assembly with `{a}` and `{b}` for its operands and `{L}` for
/// its target.
const BRANCHES: [&str; 16] = [
    "branch_eq {a}, {b}, @{L}",
    "branch_not_eq {a}, {b}, @{L}",
    "branch_less_unsigned {a}, {b}, @{L}",
    "branch_less_signed {a}, {b}, @{L}",
    "branch_greater_or_equal_unsigned {a}, {b}, @{L}",
    "branch_greater_or_equal_signed {a}, {b}, @{L}",
    "branch_eq_imm {a}, 0, @{L}",
    "branch_not_eq_imm {a}, 0xFFFFFFFF, @{L}",
    "branch_less_unsigned_imm {a}, 0x80000000, @{L}",
    "branch_less_signed_imm {a}, 0, @{L}",
    "branch_less_or_equal_unsigned_imm {a}, 7, @{L}",
    "branch_less_or_equal_signed_imm {a}, 0xFFFFFFFF, @{L}",
    "branch_greater_unsigned_imm {a}, 0x7FFFFFFF, @{L}",
    "branch_greater_signed_imm {a}, 1, @{L}",
    "branch_greater_or_equal_unsigned_imm {a}, 0xFFFF8000, @{L}",
    "branch_greater_or_equal_signed_imm {a}, 0, @{L}",
];

/// The interpreter, the compiler with each metering, and each of those without gas costs
/// (the interpreter first, then its cost-free twin).
fn configs() -> Vec<(String, Config)> {
    let mut all = Vec::new();
    for (name, config) in backends() {
        let mut free = config.clone();
        free.cost_model = CostModel::Free;
        all.push((name.to_owned(), config));
        all.push((format!("{name}, no gas costs"), free));
    }
    all
}

/// Runs `text` from register values `init` with `gas` on every configuration and requires
/// the exits (pc and gas at each) and registers of the interpreter with the same gas costs;
/// returns the (metered) interpreter's exits.
fn agree(text: &str, gas: i64, init: &dyn Fn(usize) -> u64) -> Vec<(ExitReason, u32, i64)> {
    let configs = configs();
    let expected = run_with(text, &configs[0].1, gas, init);
    let expected_free = run_with(text, &configs[1].1, gas, init);
    for (name, config) in &configs[2..] {
        let want = if config.cost_model == CostModel::Free { &expected_free } else { &expected };
        let got = run_with(text, config, gas, init);
        assert_eq!(*want, got, "{name} differs from the interpreter on:\n{text}");
    }
    expected.0
}

/// Register `a0..a2` values for which every branch above is taken for some and not for
/// others: equal and unequal, signed and unsigned order disagreeing, zero, all ones.
fn operands(case: usize) -> [u64; 3] {
    [
        [5, 5, 0],
        [0, 1 << 63, 7],
        [u64::MAX, 1, 0x8000_0000],
        [0x7FFF_FFFF, 0xFFFF_FFFF, 0xFFFF_8000],
        [1, 0, u64::MAX],
        [0xFFFF_FFFF_8000_0000, 0x8000_0000, 2],
    ][case]
}

#[test]
fn selects_agree_for_every_instruction_and_condition() {
    // The block's registers: distinct, or the branch's operands (read and written).
    let shapes = [("a0", "a1", "a2"), ("a0", "a0", "a1"), ("a1", "a0", "a0"), ("a2", "a1", "a0")];
    for case in 0..6 {
        let [x, y, z] = operands(case);
        let init = move |i: usize| match i {
            7 => x,
            8 => y,
            9 => z,
            _ => VARIED[i],
        };
        let mut text = String::new();
        let mut label = 0;
        for branch in BRANCHES {
            for (n, inst) in SELECTABLE.iter().enumerate() {
                let (d, s, t) = shapes[n % shapes.len()];
                let (a, b) = if n % 2 == 0 { ("a0", "a1") } else { ("a1", "a2") };
                label += 1;
                text.push_str(
                    &branch.replace("{a}", a).replace("{b}", b).replace("{L}", &format!("L{label}")),
                );
                text.push('\n');
                text.push_str(&inst.replace("{d}", d).replace("{s}", s).replace("{t}", t));
                text.push_str(&format!("\nfallthrough\nL{label}:\n"));
                // Fold the block's registers into t2 and put the operands back.
                text.push_str(&format!(
                    "xor t2, t2, a0\nxor t2, t2, a1\nmul_imm_64 t2, t2, 0x1003f\nxor t2, t2, a2\n\
                     load_imm64 a0, {x:#x}\nload_imm64 a1, {y:#x}\nload_imm64 a2, {z:#x}\n"
                ));
            }
        }
        text.push_str("trap\n");
        let exits = agree(&text, 1 << 40, &init);
        assert_eq!(exits.last().unwrap().0, ExitReason::Panic);
    }
}

/// A loop whose body is a select that is skipped on some turns and not on others.
const LOOP: &str = "
        load_imm a0, 0
        fallthrough
    top:
        and_imm a2, a0, 3
        branch_eq_imm a2, 1, @skip
    block:
        add_imm_64 a1, a1, 0x100
        fallthrough
    skip:
        add_imm_64 a0, a0, 1
        branch_less_unsigned_imm a0, 40, @top
        trap";

#[test]
fn out_of_gas_at_every_point_of_a_loop_of_selects() {
    // The blocks: the start, `top`, `block`, `skip`, the trap.
    let block = block_starts(LOOP)[2];
    let mut stopped_at_the_block = 0;
    for gas in 0..=400 {
        let exits = agree(LOOP, gas, &|i| VARIED[i]);
        let (exit, pc, _) = *exits.last().unwrap();
        if exit == ExitReason::OutOfGas && pc == block {
            stopped_at_the_block += 1;
        }
    }
    // The select's slow path (not enough gas for the block it would run) was taken.
    assert!(stopped_at_the_block > 10, "only {stopped_at_the_block} budgets stop at the block");
}

#[test]
fn the_skipped_block_can_be_reached_from_elsewhere() {
    // Through a jump, the jump table, and a select that skips it.
    let text = "
    .jump_table @block
        jump @elsewhere
    back:
        branch_eq a0, a1, @after
    block:
        sub_64 a3, a3, a4
        fallthrough
    after:
        add_imm_64 a5, a5, 1
        branch_less_unsigned_imm a5, 3, @back
        trap
    elsewhere:
        move_reg a0, a1
        add_imm_64 a3, a3, 9
        branch_eq_imm a2, 0, @block
        load_imm a2, 2
        jump_indirect a2, 0";
    for a2 in [0, 1] {
        let init = move |i: usize| match i {
            9 => a2,
            12 => 0,
            _ => VARIED[i],
        };
        let exits = agree(text, 1000, &init);
        assert_eq!(exits.last().unwrap().0, ExitReason::Panic);
    }
    // A fresh start at the block (the blocks: the start, `back`, `block`, ...).
    let block = block_starts(text)[2];
    let mut regs = Vec::new();
    for (name, config) in configs() {
        let mut instance = instance(text, &config, &|i| VARIED[i]);
        instance.set_gas(1000);
        instance.set_next_pc(block);
        let exit = instance.run();
        regs.push((name, exit, instance.pc(), instance.regs()));
    }
    // (The start ran the block: `a3 - a4` was taken.)
    assert_eq!(regs[0].3[Reg::A3.index()], VARIED[10].wrapping_sub(VARIED[11]));
    for r in &regs[1..] {
        assert_eq!((r.1, r.2, r.3), (regs[0].1, regs[0].2, regs[0].3), "{}", r.0);
    }
}

#[test]
fn loop_selects_agree_for_every_instruction_and_out_of_gas() {
    // The loop of `memloop`'s sieve count: the head tests the exit, a branch back to the head
    // skips a block that does one thing and jumps back to the head.
    let mut stopped_at_the_block = 0;
    for (n, inst) in SELECTABLE.iter().enumerate() {
        let branch = BRANCHES[n % BRANCHES.len()];
        let text = format!(
            "
            load_imm a0, 0
            fallthrough
        head:
            add_imm_64 a0, a0, 1
            branch_eq_imm a0, 24, @done
        test:
            and_imm a1, a0, 5
            xor a2, a2, a1
            {}
        block:
            {}
            jump @head
        done:
            trap",
            branch.replace("{a}", "a1").replace("{b}", "a2").replace("{L}", "head"),
            inst.replace("{d}", ["a2", "a3", "a1"][n % 3]).replace("{s}", "a1").replace("{t}", "a2"),
        );
        // The blocks: the start, `head`, `test`, `block`, `done`.
        let block = block_starts(&text)[3];
        for gas in (0..=260).step_by(3) {
            let exits = agree(&text, gas, &|i| VARIED[i]);
            let (exit, pc, _) = *exits.last().unwrap();
            if exit == ExitReason::OutOfGas && pc == block {
                stopped_at_the_block += 1;
            }
        }
    }
    assert!(stopped_at_the_block > 20, "only {stopped_at_the_block} runs stop at the block");
}
