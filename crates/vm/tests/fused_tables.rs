//! The table-element groups the recompiler fuses: `shift_logical_left_imm_64 x, s, k`, then
//! the table's address put into `t` (`load_imm t, value`, or a load of it from memory), then
//! `add_64 x, x, t`, and perhaps a load over the element's address `x`. Against the
//! interpreter: every aliasing of the registers, with the near misses that must compile one
//! instruction at a time; the state at a fault in a group's load and the retry; a fresh start
//! at each later instruction of a group.

mod common;

use common::{backends, instance, run_with};
use gannet_vm::{Access, ExitReason, Instance, Reg};

/// Registers of the groups (`a2` is `rdx`, `s1` one of the callee-saved ones).
const REGS: [&str; 3] = ["a0", "a2", "s1"];

/// Code that gives every register of [`REGS`] and `a5` a small low half (so that shifted
/// values stay near 0) and junk in the high half, different each time (`n`).
fn reload(text: &mut String, n: &mut u64) {
    for r in REGS.iter().chain(&["a5"]) {
        *n += 1;
        let value = 0xABCD_0000_0000_0000u64.wrapping_mul(*n) | ((*n * 24) % 0x300);
        text.push_str(&format!("load_imm64 {r}, {value:#x}\n"));
    }
}

/// Code folding the registers into `t2`, so that a wrong value cannot go unseen.
fn fold(text: &mut String) {
    for r in REGS.iter().chain(&["a5"]) {
        text.push_str(&format!("xor t2, t2, {r}\nmul_imm_64 t2, t2, 0x1003f\n"));
    }
}

/// The additions after `shl x, .., k` and the table address in `t`: both operand orders,
/// and near misses (the shifted value doubled, the address added twice, the sum elsewhere).
fn adds(x: &str, t: &str) -> Vec<String> {
    let other = REGS.iter().find(|r| **r != x && **r != t).unwrap_or(&"a5");
    vec![
        format!("add_64 {x}, {x}, {t}"),
        format!("add_64 {x}, {t}, {x}"),
        format!("add_64 {x}, {x}, {x}"),
        format!("add_64 {x}, {t}, {t}"),
        format!("add_64 {other}, {x}, {t}"),
    ]
}

/// The instructions after a group whose addition is `adds(..)[add]`: none, a load over the
/// element's address (fused with a constant table address), a load of the element into
/// another register (not fused). After a near miss, whose `x` is no address, only none.
fn tails(x: &str, add: usize) -> Vec<String> {
    let y = if x == "a5" { "a0" } else { "a5" };
    let loads = [format!("load_indirect_u32 {x}, {x}, 4\n"), format!("load_indirect_i16 {y}, {x}, 2\n")];
    let mut tails = vec![String::new()];
    if add < 2 {
        tails.extend(loads);
    }
    tails
}

/// Runs `text` on every backend from the same registers, with pages mapped as they fault;
/// the interpreter must reach the `trap` that ends it.
fn agree(text: &str) {
    let configs = backends();
    let expected = run_with(text, &configs[0].1, 1 << 40, &|i| i as u64);
    let last = expected.0.last().copied();
    assert_eq!(last.map(|(exit, pc, _)| (exit, pc)), Some((ExitReason::Panic, code_len(text) - 1)));
    for (name, config) in &configs[1..] {
        let got = run_with(text, config, 1 << 40, &|i| i as u64);
        assert_eq!(expected, got, "{name} differs from the interpreter");
    }
}

/// Code filling `from..to` (8-byte aligned) with words that differ from each other in every
/// byte, so that a load from a wrong address or of a wrong width sees other bytes.
fn fill(text: &mut String, label: &str, from: u32, to: u32) {
    text.push_str(&format!(
        "load_imm64 a1, {from:#x}\nload_imm64 a2, {to:#x}\nload_imm64 a3, 0x0123456789abcdef\nfallthrough\n\
         {label}: store_indirect_u64 a3, a1, 0\nadd_imm_64 a1, a1, 8\nload_imm64 a4, 0x0102030405060709\n\
         add_64 a3, a3, a4\nbranch_not_eq a1, a2, @{label}\n"
    ));
}

