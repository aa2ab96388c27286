//! One program on several VMs, for the differential tests: [`run`] drives a VM from stop to
//! stop (host calls, refuels after running out of gas, then the final exit) the same way on
//! Gannet (either backend) and on PolkaVM 0.37 (either backend), and records each stop's exit,
//! pc, gas and registers and, at the end, every accessible page. [`differences`] names what
//! two such records disagree on. (The sibling module `linked` records the same for Gannet
//! run through `Instance::resume_call`, host calls served by host functions.)

use isa::blob::PolkavmLayout;
use isa::blob::ProgramBlob;
use vm::memory::PAGE_SIZE;
use vm::{Access, ExitReason, Reg};

use super::gannet_host_mix;

/// The registers in encoding order, as both VMs name them.
pub const REGS: [(Reg, polkavm::Reg); 13] = [
    (Reg::RA, polkavm::Reg::RA),
    (Reg::SP, polkavm::Reg::SP),
    (Reg::T0, polkavm::Reg::T0),
    (Reg::T1, polkavm::Reg::T1),
    (Reg::T2, polkavm::Reg::T2),
    (Reg::S0, polkavm::Reg::S0),
    (Reg::S1, polkavm::Reg::S1),
    (Reg::A0, polkavm::Reg::A0),
    (Reg::A1, polkavm::Reg::A1),
    (Reg::A2, polkavm::Reg::A2),
    (Reg::A3, polkavm::Reg::A3),
    (Reg::A4, polkavm::Reg::A4),
    (Reg::A5, polkavm::Reg::A5),
];

/// Gas added when a run stops for lack of gas and the policy resumes it.
pub const REFUEL: i64 = 200;

/// Why a run stopped.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Returned to the host (`0xFFFF0000`).
    Halt,
    /// Trapped (Gannet: a panic; PolkaVM: a trap, which is also how it reports inaccessible
    /// memory without dynamic paging).
    Trap,
    /// Gannet only: a page fault at this page.
    PageFault(u32),
    /// Not enough gas for the next block.
    OutOfGas,
    /// `ecalli n`.
    HostCall(u32),
}

impl Exit {
    /// The exit as PolkaVM without dynamic paging reports it: a page fault is a trap.
    pub fn coarse(self) -> Exit {
        match self {
            Exit::PageFault(_) => Exit::Trap,
            exit => exit,
        }
    }
}

/// One stop of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stop {
    /// Why it stopped.
    pub exit: Exit,
    /// The pc it stopped at (`None` after a halt).
    pub pc: Option<u32>,
    /// Gas left.
    pub gas: i64,
    /// All 13 registers.
    pub regs: [u64; 13],
}

/// One accessible page at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// Its address.
    pub address: u32,
    /// Whether the guest may write it.
    pub writable: bool,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// What a VM did with a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Every stop, the final one last.
    pub stops: Vec<Stop>,
    /// The accessible pages after the final stop, by address (empty unless the policy asks).
    pub pages: Vec<Page>,
}

/// How [`run`] continues after a stop, and what it records.
#[derive(Copy, Clone, Debug)]
pub struct Policy {
    /// Most stops before giving up.
    pub max_stops: usize,
    /// After `ecalli n`, set `a0 = mix(a0 ^ n)` and `a1 = stop index` before resuming.
    pub host_update: bool,
    /// Times a run that ran out of gas gets [`REFUEL`] more and resumes.
    pub refuels: usize,
    /// Record the accessible pages at the end.
    pub memory: bool,
}

/// A VM instance [`run`] can drive.
pub trait Machine {
    /// Runs until the next stop.
    fn run(&mut self) -> Exit;
    /// The current pc.
    fn pc(&self) -> Option<u32>;
    /// Gas left.
    fn gas(&self) -> i64;
    /// Sets the gas.
    fn set_gas(&mut self, gas: i64);
    /// Register `index` (encoding order).
    fn reg(&self, index: usize) -> u64;
    /// Sets register `index`.
    fn set_reg(&mut self, index: usize, value: u64);
    /// The accessible pages, by address.
    fn pages(&mut self) -> Vec<Page>;
}

