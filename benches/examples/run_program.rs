//! Runs one benchmark program repeatedly (for profilers): `run_program NAME [ROUNDS] [switch]`.
use gannet_benches::PROGRAMS;
use vm::Dispatch;

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "fib".into());
    let rounds: u32 = args.next().map_or(20, |r| r.parse().expect("rounds"));
    let dispatch =
        if args.next().as_deref() == Some("switch") { Dispatch::Switch } else { Dispatch::Threaded };
    let program = PROGRAMS.iter().find(|p| p.name == name).expect("unknown program");
    let mut instance = program.gannet_instance_with(dispatch);
    let start = std::time::Instant::now();
    let mut result = 0;
    for _ in 0..rounds {
        result = program.run_gannet(&mut instance, program.arg);
    }
    println!("{name}: {result:#x}, {:?} per run", start.elapsed() / rounds);
}
