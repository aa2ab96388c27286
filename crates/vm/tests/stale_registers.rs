//! Put-off sign extensions: during the walk the recompiler leaves a 32-bit result's register
//! *stale* (low half right, high half not yet the sign extension) until something needs it
//! whole, and lets bitwise operations and moves of stale registers give stale results. Here
//! stale registers (a rotation, a shift, an `xor` and a `move_reg` of those) meet every
//! kind of next instruction: ones that read only low halves, bitwise ones with stale and whole
//! operands, ones that read whole registers, and everything that looks at the registers from
//! outside (faults and their retries, host calls, traps, out of gas at the next block, the
//! next block itself, fresh starts at every instruction). Against the interpreter, with the
//! registers compared at every exit, at every gas budget.

mod common;

use common::{backends, instance_of, instructions_of, Exit};
use gannet_vm::{Access, Config, ExitReason, Reg};

/// What follows the stale registers (`{l}` stands for a label of the program's own).
const NEXT: [&str; 34] = [
    // Read only low halves.
    "add_32 a0, a0, a2",
    "rotate_right_imm_32 a4, a3, 5",
    "sign_extend_8 a4, a0",
    "zero_extend_16 a4, a3",
    "count_set_bits_32 a4, a0",
    "and_imm a4, a0, 0x7fffffff",
    // Bitwise: all operands stale (stays stale), or some whole (extends the stale ones).
    "xor a4, a0, a3",
    "or_inverted a4, a0, a2",
    "xnor a4, a3, a0",
    "and_inverted a4, a0, a3",
    "and_imm a4, a0, -2",
    "xor_imm a0, a0, 0x80000000",
    "xor a4, a0, a5",
    "or a4, s1, a3",
    "move_reg a5, a0",
    // Read whole registers, or overwrite without reading.
    "add_imm_64 a4, a0, 1",
    "add_64 a4, a0, a5",
    "shift_logical_left_imm_64 a4, a3, 32\nshift_logical_right_imm_64 a4, a4, 32",
    "shift_logical_right_imm_64 a4, a0, 31",
    "set_less_than_signed a4, a0, a5",
    "mul_upper_signed_signed a4, a0, a3",
    "reverse_bytes a4, a2",
    "cmov_if_zero a0, a5, s1",
    "div_signed_64 a4, a0, a3",
    "load_imm a0, 5",
    // Seen from outside: faults (retried), host calls, traps, the next block.
    "load_indirect_u64 a4, s0, 0",
    "store_indirect_u64 a0, s0, 8\nload_indirect_u64 a4, s0, 8",
    "store_indirect_u32 a3, s1, 0",
    "ecalli 3",
    // `memset`, which takes gas by the byte inside its block: into an unmapped page (a fault,
    // then the rest), into the read-only one (a panic).
    "load_imm a0, 0x50ff0\nload_imm a2, 40\nmemset",
    "load_imm a0, 0x70000\nload_imm a2, 5\nmemset",
    "branch_less_signed_imm a0, 0, @{l}\nadd_imm_64 a5, a5, 1\nfallthrough\n{l}: add_imm_64 a4, a4, 1",
    "jump @{l}\n{l}: xor a4, a4, a3",
    "fallthrough\nxor a4, a4, a0",
];

/// The program for `next`: stale `a0`, `a2` and `a3` (and a whole 32-bit result in `a5`),
/// then `next`, then every register folded into `t2` (so that a wrong high half shows), a
/// trap. `s0` points at an unmapped page, `s1` at a read-only one.
fn program(next: &str, value: u64) -> String {
    format!(
        "load_imm64 s0, 0x50000
        load_imm64 s1, 0x70000
        load_imm64 a1, {value:#x}
        load_imm64 a0, 0x1234567812345678
        load_imm64 a2, 0xfedcba9876543210
        rotate_right_imm_32 a0, a1, 7
        shift_logical_left_imm_32 a2, a1, 1
        xor a0, a0, a2
        move_reg a3, a0
        shift_logical_right_imm_32 a5, a1, 3
        {next}
        xor t2, t2, a0
        xor t2, t2, a2
        xor t2, t2, a3
        xor t2, t2, a4
        xor t2, t2, a5
        mul_imm_64 t2, t2, 0x1003f
        trap",
        next = next.replace("{l}", "here")
    )
}

/// Every exit of `program` from `start` with `gas` (more gas after an out-of-gas stop, the
/// page mapped after a fault, up to 16 of them: a fresh start at a `memset` has gigabytes to
/// write), with the pc, gas and registers at each.
fn drive(program: &str, config: &Config, start: Option<u32>, gas: i64) -> Vec<Exit> {
    // (`latest64`, for `memset`.)
    let mut instance = instance_of("latest64", program, config, &common::distinct);
    instance.map(0x70000, 4096, Access::Read);
    let mut faults = 0;
    let exits = common::exits(&mut instance, start, gas, |instance, exit| {
        match exit {
            ExitReason::OutOfGas => instance.set_gas(instance.gas() + 2),
            ExitReason::PageFault(page) if faults < 16 => {
                faults += 1;
                instance.map(page, 4096, Access::ReadWrite);
            }
            ExitReason::HostCall(_) => instance.set_reg(Reg::A1, instance.reg(Reg::A1) ^ 1),
            _ => return false,
        }
        true
    });
    assert!(exits.len() < 1000, "runs end");
    exits
}

#[test]
fn stale_registers_are_whole_wherever_they_are_seen() {
    let configs = backends();
    // `a1`, from which the stale registers come: with these, `a0` (and `a3`) and `a2` are
    // negative 32-bit values in the first two runs (0x8380_0002 and 0x8000_0002; 0x86c0_0244
    // and 0xc000_0246), positive in the last (0x4dc4_4cc4 and 0x0eca_8642).
    for value in [0x1234_5678_c000_0001, 0xdead_beef_6000_0123, 0xffff_ffff_8765_4321] {
        for next in NEXT {
            let program = program(next, value);
            let budget = 1 << 20;
            let whole = drive(&program, &configs[0].1, None, budget);
            let total = budget - whole.last().unwrap().2;
            assert!(total > 15, "{next}: {whole:?}");
            let starts: Vec<u32> =
                instructions_of("latest64", &program).into_iter().map(|(pc, _)| pc).collect();
            for (start, gas) in
                (0..=total).map(|gas| (None, gas)).chain(starts.iter().map(|&pc| (Some(pc), budget)))
            {
                let expected = drive(&program, &configs[0].1, start, gas);
                for (name, config) in &configs[1..] {
                    let got = drive(&program, config, start, gas);
                    assert_eq!(
                        expected, got,
                        "{name} differs on `{next}` ({value:#x}) from {start:?} with {gas} gas"
                    );
                }
            }
        }
    }
}
