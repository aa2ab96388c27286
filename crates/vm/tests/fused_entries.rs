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
            // Mapped at once: no fault.
            agree(&text, &init, &|instance: &mut Instance| {
                instance.map(0x30000, 0x1000, Access::ReadWrite);
                instance.write_memory(0x30008, &[0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88]).unwrap();
                let exit = instance.run();
                vec![seen(instance, exit)]
            });
            // A page fault, a retry that faults again, then the page mapped.
            let stops = agree(&text, &init, &|instance: &mut Instance| {
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
            });
            assert_eq!(stops[0].0, ExitReason::PageFault(0x30000), "{text}");
            assert_eq!(stops[0].1, code_len(&format!("add_64 {add}")), "the fault is the load's");
            assert_eq!(stops[0].3[7], a0.wrapping_add(a1), "the addition is done");
            assert_eq!(stops[1].0, ExitReason::PageFault(0x30000));
            assert_eq!(stops[2].0, ExitReason::Panic, "the trap after the load");
            // The host moves `a0` before the retry: the load reads from the new address.
            agree(&text, &init, &|instance: &mut Instance| {
                let first = instance.run();
                let mut stops = vec![seen(instance, first)];
                instance.map(0x40000, 0x1000, Access::ReadWrite);
                instance.write_memory(0x40000, &[0x11; 8]).unwrap();
                instance.set_reg(Reg::A0, 0x3FFF8);
                let exit = instance.run();
                stops.push(seen(instance, exit));
                stops
            });
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
