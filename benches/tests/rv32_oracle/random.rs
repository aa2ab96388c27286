//! Random `Latest32` programs for the differential test: blocks of random instructions
//! (every 32-bit instruction, memory accesses around the stack pointer, `memset`, `sbrk`,
//! `ecalli`) ending in branches, jumps (static, through the jump table, backwards too: gas
//! bounds the loops), `fallthrough`, `trap` or the return to the host.

use isa::blob::{CodeBlob, Export, ProgramBlob};
use isa::text::{CodeBuilder, Label};
use isa::{Format, Instruction, InstructionSet, Opcode, Operands, Reg};

/// A small deterministic generator (xorshift64*), so failures reproduce from the seed.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent`%.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// A 32-bit value, biased towards edge cases.
    pub fn value(&mut self) -> u32 {
        match self.below(8) {
            0 => self.pick(&[0, 1, 2, 31, 32, 33, 63, 64, 0xFF, 0xFFFF]),
            1 => self.pick(&[u32::MAX, u32::MAX - 1, 0x8000_0000, 0x7FFF_FFFF, 0x8000_0001, 0xFFFF_0000]),
            2 => self.below(256) as u32,
            3 => (self.below(256) as u32).wrapping_neg(),
            _ => self.next() as u32,
        }
    }
}

/// Registers a random instruction may write: all but `ra` (the return address) and `sp` (the
/// base of memory accesses).
const WRITABLE: [Reg; 11] =
    [Reg::T0, Reg::T1, Reg::T2, Reg::S0, Reg::S1, Reg::A0, Reg::A1, Reg::A2, Reg::A3, Reg::A4, Reg::A5];

/// Every `Latest32` instruction, by format.
struct Pool {
    ops: Vec<Opcode>,
}

impl Pool {
    fn new() -> Pool {
        let ops =
            Opcode::ALL.iter().copied().filter(|&op| InstructionSet::Latest32.byte(op).is_some()).collect();
        Pool { ops }
    }

    fn of(&self, rng: &mut Rng, accept: impl Fn(Opcode) -> bool) -> Opcode {
        let candidates: Vec<Opcode> = self.ops.iter().copied().filter(|&op| accept(op)).collect();
        rng.pick(&candidates)
    }
}

fn is_memory(op: Opcode) -> bool {
    let name = format!("{op:?}");
    name.starts_with("Load") && name != "LoadImm" && !name.starts_with("LoadImmAnd")
        || name.starts_with("Store")
}

/// A random non-control instruction.
fn body_instruction(rng: &mut Rng, pool: &Pool) -> Instruction {
    let any = |rng: &mut Rng| rng.pick(&Reg::ALL);
    let dst = |rng: &mut Rng| rng.pick(&WRITABLE);
    // Memory operands near the stack pointer: mostly in the stack, sometimes past its top
    // (the guard zone) or far below it.
    let offset = |rng: &mut Rng| match rng.below(10) {
        0 => rng.value(),
        1 => rng.below(64) as u32,
        _ => (rng.below(512) as u32 + 1).wrapping_neg(),
    };
    loop {
        let op = pool.of(rng, |op| !op.is_terminator() && op != Opcode::Memset);
        let operands = match op.format() {
            Format::Argless => Operands::Argless,
            Format::Imm => Operands::Imm { imm: rng.below(4) as u32 },
            Format::RegReg => Operands::RegReg { d: dst(rng), s: any(rng) },
            Format::RegRegReg => Operands::RegRegReg { d: dst(rng), s1: any(rng), s2: any(rng) },
            Format::RegRegImm if is_memory(op) => {
                let value = if format!("{op:?}").starts_with("Store") { any(rng) } else { dst(rng) };
                Operands::RegRegImm { a: value, b: Reg::SP, imm: offset(rng) }
            }
            Format::RegRegImm => Operands::RegRegImm { a: dst(rng), b: any(rng), imm: rng.value() },
            Format::RegImmImm => Operands::RegImmImm { reg: Reg::SP, imm1: offset(rng), imm2: rng.value() },
            // Absolute addresses: rarely valid (the stack is near the top of the address space).
            Format::RegImm if is_memory(op) && rng.chance(70) => continue,
            Format::ImmImm if rng.chance(70) => continue,
            Format::RegImm => Operands::RegImm { reg: dst(rng), imm: rng.value() },
            Format::ImmImm => Operands::ImmImm { imm1: rng.value(), imm2: rng.value() },
            _ => continue,
        };
        return Instruction::new(op, operands).expect("operands fit the format");
    }
}

