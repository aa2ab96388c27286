//! Code layout: assigns offsets to parsed statements, resolves labels, encodes instructions
//! and builds the bitmask.
//!
//! Absolute (`@N`) and relative (`@+N`) targets have known values, so instructions using
//! them are sized as they are reached. A named-label target's encoded width starts at zero
//! and only ever grows until every label reference fits (offsets then only grow, so the
//! widths reached are the shortest ones); after a bounded number of rounds the remaining
//! label references fall back to four bytes, which always fit.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::error::{AsmError, AsmErrorKind, Diagnostics};
use super::inst::{ParsedInst, TargetRef};
use crate::encode::{encode_with, imm_len, EncodeError, ImmWidths};
use crate::variant::InstructionSet;

/// Layout rounds before label references fall back to 4-byte offsets.
const MAX_ROUNDS: usize = 16;

/// One code-producing or position-defining statement.
#[derive(Clone, Debug)]
pub(crate) enum Stmt {
    /// `name:` defines a label at the current offset.
    Label {
        /// The label name.
        name: String,
        /// Line.
        line: u32,
        /// Column.
        col: u32,
    },
    /// `@N:` asserts that the current offset is `N`.
    Pos {
        /// The claimed offset.
        at: u32,
        /// Line.
        line: u32,
        /// Column.
        col: u32,
    },
    /// An instruction.
    Inst {
        /// The parsed instruction.
        p: ParsedInst,
        /// Line.
        line: u32,
    },
    /// `.raw` (`marked`: the first byte starts an instruction) or `.pad` bytes.
    Bytes {
        /// The bytes.
        bytes: Vec<u8>,
        /// Whether the first byte gets a bitmask bit.
        marked: bool,
    },
}

/// Laid-out code.
#[derive(Debug, Default)]
pub(crate) struct Code {
    /// Code bytes.
    pub(crate) code: Vec<u8>,
    /// Canonical bitmask derived from instruction starts.
    pub(crate) bitmask: Vec<u8>,
    /// Offsets of named labels.
    pub(crate) labels: BTreeMap<String, u32>,
}

fn encode(
    set: InstructionSet,
    p: &ParsedInst,
    pc: u32,
    target: u32,
    width: Option<u8>,
    out: &mut Vec<u8>,
) -> Result<usize, EncodeError> {
    let mut widths = p.widths;
    if p.target.is_some() {
        widths[p.target_slot] = width;
    }
    encode_with(set, &p.with_target(target), pc, ImmWidths { first: widths[0], second: widths[1] }, out)
}

/// The target value and width an instruction is encoded with, given the layout so far.
fn target_of(
    p: &ParsedInst,
    pc: u32,
    reserve: u8,
    labels: &BTreeMap<String, u32>,
) -> (u32, Option<u8>, bool) {
    let explicit = p.widths[p.target_slot];
    match &p.target {
        None => (0, None, true),
        Some((TargetRef::Abs(t), _, _)) => (*t, explicit, true),
        Some((TargetRef::Rel(r), _, _)) => (pc.wrapping_add(*r as u32), explicit, true),
        Some((TargetRef::Label(l), _, _)) => {
            let width = Some(explicit.unwrap_or(reserve));
            match labels.get(l) {
                Some(&t) => (t, width, true),
                None => (pc, width, false),
            }
        }
    }
}

/// Encoded size of an instruction, tolerating errors (reported in the final pass).
fn size_of(set: InstructionSet, p: &ParsedInst, pc: u32, reserve: u8, scratch: &mut Vec<u8>) -> u32 {
    scratch.clear();
    let (target, width) = match &p.target {
        Some((TargetRef::Label(_), _, _)) => (pc, Some(p.widths[p.target_slot].unwrap_or(reserve))),
        _ => {
            let (t, w, _) = target_of(p, pc, reserve, &BTreeMap::new());
            (t, w)
        }
    };
    match encode(set, p, pc, target, width, scratch) {
        Ok(n) => n as u32,
        Err(EncodeError::WidthTooSmall { .. } | EncodeError::BadWidth(_)) => {
            scratch.clear();
            encode(set, p, pc, pc, Some(4), scratch).map_or(1, |n| n as u32)
        }
        Err(EncodeError::NotInSet(..)) => 1,
    }
}

