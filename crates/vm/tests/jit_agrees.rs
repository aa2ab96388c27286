//! The compiler against the interpreter on programs written to hit its edge cases: division
//! overflow and by zero, every register aliasing pattern of the x86-bound operations, wild
//! and wrapping addresses, accesses at the top of the address space, static branches into
//! the middle of instructions, dynamic jumps anywhere, running out of gas and host calls.
//! Exits (with pc and gas at each) and final registers must be identical.

mod common;

use common::{backends, distinct, run_with, VARIED};

/// Runs `text` on every backend and checks they agree; returns the interpreter's result.
fn agree(text: &str, gas: i64, init: &dyn Fn(usize) -> u64) -> Vec<(gannet_vm::ExitReason, u32, i64)> {
    let configs = backends();
    let (_, interpreter) = &configs[0];
    let expected = run_with(text, interpreter, gas, init);
    for (name, config) in &configs[1..] {
        let got = run_with(text, config, gas, init);
        assert_eq!(expected, got, "{name} differs from the interpreter on:\n{text}");
    }
    expected.0
}

fn edge(i: usize) -> u64 {
    [
        0,
        1,
        u64::MAX,
        i64::MIN as u64,
        i64::MAX as u64,
        0x8000_0000,
        0xFFFF_FFFF,
        0x7FFF_FFFF,
        2,
        0xFFFF_FFFF_8000_0000,
        3,
        0x1_0000_0000,
        7,
    ][i]
}

/// Appends code folding every register of `regs` into `t2`, so that a wrong value cannot be
/// overwritten unseen by later instructions.
fn fold(text: &mut String, regs: &[&str]) {
    for r in regs {
        text.push_str(&format!("xor t2, t2, {r}\nmul_imm_64 t2, t2, 0x1003f\n"));
    }
}

/// Runs each of `ops` (three-register instructions) with every choice of destination and
/// sources from `regs`, folding the registers after each instruction (see [`fold`]): once
/// in a row from edge-value and from distinct registers, and once with the registers given
/// fresh values before each instruction (see [`reload`]; in a long row the values drift
/// towards 0, 1 and all ones, which hides wrong signedness and operand order).
fn every_aliasing(ops: &[&str], regs: &[&str]) {
    for fresh_values in [false, true] {
        let (mut text, mut fresh) = (String::new(), 0);
        for op in ops {
            for d in regs {
                for a in regs {
                    for b in regs {
                        if fresh_values {
                            reload(&mut text, regs, &mut fresh);
                        }
                        text.push_str(&format!("{op} {d}, {a}, {b}\n"));
                        fold(&mut text, regs);
                    }
                }
            }
        }
        text.push_str("trap\n");
        agree(&text, 1 << 40, &edge);
        agree(&text, 1 << 40, &distinct);
    }
}

#[test]
fn division_edge_cases_on_every_register_pair() {
    let ops = [
        "div_unsigned_64",
        "div_signed_64",
        "rem_unsigned_64",
        "rem_signed_64",
        "div_unsigned_32",
        "div_signed_32",
        "rem_unsigned_32",
        "rem_signed_32",
        "mul_upper_signed_signed",
        "mul_upper_unsigned_unsigned",
        "mul_upper_signed_unsigned",
        "mul_64",
        "mul_32",
    ];
    let regs = ["a1", "a2", "a0", "t0", "s1"];
    every_aliasing(&ops, &regs);
}

