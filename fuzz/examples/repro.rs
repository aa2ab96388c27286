//! Replays an `interpreter` fuzz input: prints its code and the threaded and switch outcomes.
//! `cargo run --example repro -- <artifact>`
use gannet_fuzz::{build_module, execute, parse_interp};
use vm::Dispatch;

fn main() {
    let data = std::fs::read(std::env::args().nth(1).unwrap()).unwrap();
    let input = parse_interp(&data);
    println!("{:?} start {} regs {:x?}", input.set, input.start_pc, input.regs);
    println!("{}", isa::text::disassemble_code(input.set, &input.code));
    for d in [Dispatch::Threaded, Dispatch::Switch] {
        let m = build_module(&input, d, false);
        let o = execute(&m, &input, false).unwrap();
        println!("{d:?}: {:?}\n regs {:x?}", o.events, o.regs);
    }
}
