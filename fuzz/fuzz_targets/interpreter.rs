//! Runs arbitrary code in the interpreter with bounded gas, resuming after host calls, page
//! faults and running out of gas, with threaded dispatch (the default); then runs it again
//! with switch dispatch and in step mode (threaded or switch, chosen by the input) and checks
//! that they reach the same exits, registers, gas, pc, heap and memory.
//! Input format: `gannet_fuzz` docs.
#![no_main]

use gannet_fuzz::{build_module, execute, parse_interp, Outcome, MAX_STEPS};
use libfuzzer_sys::fuzz_target;
use vm::Dispatch;

fn same(what: &str, expected: &Outcome, got: &Outcome) {
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

fuzz_target!(|data: &[u8]| {
    let input = parse_interp(data);

    let module = build_module(&input, Dispatch::Threaded, false);
    let Some(threaded) = execute(&module, &input, false) else { return };

    let module = build_module(&input, Dispatch::Switch, false);
    if let Some(switch) = execute(&module, &input, false) {
        same("switch dispatch vs threaded", &threaded, &switch);
    }

    let module = build_module(&input, input.step_dispatch, true);
    if let Some(stepped) = execute(&module, &input, true) {
        if stepped.steps <= MAX_STEPS {
            same(&format!("step mode ({:?}) vs threaded", input.step_dispatch), &threaded, &stepped);
        }
    }
});