/// Sets registers 2.. to `regs` and the gas, then runs `machine` under `policy`.
pub fn run(machine: &mut impl Machine, regs: &[u64; 13], gas: i64, policy: Policy) -> Outcome {
    for (index, &value) in regs.iter().enumerate().skip(2) {
        machine.set_reg(index, value);
    }
    machine.set_gas(gas);
    let (mut stops, mut refuels) = (Vec::new(), 0);
    while stops.len() < policy.max_stops {
        let exit = machine.run();
        let pc = if exit == Exit::Halt { None } else { machine.pc() };
        let regs = std::array::from_fn(|i| machine.reg(i));
        stops.push(Stop { exit, pc, gas: machine.gas(), regs });
        match exit {
            Exit::HostCall(n) if policy.host_update => {
                let (a0, a1) = host_update(machine.reg(7), n, stops.len());
                machine.set_reg(7, a0);
                machine.set_reg(8, a1);
            }
            Exit::HostCall(_) => {}
            Exit::OutOfGas if refuels < policy.refuels => {
                refuels += 1;
                machine.set_gas(machine.gas() + REFUEL);
            }
            _ => break,
        }
    }
    let pages = if policy.memory { machine.pages() } else { Vec::new() };
    Outcome { stops, pages }
}

/// The new `a0` and `a1` of [`Policy::host_update`] after `ecalli n` with `a0`, the
/// `stops`-th stop of the run (counting from 1).
pub fn host_update(a0: u64, n: u32, stops: usize) -> (u64, u64) {
    (gannet_host_mix(a0 ^ u64::from(n)), stops as u64)
}

/// A Gannet instance of `blob` on `engine`, about to call pc 0.
pub fn gannet(engine: &vm::Engine, blob: &[u8]) -> Result<Gannet, String> {
    gannet_importing(engine, blob, Vec::new())
}

/// As [`gannet`], with `imports` naming the host functions of `ecalli 0..` (for
/// `Instance::resume_call`; the random blobs import nothing).
pub fn gannet_importing(engine: &vm::Engine, blob: &[u8], imports: Vec<String>) -> Result<Gannet, String> {
    let parsed = ProgramBlob::parse(blob).map_err(|e| format!("parse: {e}"))?;
    let layout = PolkavmLayout::for_program(&parsed, 0).map_err(|e| format!("layout: {e}"))?;
    let mut image = vm::ProgramImage::from_polkavm(&parsed).map_err(|e| format!("layout: {e}"))?;
    image.imports = imports;
    let module = vm::Module::new(engine, image).map_err(|e| format!("module: {e}"))?;
    let mut instance = vm::Instance::new(&module).map_err(|e| format!("instance: {e}"))?;
    instance.prepare_call(0, &[]).map_err(|e| format!("prepare: {e}"))?;
    Ok(Gannet { instance, layout })
}

/// A Gannet instance and the layout of its program.
pub struct Gannet {
    instance: vm::Instance,
    layout: PolkavmLayout,
}

impl Gannet {
    /// The instance (to run it other than by [`Machine::run`]).
    pub fn instance(&mut self) -> &mut vm::Instance {
        &mut self.instance
    }
}

