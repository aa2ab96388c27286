//! Long straight-line blocks and long-running loops must not grow the native stack: the
//! threaded dispatcher's budget has to return to its driver loop often enough even when tail
//! calls are not optimised (test builds are debug builds).

use gannet_vm::{Config, Dispatch, Engine, ExitReason, Instance, Module, ProgramImage, Reg};
use isa::blob::CodeBlob;
use isa::{encode, Instruction, InstructionSet, Opcode, Operands};

fn program(block_len: usize) -> CodeBlob {
    let set = InstructionSet::ReviveV1;
    let mut code = Vec::new();
    let mut starts = Vec::new();
    let mut push = |code: &mut Vec<u8>, opcode, operands| {
        starts.push(code.len());
        let pc = code.len() as u32;
        encode(set, &Instruction::new(opcode, operands).unwrap(), pc, code).unwrap();
    };
    for _ in 0..block_len {
        push(&mut code, Opcode::AddImm64, Operands::RegRegImm { a: isa::Reg::A0, b: isa::Reg::A0, imm: 1 });
    }
    push(&mut code, Opcode::JumpIndirect, Operands::RegImm { reg: isa::Reg::RA, imm: 0 });
    let mut bitmask = vec![0u8; code.len().div_ceil(8)];
    for s in starts {
        bitmask[s / 8] |= 1 << (s % 8);
    }
    CodeBlob::new(vec![], code, bitmask)
}

#[test]
fn a_block_of_a_quarter_million_instructions_runs() {
    for dispatch in [Dispatch::Threaded, Dispatch::Switch] {
        let mut config = Config::new();
        config.set_dispatch(dispatch);
        let engine = Engine::new(&config).unwrap();
        let n = 250_000;
        let module = Module::new(&engine, ProgramImage::bare(InstructionSet::ReviveV1, program(n))).unwrap();
        let mut instance = Instance::new(&module).unwrap();
        instance.set_reg(Reg::RA, 0xFFFF_0000);
        instance.set_gas(10_000_000);
        assert_eq!(instance.run(), ExitReason::Halt);
        assert_eq!(instance.reg(Reg::A0), n as u64);
        assert_eq!(instance.gas(), 10_000_000 - n as i64 - 1);
    }
}
