//! Input formats and helpers shared by the Gannet fuzz targets.
//!
//! The seed generator (`seedgen/`) writes inputs in these formats; keep the two in sync.
//!
//! # `decoder` input
//!
//! * byte 0: instruction set, `byte % 5` indexes [`InstructionSet::ALL`]
//!   (Gp072, ReviveV1, Latest32, Latest64, JamV1);
//! * the rest (`n` bytes): `code ++ bitmask`, see [`split_code`].
//!
//! # `interpreter` and `compiler` input
//!
//! * byte 0: flags
//!   * bits 0..=1: instruction set, [`RUN_SETS`] (Gp072, ReviveV1, JamV1, Latest64);
//!   * bit 2: the code part is a code blob (`CodeBlob::parse`); if it does not parse, or the
//!     bit is clear, it is raw `code ++ bitmask` as for the decoder;
//!   * bit 3: start at the pc selected by byte 14 instead of 0;
//!   * bit 4: host calls write their number to `a0` before resuming;
//!   * bit 5: the step-mode run uses switch dispatch (else threaded);
//!   * bit 6: run as `Latest32` (32-bit registers) instead of the set bits 0..=1 select;
//! * bytes 1..=13: one selector per register, see [`reg_value`];
//! * byte 14: start pc selector (`byte % (code length + 2)`);
//! * the rest: the code part.
//!
//! Missing header bytes read as zero, so every input becomes a runnable program.

use isa::blob::CodeBlob;
use isa::{InstructionSet, Reg};
use vm::{Access, Backend, Config, Dispatch, Engine, ExitReason, GasMetering, Heap, Instance, Module, ProgramImage};

/// Length of the interpreter input header.
pub const INTERP_HEADER: usize = 15;
/// Flag: the code part is a code blob.
pub const FLAG_CODE_BLOB: u8 = 1 << 2;
/// Flag: start at a pc chosen by the input.
pub const FLAG_START_PC: u8 = 1 << 3;
/// Flag: host calls write their number to `a0`.
pub const FLAG_HOSTCALL_A0: u8 = 1 << 4;
/// Flag: step mode uses switch dispatch.
pub const FLAG_STEP_SWITCH: u8 = 1 << 5;
/// Flag: run the code as `Latest32` (the 32-bit instruction set).
pub const FLAG_LATEST32: u8 = 1 << 6;

/// The 64-bit instruction sets the interpreter target runs (`Latest32` has its own flag).
pub const RUN_SETS: [InstructionSet; 4] =
    [InstructionSet::Gp072, InstructionSet::ReviveV1, InstructionSet::JamV1, InstructionSet::Latest64];

/// Splits `rest` into code and a bitmask of exactly `ceil(code.len() / 8)` bytes: the code is
/// the first `floor(8 * n / 9)` bytes (so `code ++ bitmask` of a real blob splits back exactly);
/// the bitmask is what follows, truncated or zero-padded, with its padding bits cleared.
pub fn split_code(rest: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let code_len = rest.len() * 8 / 9;
    let code = rest[..code_len].to_vec();
    let mut bitmask = rest[code_len..].to_vec();
    bitmask.resize(code_len.div_ceil(8), 0);
    if code_len % 8 != 0 {
        if let Some(last) = bitmask.last_mut() {
            *last &= (1u8 << (code_len % 8)) - 1;
        }
    }
    (code, bitmask)
}

/// The register value a selector byte stands for: the low nibble picks a kind of value
/// (addresses in the mapped pages, jump-table addresses, the return-to-host address, edge
/// values), the high nibble varies it.
pub fn reg_value(selector: u8) -> u64 {
    let hi = u64::from(selector >> 4);
    match selector & 0xF {
        0 => 0,
        1 => hi,
        2 => u64::MAX - hi,
        3 => 0x10000 + hi * 0x100,
        4 => 0x20000 + hi * 0x100,
        5 => 0xFFFF_0000,
        6 => (hi + 1) * 2,
        7 => 1 << (hi * 4),
        8 => (i64::MIN as u64) + hi,
        9 => 0x8000_0000 + hi,
        10 => 0xFFFF_FFFF - hi,
        11 => 0x1_0001_0000 + hi * 8,
        12 => 0x12000 - hi,
        13 => 0x30000 + hi * 0x1000,
        14 => hi.wrapping_mul(0x1111_1111_1111_1111),
        _ => 0xFEFE_0000 - hi * 8,
    }
}