/// The pairs the compiler fuses (`mul_64` + `mul_upper_unsigned_unsigned` of the same
/// factors, `add_64` + `set_less_than_unsigned` of the sum against an addend), for every
/// aliasing of four registers (`a2` is `rdx`, which `mulx` reads implicitly), together with
/// the near misses that must not fuse (the first instruction overwrites a factor or addend,
/// the compare reads another register). After each pair all four registers are folded into
/// `t2`, so a wrong intermediate value cannot be overwritten unseen.
#[test]
fn fused_pairs_agree_for_every_aliasing() {
    let regs = ["a2", "a1", "t0", "s1"];
    let mut text = String::new();
    for d1 in regs {
        for d2 in regs {
            for a in regs {
                for b in regs {
                    for (x, y) in [(a, b), (b, a)] {
                        text.push_str(&format!(
                            "mul_64 {d1}, {a}, {b}\nmul_upper_unsigned_unsigned {d2}, {x}, {y}\n"
                        ));
                        fold(&mut text, &regs);
                    }
                    for y in regs {
                        text.push_str(&format!(
                            "add_64 {d1}, {a}, {b}\nset_less_than_unsigned {d2}, {d1}, {y}\n"
                        ));
                        fold(&mut text, &regs);
                    }
                }
            }
        }
    }
    text.push_str("trap\n");
    agree(&text, 1 << 40, &edge);
    agree(&text, 1 << 40, &distinct);
}

/// The extension pairs the compiler fuses (`shift_logical_left_imm_64 d, s, k` and a right
/// shift of `d` by `j <= k` into `x`, for `k` = 32, 48, 56), with counts around them (and
/// counts of 64 or more, taken modulo 64), logical and arithmetic, for every way `d`, `s`
/// and `x` can coincide, and the near miss whose second shift reads another register. Also the
/// masks that compile to zero extensions (`and_imm` 0xFF and 0xFFFF) and their neighbours.
#[test]
fn fused_extensions_agree_for_every_count_and_aliasing() {
    let regs = ["a0", "sp", "s1"];
    let counts = [0, 1, 8, 16, 29, 30, 31, 32, 33, 47, 48, 49, 55, 56, 57, 63, 96, 120];
    let (mut text, mut fresh) = (String::new(), 0);
    for k in counts {
        for j in counts {
            for right in ["shift_logical_right_imm_64", "shift_arithmetic_right_imm_64"] {
                for (d, s, x, y) in [
                    ("a0", "sp", "a0", "a0"),
                    ("a0", "a0", "a0", "a0"),
                    ("s1", "a0", "s1", "a0"),
                    ("s1", "a0", "sp", "s1"),
                    ("s1", "a0", "a0", "s1"),
                    ("a0", "a0", "sp", "a0"),
                ] {
                    reload(&mut text, &regs, &mut fresh);
                    text.push_str(&format!(
                        "shift_logical_left_imm_64 {d}, {s}, {k}\n{right} {x}, {y}, {j}\n"
                    ));
                    fold(&mut text, &regs);
                }
            }
        }
    }
    for mask in [0xFFu32, 0xFFFF, 0xFE, 0x1FF, 0x7FFF, 0x1_FFFF, 0xFFFF_FFFF, 0xFFFF_FF00] {
        for (d, s) in [("a0", "sp"), ("sp", "sp"), ("s1", "a0")] {
            reload(&mut text, &regs, &mut fresh);
            text.push_str(&format!("and_imm {d}, {s}, {mask:#x}\n"));
            fold(&mut text, &regs);
        }
    }
    text.push_str("trap\n");
    agree(&text, 1 << 40, &edge);
}

/// Appends code giving each register of `regs` a new value, so that a run of shifts cannot
/// leave them all zero (after which nothing would be tested): [`VARIED`] in turn, from
/// `next` on.
fn reload(text: &mut String, regs: &[&str], next: &mut usize) {
    for r in regs {
        text.push_str(&format!("load_imm64 {r}, {:#x}\n", VARIED[*next % VARIED.len()]));
        *next += 1;
    }
}

