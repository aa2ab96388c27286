//! One instruction as text: the operand order of every [`Format`], the printer
//! ([`format_instruction`]) and the parser ([`parse_instruction`] and the assembler's
//! label-aware variant).
//!
//! Operands are written in a fixed order per format (registers first, then immediates,
//! then the branch target); an immediate or target may carry a `:N` suffix that forces
//! an `N`-byte encoding.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};

use super::error::{AsmError, AsmErrorKind};
use super::lex::{lex_line, Cursor, Tok};
use super::syntax::{fmt_imm, fmt_imm64, imm32_from, imm64_from, is_label_name, parse_int};
use crate::encode::imm_len;
use crate::inst::{Instruction, Operands};
use crate::opcode::{Format, Opcode};
use crate::reg::Reg;

/// The kind of one operand position of a format.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A register.
    Reg,
    /// A 32-bit immediate encoded in width slot 0 or 1.
    Imm(usize),
    /// The 64-bit immediate of `load_imm64`.
    Imm64,
    /// An absolute branch target; its pc-relative offset is encoded in width slot 0 or 1.
    Target(usize),
}

/// Operand positions of a format, in text order.
pub(crate) fn slots(format: Format) -> &'static [Slot] {
    use Slot::*;
    match format {
        Format::Argless => &[],
        Format::Imm => &[Imm(0)],
        Format::RegImm64 => &[Reg, Imm64],
        Format::ImmImm => &[Imm(0), Imm(1)],
        Format::Offset => &[Target(0)],
        Format::RegImm => &[Reg, Imm(0)],
        Format::RegImmImm => &[Reg, Imm(0), Imm(1)],
        Format::RegImmOffset => &[Reg, Imm(0), Target(1)],
        Format::RegReg => &[Reg, Reg],
        Format::RegRegImm => &[Reg, Reg, Imm(0)],
        Format::RegRegOffset => &[Reg, Reg, Target(0)],
        Format::RegRegImmImm => &[Reg, Reg, Imm(0), Imm(1)],
        Format::RegRegReg => &[Reg, Reg, Reg],
    }
}

/// One operand value; targets are absolute.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// A register.
    Reg(Reg),
    /// A 32-bit immediate or an absolute target.
    Imm(u32),
    /// A 64-bit immediate.
    Imm64(u64),
}

/// The operand values of `ops`, in text order (unused entries are `Imm(0)`).
pub(crate) fn values(ops: &Operands) -> [Value; 4] {
    use Value::{Imm as I, Reg as R};
    let z = I(0);
    match *ops {
        Operands::Argless => [z; 4],
        Operands::Imm { imm } => [I(imm), z, z, z],
        Operands::RegImm64 { reg, imm } => [R(reg), Value::Imm64(imm), z, z],
        Operands::ImmImm { imm1, imm2 } => [I(imm1), I(imm2), z, z],
        Operands::Offset { target } => [I(target), z, z, z],
        Operands::RegImm { reg, imm } => [R(reg), I(imm), z, z],
        Operands::RegImmImm { reg, imm1, imm2 } => [R(reg), I(imm1), I(imm2), z],
        Operands::RegImmOffset { reg, imm, target } => [R(reg), I(imm), I(target), z],
        Operands::RegReg { d, s } => [R(d), R(s), z, z],
        Operands::RegRegImm { a, b, imm } => [R(a), R(b), I(imm), z],
        Operands::RegRegOffset { a, b, target } => [R(a), R(b), I(target), z],
        Operands::RegRegImmImm { a, b, imm1, imm2 } => [R(a), R(b), I(imm1), I(imm2)],
        Operands::RegRegReg { d, s1, s2 } => [R(d), R(s1), R(s2), z],
    }
}

/// Rebuilds an instruction from operand values in text order.
pub(crate) fn build(opcode: Opcode, v: &[Value; 4]) -> Instruction {
    let r = |i: usize| if let Value::Reg(r) = v[i] { r } else { Reg::RA };
    let n = |i: usize| if let Value::Imm(x) = v[i] { x } else { 0 };
    let operands = match opcode.format() {
        Format::Argless => Operands::Argless,
        Format::Imm => Operands::Imm { imm: n(0) },
        Format::RegImm64 => {
            Operands::RegImm64 { reg: r(0), imm: if let Value::Imm64(x) = v[1] { x } else { 0 } }
        }
        Format::ImmImm => Operands::ImmImm { imm1: n(0), imm2: n(1) },
        Format::Offset => Operands::Offset { target: n(0) },
        Format::RegImm => Operands::RegImm { reg: r(0), imm: n(1) },
        Format::RegImmImm => Operands::RegImmImm { reg: r(0), imm1: n(1), imm2: n(2) },
        Format::RegImmOffset => Operands::RegImmOffset { reg: r(0), imm: n(1), target: n(2) },
        Format::RegReg => Operands::RegReg { d: r(0), s: r(1) },
        Format::RegRegImm => Operands::RegRegImm { a: r(0), b: r(1), imm: n(2) },
        Format::RegRegOffset => Operands::RegRegOffset { a: r(0), b: r(1), target: n(2) },
        Format::RegRegImmImm => Operands::RegRegImmImm { a: r(0), b: r(1), imm1: n(2), imm2: n(3) },
        Format::RegRegReg => Operands::RegRegReg { d: r(0), s1: r(1), s2: r(2) },
    };
    Instruction { opcode, operands }
}