impl Machine for Gannet {
    fn run(&mut self) -> Exit {
        match self.instance.run() {
            ExitReason::Halt => Exit::Halt,
            ExitReason::Panic => Exit::Trap,
            ExitReason::PageFault(page) => Exit::PageFault(page),
            ExitReason::OutOfGas => Exit::OutOfGas,
            ExitReason::HostCall(n) => Exit::HostCall(n),
            ExitReason::Step => unreachable!("no step mode"),
        }
    }
    fn pc(&self) -> Option<u32> {
        Some(self.instance.pc())
    }
    fn gas(&self) -> i64 {
        self.instance.gas()
    }
    fn set_gas(&mut self, gas: i64) {
        self.instance.set_gas(gas)
    }
    fn reg(&self, index: usize) -> u64 {
        self.instance.reg(REGS[index].0)
    }
    fn set_reg(&mut self, index: usize, value: u64) {
        self.instance.set_reg(REGS[index].0, value)
    }
    /// The accessible pages among those a program can reach: the RO zone, RW data and the
    /// first 64 and last two pages of the heap, and the stack, each with a page to spare on
    /// both sides. (Listing every page with `Memory::accessible_pages` scans a million page
    /// entries, too slow for a debug build run thousands of times.)
    fn pages(&mut self) -> Vec<Page> {
        let l = &self.layout;
        let rw_end = l.rw_address + l.rw_size;
        let heap_end = self.instance.memory().heap().top.max(rw_end) & !(PAGE_SIZE - 1);
        let ranges = [
            (l.ro_address - PAGE_SIZE, l.ro_address + l.ro_size + PAGE_SIZE),
            (l.rw_address - PAGE_SIZE, heap_end.min(rw_end + 64 * PAGE_SIZE) + 2 * PAGE_SIZE),
            (heap_end - 2 * PAGE_SIZE, heap_end.saturating_add(2 * PAGE_SIZE)),
            (l.stack_low - PAGE_SIZE, l.stack_high + PAGE_SIZE),
        ];
        let mut addresses: Vec<u32> =
            ranges.into_iter().flat_map(|(start, end)| (start..end).step_by(PAGE_SIZE as usize)).collect();
        addresses.sort_unstable();
        addresses.dedup();
        let mut pages = Vec::new();
        for address in addresses {
            let access = self.instance.memory().access(address);
            if access != Access::None {
                let mut bytes = vec![0; PAGE_SIZE as usize];
                self.instance.read_memory(address, &mut bytes).expect("an accessible page reads");
                pages.push(Page { address, writable: access == Access::ReadWrite, bytes });
            }
        }
        pages
    }
}

/// A PolkaVM instance of `blob` on `engine` (gas metered synchronously), about to call pc 0,
/// and the pages it maps: RO data, RW data and the stack.
pub fn polkavm(engine: &polkavm::Engine, blob: &[u8]) -> Result<PolkaVm, String> {
    let mut config = polkavm::ModuleConfig::new();
    config.set_gas_metering(Some(polkavm::GasMeteringKind::Sync));
    let module =
        polkavm::Module::new(engine, &config, blob.to_vec().into()).map_err(|e| format!("module: {e}"))?;
    let mut instance = module.instantiate().map_err(|e| format!("instantiate: {e}"))?;
    instance.prepare_call_untyped(polkavm::ProgramCounter(0), &[]);
    let map = module.memory_map();
    let regions = vec![(map.ro_data_range(), false), (map.rw_data_range(), true), (map.stack_range(), true)];
    Ok(PolkaVm { instance, regions })
}

/// PolkaVM 0.37's interpreter and recompiler, each kept only if it runs the probe program
/// (`blob` from `regs` with `gas`) to the end: a recompiler whose Linux sandbox cannot start
/// is skipped with a message. The interpreter must work everywhere.
#[allow(dead_code)] // not every test that includes this module uses it
pub fn polkavm_engines(
    blob: &[u8],
    regs: &[u64; 13],
    gas: i64,
    policy: Policy,
) -> Vec<(&'static str, polkavm::Engine)> {
    let mut engines = Vec::new();
    for (name, kind) in [
        ("polkavm-interpreter", polkavm::BackendKind::Interpreter),
        ("polkavm-recompiler", polkavm::BackendKind::Compiler),
    ] {
        let mut config = polkavm::Config::new();
        config.set_backend(Some(kind));
        let engine = polkavm::Engine::new(&config).map_err(|e| e.to_string()).and_then(|engine| {
            let mut instance = polkavm(&engine, blob)?;
            run(&mut instance, regs, gas, policy);
            Ok(engine)
        });
        match engine {
            Ok(engine) => engines.push((name, engine)),
            Err(e) => println!("skipping {name}: {e}"),
        }
    }
    assert!(!engines.is_empty(), "PolkaVM's interpreter must work everywhere");
    engines
}

/// A PolkaVM instance and its mapped regions.
pub struct PolkaVm {
    instance: polkavm::RawInstance,
    regions: Vec<(std::ops::Range<u32>, bool)>,
}