#[test]
fn shifts_rotates_and_compares_alias_correctly() {
    let ops = [
        "shift_logical_left_64",
        "shift_logical_right_64",
        "shift_arithmetic_right_64",
        "shift_logical_left_32",
        "shift_logical_right_32",
        "shift_arithmetic_right_32",
        "rotate_left_64",
        "rotate_left_32",
        "rotate_right_64",
        "rotate_right_32",
        "sub_64",
        "sub_32",
        "set_less_than_unsigned",
        "set_less_than_signed",
        "cmov_if_zero",
        "cmov_if_not_zero",
        "maximum",
        "maximum_unsigned",
        "minimum",
        "minimum_unsigned",
        "and_inverted",
        "or_inverted",
        "xnor",
        "add_64",
        "add_32",
    ];
    let regs = ["a1", "a2", "t1", "sp"];
    every_aliasing(&ops, &regs);
}

#[test]
fn immediate_32_bit_shifts_agree_for_every_count() {
    // The compiler leaves out the sign extension of a logical right shift by a non-zero
    // count and sign-extends an arithmetic one before shifting; counts of 0 and 32 (which
    // the PVM takes modulo 32) must still extend, in place and into another register.
    let ops = [
        "shift_logical_right_imm_32",
        "shift_arithmetic_right_imm_32",
        "shift_logical_left_imm_32",
        "rotate_right_imm_32",
    ];
    let counts: Vec<u32> = (0u32..=33).chain([63, 64, 0xFFFF_FFE1]).collect();
    every_immediate(&ops, &counts);
}

/// Runs each of `ops` (register-register-immediate instructions) with each of `imms`, in
/// place and into another register, from fresh register values each time, folding the
/// registers after each instruction (see [`reload`] and [`fold`]).
fn every_immediate(ops: &[&str], imms: &[u32]) {
    let regs = ["a1", "a2", "t1"];
    let mut next = 0;
    let mut text = String::new();
    for op in ops {
        for imm in imms {
            for (d, s) in [("a1", "a1"), ("a2", "a1"), ("t1", "a2")] {
                reload(&mut text, &regs, &mut next);
                text.push_str(&format!("{op} {d}, {s}, {imm:#x}\n"));
                fold(&mut text, &regs);
            }
        }
    }
    text.push_str("trap\n");
    agree(&text, 1 << 40, &|i| VARIED[i % VARIED.len()]);
}

#[test]
fn immediates_the_compiler_special_cases_agree() {
    // `add_imm_32 d, s, 0` (a sign extension) and `negate_and_add_imm_64 d, d, 0` (a negation)
    // have shorter code; the masks 0xFF and 0xFFFF are zero extensions. Each with its
    // neighbours, in place and into another register.
    let ops = [
        "add_imm_32",
        "add_imm_64",
        "negate_and_add_imm_64",
        "negate_and_add_imm_32",
        "and_imm",
        "or_imm",
        "xor_imm",
        "mul_imm_32",
    ];
    every_immediate(
        &ops,
        &[0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFF, 0xFFFF, 0x1_0000u32.wrapping_neg()],
    );
}

#[test]
fn accesses_at_the_top_of_the_address_space_and_wrapping() {
    // Page 0xFFFFF000 mapped read-write by the first fault; then 8-byte accesses run off the
    // end (wrapping to address 0, which always panics).
    let text = "
        load_imm a0, 0xFFFFF000
        store_indirect_u64 a1, a0, 0xFF8
        load_indirect_u64 a2, a0, 0xFF8
        load_indirect_u32 a3, a0, 0xFFC
        load_indirect_u64 a4, a0, 0xFFC
        trap";
    let exits = agree(text, 1000, &distinct);
    assert_eq!(exits.last().unwrap().0, gannet_vm::ExitReason::Panic);
    agree("load_imm a0, -8\nstore_indirect_u64 a1, a0, 4\ntrap", 1000, &distinct);
    agree("load_u64 a0, 0xFFFFFFFC\ntrap", 1000, &distinct);
    agree("store_imm_u64 0xFFFFFFF9, 5\ntrap", 1000, &distinct);
}

