//! Scratch: trace a standard program's first instructions.
use gannet_vm::{Config, Engine, ExitReason, Instance, Module, ProgramImage};
use isa::blob::StandardProgram;
use isa::InstructionSet;

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(path).unwrap();
    let program = StandardProgram::parse_any(&bytes).unwrap();
    let mut config = Config::new();
    config.set_step(true);
    let engine = Engine::new(&config).unwrap();
    let module =
        Module::new(&engine, ProgramImage::from_standard(&program, InstructionSet::Gp072, &[]).unwrap())
            .unwrap();
    let mut inst = Instance::new(&module).unwrap();
    inst.set_gas(1_000_000);
    let view = program.code.view(InstructionSet::Gp072);
    loop {
        let exit = inst.run();
        if exit != ExitReason::Step {
            println!("{exit:?} at {} regs {:x?}", inst.pc(), inst.regs());
            break;
        }
        let d = view.decode(inst.pc());
        println!("{:6} {:?} {:?}   regs {:x?}", d.pc, d.inst.opcode, d.inst.operands, &inst.regs());
    }
}