#[test]
fn constant_table_groups_agree_for_every_aliasing() {
    let (mut text, mut n) = (String::new(), 0);
    // Where the elements are, for the three table addresses below.
    fill(&mut text, "low", 0x20000, 0x23000);
    fill(&mut text, "middle", 0x7FFF_FFF0, 0x8000_3000);
    fill(&mut text, "high", 0xFFFF_0000, 0xFFFF_3000);
    for x in REGS {
        for s in REGS {
            for t in REGS.iter().chain(&["a5"]) {
                // Shifts that scale (1..=3) and two that do not; table addresses that sign-
                // extend (0xFFFF_0000 is -65536) and that do not.
                for k in [0, 1, 2, 3, 4] {
                    for value in [0x20000u32, 0xFFFF_0000, 0x7FFF_FFF0] {
                        for (i, add) in adds(x, t).into_iter().enumerate() {
                            for tail in tails(x, i) {
                                reload(&mut text, &mut n);
                                text.push_str(&format!(
                                    "shift_logical_left_imm_64 {x}, {s}, {k}\nload_imm {t}, {value:#x}\n\
                                     {add}\n{tail}"
                                ));
                                fold(&mut text);
                            }
                        }
                    }
                }
            }
        }
    }
    text.push_str("trap\n");
    agree(&text);
}

