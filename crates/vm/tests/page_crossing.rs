//! Loads and stores that cross a page boundary leave the interpreter's fast path; they must
//! still read and write the right bytes with the right extension, on both dispatchers.

use gannet_vm::{Access, Config, Dispatch, Engine, ExitReason, Instance, Module, ProgramImage, Reg};

const PROGRAM: &str = r#"
.isa gp072
        store_indirect_u64 a0, a1, 0        ; 8 bytes at 0x20ffc: 4 in each page
        load_indirect_u64 a2, a1, 0
        load_indirect_i32 a3, a1, 2         ; bytes 0x20ffe..0x21001 (positive)
        load_indirect_u16 a4, a1, 3         ; 0x20fff..0x21000
        store_indirect_u16 a5, a1, 3
        load_indirect_i16 a5, a1, 3
        store_imm_indirect_u32 a1, 6, -1    ; 0x21002.., all in the second page
        load_indirect_u64 t0, a1, 0
        trap
"#;

#[test]
fn page_crossing_accesses() {
    let (set, code) = isa::text::assemble_code(PROGRAM).unwrap();
    for dispatch in [Dispatch::Threaded, Dispatch::Switch] {
        let mut config = Config::new();
        config.set_dispatch(dispatch);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, ProgramImage::bare(set, code.clone())).unwrap();
        let mut instance = Instance::new(&module).unwrap();
        instance.map(0x20000, 0x2000, Access::ReadWrite);
        instance.set_reg(Reg::A0, 0x8877_6655_4433_2211);
        instance.set_reg(Reg::A1, 0x20ffc);
        instance.set_reg(Reg::A5, 0xBEEF);
        instance.set_gas(100);
        assert_eq!(instance.run(), ExitReason::Panic);
        assert_eq!(instance.reg(Reg::A2), 0x8877_6655_4433_2211);
        assert_eq!(instance.reg(Reg::A3), 0x6655_4433);
        assert_eq!(instance.reg(Reg::A4), 0x5544);
        assert_eq!(instance.reg(Reg::A5), 0xFFFF_FFFF_FFFF_BEEF);
        assert_eq!(instance.reg(Reg::T0), 0xFFFF_66BE_EF33_2211);
        let mut bytes = [0u8; 12];
        instance.read_memory(0x20ffc, &mut bytes).unwrap();
        assert_eq!(bytes, [0x11, 0x22, 0x33, 0xEF, 0xBE, 0x66, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0]);
    }
}
