//! Optional debug sections: source locations of the output code, from the input's DWARF.
//!
//! The lowering records where each reachable RISC-V instruction's PVM code starts. This
//! module reads the DWARF line table and the function / inlined-call tree ([`info`]), finds
//! for each of those instructions its line-table row and the scopes around it, and writes the
//! result as the `.polkavm` debug sections 128–130 ([`encode`]). Every PVM instruction emitted
//! for a RISC-V instruction (or fused pair) gets that instruction's location; code the lowering
//! adds on its own (a `fallthrough` before a block start, a `trap` at the end of a section)
//! belongs to the instruction before it.
//!
//! Each region's frames, outermost first: the function (`Enter`, at its declaration); for
//! every inlined call, the call site (`Call`, named after the callee) and the callee
//! (`Enter`); last, the line-table row (`Line`, named after the innermost function).

pub mod encode;
pub mod info;
pub mod load;

use std::rc::Rc;

use gimli::{EndianSlice, LittleEndian};
use isa::blob::OpaqueSection;

use crate::elf::{Elf, Loc};
use encode::{Frame, FrameKind, Region};
use info::{Info, Row, Scope};
use load::DebugSections;

/// Why the debug sections could not be built (linking goes on without them).
#[derive(Debug, thiserror::Error)]
pub enum DebugError {
    /// The ELF file could not be read again.
    #[error("unreadable ELF file: {0}")]
    Elf(String),
    /// A debug section could not be read.
    #[error("debug section {name}: {message}")]
    Section {
        /// Section name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A relocation of a debug section could not be applied.
    #[error("{section}+{offset:#x}: relocation: {message}")]
    Relocation {
        /// Section name.
        section: String,
        /// Offset of the relocated bytes.
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// Made-up code addresses for relocatable input overflowed.
    #[error("code sections too large to address")]
    AddressOverflow,
    /// The DWARF data is malformed.
    #[error("malformed DWARF: {0}")]
    Dwarf(#[from] gimli::Error),
    /// Scopes overlap too much to be resolved in reasonable time.
    #[error("too many overlapping function scopes")]
    TooManyScopes,
}

/// Builds the debug sections for code whose RISC-V instructions start their PVM code at
/// `positions` (code position, PVM pc; in code order); `code_len` is the PVM code size.
/// Returns no sections when the ELF file has no DWARF line information.
pub fn sections(
    file: &[u8],
    elf: &Elf,
    positions: &[(Loc, u32)],
    code_len: u32,
) -> Result<Vec<OpaqueSection>, DebugError> {
    let Some(debug) = DebugSections::read(file, elf)? else { return Ok(Vec::new()) };
    let mut info = Info::default();
    for group in &debug.groups {
        let get = |name: &str| group.get(name).map_or(&[][..], Vec::as_slice);
        let dwarf =
            gimli::Dwarf::load(|id| Ok::<_, gimli::Error>(EndianSlice::new(get(id.name()), LittleEndian)))?;
        info::collect(&dwarf, &mut info)?;
    }
    info.rows.sort_by_key(|r| r.start);
    let addresses: Vec<Option<u64>> = positions.iter().map(|&(loc, _)| debug.address(loc)).collect();
    let scopes = scopes_at(&info.scopes, &addresses)?;
    let mut regions: Vec<Region> = Vec::new();
    for (i, &(_, start)) in positions.iter().enumerate() {
        let end = positions.get(i + 1).map_or(code_len, |p| p.1);
        if end <= start {
            continue;
        }
        let Some(address) = addresses[i] else { continue };
        let frames = frames(&info, &scopes[i], row_at(&info.rows, address));
        let frames: Rc<[Frame]> = match regions.last() {
            Some(last) if *last.frames == *frames => last.frames.clone(),
            _ => frames.into(),
        };
        regions.push(Region { start, end, frames });
    }
    Ok(encode::encode(&regions))
}

/// For each address, the indices of the scopes covering it (in scope order).
fn scopes_at(scopes: &[Scope], addresses: &[Option<u64>]) -> Result<Vec<Vec<u32>>, DebugError> {
    let mut order: Vec<(u64, usize)> =
        addresses.iter().enumerate().filter_map(|(i, a)| Some(((*a)?, i))).collect();
    order.sort_unstable();
    let mut out = vec![Vec::new(); addresses.len()];
    let mut budget = addresses.len().saturating_mul(64).max(1 << 16);
    for (id, scope) in scopes.iter().enumerate() {
        let id = u32::try_from(id).map_err(|_| DebugError::TooManyScopes)?;
        for &(begin, end) in &scope.ranges {
            let first = order.partition_point(|&(a, _)| a < begin);
            for &(_, i) in order[first..].iter().take_while(|&&(a, _)| a < end) {
                budget = budget.checked_sub(1).ok_or(DebugError::TooManyScopes)?;
                out[i].push(id);
            }
        }
    }
    Ok(out)
}

/// The line-table row covering `address`.
fn row_at(rows: &[Row], address: u64) -> Option<&Row> {
    let after = rows.partition_point(|r| r.start <= address);
    rows[..after].last().filter(|r| address < r.end)
}

/// The frames of one address: its function, inlined calls, and line-table row.
fn frames(info: &Info, scope_ids: &[u32], row: Option<&Row>) -> Vec<Frame> {
    let mut ids = scope_ids.to_vec();
    ids.sort_by_key(|&i| info.scopes[i as usize].depth);
    // One scope per depth, without gaps; a later (more deeply nested) one wins on a tie.
    let mut chain: Vec<&Scope> = Vec::new();
    for &i in &ids {
        let s = &info.scopes[i as usize];
        let d = s.depth as usize;
        if d == chain.len() {
            chain.push(s);
        } else if d + 1 == chain.len() {
            chain[d] = s;
        }
    }
    let mut out = Vec::new();
    let enter = |s: &Scope| Frame {
        kind: FrameKind::Enter,
        namespace: s.namespace.clone(),
        function: s.name.clone(),
        path: s.decl_path.clone(),
        line: s.decl_line,
        column: 0,
    };
    if let Some(first) = chain.first() {
        out.push(enter(first));
    }
    for s in chain.iter().skip(1) {
        out.push(Frame {
            kind: FrameKind::Call,
            namespace: s.namespace.clone(),
            function: s.name.clone(),
            path: s.call_path.clone(),
            line: s.call_line,
            column: s.call_column,
        });
        out.push(enter(s));
    }
    if let Some(row) = row {
        let innermost = chain.last();
        out.push(Frame {
            kind: FrameKind::Line,
            namespace: innermost.and_then(|s| s.namespace.clone()),
            function: innermost.and_then(|s| s.name.clone()),
            path: row.path.clone(),
            line: row.line,
            column: row.column,
        });
    }
    out
}