const RW_SIZE: u32 = 4096;
const STACK_SIZE: u32 = 8192;

/// Where the RW data of the random programs starts.
fn rw_address() -> u32 {
    isa::blob::PolkavmLayout::new(0, RW_SIZE, STACK_SIZE, 0).expect("layout").rw_address
}

/// A random program's blob.
pub fn program(rng: &mut Rng) -> Vec<u8> {
    let pool = Pool::new();
    let mut b = CodeBuilder::new(InstructionSet::Latest32);
    let blocks = 1 + rng.below(8) as usize;
    let labels: Vec<Label> = (0..blocks).map(|_| b.label()).collect();
    // Jump-table entry `i` (address `2 * (i + 1)`) targets block `table[i]`.
    let table: Vec<usize> = (0..1 + rng.below(3)).map(|_| rng.below(blocks as u64) as usize).collect();
    let inst = |op, operands| Instruction::new(op, operands).expect("operands fit the format");
    for (index, &label) in labels.iter().enumerate() {
        b.bind(label);
        for _ in 0..rng.below(7) {
            if rng.chance(4) {
                // memset a0 = address, a1 = value, a2 = count, into the RW data (and sometimes
                // past its end). Not on the stack: at addresses of 2^31 and above PolkaVM
                // leaves `a0` zero-extended, which its debug builds (the oracle in tests)
                // reject with an assertion.
                let address = rw_address() + rng.below(RW_SIZE as u64 + 64) as u32;
                b.push(inst(Opcode::LoadImm, Operands::RegImm { reg: Reg::A0, imm: address }));
                b.push(inst(Opcode::LoadImm, Operands::RegImm { reg: Reg::A2, imm: rng.below(80) as u32 }));
                b.push(inst(Opcode::Memset, Operands::Argless));
            } else {
                b.push(body_instruction(rng, &pool));
            }
        }
        let target = labels[rng.below(blocks as u64) as usize];
        let last = index + 1 == blocks;
        match rng.below(if last { 4 } else { 9 }) {
            0 => b.push(inst(Opcode::JumpIndirect, Operands::RegImm { reg: Reg::RA, imm: 0 })),
            1 => {
                let entry = rng.below(table.len() as u64 + 1) as u32;
                b.push(inst(Opcode::LoadImm, Operands::RegImm { reg: Reg::T0, imm: 2 * entry }));
                b.push(inst(Opcode::JumpIndirect, Operands::RegImm { reg: Reg::T0, imm: 0 }));
            }
            2 => b.push_to(inst(Opcode::Jump, Operands::Offset { target: 0 }), target),
            3 => b.push(Instruction::TRAP),
            4 => b.push(inst(Opcode::Fallthrough, Operands::Argless)),
            5 => {
                let op = Opcode::LoadImmAndJump;
                b.push_to(
                    inst(
                        op,
                        Operands::RegImmOffset { reg: rng.pick(&WRITABLE), imm: rng.value(), target: 0 },
                    ),
                    target,
                )
            }
            6 => {
                let op =
                    pool.of(rng, |op| op.format() == Format::RegImmOffset && op != Opcode::LoadImmAndJump);
                let operands =
                    Operands::RegImmOffset { reg: rng.pick(&Reg::ALL), imm: rng.value(), target: 0 };
                b.push_to(inst(op, operands), target)
            }
            _ => {
                let op = pool.of(rng, |op| op.format() == Format::RegRegOffset);
                let operands =
                    Operands::RegRegOffset { a: rng.pick(&Reg::ALL), b: rng.pick(&Reg::ALL), target: 0 };
                b.push_to(inst(op, operands), target)
            }
        }
    }
    let built = b.finish().expect("random program assembles");
    let jump_table = table.iter().map(|&i| built.offset(labels[i]).expect("bound label")).collect();
    let code = CodeBlob { jump_table, jump_table_entry_size: 4, code: built.code, bitmask: built.bitmask };
    ProgramBlob {
        version: 1,
        isa: InstructionSet::Latest32,
        ro_data_size: 0,
        rw_data_size: RW_SIZE,
        stack_size: STACK_SIZE,
        ro_data: vec![],
        rw_data: vec![],
        imports: vec![],
        exports: vec![Export { pc: 0, symbol: b"main".to_vec() }],
        code,
        extra_sections: vec![],
    }
    .to_bytes()
}
