//! The threaded dispatcher runs some adjacent op pairs as one fused handler. Every way a pair
//! can stop (a fault or page fault in its first or second op, a page-crossing access taking
//! the slow path, running out of gas at the next block) and every way of resuming must leave
//! exactly the state of unfused execution, which the switch dispatcher provides.

mod common;

use common::{distinct, run};
use gannet_vm::Dispatch;

/// Registers small enough to use as offsets from 0x50000.
fn small(i: usize) -> u64 {
    8 * i as u64
}

fn check(text: &str, gas: i64, init: fn(usize) -> u64) {
    let threaded = run(text, Dispatch::Threaded, gas, init);
    assert_eq!(threaded, run(text, Dispatch::Switch, gas, init), "{text}");
}

#[test]
fn fused_pairs_match_the_switch_dispatcher() {
    let programs = [
        // ALU + ALU, with the second reading the first's result in each field.
        "add_64 a0, a1, a2\nset_less_than_unsigned a3, a0, a2\nadd_64 a4, a3, a0\ntrap",
        "shift_logical_left_imm_64 a1, a0, 32\nshift_logical_right_imm_64 a1, a1, 32\nadd_64 a2, a1, a1\ntrap",
        "shift_logical_left_imm_64 a1, a0, 3\nadd_64 a2, a3, a1\nxor a4, a2, a2\nrotate_right_imm_64 a5, a4, 7\ntrap",
        "xor t0, t1, t2\nrotate_right_imm_32 t0, t0, 7\nrotate_right_imm_32 t1, t0, 9\nrotate_right_imm_32 t2, t1, 9\ntrap",
        "mul_64 a0, a1, a2\nmul_upper_unsigned_unsigned a1, a1, a2\nadd_64 a2, a1, a0\ntrap",
        "load_imm a0, 5\nadd_64 a1, a0, a0\nadd_imm_32 a2, a2, -1\nadd_imm_32 a2, a2, -1\ntrap",
        "and_imm a0, a1, 63\nshift_logical_left_imm_64 a0, a0, 3\nload_imm a1, 9\ntrap",
        // Both ops of a pair write the same register.
        "add_imm_64 a0, a0, 1\nadd_imm_64 a0, a0, 2\nadd_64 a0, a0, a0\ntrap",
    ];
    for text in programs {
        check(text, 1000, distinct);
    }
}

#[test]
fn faults_in_either_op_of_a_pair_stop_at_that_op() {
    let programs = [
        // Page fault in the second op: the first op's result must already be written.
        "load_imm a1, 0x50000\nadd_64 a0, a1, a2\nload_indirect_u64 a3, a0, 8\nadd_64 a4, a3, a0\ntrap",
        "load_imm a1, 0x50000\nadd_64 a0, a1, a2\nstore_indirect_u64 a0, a0, 8\nload_indirect_u64 a5, a0, 8\ntrap",
        "load_imm a1, 0x50000\nadd_64 a0, a1, a2\nstore_indirect_u32 a3, a0, 4\nload_indirect_i32 a5, a0, 4\ntrap",
        "load_imm sp, 0x50100\nadd_imm_64 sp, sp, -16\nstore_indirect_u64 ra, sp, 8\nstore_indirect_u64 s0, sp, 0\nload_indirect_u64 a0, sp, 8\ntrap",
        "load_imm a1, 0x50000\nxor a0, a1, a2\nstore_indirect_u64 a0, a1, 16\nmove_reg a3, a1\nstore_indirect_u64 a3, a1, 24\nload_indirect_u64 a4, a1, 24\ntrap",
        // Page fault in the first op, then in the second.
        "load_imm a1, 0x50000\nload_indirect_u64 a0, a1, 0\nadd_64 a2, a0, a1\nload_imm a3, 0x60000\nload_indirect_u64 a4, a1, 8\nload_indirect_u64 a5, a3, 0\ntrap",
        "load_imm a1, 0x50000\nload_indirect_u8 a0, a1, 3\nshift_logical_left_imm_64 a0, a0, 8\nload_indirect_i32 a2, a1, 4\nadd_imm_64 a2, a2, 1\ntrap",
        // Panics: a store to a read-only page in the second op, a load below 0x10000 in the first.
        "load_imm a1, 0x70000\nadd_64 a0, a1, a2\nstore_indirect_u32 a3, a0, 0\ntrap",
        "load_imm a1, 0x100\nload_indirect_u64 a0, a1, 0\nmul_64 a2, a0, a0\ntrap",
        // Page-crossing accesses take the slow path and succeed once both pages are mapped.
        "load_imm a1, 0x50ff8\nstore_indirect_u64 a1, a1, 4\nstore_indirect_u64 a1, a1, 4\nadd_64 a0, a1, a2\nload_indirect_u64 a3, a0, 4\nload_indirect_u64 a4, a1, 4\nload_indirect_u64 a5, a1, 4\ntrap",
        // A host call between pairs, then a fused pair reading the host's result.
        "add_64 a0, a1, a2\necalli 1\nadd_64 a1, a0, a0\nload_indirect_u64 a2, a3, 0\ntrap",
    ];
    for text in programs {
        check(text, 1000, distinct);
        check(text, 1000, small);
    }
}

