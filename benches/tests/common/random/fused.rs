//! Random groups of the instruction shapes the recompiler fuses (see `jit::emit::fuse`), and
//! near misses: the address computations before a load, extensions, scaled indices and table
//! elements, with every aliasing of their registers.

use isa::blob::PolkavmLayout;
use isa::text::CodeBuilder;
use isa::{Opcode, Operands};

use super::edges::{address, base_for, load_imm64, value64};
use super::{inst, Rng, WRITABLE};

/// The loads the recompiler fuses with the address computation before them.
const FUSED_LOADS: [Opcode; 7] = [
    Opcode::LoadIndirectU8,
    Opcode::LoadIndirectI8,
    Opcode::LoadIndirectU16,
    Opcode::LoadIndirectI16,
    Opcode::LoadIndirectU32,
    Opcode::LoadIndirectI32,
    Opcode::LoadIndirectU64,
];

/// A group of instructions of the shapes the recompiler fuses, or nearly: a load from the sum
/// of two registers over that sum (`add_64 x, a, b` + `load_indirect_* x, x, offset`, at an
/// edge address, with every aliasing of `x`, `a` and `b`), an extension
/// (`shift_logical_left_imm_64 d, s, k` + a right shift of `d` by `j`, `k` near 32, 48 or 56),
/// or a scaled index ([`scaled_group`]).
pub(super) fn fusable_pair(b: &mut CodeBuilder, rng: &mut Rng, layout: &PolkavmLayout) {
    let dst = |rng: &mut Rng| rng.pick(&WRITABLE);
    let shape = rng.below(3);
    if shape == 2 {
        scaled_group(b, rng, layout);
    } else if shape == 0 {
        let load = FUSED_LOADS;
        let (x, other, offset) = (dst(rng), dst(rng), rng.value());
        let target = address(rng, layout);
        let sum = base_for(rng, target, offset);
        let part = value64(rng);
        // `x = x + other`, `x = other + x` or `x = other + other` (then `x` is set apart).
        let (s1, s2) = rng.pick(&[(x, other), (other, x), (other, other)]);
        match (s1 == x || s2 == x, other == x) {
            (_, true) | (false, false) => {
                // Both operands the same register: half the sum each, give or take one.
                load_imm64(b, other, sum / 2);
                load_imm64(b, x, sum.wrapping_sub(sum / 2));
            }
            (true, false) => {
                load_imm64(b, other, part);
                load_imm64(b, x, sum.wrapping_sub(part));
            }
        }
        b.push(inst(Opcode::Add64, Operands::RegRegReg { d: x, s1, s2 }));
        // Mostly over the sum; now and then into another register (not fused).
        let into = if rng.chance(85) { x } else { dst(rng) };
        b.push(inst(rng.pick(&load), Operands::RegRegImm { a: into, b: x, imm: offset }));
    } else {
        let (d, s) = (dst(rng), dst(rng));
        load_imm64(b, s, value64(rng));
        let k = rng.pick(&[32, 48, 56, 31, 33, 0, 63]);
        let j =
            if rng.chance(70) { k - rng.below(4.min(u64::from(k) + 1)) as u32 } else { rng.below(64) as u32 };
        let right = rng.pick(&[Opcode::ShiftLogicalRightImm64, Opcode::ShiftArithmeticRightImm64]);
        let (x, y) = if rng.chance(85) {
            let elsewhere = dst(rng);
            (rng.pick(&[d, d, s, elsewhere]), d)
        } else {
            (dst(rng), dst(rng))
        };
        b.push(inst(Opcode::ShiftLogicalLeftImm64, Operands::RegRegImm { a: d, b: s, imm: k }));
        b.push(inst(right, Operands::RegRegImm { a: x, b: y, imm: j }));
    }
}

/// `shift_logical_left_imm_64 x, s, k` (`k` mostly 1 to 3) + `add_64 x, x, base` (either
/// order; now and then into another register) + mostly a load over the sum, at an edge
/// address when `base` is a register of its own, else wherever the aliasing leads; `s` and
/// `base` may be any registers, `x` included. Half the time `base` is set between the shift
/// and the addition, as clang does with a table's address: by a `load_imm` (with the
/// address that reaches the edge) or by a load from an edge address.
fn scaled_group(b: &mut CodeBuilder, rng: &mut Rng, layout: &PolkavmLayout) {
    let dst = |rng: &mut Rng| rng.pick(&WRITABLE);
    let (x, s, base) = (dst(rng), dst(rng), dst(rng));
    let k = rng.pick(&[1, 2, 3, 1, 2, 3, 0, 4, 67]);
    let (target, offset) = (address(rng, layout), rng.value());
    let shifted_value = value64(rng);
    let middle = rng.below(4);
    let table_load = (middle == 1).then(|| {
        let (from, at, edge) = (dst(rng), rng.value(), address(rng, layout));
        load_imm64(b, from, base_for(rng, edge, at));
        inst(rng.pick(&FUSED_LOADS), Operands::RegRegImm { a: base, b: from, imm: at })
    });
    load_imm64(b, s, shifted_value);
    let table = base_for(rng, target, offset).wrapping_sub(shifted_value << (k & 63));
    if middle > 1 && base != x && base != s {
        load_imm64(b, base, table);
    }
    b.push(inst(Opcode::ShiftLogicalLeftImm64, Operands::RegRegImm { a: x, b: s, imm: k }));
    match table_load {
        Some(load) => b.push(load),
        None if middle == 0 => {
            b.push(inst(Opcode::LoadImm, Operands::RegImm { reg: base, imm: table as u32 }))
        }
        None => {}
    }
    let (s1, s2) = if rng.chance(50) { (x, base) } else { (base, x) };
    let sum = if rng.chance(90) { x } else { dst(rng) };
    b.push(inst(Opcode::Add64, Operands::RegRegReg { d: sum, s1, s2 }));
    if rng.chance(80) {
        let into = if rng.chance(85) { sum } else { dst(rng) };
        b.push(inst(rng.pick(&FUSED_LOADS), Operands::RegRegImm { a: into, b: sum, imm: offset }));
    } else {
        b.push(inst(Opcode::StoreIndirectU32, Operands::RegRegImm { a: s, b: sum, imm: offset }));
    }
}