/// Writes `inst` as text; `suffix[k]` adds `:N` to the operand encoded in width slot `k`.
pub(crate) fn write_instruction(out: &mut String, inst: &Instruction, suffix: [Option<u8>; 2]) {
    out.push_str(inst.opcode.name());
    let vals = values(&inst.operands);
    for (i, slot) in slots(inst.opcode.format()).iter().enumerate() {
        out.push_str(if i == 0 { " " } else { ", " });
        match (*slot, vals[i]) {
            (Slot::Reg, Value::Reg(r)) => out.push_str(r.name()),
            (Slot::Imm64, Value::Imm64(x)) => out.push_str(&fmt_imm64(x)),
            (Slot::Imm(k), Value::Imm(x)) | (Slot::Target(k), Value::Imm(x)) => {
                if matches!(slot, Slot::Target(_)) {
                    out.push('@');
                    out.push_str(&x.to_string());
                } else {
                    out.push_str(&fmt_imm(x));
                }
                if let Some(w) = suffix[k] {
                    out.push(':');
                    out.push_str(&w.to_string());
                }
            }
            _ => out.push('?'),
        }
    }
}

/// An instruction in canonical text form: mnemonic, then operands in the format's order,
/// registers by ABI name, immediates in decimal (hex above 0xffff), targets as `@offset`.
pub fn format_instruction(inst: &Instruction) -> String {
    let mut s = String::new();
    write_instruction(&mut s, inst, [None, None]);
    s
}

/// A branch target as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TargetRef {
    /// `@123`: an absolute code offset.
    Abs(u32),
    /// `@+8` / `@-8`: relative to the start of the instruction.
    Rel(i64),
    /// `@name`: a named label.
    Label(String),
}

/// Parses the text after `@`.
pub(crate) fn parse_target(text: &str) -> Option<TargetRef> {
    if text.starts_with(['+', '-']) {
        let v = parse_int(text)?;
        return (v.unsigned_abs() <= u128::from(u32::MAX)).then_some(TargetRef::Rel(v as i64));
    }
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        return parse_int(text).and_then(|v| u32::try_from(v).ok()).map(TargetRef::Abs);
    }
    is_label_name(text).then(|| TargetRef::Label(text.into()))
}

/// A parsed instruction whose target may still be symbolic.
#[derive(Clone, Debug)]
pub(crate) struct ParsedInst {
    /// The instruction; its target (if any) is a placeholder until resolved.
    pub(crate) inst: Instruction,
    /// Operand values in text order.
    pub(crate) vals: [Value; 4],
    /// The target as written, its operand index and its column.
    pub(crate) target: Option<(TargetRef, usize, u32)>,
    /// Width slot of the target.
    pub(crate) target_slot: usize,
    /// Explicit `:N` widths per width slot.
    pub(crate) widths: [Option<u8>; 2],
    /// Column of the mnemonic.
    pub(crate) col: u32,
}

impl ParsedInst {
    /// The instruction with its target set to `target`.
    pub(crate) fn with_target(&self, target: u32) -> Instruction {
        let mut vals = self.vals;
        if let Some((_, idx, _)) = self.target {
            vals[idx] = Value::Imm(target);
        }
        build(self.inst.opcode, &vals)
    }
}

/// A register by ABI name (`a0`) or number (`r7`). (Looks ABI names up first: `ra` also
/// starts with `r`.)
pub(crate) fn parse_reg(name: &str) -> Option<Reg> {
    Reg::ALL.iter().copied().find(|r| r.name() == name).or_else(|| Reg::from_name(name))
}

fn parse_width(cur: &mut Cursor<'_, '_>) -> Result<Option<u8>, AsmError> {
    if !cur.eat_colon() {
        return Ok(None);
    }
    let (w, col) = cur.word("an immediate width (0..=4)")?;
    match parse_int(w) {
        Some(n @ 0..=4) => Ok(Some(n as u8)),
        _ => Err(cur.err_at(col, AsmErrorKind::BadWidth(w.into()))),
    }
}

/// Parses (and consumes) the immediate word `w`: 32-bit when `narrow`, else 64-bit.
fn parse_imm(cur: &mut Cursor<'_, '_>, w: &str, col: u32, narrow: bool) -> Result<u64, AsmError> {
    let v = parse_int(w).ok_or_else(|| cur.err_at(col, AsmErrorKind::BadNumber(w.into())))?;
    cur.bump();
    let (x, range) = if narrow {
        (imm32_from(v).map(u64::from), "-2^31 ..= 2^32-1")
    } else {
        (imm64_from(v), "-2^63 ..= 2^64-1")
    };
    x.ok_or_else(|| cur.err_at(col, AsmErrorKind::OutOfRange { text: w.into(), range }))
}