/// Lays out `stmts` under `set`, recording problems in `diags`.
pub(crate) fn layout(set: InstructionSet, stmts: &[Stmt], diags: &mut Diagnostics) -> Code {
    let mut labels: BTreeMap<String, u32> = BTreeMap::new();
    for s in stmts {
        if let Stmt::Label { name, line, col } = s {
            if labels.insert(name.clone(), 0).is_some() {
                diags.push(AsmError::new(*line, *col, AsmErrorKind::DuplicateLabel(name.clone())));
            }
        }
    }
    let is_label_ref = |p: &ParsedInst| {
        matches!(p.target, Some((TargetRef::Label(_), _, _))) && p.widths[p.target_slot].is_none()
    };
    let mut reserve = vec![0u8; stmts.len()];
    let mut pcs = vec![0u32; stmts.len()];
    let mut scratch = Vec::with_capacity(32);
    for round in 0..=MAX_ROUNDS {
        if round == MAX_ROUNDS {
            for (i, s) in stmts.iter().enumerate() {
                if matches!(s, Stmt::Inst { p, .. } if is_label_ref(p)) {
                    reserve[i] = 4;
                }
            }
        }
        let mut pc: u64 = 0;
        for (i, s) in stmts.iter().enumerate() {
            let Ok(pc32) = u32::try_from(pc) else {
                diags.push(AsmError::new(1, 1, AsmErrorKind::CodeTooLarge));
                return Code::default();
            };
            pcs[i] = pc32;
            match s {
                Stmt::Label { name, .. } => {
                    labels.insert(name.clone(), pc32);
                }
                Stmt::Pos { .. } => {}
                Stmt::Bytes { bytes, .. } => pc += bytes.len() as u64,
                Stmt::Inst { p, .. } => pc += u64::from(size_of(set, p, pc32, reserve[i], &mut scratch)),
            }
        }
        if u32::try_from(pc).is_err() {
            diags.push(AsmError::new(1, 1, AsmErrorKind::CodeTooLarge));
            return Code::default();
        }
        let mut changed = false;
        for (i, s) in stmts.iter().enumerate() {
            if let Stmt::Inst { p, .. } = s {
                if let (true, Some((TargetRef::Label(l), _, _))) = (is_label_ref(p), &p.target) {
                    if let Some(&t) = labels.get(l) {
                        let need = imm_len(t.wrapping_sub(pcs[i]));
                        if need > reserve[i] {
                            reserve[i] = need;
                            changed = true;
                        }
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    emit(set, stmts, &reserve, labels, diags)
}

fn emit(
    set: InstructionSet,
    stmts: &[Stmt],
    reserve: &[u8],
    labels: BTreeMap<String, u32>,
    diags: &mut Diagnostics,
) -> Code {
    let mut code = Vec::new();
    let mut marks: Vec<u32> = Vec::new();
    let mut scratch = Vec::with_capacity(32);
    for (i, s) in stmts.iter().enumerate() {
        let pc = code.len() as u32;
        match s {
            Stmt::Label { .. } => {}
            Stmt::Pos { at, line, col } => {
                if *at != pc {
                    diags.push(AsmError::new(
                        *line,
                        *col,
                        AsmErrorKind::PositionMismatch { expected: *at, actual: pc },
                    ));
                }
            }
            Stmt::Bytes { bytes, marked } => {
                if *marked && !bytes.is_empty() {
                    marks.push(pc);
                }
                code.extend_from_slice(bytes);
            }
            Stmt::Inst { p, line } => {
                marks.push(pc);
                let (target, width, found) = target_of(p, pc, reserve[i], &labels);
                let tcol = p.target.as_ref().map_or(p.col, |t| t.2);
                let result = if found {
                    encode(set, p, pc, target, width, &mut code).map_err(|e| match e {
                        EncodeError::NotInSet(mnemonic, set) => {
                            (p.col, AsmErrorKind::NotInSet { mnemonic, set })
                        }
                        EncodeError::WidthTooSmall { value, width } => {
                            (tcol, AsmErrorKind::WidthTooSmall { value, width })
                        }
                        EncodeError::BadWidth(width) => {
                            (tcol, AsmErrorKind::BadWidth(alloc::format!("{width}")))
                        }
                    })
                } else {
                    let name = match &p.target {
                        Some((TargetRef::Label(l), _, _)) => l.clone(),
                        _ => String::new(),
                    };
                    Err((tcol, AsmErrorKind::UndefinedLabel(name)))
                };
                if let Err((col, kind)) = result {
                    diags.push(AsmError::new(*line, col, kind));
                    code.truncate(pc as usize);
                    let n = size_of(set, p, pc, reserve[i], &mut scratch);
                    code.resize(pc as usize + n as usize, 0);
                }
            }
        }
    }
    let mut bitmask = vec![0u8; code.len().div_ceil(8)];
    for m in marks {
        if let Some(byte) = bitmask.get_mut(m as usize / 8) {
            *byte |= 1 << (m % 8);
        }
    }
    Code { code, bitmask, labels }
}
