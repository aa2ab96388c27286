//! The recompiler compiles some pairs of consecutive instructions as one unit. These tests
//! check what the pair must still allow, against the interpreter:
//!
//! * a fresh start (`set_next_pc`) at the pair's second instruction runs that instruction
//!   alone (the interpreter allows starting inside a block);
//! * a load fused with the `add_64` that computes its address, which faults, stops with the
//!   interpreter's state (the addition done, the pc at the load) and, run again, performs the
//!   load with the registers as they are then, even if the host changed them or the retry
//!   faults again.

mod common;

use common::{backends, VARIED as INIT};
use gannet_vm::{Access, Config, Engine, ExitReason, Instance, Module, ProgramImage, Reg};

/// An instance of `text` (GP 0.7.2 assembly) with registers `init` and plenty of gas.
fn instance(text: &str, config: &Config, init: &[u64; 13]) -> Instance {
    let (set, code) = isa::text::assemble_code(&format!(".isa gp072\n{text}")).unwrap();
    let engine = Engine::new(config).unwrap();
    let module = Module::new(&engine, ProgramImage::bare(set, code)).unwrap();
    let mut instance = Instance::new(&module).unwrap();
    for (i, reg) in Reg::ALL.into_iter().enumerate() {
        instance.set_reg(reg, init[i]);
    }
    instance.set_gas(1 << 30);
    instance
}

/// What a run shows at one stop: the exit, pc, gas and all registers.
type Seen = (ExitReason, u32, i64, [u64; 13]);

fn seen(instance: &Instance, exit: ExitReason) -> Seen {
    (exit, instance.pc(), instance.gas(), instance.regs())
}

/// Runs `script` on every backend and requires the same stops; `script` drives one instance
/// and returns what it saw.
fn agree(text: &str, init: &[u64; 13], script: &dyn Fn(&mut Instance) -> Vec<Seen>) -> Vec<Seen> {
    let configs = backends();
    let expected = script(&mut instance(text, &configs[0].1, init));
    for (name, config) in &configs[1..] {
        let got = script(&mut instance(text, config, init));
        assert_eq!(expected, got, "{name} differs from the interpreter on:\n{text}");
    }
    expected
}

/// Each pair the compiler fuses, as assembly.
const PAIRS: [[&str; 2]; 5] = [
    ["mul_64 a0, a1, a2", "mul_upper_unsigned_unsigned a3, a1, a2"],
    ["add_64 a0, a1, a2", "set_less_than_unsigned a3, a0, a1"],
    ["shift_logical_left_imm_64 a0, a1, 32", "shift_logical_right_imm_64 a3, a0, 29"],
    ["shift_logical_left_imm_64 a0, a1, 56", "shift_arithmetic_right_imm_64 a0, a0, 56"],
    ["add_64 a0, a0, a1", "load_indirect_u64 a0, a0, 8"],
];

/// The length of the code of `text`.
fn code_len(text: &str) -> u32 {
    isa::text::assemble_code(&format!(".isa gp072\n{text}")).unwrap().1.code.len() as u32
}

#[test]
fn a_fresh_start_at_the_second_instruction_of_a_fused_pair_runs_it() {
    // `a0 + a1 + 8` is 0x20008, where the load finds its value; starting at the load, it
    // reads at `a0 + 8`, another mapped page.
    let mut init = INIT;
    init[8] = 0x20000u64.wrapping_sub(init[7]);
    for [first, second] in PAIRS {
        let text = format!("{first}\n{second}\ntrap\n");
        for start in [0, code_len(first)] {
            agree(&text, &init, &|instance: &mut Instance| {
                instance.map(0x20000, 0x1000, Access::ReadWrite);
                instance.write_memory(0x20008, &0x0102_0304_0506_0708u64.to_le_bytes()).unwrap();
                instance.map(init[7] as u32 & !0xFFF, 0x2000, Access::ReadWrite);
                instance.set_next_pc(start);
                let exit = instance.run();
                vec![seen(instance, exit)]
            });
        }
    }
}

/// `add` (`a0` = the sum of two registers, every aliasing) + `load_indirect_* a0, a0,
/// offset`, then folding the result; `a2` is set equal to `a0` by the callers, so all three
/// additions give the same sum.
fn fused_load(add: &str, load: &str, offset: u32) -> String {
    format!("add_64 {add}\n{load} a0, a0, {offset:#x}\nxor t2, t2, a0\ntrap\n")
}

