//! Runs arbitrary code on the interpreter and on the compiler (with `Sync` and with `Async`
//! gas metering), with the same bounded gas,
//! resuming after host calls, page faults and running out of gas, and checks that both reach
//! the same exits (with pc and gas at each), registers, gas, heap and memory.
//! Input format: the `interpreter` target's (`gannet_fuzz` docs); 32-bit programs, which the
//! compiler does not run, are skipped.
#![no_main]

use gannet_fuzz::{assert_same, build_compiled, build_module, execute, parse_interp};
use libfuzzer_sys::fuzz_target;
use vm::{Dispatch, GasMetering};

fuzz_target!(|data: &[u8]| {
    let input = parse_interp(data);
    let Some(sync) = build_compiled(&input, GasMetering::Sync) else { return };
    let interpreted = build_module(&input, Dispatch::Threaded, false);
    let Some(expected) = execute(&interpreted, &input, false) else { return };
    let Some(got) = execute(&sync, &input, false) else { return };
    assert_same("compiler vs interpreter", &expected, &got);
    let asynchronous = build_compiled(&input, GasMetering::Async).expect("it compiled with Sync metering");
    let Some(got) = execute(&asynchronous, &input, false) else { return };
    assert_same("compiler (async gas) vs interpreter", &expected, &got);
});
