//! `sbrk d, s` (GP 0.7.2 opcode 101) with a real heap: it grows the heap by `s` bytes (a
//! negative `s` or one above `u32::MAX` counts as 0), writes the new heap end sign-extended
//! from 32 bits into `d` (0 when the heap would pass its limit, which leaves it unchanged),
//! and makes the new pages writable. The bare conformance vector `inst_sbrk_bare_returns_zero`
//! covers the empty heap of a bare program; these tests need a program with a heap.

use gannet_vm::{Access, Config, Engine, ExitReason, Heap, Instance, Module, ProgramImage, Reg};
use isa::blob::{CodeBlob, StandardProgram};
use isa::InstructionSet;

fn code(text: &str) -> CodeBlob {
    let (set, code) = isa::text::assemble_code(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set, InstructionSet::Gp072);
    code
}

fn instance(image: ProgramImage) -> Instance {
    let engine = Engine::new(&Config::new()).unwrap();
    let module = Module::new(&engine, image).unwrap();
    let mut instance = Instance::new(&module).unwrap();
    instance.set_gas(1000);
    instance
}

fn read_u32(instance: &Instance, address: u32) -> u32 {
    let mut bytes = [0; 4];
    instance.read_memory(address, &mut bytes).unwrap();
    u32::from_le_bytes(bytes)
}

#[test]
fn sbrk_grows_the_heap_of_a_standard_program() {
    // |o| = 0, |w| = 3, z = 1 page: RW data at 2·Z_Z = 0x20000, P(3) + 1 page = 0x2000 bytes
    // writable, so the heap starts at 0x22000.
    let program = StandardProgram {
        metadata: None,
        ro_data: vec![],
        rw_data: vec![1, 2, 3],
        heap_pages: 1,
        stack_size: 0x1000,
        code: code(
            ".isa gp072
                sbrk a0, a1                     ; +0x100
                store_indirect_u32 a2, a0, -4   ; into the new page
                sbrk s0, a3                     ; +0: the current end
                sbrk s1, a4                     ; +0x1000: one more page
                store_indirect_u8 a2, s1, -1    ; last byte of the heap
                sbrk t0, a5                     ; -1 counts as 0
                sbrk t1, t2                     ; 2^32 counts as 0
                sbrk a3, a1                     ; +0x100 again: 0x23200
                sbrk a4, sp                     ; +0xFEFE0000: past the limit, fails
                ecalli 0
                jump_indirect ra, 0",
        ),
    };
    let image = ProgramImage::from_standard(&program, InstructionSet::Gp072, &[]).unwrap();
    assert_eq!(image.heap.base, 0x22000);
    assert_eq!(image.heap.top, 0x22000);
    let limit = image.heap.limit;
    assert!(limit > 0x23200 && limit < 0xFF00_3200, "limit {limit:#x}");

    let mut vm = instance(image);
    assert_eq!(vm.reg(Reg::SP), 0xFEFE_0000);
    assert_eq!(vm.memory().access(0x22000), Access::None);
    vm.set_reg(Reg::A1, 0x100);
    vm.set_reg(Reg::A2, 0xDEAD_BEEF);
    vm.set_reg(Reg::A3, 0);
    vm.set_reg(Reg::A4, 0x1000);
    vm.set_reg(Reg::A5, u64::MAX);
    vm.set_reg(Reg::T2, 1 << 32);

    assert_eq!(vm.run(), ExitReason::HostCall(0));
    assert_eq!(vm.reg(Reg::A0), 0x22100);
    assert_eq!(vm.reg(Reg::S0), 0x22100);
    assert_eq!(vm.reg(Reg::S1), 0x23100);
    assert_eq!(vm.reg(Reg::T0), 0x23100);
    assert_eq!(vm.reg(Reg::T1), 0x23100);
    assert_eq!(vm.reg(Reg::A3), 0x23200);
    assert_eq!(vm.reg(Reg::A4), 0, "growth past the limit must fail");
    assert_eq!(vm.memory().heap().top, 0x23200, "a failed sbrk leaves the heap unchanged");

    // The new pages are writable, the next one is not mapped.
    assert_eq!(vm.memory().access(0x22000), Access::ReadWrite);
    assert_eq!(vm.memory().access(0x23000), Access::ReadWrite);
    assert_eq!(vm.memory().access(0x24000), Access::None);
    assert_eq!(read_u32(&vm, 0x220FC), 0xDEAD_BEEF);
    let mut last = [0];
    vm.read_memory(0x230FF, &mut last).unwrap();
    assert_eq!(last, [0xEF]);
    // The RW data before the heap is untouched.
    assert_eq!(read_u32(&vm, 0x20000), 0x0003_0201);

    assert_eq!(vm.run(), ExitReason::Halt);
}

#[test]
fn sbrk_result_is_sign_extended_from_32_bits() {
    let mut image = ProgramImage::bare(
        InstructionSet::Gp072,
        code(
            ".isa gp072
                sbrk a0, a1
                store_indirect_u8 a2, a0, -1    ; last byte of the new heap
                jump_indirect ra, 0",
        ),
    );
    image.heap = Heap { base: 0x7FFF_F000, top: 0x7FFF_F000, limit: 0x8001_0000 };
    let mut vm = instance(image);
    vm.set_reg(Reg::RA, 0xFFFF_0000);
    vm.set_reg(Reg::A1, 0x2000);
    vm.set_reg(Reg::A2, 0xAB);
    assert_eq!(vm.run(), ExitReason::Halt);
    assert_eq!(vm.reg(Reg::A0), 0xFFFF_FFFF_8000_1000);
    assert_eq!(vm.memory().access(0x7FFF_F000), Access::ReadWrite);
    assert_eq!(vm.memory().access(0x8000_0000), Access::ReadWrite);
    assert_eq!(vm.memory().access(0x8000_1000), Access::None);
    let mut byte = [0];
    vm.read_memory(0x8000_0FFF, &mut byte).unwrap();
    assert_eq!(byte, [0xAB]);
}

#[test]
fn sbrk_up_to_the_limit_and_within_a_page() {
    let mut image = ProgramImage::bare(
        InstructionSet::Gp072,
        code(
            ".isa gp072
                sbrk a0, a1           ; 0x1001: one byte past the limit, fails
                sbrk a2, a3           ; 10 bytes: maps the first page
                sbrk a4, a5           ; 0xFF6 more: ends exactly at the limit, same page
                sbrk s0, t0           ; 1 more: fails
                jump_indirect ra, 0",
        ),
    );
    image.heap = Heap { base: 0x30000, top: 0x30000, limit: 0x31000 };
    let mut vm = instance(image);
    vm.set_reg(Reg::RA, 0xFFFF_0000);
    vm.set_reg(Reg::A1, 0x1001);
    vm.set_reg(Reg::A3, 10);
    vm.set_reg(Reg::A5, 0xFF6);
    vm.set_reg(Reg::T0, 1);
    vm.set_reg(Reg::S0, 0x55);
    assert_eq!(vm.run(), ExitReason::Halt);
    assert_eq!(vm.reg(Reg::A0), 0);
    assert_eq!(vm.reg(Reg::A2), 0x3000A);
    assert_eq!(vm.reg(Reg::A4), 0x31000);
    assert_eq!(vm.reg(Reg::S0), 0);
    assert_eq!(vm.memory().heap().top, 0x31000);
    assert_eq!(vm.memory().access(0x30000), Access::ReadWrite);
    assert_eq!(vm.memory().access(0x31000), Access::None);
    // 4 gas-charged instructions plus the halting jump: one block.
    assert_eq!(vm.gas(), 1000 - 5);
}