/// A decoded interpreter input.
#[derive(Clone, Debug)]
pub struct InterpInput {
    /// Instruction set.
    pub set: InstructionSet,
    /// Code, bitmask and jump table.
    pub code: CodeBlob,
    /// Initial registers.
    pub regs: [u64; 13],
    /// Where the first run starts.
    pub start_pc: u32,
    /// Whether host calls write `a0`.
    pub hostcall_writes_a0: bool,
    /// Dispatch used for the step-mode run.
    pub step_dispatch: Dispatch,
}

/// Decodes an interpreter input (see the module docs). Never fails.
pub fn parse_interp(data: &[u8]) -> InterpInput {
    let mut header = [0u8; INTERP_HEADER];
    let n = data.len().min(INTERP_HEADER);
    header[..n].copy_from_slice(&data[..n]);
    let rest = &data[n..];
    let flags = header[0];
    let set =
        if flags & FLAG_LATEST32 != 0 { InstructionSet::Latest32 } else { RUN_SETS[usize::from(flags & 3)] };
    let parsed = if flags & FLAG_CODE_BLOB != 0 { CodeBlob::parse(rest).ok() } else { None };
    let code = parsed.unwrap_or_else(|| {
        let (code, bitmask) = split_code(rest);
        // A jump table with the first basic-block starts, so dynamic jumps can go somewhere.
        let view = isa::CodeView::new(set, &code, &bitmask);
        let table: Vec<u32> = (0..view.len()).filter(|&pc| view.is_jump_target_valid(pc)).take(32).collect();
        CodeBlob::new(table, code, bitmask)
    });
    let mut regs = [0u64; 13];
    for (reg, &sel) in regs.iter_mut().zip(&header[1..14]) {
        *reg = reg_value(sel);
    }
    let start_pc =
        if flags & FLAG_START_PC != 0 { u32::from(header[14]) % (code.code.len() as u32 + 2) } else { 0 };
    InterpInput {
        set,
        code,
        regs,
        start_pc,
        hostcall_writes_a0: flags & FLAG_HOSTCALL_A0 != 0,
        step_dispatch: if flags & FLAG_STEP_SWITCH != 0 { Dispatch::Switch } else { Dispatch::Threaded },
    }
}

/// Gas given at the start and at each top-up.
pub const GAS: i64 = 100_000;
/// Most gas top-ups after `OutOfGas`.
pub const MAX_TOPUPS: u32 = 2;
/// Most pages mapped on demand after page faults.
pub const MAX_FAULT_PAGES: u32 = 8;
/// Most host calls resumed.
pub const MAX_HOSTCALLS: u32 = 32;
/// Most `Step` exits in step mode before giving up (more than any bounded run can produce:
/// every instruction costs at least one gas).
pub const MAX_STEPS: u64 = 2_000_000;

/// One non-`Step` exit: the reason, the pc and the gas left.
pub type Event = (ExitReason, u32, i64);

/// The observable result of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Every non-`Step` exit, in order (the last one is final).
    pub events: Vec<Event>,
    /// Registers at the end.
    pub regs: [u64; 13],
    /// Gas at the end.
    pub gas: i64,
    /// pc at the end.
    pub pc: u32,
    /// The heap at the end.
    pub heap: Heap,
    /// Every accessible page with its access and contents.
    pub pages: Vec<(u32, Access, Vec<u8>)>,
    /// Number of `Step` exits (0 unless stepping).
    pub steps: u64,
}

/// Panics with `what` unless two runs reached the same exits, registers, gas, pc, heap and
/// memory.
pub fn assert_same(what: &str, expected: &Outcome, got: &Outcome) {
    assert_eq!(expected.events, got.events, "{what}: exits differ");
    assert_eq!(expected.regs, got.regs, "{what}: registers differ");
    assert_eq!(expected.gas, got.gas, "{what}: gas differs");
    assert_eq!(expected.pc, got.pc, "{what}: pc differs");
    assert_eq!(expected.heap, got.heap, "{what}: heap differs");
    if expected.pages != got.pages {
        let a: Vec<_> = expected.pages.iter().map(|p| (p.0, p.1)).collect();
        let b: Vec<_> = got.pages.iter().map(|p| (p.0, p.1)).collect();
        panic!("{what}: memory differs (pages {a:x?} vs {b:x?})");
    }
}

/// Builds the module for `input` with the given dispatch and step mode.
pub fn build_module(input: &InterpInput, dispatch: Dispatch, step: bool) -> Module {
    let mut config = Config::new();
    config.set_dispatch(dispatch).set_step(step);
    let engine = Engine::new(&config).expect("the interpreter backend is always available");
    Module::new(&engine, image(input)).expect("bare programs of every run set are accepted")
}

