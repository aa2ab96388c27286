//! A 32-bit result is sign-extended to 64 bits, but the recompiler leaves the extension out
//! when the next instruction overwrites the register reading only its low half. Every
//! producer of such a result, followed by every kind of next instruction (those readers, and
//! the near misses that read all 64 bits, keep the value, or mask with a negative constant),
//! with the register read and not read, against the interpreter; registers are folded after
//! each pair so that a wrong high half cannot go unseen.

mod common;

use common::{backends, run_with};

/// The instructions with a 32-bit result, as `op d, a, b` (or `op d, a, imm` with `{}`
/// standing for the immediate).
const PRODUCERS: [&str; 17] = [
    "add_32 {d}, {a}, {b}",
    "sub_32 {d}, {a}, {b}",
    "mul_32 {d}, {a}, {b}",
    "shift_logical_left_32 {d}, {a}, {b}",
    "shift_logical_right_32 {d}, {a}, {b}",
    "shift_arithmetic_right_32 {d}, {a}, {b}",
    "rotate_left_32 {d}, {a}, {b}",
    "rotate_right_32 {d}, {a}, {b}",
    "add_imm_32 {d}, {a}, 0x7ffffff0",
    "mul_imm_32 {d}, {a}, -3",
    "shift_logical_left_imm_32 {d}, {a}, 3",
    "shift_logical_right_imm_32 {d}, {a}, 0",
    "shift_logical_left_imm_alt_32 {d}, {a}, 0x80000001",
    "shift_logical_right_imm_alt_32 {d}, {a}, 0x80000001",
    "shift_arithmetic_right_imm_alt_32 {d}, {a}, 0x80000001",
    "rotate_right_imm_32 {d}, {a}, 7",
    "rotate_right_imm_alt_32 {d}, {a}, 0x80000001",
];

/// The next instructions, as templates over `x` (written) and `y` (read).
const NEXT: [&str; 14] = [
    // Read only the low half: the extension can go when `x` is the producer's `d`.
    "add_32 {x}, {y}, a3",
    "sub_32 {x}, a3, {y}",
    "shift_logical_left_32 {x}, a3, {y}",
    "add_imm_32 {x}, {y}, 1",
    "shift_arithmetic_right_imm_32 {x}, {y}, 4",
    "rotate_right_imm_32 {x}, {y}, 31",
    "and_imm {x}, {y}, 0xff",
    "and_imm {x}, {y}, 0x7fffffff",
    // Read all 64 bits, or keep them: the extension must stay.
    "and_imm {x}, {y}, -2",
    "add_imm_64 {x}, {y}, 1",
    "add_64 {x}, {y}, a3",
    "shift_logical_right_imm_64 {x}, {y}, 32",
    "store_indirect_u32 {y}, a3, 0",
    "move_reg {x}, {y}",
];

#[test]
fn thirty_two_bit_results_agree_before_every_kind_of_next_instruction() {
    let regs = ["a0", "a1", "a2"];
    let mut text = String::from("load_imm a3, 0x20000\n");
    let values = [0x8000_0000u64, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x1234_5678_9ABC_DEF0, 0xFFFF_FFFF_0000_0001, 5];
    let mut n = 0;
    for producer in PRODUCERS {
        for next in NEXT {
            // The producer's destination `d`; the next instruction writes `x` and reads `y`,
            // each `d` or not.
            for (x, y) in [("a0", "a0"), ("a0", "a1"), ("a1", "a0"), ("a1", "a1")] {
                for r in regs {
                    n += 1;
                    text.push_str(&format!("load_imm64 {r}, {:#x}\n", values[n % values.len()]));
                }
                text.push_str(&producer.replace("{d}", "a0").replace("{a}", "a1").replace("{b}", "a2"));
                text.push('\n');
                text.push_str(&next.replace("{x}", x).replace("{y}", y));
                text.push('\n');
                for r in regs {
                    text.push_str(&format!("xor t2, t2, {r}\nmul_imm_64 t2, t2, 0x1003f\n"));
                }
            }
        }
    }
    text.push_str("load_indirect_u64 a4, a3, 0\nxor t2, t2, a4\ntrap\n");
    let configs = backends();
    let expected = run_with(&text, &configs[0].1, 1 << 40, &|i| i as u64);
    assert_eq!(expected.0.last().map(|stop| stop.0), Some(gannet_vm::ExitReason::Panic));
    for (name, config) in &configs[1..] {
        assert_eq!(expected, run_with(&text, config, 1 << 40, &|i| i as u64), "{name}");
    }
}
