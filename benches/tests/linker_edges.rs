//! Linker edge cases met in real compiler output, checked end to end (clang-19, gannet-linker,
//! Gannet's interpreter).

mod common;

use common::cc::{compile, link_elf, scratch};
use common::toolchain_or_skip;
use linker::{link, LinkOptions};
use vm::{Config, Engine, ExitReason, Imports, Instance, Module, ProgramImage};

/// `checked`'s last instruction is the call of the `noreturn` function `die`, so the call's
/// return address is the end of its section (with `-ffunction-sections`).
const NORETURN_C: &str = r#"#include "gannet_guest.h"

__attribute__((noreturn, noinline)) void die(gannet_u64 *code) {
    for (;;) {
        __asm__ volatile("unimp" : : "r"(*code));
    }
}

__attribute__((noinline)) gannet_u64 checked(gannet_u64 n) {
    if (n > 1000) {
        gannet_u64 local = n; /* its address keeps the call from being a tail call */
        die(&local);
    }
    return n * 3;
}

gannet_u64 entry(gannet_u64 n) {
    return checked(n) + 1;
}
GANNET_EXPORT(entry, 1, 1)
"#;

/// `entry(n)` on Gannet's interpreter: the exit and `a0`.
fn call(blob: &[u8], n: u64) -> (ExitReason, u64) {
    let parsed = isa::blob::ProgramBlob::parse(blob).expect("our blob parses");
    let engine = Engine::new(&Config::new()).expect("engine");
    let module = Module::new(&engine, ProgramImage::from_polkavm(&parsed).expect("layout")).expect("module");
    let mut instance = Instance::new(&module).expect("instance");
    instance.set_gas(1_000_000);
    let outcome = instance.call(&Imports::<()>::new(), &mut (), "entry", &[n]).expect("call");
    (outcome.exit, outcome.a0)
}

#[test]
fn a_call_to_a_noreturn_function_may_end_a_section() {
    if !toolchain_or_skip() {
        return;
    }
    let dir = scratch("noreturn", &[("noreturn.c", NORETURN_C)]);
    let objects = compile(&dir, &["noreturn.c"], &[]);
    let relocatable = std::fs::read(&objects[0]).expect("object");
    let elf = linker::elf::Elf::parse(&relocatable).expect("object parses");
    let section = elf.sections.iter().find(|s| s.name == ".text.checked").expect(".text.checked");
    // `jalr ra` (0x000080e7) is the section's last instruction: the call's return address is
    // the end of the section.
    assert!(section.data.ends_with(&[0xe7, 0x80, 0x00, 0x00]), "the test needs `checked` to end in a call");
    let shared = link_elf(&dir, &objects);
    for (what, elf) in [("relocatable object", relocatable), ("shared object", shared)] {
        let linked = link(&elf, &LinkOptions::default()).unwrap_or_else(|e| panic!("{what}: {e}"));
        let blob = linked.to_bytes().expect("bytes");
        assert_eq!(call(&blob, 7), (ExitReason::Halt, 22), "{what}");
        assert_eq!(call(&blob, 1000), (ExitReason::Halt, 3001), "{what}");
        assert_eq!(call(&blob, 1001).0, ExitReason::Panic, "{what}: die traps");
    }
}
