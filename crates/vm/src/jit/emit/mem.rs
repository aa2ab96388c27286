//! Loads and stores: `gs:[base32 + offset]` with 32-bit address size, no bounds checks. The
//! addressing hardware computes `base + offset` modulo 2^32 and zero-extends it before adding
//! the `gs` base (the guest base), so an access can only reach the 4 GiB reservation or the
//! guard after it, and no instruction is spent on the address; the page protections, which
//! mirror the guest's access rights, make every forbidden access fault.

use asm::{Mem, Reg as H, Scale, Size, Width};
use isa::{sext, Opcode};

use super::Compiler;

/// Width and signedness of a load.
#[inline(always)]
pub(super) const fn load_kind(opcode: Opcode) -> Option<(Width, bool)> {
    use Opcode as O;
    Some(match opcode {
        O::LoadU8 | O::LoadIndirectU8 => (Width::W8, false),
        O::LoadI8 | O::LoadIndirectI8 => (Width::W8, true),
        O::LoadU16 | O::LoadIndirectU16 => (Width::W16, false),
        O::LoadI16 | O::LoadIndirectI16 => (Width::W16, true),
        O::LoadU32 | O::LoadIndirectU32 => (Width::W32, false),
        O::LoadI32 | O::LoadIndirectI32 => (Width::W32, true),
        O::LoadU64 | O::LoadIndirectU64 => (Width::W64, false),
        _ => return None,
    })
}

/// Width of a store.
#[inline(always)]
pub(super) const fn store_width(opcode: Opcode) -> Option<Width> {
    use Opcode as O;
    Some(match opcode {
        O::StoreU8 | O::StoreIndirectU8 | O::StoreImmU8 | O::StoreImmIndirectU8 => Width::W8,
        O::StoreU16 | O::StoreIndirectU16 | O::StoreImmU16 | O::StoreImmIndirectU16 => Width::W16,
        O::StoreU32 | O::StoreIndirectU32 | O::StoreImmU32 | O::StoreImmIndirectU32 => Width::W32,
        O::StoreU64 | O::StoreIndirectU64 | O::StoreImmU64 | O::StoreImmIndirectU64 => Width::W64,
        _ => return None,
    })
}

/// The operand for guest address `base + offset` (mod 2^32); `base` `None` is absolute.
#[inline(always)]
pub(super) const fn guest(base: Option<H>, offset: u32) -> Mem {
    match base {
        None => Mem::abs(offset as i32),
        Some(base) => Mem::base(base, offset as i32),
    }
    .gs()
    .addr32()
}

impl Compiler<'_> {
    /// A load into `d` from `base + offset`; `false` if `opcode` is not a load.
    #[inline(always)]
    pub(super) fn load(&mut self, opcode: Opcode, d: H, base: Option<H>, offset: u32) -> bool {
        let mem = guest(base, offset);
        self.load_from(opcode, d, mem)
    }

    /// A load into `d` from `a + b + offset` (mod 2^32, the sum of two registers as the
    /// address); `false` if `opcode` is not a load.
    #[inline(always)]
    pub(super) fn indexed_load(&mut self, opcode: Opcode, d: H, a: H, b: H, offset: u32) -> bool {
        self.load_from(opcode, d, Mem::index(a, b, Scale::S1, offset as i32).gs().addr32())
    }

    /// A load of `opcode`'s width and signedness into `d` from `mem`.
    #[inline(always)]
    pub(super) fn load_from(&mut self, opcode: Opcode, d: H, mem: Mem) -> bool {
        let Some((width, signed)) = load_kind(opcode) else { return false };
        if signed {
            self.asm.load_sx(Size::S64, width, d, mem);
        } else {
            self.asm.load(width, d, mem);
        }
        true
    }

    /// A store of register `value` to `base + offset`; `false` if `opcode` is not a store.
    #[inline(always)]
    pub(super) fn store(&mut self, opcode: Opcode, value: H, base: Option<H>, offset: u32) -> bool {
        let Some(width) = store_width(opcode) else { return false };
        let mem = guest(base, offset);
        self.asm.store(width, mem, value);
        true
    }

    /// A store of an immediate to `base + offset`; `false` if `opcode` is not a store.
    #[inline(always)]
    pub(super) fn store_imm(&mut self, opcode: Opcode, value: u32, base: Option<H>, offset: u32) -> bool {
        let Some(width) = store_width(opcode) else { return false };
        let mem = guest(base, offset);
        // 64-bit stores write the immediate sign-extended, which `mov qword [m], imm32` does.
        debug_assert!(width != Width::W64 || sext(value) as i64 == i64::from(value as i32));
        self.asm.store_imm(width, mem, value as i32);
        true
    }
}

/// The guest access an instruction makes: (address, length, is a write), given a reader of
/// guest registers; `None` if it accesses no memory. Used to classify faults exactly as the
/// interpreter does.
pub(crate) fn access_of(inst: isa::Instruction, reg: impl Fn(isa::Reg) -> u64) -> Option<(u32, u32, bool)> {
    use isa::Operands as P;
    let ind = |base: isa::Reg, offset: u32| (reg(base) as u32).wrapping_add(offset);
    let opcode = inst.opcode;
    let len = |w: Width| w.bytes();
    if let Some((width, _)) = load_kind(opcode) {
        return match inst.operands {
            P::RegImm { imm, .. } => Some((imm, len(width), false)),
            P::RegRegImm { b, imm, .. } => Some((ind(b, imm), len(width), false)),
            _ => None,
        };
    }
    let width = store_width(opcode)?;
    match inst.operands {
        P::RegImm { imm, .. } => Some((imm, len(width), true)),
        P::ImmImm { imm1, .. } => Some((imm1, len(width), true)),
        P::RegImmImm { reg: base, imm1, .. } => Some((ind(base, imm1), len(width), true)),
        P::RegRegImm { b, imm, .. } => Some((ind(b, imm), len(width), true)),
        _ => None,
    }
}