#[test]
fn wild_addresses_fault_like_the_interpreter() {
    let mut text = String::new();
    for (i, address) in
        [0u64, 0xFFFF, 0x10000, 0x7FFF_FFFF, 0x8000_0000, 0xDEAD_BEEF, 0xFFFF_FFFF].iter().enumerate()
    {
        let reg = ["a0", "a1", "a2", "a3", "a4", "a5", "t0"][i];
        text.push_str(&format!("load_imm64 {reg}, {address:#x}\n"));
        text.push_str(&format!("load_indirect_u16 s0, {reg}, 0\nstore_indirect_u8 s1, {reg}, 1\n"));
    }
    // Writes to the read-only page panic.
    text.push_str("load_imm a0, 0x70000\nstore_indirect_u32 a1, a0, 0\ntrap\n");
    agree(&text, 10_000, &distinct);
}

#[test]
fn out_of_gas_resumes_at_the_same_block() {
    let text = "
        load_imm a0, 0
        fallthrough
    loop:
        add_imm_64 a0, a0, 1
        add_imm_64 a1, a1, 3
        branch_less_unsigned_imm a0, 100, @loop
        trap";
    for gas in [0, 1, 2, 5, 17, 100, 301, 1000] {
        let exits = agree(text, gas, &distinct);
        // Enough gas runs the loop 100 times to the trap; less stops at a block start.
        let last = exits.last().unwrap().0;
        assert_eq!(
            last,
            if gas >= 302 { gannet_vm::ExitReason::Panic } else { gannet_vm::ExitReason::OutOfGas }
        );
    }
}

#[test]
fn static_branches_to_bad_targets_trap_and_dynamic_jumps_go_anywhere() {
    // `jump` to a target inside an instruction or to a non-block start traps at the jump.
    agree("jump @3\nload_imm64 a0, 0x123456789\ntrap", 100, &distinct);
    agree("branch_eq a0, a0, @2\nfallthrough\ntrap", 100, &distinct);
    let text = "
    .jump_table @a @b @c
        jump_indirect a0, 0
    a:  add_imm_64 a1, a1, 1
        jump_indirect a2, 0
    b:  add_imm_64 a1, a1, 2
        trap
    c:  load_imm_and_jump_indirect ra, a3, 5, 0
        trap";
    fn regs(i: usize) -> u64 {
        // a0 -> entry 1 (@a), a2 -> entry 3 (@c), a3 -> return-to-host.
        [0, 0, 0, 0, 0, 0, 0, 2, 0, 6, 0xFFFF_0000, 0, 0][i]
    }
    agree(text, 100, &regs);
    for value in [0u64, 1, 2, 3, 4, 8, 0xFFFF_0000, 0xFFFF_0002, u64::MAX, 0x1_0000_0002] {
        let program = ".jump_table @a\njump_indirect a0, 0\na: trap";
        agree(program, 100, &|i| if i == 7 { value } else { 0 });
    }
}

#[test]
fn host_calls_and_memset_resume_in_place() {
    let text = "
        ecalli 3
        add_imm_64 a1, a0, 1
        ecalli 4
        trap";
    agree(text, 100, &distinct);
}

#[test]
fn unmetered_programs_agree_and_keep_their_gas() {
    let text = "
        load_imm a1, 0
        fallthrough
    loop:
        add_imm_64 a1, a1, 1
        branch_less_unsigned_imm a1, 1000, @loop
        ecalli 1
        trap";
    let mut results = Vec::new();
    for (name, mut config) in backends() {
        config.cost_model = isa::gas::CostModel::Free;
        let (exits, regs) = run_with(text, &config, 5, &distinct);
        assert_eq!(regs[8], 1000, "{name}");
        // Gas never changes; the host call and the trap are the only exits.
        assert_eq!(
            exits.iter().map(|e| (e.0, e.2)).collect::<Vec<_>>(),
            [(gannet_vm::ExitReason::HostCall(1), 5), (gannet_vm::ExitReason::Panic, 5)]
        );
        results.push((exits, regs));
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]));
}