#[test]
fn loaded_table_groups_agree_for_every_aliasing() {
    // Every 8-byte word of 0x21000..0x24000 holds a table address near 0x20000 (junk above).
    let mut text = String::from(
        "load_imm a1, 0x21000\nload_imm64 a3, 0x5555000000020000\nfallthrough\n\
         fill: store_indirect_u64 a3, a1, 0\nadd_imm_64 a1, a1, 8\nadd_imm_64 a3, a3, 0x40\n\
         branch_not_eq_imm a1, 0x24000, @fill\n",
    );
    let mut n = 0;
    for x in REGS {
        for s in REGS {
            for t in REGS.iter().chain(&["a5"]) {
                for base in REGS.iter().chain(&["a5"]) {
                    for k in [1, 3, 4] {
                        for load in ["load_indirect_u64", "load_indirect_u32", "load_indirect_i32"] {
                            for (i, add) in adds(x, t).into_iter().enumerate().take(3) {
                                for tail in tails(x, i) {
                                    reload(&mut text, &mut n);
                                    text.push_str(&format!(
                                        "shift_logical_left_imm_64 {x}, {s}, {k}\n{load} {t}, {base}, 0x21000\n\
                                         {add}\n{tail}"
                                    ));
                                    fold(&mut text);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    text.push_str("trap\n");
    agree(&text);
}

/// What one stop shows: the exit, pc and all registers.
type Seen = (ExitReason, u32, [u64; 13]);

/// Runs `text` from registers `init` on every backend: to a first stop with page 0x30000
/// unmapped, then again (the retry), then once more with it mapped. Requires the same stops
/// everywhere and returns them.
fn fault_and_retry(text: &str, init: &[u64; 13]) -> Vec<Seen> {
    let run = |instance: &mut Instance| {
        let mut stops = Vec::new();
        for round in 0..3 {
            if round == 2 {
                instance.map(0x30000, 0x1000, Access::ReadWrite);
                instance.write_memory(0x30000, &[0x81; 16]).unwrap();
            }
            let exit = instance.run();
            stops.push((exit, instance.pc(), instance.regs()));
        }
        stops
    };
    let configs = backends();
    let start = |config| {
        let mut instance = instance(text, config, &|i| init[i]);
        instance.map(0x20000, 0x1000, Access::ReadWrite);
        instance.write_memory(0x20100, &0x30000u64.to_le_bytes()).unwrap();
        instance.set_gas(1 << 30);
        instance
    };
    let expected = run(&mut start(&configs[0].1));
    for (name, config) in &configs[1..] {
        assert_eq!(expected, run(&mut start(config)), "{name} differs from the interpreter on:\n{text}");
    }
    expected
}

fn code_len(text: &str) -> u32 {
    isa::text::assemble_code(&format!(".isa gp072\n{text}")).unwrap().1.code.len() as u32
}

#[test]
fn a_fault_in_a_constant_table_group_stops_at_its_load_after_the_rest() {
    // `a1 * 8 + 0x2FFF8 + 8` is 0x30000 + 8 * (low half of a1) modulo 2^32.
    for (s, a1) in [("a1", 0u64), ("a1", 0xFFFF_FFFF_0000_0001), ("a0", 0x8000_0000_0000_0000)] {
        let group = format!("shift_logical_left_imm_64 a0, {s}, 3\nload_imm a2, 0x2fff8\nadd_64 a0, a2, a0");
        let text = format!("{group}\nload_indirect_u64 a0, a0, 8\ntrap\n");
        let mut init = common::VARIED;
        (init[7], init[8]) = (a1, a1);
        let stops = fault_and_retry(&text, &init);
        let shifted = a1 << 3;
        assert_eq!(stops[0].0, ExitReason::PageFault(0x30000), "{text}");
        assert_eq!(stops[0].1, code_len(&group), "the fault is the load's");
        assert_eq!(stops[0].2[7], shifted.wrapping_add(0x2FFF8), "the element's address is in a0");
        assert_eq!(stops[0].2[9], 0x2FFF8, "the table's address is in a2");
        assert_eq!(stops[1].0, ExitReason::PageFault(0x30000), "the retry faults again");
        assert_eq!(stops[2].0, ExitReason::Panic, "the trap after the load");
    }
}

#[test]
fn a_fault_in_a_loaded_table_group_stops_at_the_load_after_the_shift() {
    // The table's address is loaded from 0x30000 + 8 * (low half of a3): unmapped at first.
    let shl = "shift_logical_left_imm_64 a0, a1, 2";
    let text = format!("{shl}\nload_indirect_u64 a2, a3, 0\nadd_64 a0, a0, a2\nxor t2, t2, a0\ntrap\n");
    let mut init = common::VARIED;
    (init[8], init[10]) = (0x7777_0000_0000_0010, 0x30000);
    let stops = fault_and_retry(&text, &init);
    assert_eq!(stops[0].0, ExitReason::PageFault(0x30000));
    assert_eq!(stops[0].1, code_len(shl), "the fault is the middle load's");
    assert_eq!(stops[0].2[7], init[8] << 2, "the shift is done");
    assert_eq!(stops[0].2[9], init[9], "the loaded register is untouched");
    assert_eq!(stops[2].0, ExitReason::Panic);
    assert_eq!(stops[2].2[7], (init[8] << 2).wrapping_add(0x8181_8181_8181_8181));
}

#[test]
fn a_fresh_start_inside_a_table_group_runs_the_rest_of_it() {
    let groups = [
        "shift_logical_left_imm_64 a0, a1, 3\nload_imm a2, 0x20000\nadd_64 a0, a0, a2\nload_indirect_u64 a0, a0, 8",
        "shift_logical_left_imm_64 a0, a1, 1\nload_imm a1, 0x20000\nadd_64 a0, a1, a0\nload_indirect_u8 a3, a0, 1",
        "shift_logical_left_imm_64 a0, a1, 2\nload_indirect_u64 a2, a3, 0x100\nadd_64 a0, a0, a2\nload_indirect_u64 a0, a0, 0",
    ];
    let init = [0, 0, 0, 0, 0, 0, 0, 0x30, 0x40, 0x50, 0x20000, 0, 0];
    for group in groups {
        let text = format!("{group}\nxor t2, t2, a0\ntrap\n");
        let lines: Vec<&str> = group.lines().collect();
        for n in 0..lines.len() {
            let start = if n == 0 { 0 } else { code_len(&lines[..n].join("\n")) };
            let configs = backends();
            let run = |config| {
                let mut instance = instance(&text, config, &|i| init[i]);
                instance.map(0x20000, 0x2000, Access::ReadWrite);
                for at in (0x20000..0x20200).step_by(8) {
                    instance.write_memory(at, &(0x20000u64 + u64::from(at) % 0x100).to_le_bytes()).unwrap();
                }
                instance.set_gas(1 << 30);
                instance.set_next_pc(start);
                let exit = instance.run();
                (exit, instance.pc(), instance.regs())
            };
            let expected = run(&configs[0].1);
            assert_eq!(expected.0, ExitReason::Panic, "runs to the trap: {text} from {start}");
            for (name, config) in &configs[1..] {
                assert_eq!(expected, run(config), "{name}: {text} from {start}");
            }
        }
    }
}

#[test]
fn the_registers_of_a_group_can_be_set_by_the_host_between_runs() {
    // A host call right before the group, whose result (a1) the shift reads.
    let text = "ecalli 0\nshift_logical_left_imm_64 a0, a1, 3\nload_imm a2, 0x20000\nadd_64 a0, a0, a2\n\
                load_indirect_u64 a0, a0, 0\ntrap\n";
    for config in backends() {
        let mut instance = instance(text, &config.1, &|_| 0);
        instance.map(0x20000, 0x1000, Access::ReadWrite);
        instance.write_memory(0x20028, &0x1234u64.to_le_bytes()).unwrap();
        instance.set_gas(1 << 30);
        assert_eq!(instance.run(), ExitReason::HostCall(0), "{}", config.0);
        instance.set_reg(Reg::A1, 5);
        assert_eq!(instance.run(), ExitReason::Panic, "{}", config.0);
        assert_eq!((instance.reg(Reg::A0), instance.reg(Reg::A2)), (0x1234, 0x20000), "{}", config.0);
    }
}
