//! Benchmarks.
//!
//! * Hand-written PVM assembly programs with native reference implementations (this module),
//!   for the interpreter's criterion bench against PolkaVM.
//! * The guest-suite harness behind `gannet bench` ([`suite`], [`harness`], [`run`], [`report`],
//!   [`chart`], [`document`]): the C programs of `guest/` on Gannet, PolkaVM 0.37 (interpreter
//!   and recompiler, with the `peers` feature), wasmi (`peers`) and natively.

pub mod chart;
pub mod document;
pub mod harness;
pub mod report;
pub mod run;
pub mod suite;

use isa::blob::ProgramBlob;
use vm::{CallOutcome, Config, Dispatch, Engine, ExitReason, Imports, Instance, Module, ProgramImage};

/// A benchmark program.
pub struct BenchProgram {
    /// Short name.
    pub name: &'static str,
    /// Assembly source (`isa::text` syntax).
    pub source: &'static str,
    /// Argument passed in `a0` to the `main` export.
    pub arg: u64,
    /// The same computation in Rust, for checking results.
    pub reference: fn(u64) -> u64,
}

fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^ (x << 17)
}

fn alu(n: u64) -> u64 {
    let (mut x, mut acc) = (0x9e37_79b9_7f4a_7c15u64, 0u64);
    for _ in 0..n {
        x = xorshift(x);
        acc = acc.wrapping_add(x).rotate_right(5);
    }
    acc
}

fn sieve(n: u64) -> u64 {
    let mut composite = vec![false; n as usize];
    let mut count = 0;
    for i in 2..n {
        if !composite[i as usize] {
            count += 1;
            let mut j = i * i;
            while j < n {
                composite[j as usize] = true;
                j += i;
            }
        }
    }
    count
}

fn sort(n: u64) -> u64 {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut values: Vec<u64> = (0..n)
        .map(|_| {
            x = xorshift(x);
            x
        })
        .collect();
    values.sort_unstable();
    values.iter().enumerate().fold(0u64, |acc, (i, &v)| acc.wrapping_add(v.wrapping_mul(i as u64 + 1)))
}

fn fib(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib(n - 1).wrapping_add(fib(n - 2))
    }
}

fn muldiv(n: u64) -> u64 {
    let (mut a1, mut acc) = (0x0123_4567_89ab_cdefu64, 0u64);
    for a0 in (1..=n).rev() {
        let lo = a1.wrapping_mul(a0);
        let hi = ((u128::from(a1) * u128::from(a0)) >> 64) as u64;
        let d = a0 | 1;
        acc = acc.wrapping_add(lo / d) ^ (hi % d);
        a1 = a1.wrapping_add(0x9e37);
    }
    acc
}

fn identity(n: u64) -> u64 {
    n
}

/// The suite.
pub const PROGRAMS: &[BenchProgram] = &[
    BenchProgram {
        name: "minimal",
        source: include_str!("../programs/minimal.pvmasm"),
        arg: 7,
        reference: identity,
    },
    BenchProgram {
        name: "alu",
        source: include_str!("../programs/alu.pvmasm"),
        arg: 1_000_000,
        reference: alu,
    },
    BenchProgram {
        name: "sieve",
        source: include_str!("../programs/sieve.pvmasm"),
        arg: 1_000_000,
        reference: sieve,
    },
    BenchProgram {
        name: "sort",
        source: include_str!("../programs/sort.pvmasm"),
        arg: 1500,
        reference: sort,
    },
    BenchProgram { name: "fib", source: include_str!("../programs/fib.pvmasm"), arg: 24, reference: fib },
    BenchProgram {
        name: "muldiv",
        source: include_str!("../programs/muldiv.pvmasm"),
        arg: 300_000,
        reference: muldiv,
    },
];

impl BenchProgram {
    /// Assembles the program.
    pub fn blob(&self) -> ProgramBlob {
        isa::text::assemble(self.source).unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    /// A ready Gannet instance of the program on the interpreter (threaded dispatch).
    pub fn gannet_instance(&self) -> Instance {
        self.gannet_instance_with(Dispatch::Threaded)
    }

    /// A ready Gannet instance using the given interpreter dispatch.
    pub fn gannet_instance_with(&self, dispatch: Dispatch) -> Instance {
        let mut config = Config::new();
        config.set_dispatch(dispatch);
        let engine = Engine::new(&config).expect("interpreter engine");
        let image = ProgramImage::from_polkavm(&self.blob()).expect("layout");
        Instance::new(&Module::new(&engine, image).expect("module")).expect("instance")
    }

    /// Runs `main(arg)` on a Gannet instance and returns `a0`.
    pub fn run_gannet(&self, instance: &mut Instance, arg: u64) -> u64 {
        let pc = instance.module().export_pc("main").expect("main export");
        self.run_gannet_at(instance, pc, arg)
    }

    /// Runs the code at `pc` (the `main` export, looked up once) with `a0 = arg`; returns `a0`.
    pub fn run_gannet_at(&self, instance: &mut Instance, pc: u32, arg: u64) -> u64 {
        instance.set_gas(i64::MAX);
        let outcome: CallOutcome =
            instance.call_pc(&Imports::<()>::new(), &mut (), pc, &[arg]).expect("call succeeds");
        assert_eq!(outcome.exit, ExitReason::Halt, "{} did not halt", self.name);
        outcome.a0
    }
}