#[test]
fn pairs_ending_in_a_branch_match() {
    let programs = [
        // A store faulting before the loop branch, then the loop running to its end.
        "load_imm a0, 0x50000\nloop: add_imm_64 a0, a0, 4\nadd_imm_64 a4, a4, 1\nstore_indirect_u32 a4, a0, 0\n\
         branch_not_eq a4, a3, @loop\ntrap",
        "load_imm a0, 0x50000\nloop: store_imm_indirect_u8 a0, 0, 1\nbranch_eq_imm a0, 0x50000, @next\ntrap\n\
         next: load_imm a1, 3\nbranch_less_unsigned a1, a2, @done\ntrap\ndone: move_reg a0, a1\n\
         branch_not_eq_imm a0, 3, @end\ntrap\nend: load_indirect_u64 a1, a0, 0\nbranch_not_eq a1, a2, @end2\ntrap\n\
         end2: trap",
        "loop: add_imm_32 a0, a0, -1\nbranch_not_eq_imm a0, 0, @loop\nmove_reg a1, a0\nbranch_eq_imm a1, 0, @end\ntrap\n\
         end: trap",
    ];
    for text in programs {
        check(text, 1000, small);
        check(text, 1000, distinct);
    }
}

#[test]
fn dynamic_jumps_to_every_kind_of_address_match() {
    // Jump-table entries 1 and 2 (addresses 2 and 4); everything else misses: 0, odd
    // addresses, past the table, and the return-to-host address (halt).
    for address in
        [0u64, 1, 2, 3, 4, 5, 6, 8, 0x7FFF_FFFE, 0xFFFF_0000, 0xFFFF_0001, 0xFFFF_FFFE, 0x1_0000_0002]
    {
        let text = format!(
            ".jump_table @a\n.jump_table @b\nload_imm64 a0, {address}\njump_indirect a0, 0\n\
             a: load_imm a1, 1\ntrap\nb: load_imm a1, 2\ntrap"
        );
        check(&text, 1000, small);
    }
}

#[test]
fn out_of_gas_after_fused_pairs_matches() {
    // A loop whose body is fused pairs; every gas amount stops it at a different block entry.
    let text = "load_imm a1, 0x50000\nloop: add_64 a0, a1, a2\nload_indirect_u64 a3, a0, 0\n\
                add_imm_64 a2, a2, 8\nadd_imm_64 a4, a4, 1\nbranch_not_eq_imm a4, 100, @loop\ntrap";
    for gas in 0..40 {
        check(text, gas, small);
    }
}