/// A fused load's run that faults at 0x30000 (the page is unmapped), is run again and faults
/// again, then runs once more with the page mapped.
fn fault_twice_then_map(instance: &mut Instance) -> Vec<Seen> {
    let mut stops = Vec::new();
    for _ in 0..2 {
        let exit = instance.run();
        stops.push(seen(instance, exit));
    }
    instance.map(0x30000, 0x1000, Access::ReadWrite);
    instance.write_memory(0x30008, &[0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88]).unwrap();
    let exit = instance.run();
    stops.push(seen(instance, exit));
    stops
}

/// A fused load `a0, a0, offset` that faults, after which the host moves `a0` so that the
/// retry reads at 0x40000, a mapped page.
fn moved_retry(instance: &mut Instance, offset: u32) -> Vec<Seen> {
    let first = instance.run();
    let mut stops = vec![seen(instance, first)];
    instance.map(0x40000, 0x1000, Access::ReadWrite);
    instance.write_memory(0x40000, &[0x11; 8]).unwrap();
    instance.set_reg(Reg::A0, 0x40000u64.wrapping_sub(u64::from(offset)));
    let exit = instance.run();
    stops.push(seen(instance, exit));
    stops
}

const ADDS: [&str; 3] = ["a0, a0, a1", "a0, a1, a0", "a0, a2, a1"];

#[test]
fn a_faulting_fused_load_stops_after_the_addition_and_retries_the_load_alone() {
    let loads = [
        "load_indirect_u8",
        "load_indirect_i8",
        "load_indirect_u16",
        "load_indirect_i16",
        "load_indirect_u32",
        "load_indirect_i32",
        "load_indirect_u64",
    ];
    let cases = loads.into_iter().flat_map(|load| ADDS.map(|add| (load, add)));
    for (load, add) in cases {
        // `a0 + a1 + 8` is 0x30008 (mod 2^32 too: the high halves are junk).
        for (a0, a1) in [(0x1_0003_0000u64, 0), (0xFFFF_FFFF_0002_0000, 0x1_0001_0000), (0x30000, 0)] {
            let mut init = INIT;
            (init[7], init[8], init[9]) = (a0, a1, a0);
            let text = fused_load(add, load, 8);
            // Mapped at once: no fault. Then a page fault, a retry that faults again, then the
            // page mapped; then the host moving `a0` before the retry.
            agree(&text, &init, &|instance: &mut Instance| {
                instance.map(0x30000, 0x1000, Access::ReadWrite);
                instance.write_memory(0x30008, &[0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88]).unwrap();
                let exit = instance.run();
                vec![seen(instance, exit)]
            });
            let stops = agree(&text, &init, &fault_twice_then_map);
            assert_eq!(stops[0].0, ExitReason::PageFault(0x30000), "{text}");
            assert_eq!(stops[0].1, code_len(&format!("add_64 {add}")), "the fault is the load's");
            assert_eq!(stops[0].3[7], a0.wrapping_add(a1), "the addition is done");
            assert_eq!(stops[1].0, ExitReason::PageFault(0x30000));
            assert_eq!(stops[2].0, ExitReason::Panic, "the trap after the load");
            agree(&text, &init, &|instance: &mut Instance| moved_retry(instance, 8));
        }
    }
}

#[test]
fn fused_loads_fault_at_page_ends_and_on_wrapping_addresses() {
    // 8 bytes from 0x30FFC cross into the unmapped page 0x31000; `a0 + a1 + offset`
    // wrapping past 2^32 lands at 0x30FFC too.
    let sums = [(0x30FF0u64, 4u64, 8u32), (0xFFFF_FFF0, 0x30FFC, 0x10), (0x31000, 0, 0xFFFF_FFFC)];
    for ((a0, a1, offset), add) in sums.into_iter().flat_map(|sum| ADDS.map(|add| (sum, add))) {
        let mut init = INIT;
        (init[7], init[8], init[9]) = (a0, a1, a0);
        let text = fused_load(add, "load_indirect_u64", offset);
        let stops = agree(&text, &init, &|instance: &mut Instance| {
            instance.map(0x30000, 0x1000, Access::ReadWrite);
            let mut stops = Vec::new();
            let first = instance.run();
            stops.push(seen(instance, first));
            instance.map(0x31000, 0x1000, Access::Read);
            let exit = instance.run();
            stops.push(seen(instance, exit));
            stops
        });
        assert!(matches!(stops[0].0, ExitReason::PageFault(0x31000)), "{stops:x?}");
        assert_eq!(stops[1].0, ExitReason::Panic);
    }
}