/// Builds the module for `input` with the compiler backend and gas checked as `metering`
/// says; `None` if this machine cannot compile or the program is 32-bit (the compiler runs
/// 64-bit programs only).
pub fn build_compiled(input: &InterpInput, metering: GasMetering) -> Option<Module> {
    if !vm::jit::is_supported() || !input.set.is_64bit() {
        return None;
    }
    let mut config = Config::new();
    config.set_backend(Backend::Compiler).set_gas_metering(metering);
    let engine = Engine::new(&config).expect("the compiler is supported");
    let module = Module::new(&engine, image(input)).expect("64-bit bare programs compile");
    assert!(module.is_compiled());
    Some(module)
}

fn image(input: &InterpInput) -> ProgramImage {
    let mut image = ProgramImage::bare(input.set, input.code.clone());
    image.heap = Heap { base: 0x30000, top: 0x30000, limit: 0x40000 };
    image
}

/// Runs `module` with the input's registers, fixed pages and bounded gas, resuming after host
/// calls, page faults (mapping the page) and running out of gas (topping it up) a bounded
/// number of times. Returns `None` if the instance could not be created (address space).
pub fn execute(module: &Module, input: &InterpInput, step: bool) -> Option<Outcome> {
    let mut inst = Instance::new(module).ok()?;
    inst.map(0x10000, 0x2000, Access::ReadWrite);
    inst.map(0x20000, 0x1000, Access::Read);
    let pattern: Vec<u8> = (0..0x1000u32).map(|i| (i.wrapping_mul(0x9E) >> 3) as u8).collect();
    inst.memory_mut().write_initial(0x20000, &pattern).expect("RO page is mapped");
    inst.memory_mut().write_initial(0x11000, &pattern[..0x800]).expect("RW page is mapped");
    for (i, &value) in input.regs.iter().enumerate() {
        inst.set_reg(Reg::ALL[i], value);
    }
    inst.set_gas(GAS);
    inst.set_next_pc(input.start_pc);

    let code_len = input.code.code.len() as u32;
    let view = input.code.view(input.set);
    let (mut topups, mut faults, mut hostcalls, mut steps) = (0u32, 0u32, 0u32, 0u64);
    let mut events = Vec::new();
    let mut mapped = Vec::new();
    loop {
        let exit = inst.run();
        assert!(inst.gas() >= 0, "negative gas {} after {exit}", inst.gas());
        if exit == ExitReason::Step {
            assert!(step, "Step exit outside step mode");
            let pc = inst.pc();
            assert!(
                pc == code_len || view.is_instruction_start(pc),
                "step at pc {pc} which is not an instruction start (code length {code_len})"
            );
            steps += 1;
            if steps > MAX_STEPS {
                break;
            }
            continue;
        }
        events.push((exit, inst.pc(), inst.gas()));
        match exit {
            ExitReason::Halt | ExitReason::Panic => break,
            ExitReason::OutOfGas => {
                if topups == MAX_TOPUPS {
                    break;
                }
                topups += 1;
                inst.set_gas(inst.gas() + GAS);
            }
            ExitReason::PageFault(address) => {
                assert!(
                    address % 4096 == 0 && address >= 0x10000,
                    "page fault at {address:#x}: not page-aligned or in the low guard"
                );
                assert_eq!(inst.memory().access(address), Access::None, "page fault on an accessible page");
                if faults == MAX_FAULT_PAGES {
                    break;
                }
                faults += 1;
                inst.map(address, 4096, Access::ReadWrite);
                mapped.push(address);
            }
            ExitReason::HostCall(n) => {
                if hostcalls == MAX_HOSTCALLS {
                    break;
                }
                hostcalls += 1;
                if input.hostcall_writes_a0 {
                    inst.set_reg(Reg::A0, u64::from(n) ^ 0x5555);
                }
            }
            ExitReason::Step => unreachable!(),
        }
    }
    // The pages that can be accessible: the fixed ones, the faulted-in ones and the heap.
    // (Cheaper than `Memory::accessible_pages`, which walks every page between the lowest
    // and the highest one ever mapped.)
    let heap = inst.memory().heap();
    let mut candidates: Vec<u32> = vec![0x10000, 0x11000, 0x20000];
    candidates.extend(&mapped);
    candidates.extend((heap.base / 4096..u64::from(heap.top).div_ceil(4096) as u32).map(|p| p * 4096));
    candidates.sort_unstable();
    candidates.dedup();
    let pages = candidates
        .into_iter()
        .filter_map(|address| {
            let access = inst.memory().access(address);
            if access == Access::None {
                return None;
            }
            let mut bytes = vec![0u8; 4096];
            inst.read_memory(address, &mut bytes).expect("accessible page is readable");
            Some((address, access, bytes))
        })
        .collect();
    Some(Outcome { events, regs: inst.regs(), gas: inst.gas(), pc: inst.pc(), heap, pages, steps })
}
