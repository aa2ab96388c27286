//! Random PVM programs for the differential tests (`rv32_oracle`, `jit_oracle`): blocks of
//! random instructions (every instruction of the set, memory accesses, `memset`, `sbrk`,
//! `ecalli`) ending in branches, jumps (static, through the jump table, backwards too: gas
//! bounds the loops), `fallthrough`, `trap` or the return to the host.
//!
//! [`Profile::latest32`] is the original `Latest32` generator: a seed gives the same program
//! it always gave. [`Profile::wide`] makes 64-bit programs with the edge cases of [`edges`]
//! on top: 64-bit edge values, accesses at the edges of every mapped region and of the
//! address space, read-only data, division by zero and `MIN / -1`, `sbrk` and `memset` where
//! the set has them, dynamic jumps to odd, zero, out-of-table and mid-block addresses.

// An explicit path, so the file also works when the fuzz target includes it with `#[path]`.
#[path = "random/edges.rs"]
mod edges;
#[path = "random/fused.rs"]
mod fused;

use isa::blob::{CodeBlob, Export, PolkavmLayout, ProgramBlob};
use isa::text::{CodeBuilder, Label};
use isa::{Format, Instruction, InstructionSet, Opcode, Operands, Reg};

/// A small deterministic generator (xorshift64*), so failures reproduce from the seed; or,
/// for the fuzz target, a tape of input bytes read eight at a time before the xorshift takes
/// over, so that the fuzzer's mutations of the input change the program locally.
pub struct Rng {
    state: u64,
    tape: Vec<u8>,
    at: usize,
}

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1, tape: Vec::new(), at: 0 }
    }

    /// A generator that returns the bytes of `tape` (little-endian, eight per draw, the last
    /// draw zero-padded) and then continues as [`Rng::new`] seeded with the tape's length.
    #[allow(dead_code)] // used by the fuzz target, which includes this file
    pub fn from_tape(tape: &[u8]) -> Rng {
        Rng { tape: tape.to_vec(), ..Rng::new(tape.len() as u64) }
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        if self.at < self.tape.len() {
            let mut word = [0u8; 8];
            let take = (self.tape.len() - self.at).min(8);
            word[..take].copy_from_slice(&self.tape[self.at..self.at + take]);
            self.at += take;
            return u64::from_le_bytes(word);
        }
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
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
pub const WRITABLE: [Reg; 11] =
    [Reg::T0, Reg::T1, Reg::T2, Reg::S0, Reg::S1, Reg::A0, Reg::A1, Reg::A2, Reg::A3, Reg::A4, Reg::A5];

/// What programs to make: the instruction set, its instructions and memory sizes.
pub struct Profile {
    /// The instruction set (and blob version) of the programs.
    pub isa: InstructionSet,
    /// Whether to add the edge cases of [`edges`] (false: the original `Latest32` generator).
    wide: bool,
    /// Every instruction of the set.
    ops: Vec<Opcode>,
    /// Declared sizes (RO data, RW data, stack) before the random RW variation.
    sizes: (u32, u32, u32),
}

/// One random test case: the blob, the initial registers (`ra` and `sp` are the VM's) and the
/// gas to start with.
pub struct Case {
    /// The `.polkavm` blob; its export `main` is at pc 0.
    pub blob: Vec<u8>,
    /// Initial values of all 13 registers (the first two are ignored).
    pub regs: [u64; 13],
    /// Initial gas.
    pub gas: i64,
}

impl Profile {
    fn new(isa: InstructionSet, wide: bool, sizes: (u32, u32, u32)) -> Profile {
        let ops = Opcode::ALL.iter().copied().filter(|&op| isa.byte(op).is_some()).collect();
        Profile { isa, wide, ops, sizes }
    }

    /// The original `Latest32` generator.
    pub fn latest32() -> Profile {
        Profile::new(InstructionSet::Latest32, false, (0, 4096, 8192))
    }

    /// 64-bit programs of `isa` with the edge cases of [`edges`].
    pub fn wide(isa: InstructionSet) -> Profile {
        assert!(isa.is_64bit() && isa.blob_version().is_some(), "{isa:?} is no 64-bit blob version");
        Profile::new(isa, true, (4096, 8192, 8192))
    }

    /// Whether the set has `op`.
    fn has(&self, op: Opcode) -> bool {
        self.ops.contains(&op)
    }

    /// A random instruction of the set that `accept` accepts.
    fn of(&self, rng: &mut Rng, accept: impl Fn(Opcode) -> bool) -> Opcode {
        let candidates: Vec<Opcode> = self.ops.iter().copied().filter(|&op| accept(op)).collect();
        rng.pick(&candidates)
    }

    /// The case for `seed`: the program, then the registers, then the gas.
    pub fn case(&self, seed: u64) -> Case {
        self.case_from(Rng::new(seed))
    }

    /// The case `rng` draws: the program, then the registers, then the gas.
    pub fn case_from(&self, mut rng: Rng) -> Case {
        let blob = self.program(&mut rng);
        let mut regs = [0u64; 13];
        for value in regs.iter_mut().skip(2) {
            *value = if self.wide { edges::value64(&mut rng) } else { u64::from(rng.value()) };
        }
        let gas = if rng.chance(20) {
            rng.below(40) as i64
        } else if self.wide && rng.chance(3) {
            rng.pick(&[-1, -1000])
        } else if self.wide && rng.chance(15) {
            40 + rng.below(400) as i64
        } else {
            5_000
        };
        Case { blob, regs, gas }
    }

    /// A random program's blob.
    fn program(&self, rng: &mut Rng) -> Vec<u8> {
        let (ro_data_size, mut rw_data_size, stack_size) = self.sizes;
        let (mut ro_data, mut rw_data) = (Vec::new(), Vec::new());
        if self.wide {
            rw_data_size -= rng.pick(&[0, 0, 100, 4095]);
            ro_data = edges::bytes(rng, ro_data_size as usize);
            let len = rng.below(u64::from(rw_data_size) + 1) as usize;
            rw_data = edges::bytes(rng, len);
        }
        let layout = PolkavmLayout::new(ro_data_size, rw_data_size, stack_size, 0).expect("layout");
        let (code, table) = self.code(rng, &layout);
        let jump_table_entry_size =
            if self.wide { isa::text::canonical_entry_size(&table).max(1) } else { 4 };
        ProgramBlob {
            version: self.isa.blob_version().expect("a blob version"),
            isa: self.isa,
            ro_data_size,
            rw_data_size,
            stack_size,
            ro_data,
            rw_data,
            imports: vec![],
            exports: vec![Export { pc: 0, symbol: b"main".to_vec() }],
            code: CodeBlob {
                jump_table: table,
                jump_table_entry_size,
                code: code.code,
                bitmask: code.bitmask,
            },
            extra_sections: vec![],
        }
        .to_bytes()
    }

    /// The code and jump table of a random program.
    fn code(&self, rng: &mut Rng, layout: &PolkavmLayout) -> (isa::text::BuiltCode, Vec<u32>) {
        let mut b = CodeBuilder::new(self.isa);
        // Now and then a long wide program (long native jumps, a larger jump table).
        let blocks = if self.wide && rng.chance(10) { 1 + rng.below(40) } else { 1 + rng.below(8) } as usize;
        let labels: Vec<Label> = (0..blocks).map(|_| b.label()).collect();
        // Wide programs also get a label after each block's first instruction: not a block
        // start, so jumping there traps.
        let mid: Vec<Label> = if self.wide { (0..blocks).map(|_| b.label()).collect() } else { vec![] };
        // Jump-table entry `i` (address `2 * (i + 1)`) targets `table[i]`.
        let table: Vec<Label> = (0..1 + rng.below(if self.wide { 3 + blocks as u64 } else { 3 }))
            .map(|_| {
                let index = rng.below(blocks as u64) as usize;
                if self.wide && rng.chance(15) {
                    mid[index]
                } else {
                    labels[index]
                }
            })
            .collect();
        // Wide programs sometimes end the table with raw code offsets: anywhere in the code
        // (mostly not an instruction start) or past its end.
        let raw = if self.wide && rng.chance(20) { 1 + rng.below(2) as u32 } else { 0 };
        let targets = Targets { labels: &labels, mid: &mid, table: table.len() as u32 + raw };
        for (index, &label) in labels.iter().enumerate() {
            b.bind(label);
            // Now and then a block too costly for the compiler's short gas charge (`Sync` and
            // `Async` then charge it out of line).
            let count = if self.wide && rng.chance(1) {
                120 + rng.below(30)
            } else {
                rng.below(if self.wide { 9 } else { 7 })
            };
            for nth in 0..count {
                if self.wide && rng.chance(15) {
                    edges::special(&mut b, rng, self, layout);
                } else if rng.chance(4) && self.has(Opcode::Memset) {
                    // memset a0 = address, a1 = value, a2 = count, into the RW data (and
                    // sometimes past its end). Not on the stack: at addresses of 2^31 and
                    // above PolkaVM leaves `a0` zero-extended, which its debug builds (the
                    // oracle in tests) reject with an assertion.
                    let address = layout.rw_address + rng.below(u64::from(layout.rw_size) + 64) as u32;
                    b.push(inst(Opcode::LoadImm, Operands::RegImm { reg: Reg::A0, imm: address }));
                    b.push(inst(
                        Opcode::LoadImm,
                        Operands::RegImm { reg: Reg::A2, imm: rng.below(80) as u32 },
                    ));
                    b.push(inst(Opcode::Memset, Operands::Argless));
                } else {
                    b.push(self.body_instruction(rng, layout));
                }
                if self.wide && nth == 0 {
                    b.bind(mid[index]);
                }
            }
            if self.wide && count == 0 {
                b.bind(mid[index]);
            }
            self.terminator(&mut b, rng, &targets, index + 1 == blocks);
        }
        let built = b.finish().expect("random program assembles");
        let mut table: Vec<u32> = table.iter().map(|&l| built.offset(l).expect("bound label")).collect();
        let len = built.code.len() as u64;
        table.extend((0..raw).map(|_| rng.below(len + 4) as u32));
        (built, table)
    }

    /// A random non-control instruction.
    fn body_instruction(&self, rng: &mut Rng, layout: &PolkavmLayout) -> Instruction {
        let any = |rng: &mut Rng| rng.pick(&Reg::ALL);
        // Wide programs sometimes write `ra` and `sp` too.
        let dst = |rng: &mut Rng| {
            if self.wide && rng.chance(3) {
                rng.pick(&[Reg::RA, Reg::SP])
            } else {
                rng.pick(&WRITABLE)
            }
        };
        // Memory operands near the stack pointer: mostly in the stack, sometimes past its top
        // (the guard zone) or far below it. Wide programs aim at region edges instead.
        let offset = |rng: &mut Rng| match rng.below(10) {
            0 => rng.value(),
            1 => rng.below(64) as u32,
            _ => (rng.below(512) as u32 + 1).wrapping_neg(),
        };
        let wide = self.wide;
        loop {
            // Wide programs grow the heap only by the sizes of `edges::special` (a random
            // size may map gigabytes, too many pages to compare).
            let op = self
                .of(rng, |op| !op.is_terminator() && op != Opcode::Memset && !(wide && op == Opcode::Sbrk));
            let operands = match op.format() {
                Format::Argless => Operands::Argless,
                Format::Imm => Operands::Imm { imm: rng.below(4) as u32 },
                Format::RegImm64 => Operands::RegImm64 { reg: dst(rng), imm: edges::value64(rng) },
                Format::RegReg => Operands::RegReg { d: dst(rng), s: any(rng) },
                Format::RegRegReg => Operands::RegRegReg { d: dst(rng), s1: any(rng), s2: any(rng) },
                Format::RegRegImm if is_memory(op) => {
                    let value = if is_store(op) { any(rng) } else { dst(rng) };
                    let (base, imm) =
                        if wide { edges::indirect(rng, layout) } else { (Reg::SP, offset(rng)) };
                    Operands::RegRegImm { a: value, b: base, imm }
                }
                Format::RegRegImm => Operands::RegRegImm { a: dst(rng), b: any(rng), imm: rng.value() },
                Format::RegImmImm if wide => {
                    let (reg, imm1) = edges::indirect(rng, layout);
                    Operands::RegImmImm { reg, imm1, imm2: rng.value() }
                }
                Format::RegImmImm => {
                    Operands::RegImmImm { reg: Reg::SP, imm1: offset(rng), imm2: rng.value() }
                }
                // Absolute addresses: rarely valid (the stack is near the top of the address
                // space) unless aimed at a region.
                Format::RegImm if is_memory(op) && wide => {
                    let reg = if is_store(op) { any(rng) } else { dst(rng) };
                    Operands::RegImm { reg, imm: edges::address(rng, layout) }
                }
                Format::ImmImm if wide => {
                    Operands::ImmImm { imm1: edges::address(rng, layout), imm2: rng.value() }
                }
                Format::RegImm if is_memory(op) && rng.chance(70) => continue,
                Format::ImmImm if rng.chance(70) => continue,
                Format::RegImm => Operands::RegImm { reg: dst(rng), imm: rng.value() },
                Format::ImmImm => Operands::ImmImm { imm1: rng.value(), imm2: rng.value() },
                _ => continue,
            };
            return inst(op, operands);
        }
    }

    /// The instruction that ends a block: a jump, branch, trap, `fallthrough` or return.
    fn terminator(&self, b: &mut CodeBuilder, rng: &mut Rng, targets: &Targets, last: bool) {
        let (labels, table) = (targets.labels, targets.table);
        let target = labels[rng.below(labels.len() as u64) as usize];
        // The last block neither falls through nor branches (that would fall off the end).
        let plain = if last { 4 } else { 9 };
        let choice = rng.below(plain + if self.wide { edges::TERMINATORS } else { 0 });
        match choice {
            0 => b.push(inst(Opcode::JumpIndirect, Operands::RegImm { reg: Reg::RA, imm: 0 })),
            1 => {
                let entry = rng.below(u64::from(table) + 1) as u32;
                b.push(inst(Opcode::LoadImm, Operands::RegImm { reg: Reg::T0, imm: 2 * entry }));
                b.push(inst(Opcode::JumpIndirect, Operands::RegImm { reg: Reg::T0, imm: 0 }));
            }
            2 => b.push_to(inst(Opcode::Jump, Operands::Offset { target: 0 }), target),
            3 => b.push(Instruction::TRAP),
            4 if !last => b.push(inst(Opcode::Fallthrough, Operands::Argless)),
            5 if !last => {
                let operands =
                    Operands::RegImmOffset { reg: rng.pick(&WRITABLE), imm: rng.value(), target: 0 };
                b.push_to(inst(Opcode::LoadImmAndJump, operands), target)
            }
            6 if !last => {
                let op =
                    self.of(rng, |op| op.format() == Format::RegImmOffset && op != Opcode::LoadImmAndJump);
                let operands =
                    Operands::RegImmOffset { reg: rng.pick(&Reg::ALL), imm: rng.value(), target: 0 };
                b.push_to(inst(op, operands), target)
            }
            7 | 8 if !last => {
                let op = self.of(rng, |op| op.format() == Format::RegRegOffset);
                let operands =
                    Operands::RegRegOffset { a: rng.pick(&Reg::ALL), b: rng.pick(&Reg::ALL), target: 0 };
                b.push_to(inst(op, operands), target)
            }
            _ => edges::terminator(b, rng, self, targets, choice - plain, last),
        }
    }
}

/// Where a block's terminator may go.
struct Targets<'a> {
    /// The labels of the block starts.
    labels: &'a [Label],
    /// Labels after each block's first instruction (wide programs only).
    mid: &'a [Label],
    /// Number of jump-table entries.
    table: u32,
}

/// Builds an instruction whose operands are known to fit.
fn inst(op: Opcode, operands: Operands) -> Instruction {
    Instruction::new(op, operands).expect("operands fit the format")
}

/// Whether `op` loads from or stores to memory.
fn is_memory(op: Opcode) -> bool {
    let name = format!("{op:?}");
    name.starts_with("Load") && name != "LoadImm" && name != "LoadImm64" && !name.starts_with("LoadImmAnd")
        || is_store(op)
}

/// Whether `op` stores to memory.
fn is_store(op: Opcode) -> bool {
    format!("{op:?}").starts_with("Store")
}