/// `shl` + `add_64` over its result: the scaled-index groups (an `lea`, or with a load over
/// the sum, one load), in every aliasing the compiler fuses, and three it must not (the
/// addition doubling the shifted value, a shift by 4, the sum into another register).
const SCALED: [[&str; 2]; 6] = [
    ["shift_logical_left_imm_64 a0, a1, 3", "add_64 a0, a0, a2"],
    ["shift_logical_left_imm_64 a0, a0, 2", "add_64 a0, a2, a0"],
    ["shift_logical_left_imm_64 a0, a1, 1", "add_64 a0, a0, a1"],
    ["shift_logical_left_imm_64 a0, a1, 3", "add_64 a0, a0, a0"],
    ["shift_logical_left_imm_64 a0, a1, 4", "add_64 a0, a0, a2"],
    ["shift_logical_left_imm_64 a0, a1, 2", "add_64 a3, a0, a2"],
];

/// Registers for [`SCALED`]: `a0` and `a1` (the shifted value) 0x100 in their low halves,
/// `a2` (the base) 0x20000, all with junk in the high halves.
fn scaled_init() -> [u64; 13] {
    let mut init = INIT;
    (init[7], init[8], init[9]) = (0xABCD_0000_0000_0100, 0xABCD_0000_0000_0100, 0x1234_5678_0002_0000);
    init
}

#[test]
fn a_fresh_start_inside_a_scaled_group_runs_the_rest_of_it() {
    let init = scaled_init();
    for [shl, add] in SCALED {
        // With a load over the sum, and with a store that keeps the sum.
        for last in
            ["load_indirect_u64 a0, a0, 8", "store_indirect_u64 a1, a0, 8\nload_indirect_u32 a4, a0, 8"]
        {
            let text = format!("{shl}\n{add}\n{last}\ntrap\n");
            let starts = [0, code_len(shl), code_len(&format!("{shl}\n{add}"))];
            for start in starts {
                agree(&text, &init, &|instance: &mut Instance| {
                    instance.map(0x20000, 0x2000, Access::ReadWrite);
                    instance.write_memory(0x20808, &0x0102_0304_0506_0708u64.to_le_bytes()).unwrap();
                    instance.set_next_pc(start);
                    let exit = instance.run();
                    vec![seen(instance, exit)]
                });
            }
        }
    }
}

#[test]
fn a_faulting_scaled_load_stops_after_the_shift_and_the_addition() {
    let loads = [
        "load_indirect_u8",
        "load_indirect_i16",
        "load_indirect_u32",
        "load_indirect_i32",
        "load_indirect_u64",
    ];
    // (shl, add, a0, a1, a2, offset): each address is 0x30008 modulo 2^32 (the shifted
    // value wrapping past 2^32, the sum wrapping, the offset wrapping).
    let cases = [
        (SCALED[0], 0, 0x0000_0007_0000_0001, 0xFFFF_FFFF_0003_0000 - 8, 8),
        (SCALED[0], 0, 0x2000_0000, 0x30000, 8),
        (SCALED[1], 0xFFFF_FFFF_4000_0001, 0, 0x1_0002_FFFC, 8),
        (SCALED[0], 0, 0x2000, 0x30000, 0xFFFF_0008),
        (SCALED[2], 0, 0x5556_0000, 0, 0x10008),
        (SCALED[3], 0, 0x3000, 0, 8),
        (SCALED[4], 0, 0x3000, 0, 8),
    ];
    for (load, ([shl, add], a0, a1, a2, offset)) in loads.into_iter().flat_map(|l| cases.map(|c| (l, c))) {
        let mut init = INIT;
        (init[7], init[8], init[9]) = (a0, a1, a2);
        let text = format!("{shl}\n{add}\n{load} a0, a0, {offset:#x}\nxor t2, t2, a0\ntrap\n");
        let stops = agree(&text, &init, &fault_twice_then_map);
        assert_eq!(stops[0].0, ExitReason::PageFault(0x30000), "{text}");
        assert_eq!(stops[0].1, code_len(&format!("{shl}\n{add}")), "the fault is the load's: {text}");
        assert_eq!(
            stops[0].3[7] as u32,
            0x30008u32.wrapping_sub(offset),
            "the shift and the addition are done: {text}"
        );
        assert_eq!(stops[1].0, ExitReason::PageFault(0x30000));
        assert_eq!(stops[2].0, ExitReason::Panic, "the trap after the load");
        agree(&text, &init, &|instance: &mut Instance| moved_retry(instance, offset));
    }
}
