//! Runs arbitrary code in the interpreter with bounded gas, resuming after host calls, page
//! faults and running out of gas, with threaded dispatch (the default); then runs it again
//! with switch dispatch and in step mode (threaded or switch, chosen by the input) and checks
//! that they reach the same exits, registers, gas, pc, heap and memory.
//! Input format: `gannet_fuzz` docs.
#![no_main]

use gannet_fuzz::{assert_same, build_module, execute, parse_interp, MAX_STEPS};
use libfuzzer_sys::fuzz_target;
use vm::Dispatch;

fuzz_target!(|data: &[u8]| {
    let input = parse_interp(data);

    let module = build_module(&input, Dispatch::Threaded, false);
    let Some(threaded) = execute(&module, &input, false) else { return };

    let module = build_module(&input, Dispatch::Switch, false);
    if let Some(switch) = execute(&module, &input, false) {
        assert_same("switch dispatch vs threaded", &threaded, &switch);
    }

    let module = build_module(&input, input.step_dispatch, true);
    if let Some(stepped) = execute(&module, &input, true) {
        if stepped.steps <= MAX_STEPS {
            assert_same(&format!("step mode ({:?}) vs threaded", input.step_dispatch), &threaded, &stepped);
        }
    }
});
