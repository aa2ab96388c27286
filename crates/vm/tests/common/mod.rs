//! Shared by the backend-agreement tests: run a small assembly program to its end on one
//! dispatcher or backend, recording every exit.

#![allow(dead_code)]

use gannet_vm::{
    Access, Backend, Config, Dispatch, Engine, ExitReason, GasMetering, Instance, Module, ProgramImage, Reg,
};

/// Exits (with the pc and gas at each) and final registers of `text`, starting with register
/// `i` = `init(i)`. Page faults map the page read-write and resume; host calls set `a0`.
pub fn run(
    text: &str,
    dispatch: Dispatch,
    gas: i64,
    init: fn(usize) -> u64,
) -> (Vec<(ExitReason, u32, i64)>, [u64; 13]) {
    let mut config = Config::new();
    config.set_dispatch(dispatch);
    run_with(text, &config, gas, &init)
}

/// The interpreter's configuration and, where supported, the compiler's with each kind of
/// gas metering, with their names.
pub fn backends() -> Vec<(&'static str, Config)> {
    let mut configs = vec![("interpreter", Config::new())];
    if gannet_vm::jit::is_supported() {
        for (name, metering) in
            [("compiler", GasMetering::Sync), ("compiler (async gas)", GasMetering::Async)]
        {
            let mut compiler = Config::new();
            compiler.set_backend(Backend::Compiler).set_gas_metering(metering);
            configs.push((name, compiler));
        }
    }
    configs
}

/// A new instance of the bare `gp072` program `text` on `config`, with register `i` =
/// `init(i)`, at pc 0 with no gas.
pub fn instance(text: &str, config: &Config, init: &dyn Fn(usize) -> u64) -> Instance {
    instance_of("gp072", text, config, init)
}

/// [`instance`] in the instruction set `isa` (its `.isa` name).
pub fn instance_of(isa: &str, text: &str, config: &Config, init: &dyn Fn(usize) -> u64) -> Instance {
    let (set, code) = isa::text::assemble_code(&format!(".isa {isa}\n{text}")).unwrap();
    let engine = Engine::new(config).unwrap();
    let module = Module::new(&engine, ProgramImage::bare(set, code)).unwrap();
    let mut instance = Instance::new(&module).unwrap();
    for (i, reg) in Reg::ALL.into_iter().enumerate() {
        instance.set_reg(reg, init(i));
    }
    instance
}

/// [`run`] with an explicit configuration.
pub fn run_with(
    text: &str,
    config: &Config,
    gas: i64,
    init: &dyn Fn(usize) -> u64,
) -> (Vec<(ExitReason, u32, i64)>, [u64; 13]) {
    let mut instance = instance(text, config, init);
    // Read-only page: a store to it panics.
    instance.map(0x70000, 4096, Access::Read);
    instance.set_gas(gas);
    let mut exits = Vec::new();
    loop {
        let exit = instance.run();
        exits.push((exit, instance.pc(), instance.gas()));
        match exit {
            ExitReason::PageFault(page) => instance.map(page, 4096, Access::ReadWrite),
            ExitReason::HostCall(_) => instance.set_reg(Reg::A0, 7),
            _ => break,
        }
    }
    (exits, instance.regs())
}

/// One exit of a run: why, the pc and gas after it, and the registers.
pub type Exit = (ExitReason, u32, i64, [u64; 13]);

/// Runs `instance` with `gas` from a fresh start at `start` (or from pc 0) again and again,
/// recording every exit, while `serve` (which may change the instance) says to go on.
pub fn exits(
    instance: &mut Instance,
    start: Option<u32>,
    gas: i64,
    mut serve: impl FnMut(&mut Instance, ExitReason) -> bool,
) -> Vec<Exit> {
    instance.set_gas(gas);
    if let Some(pc) = start {
        instance.set_next_pc(pc);
    }
    let mut exits = Vec::new();
    loop {
        let exit = instance.run();
        exits.push((exit, instance.pc(), instance.gas(), instance.regs()));
        if !serve(instance, exit) {
            return exits;
        }
        assert!(exits.len() < 10_000, "runs end");
    }
}

/// Each instruction of `text`: its code offset and its disassembly.
pub fn instructions(text: &str) -> Vec<(u32, String)> {
    instructions_of("gp072", text)
}

/// [`instructions`] in the instruction set `isa`.
pub fn instructions_of(isa: &str, text: &str) -> Vec<(u32, String)> {
    let (set, code) = isa::text::assemble_code(&format!(".isa {isa}\n{text}")).unwrap();
    let options = isa::text::DisasmOptions { show_offsets: true, show_bytes: false };
    isa::text::disassemble_code_with(set, &code, options)
        .lines()
        .filter_map(|line| Some((line.rsplit_once("; @")?.1.trim().parse().ok()?, line.to_string())))
        .collect()
}

/// The code offsets of the basic blocks of `text`, in order (from its disassembly).
pub fn block_starts(text: &str) -> Vec<u32> {
    let (set, code) = isa::text::assemble_code(&format!(".isa gp072\n{text}")).unwrap();
    isa::text::disassemble_code(set, &code)
        .lines()
        .filter_map(|line| line.strip_prefix('@')?.strip_suffix(':')?.parse().ok())
        .collect()
}

pub fn distinct(i: usize) -> u64 {
    0x1111_1111_1111_1111u64.wrapping_mul(i as u64 + 1)
}

/// Register values with varied bits (each distinct, none zero): the sign bit of each width
/// set in some and clear in others.
pub const VARIED: [u64; 13] = [
    0x8888_8888_8888_8888,
    0x0123_4567_89AB_CDEF,
    0xFFFF_FFFF_8000_0080,
    0x7F7F_7F7F_7F7F_7F7F,
    0x0000_0000_FFFF_8000,
    0xFEDC_BA98_7654_3210,
    0x8000_0000_0000_7FFF,
    0x1111_2222_3333_4444,
    0x9999_AAAA_BBBB_CCCC,
    0x0F0F_0F0F_F0F0_F0F0,
    0x5555_5555_5555_5555,
    0xDEAD_BEEF_0BAD_F00D,
    0x0000_0001_0000_0003,
];