impl Machine for PolkaVm {
    fn run(&mut self) -> Exit {
        match self.instance.run().expect("PolkaVM runs") {
            polkavm::InterruptKind::Finished => Exit::Halt,
            polkavm::InterruptKind::Trap | polkavm::InterruptKind::Segfault(_) => Exit::Trap,
            polkavm::InterruptKind::NotEnoughGas => Exit::OutOfGas,
            polkavm::InterruptKind::Ecalli(n) => Exit::HostCall(n),
            polkavm::InterruptKind::Step => unreachable!("no step mode"),
        }
    }
    /// The current instruction's pc; before the first instruction (a run refused for
    /// negative gas) PolkaVM has none, and the pc it starts at stands in, as Gannet reports it.
    fn pc(&self) -> Option<u32> {
        self.instance.program_counter().or(self.instance.next_program_counter()).map(|pc| pc.0)
    }
    fn gas(&self) -> i64 {
        self.instance.gas()
    }
    fn set_gas(&mut self, gas: i64) {
        self.instance.set_gas(gas)
    }
    fn reg(&self, index: usize) -> u64 {
        self.instance.reg(REGS[index].1)
    }
    fn set_reg(&mut self, index: usize, value: u64) {
        self.instance.set_reg(REGS[index].1, value)
    }
    fn pages(&mut self) -> Vec<Page> {
        let mut pages = Vec::new();
        for (range, writable) in self.regions.clone() {
            for address in range.step_by(PAGE_SIZE as usize) {
                let bytes = self.instance.read_memory(address, PAGE_SIZE).expect("a mapped page reads");
                pages.push(Page { address, writable, bytes });
            }
        }
        pages.sort_by_key(|page| page.address);
        pages
    }
}

/// What `a` and `b` disagree on (empty if nothing); with `coarse`, page faults count as
/// traps (comparing Gannet with PolkaVM).
pub fn differences(a: &Outcome, b: &Outcome, coarse: bool) -> Vec<String> {
    let mut out = Vec::new();
    if a.stops.len() != b.stops.len() {
        out.push(format!("number of stops: {} vs {}", a.stops.len(), b.stops.len()));
    }
    for (n, (x, y)) in a.stops.iter().zip(&b.stops).enumerate() {
        let exit = |s: &Stop| if coarse { s.exit.coarse() } else { s.exit };
        if exit(x) != exit(y) {
            out.push(format!("stop {n}: exit {:?} vs {:?}", x.exit, y.exit));
        }
        if x.pc != y.pc {
            out.push(format!("stop {n}: pc {:?} vs {:?}", x.pc, y.pc));
        }
        if x.gas != y.gas {
            out.push(format!("stop {n}: gas {} vs {}", x.gas, y.gas));
        }
        for (i, (u, v)) in x.regs.iter().zip(&y.regs).enumerate().filter(|(_, (u, v))| u != v) {
            out.push(format!("stop {n}: {} {u:#x} vs {v:#x}", REGS[i].0));
        }
    }
    let addresses = |o: &Outcome| o.pages.iter().map(|p| (p.address, p.writable)).collect::<Vec<_>>();
    if addresses(a) != addresses(b) {
        out.push(format!("accessible pages: {:x?} vs {:x?}", addresses(a), addresses(b)));
    }
    for (x, y) in a.pages.iter().zip(&b.pages).filter(|(x, y)| x.address == y.address) {
        if let Some(i) = x.bytes.iter().zip(&y.bytes).position(|(u, v)| u != v) {
            let end = (i + 8).min(x.bytes.len());
            let at = x.address as usize + i;
            out.push(format!("memory at {at:#x}: {:02x?} vs {:02x?}", &x.bytes[i..end], &y.bytes[i..end]));
        }
    }
    out
}

/// The program as assembler text (re-assemble it with `gannet asm`), for failure messages.
/// The random RO and RW data lines are left out; the seed regenerates them.
pub fn disassemble(blob: &[u8]) -> String {
    let parsed = ProgramBlob::parse(blob).expect("random blob parses");
    let text = isa::text::disassemble(&parsed);
    let data = |line: &&str| line.starts_with(".ro_data \"") || line.starts_with(".rw_data \"");
    text.lines().filter(|line| !data(line)).collect::<Vec<_>>().join("\n")
}