/// Parses the operands of `opcode` (the mnemonic at `col` has been consumed).
pub(crate) fn parse_operands(
    cur: &mut Cursor<'_, '_>,
    opcode: Opcode,
    col: u32,
) -> Result<ParsedInst, AsmError> {
    let slots = slots(opcode.format());
    let mut p = ParsedInst {
        inst: Instruction::TRAP,
        vals: [Value::Imm(0); 4],
        target: None,
        target_slot: 0,
        widths: [None; 2],
        col,
    };
    for (i, slot) in slots.iter().enumerate() {
        if i > 0 && !cur.eat_comma() {
            if cur.at_end() {
                let e =
                    AsmErrorKind::OperandCount { mnemonic: opcode.name(), expected: slots.len(), found: i };
                return Err(cur.err_at(cur.col(), e));
            }
            return Err(cur.expected("`,`"));
        }
        let Some(tok) = cur.peek() else {
            let e = AsmErrorKind::OperandCount { mnemonic: opcode.name(), expected: slots.len(), found: i };
            return Err(cur.err_at(cur.col(), e));
        };
        let tcol = tok.col;
        match (*slot, &tok.tok) {
            (Slot::Reg, Tok::Word(w)) => {
                let reg = parse_reg(w).ok_or_else(|| cur.expected("a register"))?;
                cur.bump();
                p.vals[i] = Value::Reg(reg);
                if cur.eat_colon() {
                    return Err(cur.err_at(tcol, AsmErrorKind::WidthNotAllowed));
                }
            }
            (Slot::Imm(k), Tok::Word(w)) => {
                let x = parse_imm(cur, w, tcol, true)? as u32;
                p.vals[i] = Value::Imm(x);
                p.widths[k] = parse_width(cur)?;
                if let Some(width) = p.widths[k].filter(|&width| width < imm_len(x)) {
                    return Err(cur.err_at(tcol, AsmErrorKind::WidthTooSmall { value: x, width }));
                }
            }
            (Slot::Imm64, Tok::Word(w)) => {
                p.vals[i] = Value::Imm64(parse_imm(cur, w, tcol, false)?);
                if cur.eat_colon() {
                    return Err(cur.err_at(tcol, AsmErrorKind::WidthNotAllowed));
                }
            }
            (Slot::Target(k), Tok::At(t)) => {
                let target =
                    parse_target(t).ok_or_else(|| cur.expected("a code offset `@N` or label `@name`"))?;
                cur.bump();
                p.target = Some((target, i, tcol));
                p.target_slot = k;
                p.widths[k] = parse_width(cur)?;
            }
            (Slot::Reg, _) => return Err(cur.expected("a register")),
            (Slot::Imm(_) | Slot::Imm64, _) => return Err(cur.expected("an immediate")),
            (Slot::Target(_), _) => return Err(cur.expected("a branch target `@N` or `@label`")),
        }
    }
    if !cur.at_end() {
        if slots.is_empty() || cur.eat_comma() {
            let found = slots.len() + 1 + cur.count_commas();
            let e = AsmErrorKind::OperandCount { mnemonic: opcode.name(), expected: slots.len(), found };
            return Err(cur.err_at(col, e));
        }
        return Err(cur.expected("`,` or end of line"));
    }
    p.inst = build(opcode, &p.vals);
    Ok(p)
}

/// Parses one instruction line such as `branch_eq a0, a1, @loop`. Targets may be absolute
/// (`@120`), relative to `pc`, the instruction's own offset (`@+8`, `@-4`), or labels looked
/// up in `labels`. `:N` width suffixes are accepted and checked, but not returned.
pub fn parse_instruction(
    text: &str,
    pc: u32,
    labels: &BTreeMap<String, u32>,
) -> Result<Instruction, AsmError> {
    let toks = lex_line(text, 1)?;
    let mut cur = Cursor::new(&toks, 1, text.chars().count() as u32);
    let (name, col) = cur.word("an instruction mnemonic")?;
    let opcode = Opcode::from_name(name).ok_or(AsmError::new(
        1,
        col,
        AsmErrorKind::UnknownInstruction(name.into()),
    ))?;
    let p = parse_operands(&mut cur, opcode, col)?;
    let target = match &p.target {
        None => 0,
        Some((TargetRef::Abs(t), _, _)) => *t,
        Some((TargetRef::Rel(r), _, _)) => pc.wrapping_add(*r as u32),
        Some((TargetRef::Label(l), _, tcol)) => {
            *labels.get(l).ok_or_else(|| AsmError::new(1, *tcol, AsmErrorKind::UndefinedLabel(l.clone())))?
        }
    };
    Ok(p.with_target(target))
}
