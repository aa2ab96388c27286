//! Every benchmark program computes on Gannet what its Rust reference computes natively.

use gannet_benches::PROGRAMS;

#[test]
fn programs_match_native_references() {
    for program in PROGRAMS {
        let mut instance = program.gannet_instance();
        for arg in [0, 1, 2, 3, 10, 100] {
            // The loops are bottom-tested (do-while): argument 0 means one round for some.
            if arg == 0 && !matches!(program.name, "fib" | "sieve") {
                continue;
            }
            // Recursive Fibonacci is exponential: keep it small.
            let arg = if program.name == "fib" { arg.min(20) } else { arg };
            let got = program.run_gannet(&mut instance, arg);
            assert_eq!(got, (program.reference)(arg), "{}({arg})", program.name);
        }
    }
}
