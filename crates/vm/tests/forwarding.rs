//! The threaded dispatcher forwards the register written last to the next op that reads it.
//! Ops that write no register (stores, including `store_imm_*` which read none either) must
//! leave the forwarded value alone, and every way of (re-)entering a block — fresh start,
//! resume after a page fault, after a host call — must agree with the switch dispatcher.
//! (Regression: a `store_imm_u8` was once taken for a write of register 0 (`ra`), so a following
//! `rotate_left_64 a5, ra, ra` read a stale forwarded value.)

use gannet_vm::{Access, Config, Dispatch, Engine, ExitReason, Instance, Module, ProgramImage, Reg};

fn run(text: &str, dispatch: Dispatch) -> (Vec<ExitReason>, [u64; 13]) {
    let (set, code) = isa::text::assemble_code(&format!(".isa gp072\n{text}")).unwrap();
    let mut config = Config::new();
    config.set_dispatch(dispatch);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, ProgramImage::bare(set, code)).unwrap();
    let mut instance = Instance::new(&module).unwrap();
    for (i, reg) in Reg::ALL.into_iter().enumerate() {
        instance.set_reg(reg, 0x1111_1111_1111_1111u64.wrapping_mul(i as u64 + 1));
    }
    instance.set_gas(1000);
    let mut exits = Vec::new();
    loop {
        let exit = instance.run();
        exits.push(exit);
        match exit {
            ExitReason::PageFault(page) => instance.map(page, 4096, Access::ReadWrite),
            ExitReason::HostCall(_) => instance.set_reg(Reg::A0, 7),
            _ => break,
        }
    }
    (exits, instance.regs())
}

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
        assert_eq!(run(text, Dispatch::Threaded), run(text, Dispatch::Switch), "{text}");
    }
}
