//! Scratch throughput check: a counted loop, printed as ns per guest instruction.
use gannet_vm::{Config, Engine, Instance, Module, ProgramImage};
use isa::blob::CodeBlob;
use isa::{encode, Instruction, InstructionSet, Opcode, Operands, Reg};

fn main() {
    let set = InstructionSet::ReviveV1;
    let mut code = Vec::new();
    let mut starts = Vec::new();
    let mut emit = |code: &mut Vec<u8>, op: Opcode, operands: Operands| {
        let pc = code.len() as u32;
        starts.push(pc);
        encode(set, &Instruction::new(op, operands).unwrap(), pc, code).unwrap();
        pc
    };
    emit(&mut code, Opcode::LoadImm, Operands::RegImm { reg: Reg::A0, imm: 0 });
    emit(&mut code, Opcode::LoadImm, Operands::RegImm { reg: Reg::A1, imm: 100_000_000 });
    emit(&mut code, Opcode::Fallthrough, Operands::Argless);
    let top = code.len() as u32;
    emit(&mut code, Opcode::Add64, Operands::RegRegReg { d: Reg::A0, s1: Reg::A0, s2: Reg::A1 });
    emit(&mut code, Opcode::Xor, Operands::RegRegReg { d: Reg::A2, s1: Reg::A0, s2: Reg::A1 });
    emit(&mut code, Opcode::AddImm64, Operands::RegRegImm { a: Reg::A1, b: Reg::A1, imm: u32::MAX });
    emit(&mut code, Opcode::BranchNotEqImm, Operands::RegImmOffset { reg: Reg::A1, imm: 0, target: top });
    emit(&mut code, Opcode::JumpIndirect, Operands::RegImm { reg: Reg::RA, imm: 0 });
    let mut bitmask = vec![0u8; code.len().div_ceil(8)];
    for s in starts {
        bitmask[s as usize / 8] |= 1 << (s % 8);
    }
    let blob = CodeBlob { jump_table: vec![], jump_table_entry_size: 0, code, bitmask };
    write_blob("/tmp/spin.polkavm", &blob);
    let engine = Engine::new(&Config::new()).unwrap();
    let module = Module::new(&engine, ProgramImage::bare(set, blob)).unwrap();
    let mut inst = Instance::new(&module).unwrap();
    inst.set_reg(Reg::RA, 0xFFFF_0000);
    inst.set_gas(i64::MAX);
    let t = std::time::Instant::now();
    let exit = inst.run();
    let dt = t.elapsed();
    let n = 100_000_000u64 * 4;
    println!("{exit:?} a0={:#x} {:?} {:.3} ns/inst", inst.reg(Reg::A0), dt, dt.as_nanos() as f64 / n as f64);
}

/// Writes the loop as a `.polkavm` (ReviveV1) blob to `path`, for running it on PolkaVM.
#[allow(dead_code)]
fn write_blob(path: &str, code: &CodeBlob) {
    let mut sec6 = Vec::new();
    isa::varint::write(&mut sec6, 0);
    sec6.push(0);
    isa::varint::write(&mut sec6, code.code.len() as u32);
    sec6.extend_from_slice(&code.code);
    sec6.extend_from_slice(&code.bitmask);
    let mut body = Vec::new();
    body.push(5u8);
    let exports = [1u8, 0, 4, b'm', b'a', b'i', b'n'];
    isa::varint::write(&mut body, exports.len() as u32);
    body.extend_from_slice(&exports);
    body.push(6);
    isa::varint::write(&mut body, sec6.len() as u32);
    body.extend_from_slice(&sec6);
    body.push(0);
    let mut blob = b"PVM\0\0".to_vec();
    let total = (blob.len() + 8 + body.len()) as u64;
    blob.extend_from_slice(&total.to_le_bytes());
    blob.extend_from_slice(&body);
    std::fs::write(path, blob).unwrap();
}
