//! Runs arbitrary code in the interpreter with bounded gas, resuming after host calls, page
//! faults and running out of gas; then runs it again in step mode and checks that stepping
//! reaches the same exits, registers, gas, pc and memory. Input format: `gannet_fuzz` docs.
#![no_main]

use gannet_fuzz::{build_module, execute, parse_interp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = parse_interp(data);
    let normal = build_module(&input, false);
    let Some(plain) = execute(&normal, &input, false) else { return };
    let stepping = build_module(&input, true);
    let Some(stepped) = execute(&stepping, &input, true) else { return };
    if stepped.steps > gannet_fuzz::MAX_STEPS {
        return;
    }
    assert_eq!(plain.events, stepped.events, "step mode exits differ");
    assert_eq!(plain.regs, stepped.regs, "step mode registers differ");
    assert_eq!(plain.gas, stepped.gas, "step mode gas differs");
    assert_eq!(plain.pc, stepped.pc, "step mode pc differs");
    assert_eq!(plain.heap, stepped.heap, "step mode heap differs");
    assert!(plain.pages == stepped.pages, "step mode memory differs");
});
