//! The threaded dispatcher forwards the register written last to the next op that reads it.
//! Ops that write no register (stores, including `store_imm_*` which read none either) must
//! leave the forwarded value alone, and every way of (re-)entering a block — fresh start,
//! resume after a page fault, after a host call — must agree with the switch dispatcher.
//! (Regression: a `store_imm_u8` was once taken for a write of register 0 (`ra`), so a following
//! `rotate_left_64 a5, ra, ra` read a stale forwarded value.)

mod common;

use common::{distinct, run};
use gannet_vm::Dispatch;

#[test]
fn forwarding_matches_the_switch_dispatcher() {
    let programs = [
        "store_imm_u8 0x50000, 0\nrotate_left_64 a5, ra, ra\ntrap",
        "add_64 ra, ra, sp\nstore_imm_u8 0x50000, 1\nadd_64 a5, ra, ra\ntrap",
        "add_64 a0, a0, a1\nstore_u64 a0, 0x50000\nxor a1, a0, a0\nadd_64 a2, a0, a1\ntrap",
        "add_64 a0, a0, a1\necalli 1\nadd_64 a1, a0, a0\ntrap",
        "load_imm a0, 0x50000\nstore_indirect_u64 a0, a0, 8\nload_indirect_u64 a1, a0, 8\nadd_64 a2, a1, a1\ntrap",
        "add_64 t0, t0, t1\ncmov_if_zero t0, t1, t2\nadd_64 t2, t0, t0\ntrap",
        "add_64 t0, t0, t1\nmove_reg t1, t0\nbranch_eq t0, t1, @skip\ntrap\nskip: add_64 a5, t0, t1\ntrap",
    ];
    for text in programs {
        assert_eq!(
            run(text, Dispatch::Threaded, 1000, distinct),
            run(text, Dispatch::Switch, 1000, distinct),
            "{text}"
        );
    }
}
