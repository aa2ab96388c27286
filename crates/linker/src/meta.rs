//! PolkaVM guest metadata: the export list, import descriptions and the minimum stack size.
//!
//! Formats (as emitted by PolkaVM's guest macros and our `guest/include` header):
//! * a metadata record in `.polkavm_metadata`: `u8 version (1 or 2)`, `u32 flags`,
//!   `u32 symbol_len`, a pointer to the symbol bytes, `u8 input_regs`, `u8 output_regs`, and for
//!   version 2 `u8 has_index`, `u32 index`;
//! * an export record in `.polkavm_exports`: `u8 1`, a pointer to the metadata record, a pointer
//!   to the function. Pointers are pointer-sized slots that carry an absolute relocation or an
//!   `auipc zero, %pcrel_hi(sym)` with a `PCREL_HI20` relocation (padded to 8 bytes on RV64).

use crate::elf::{Elf, Loc, Role, Target, R_32, R_64, R_PCREL_HI20};
use crate::error::Diagnostic;

/// A metadata record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// Symbol bytes.
    pub symbol: Vec<u8>,
    /// Explicit import index (version 2 with `has_index`).
    pub index: Option<u32>,
}

/// An export: its name and entry point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportEntry {
    /// Symbol bytes.
    pub symbol: Vec<u8>,
    /// The function.
    pub entry: Loc,
}

/// The pointer stored in the slot at `at`, from its relocation.
pub fn pointer_at(elf: &Elf, at: Loc) -> Result<Loc, Diagnostic> {
    let reloc = elf
        .reloc_at(at)
        .filter(|r| matches!(r.kind, R_32 | R_64 | R_PCREL_HI20))
        .ok_or_else(|| elf.diag(at, "expected a relocated pointer slot here"))?;
    match reloc.target {
        Target::At(loc) => Ok(loc),
        Target::Absolute(_) => Err(elf.diag(at, "pointer slot refers to an absolute address")),
    }
}

fn bytes_at(elf: &Elf, at: Loc, len: u64) -> Option<&[u8]> {
    let data = &elf.sections.get(at.sec)?.data;
    let start = usize::try_from(at.offset).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    data.get(start..end)
}

fn u32_at(elf: &Elf, at: Loc) -> Option<u32> {
    bytes_at(elf, at, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads the metadata record at `at`.
pub fn metadata(elf: &Elf, at: Loc) -> Result<Metadata, Diagnostic> {
    if elf.sections.get(at.sec).map(|s| s.role) != Some(Role::Metadata) {
        return Err(elf.diag(at, "metadata pointer does not point into .polkavm_metadata"));
    }
    let truncated = || elf.diag(at, "truncated metadata record");
    let version = bytes_at(elf, at, 1).ok_or_else(truncated)?[0];
    if version != 1 && version != 2 {
        return Err(elf.diag(at, format!("unsupported metadata version {version} (expected 1 or 2)")));
    }
    let len = u32_at(elf, Loc { offset: at.offset.wrapping_add(5), ..at }).ok_or_else(truncated)?;
    let name_at = pointer_at(elf, Loc { offset: at.offset.wrapping_add(9), ..at })?;
    let symbol = bytes_at(elf, name_at, u64::from(len))
        .ok_or_else(|| elf.diag(at, "metadata symbol name lies outside its section"))?
        .to_vec();
    let mut index = None;
    if version == 2 {
        let tail = at.offset.wrapping_add(9 + elf.ptr_size() + 2);
        let has = bytes_at(elf, Loc { offset: tail, ..at }, 1).ok_or_else(truncated)?[0];
        if has != 0 {
            index = Some(u32_at(elf, Loc { offset: tail.wrapping_add(1), ..at }).ok_or_else(truncated)?);
        }
    }
    Ok(Metadata { symbol, index })
}

/// All exports, in section order; problems are appended to `diags`.
pub fn exports(elf: &Elf, diags: &mut Vec<Diagnostic>) -> Vec<ExportEntry> {
    let mut out = Vec::new();
    let ptr = elf.ptr_size();
    for (sec, s) in elf.sections.iter().enumerate() {
        if s.role != Role::Exports {
            continue;
        }
        let mut offset = 0u64;
        while offset < s.data.len() as u64 {
            let at = Loc { sec, offset };
            if s.data[offset as usize] != 1 {
                diags.push(
                    elf.diag(at, format!("unsupported export record version {}", s.data[offset as usize])),
                );
                break;
            }
            let record = pointer_at(elf, Loc { sec, offset: offset + 1 })
                .and_then(|m| metadata(elf, m))
                .and_then(|m| pointer_at(elf, Loc { sec, offset: offset + 1 + ptr }).map(|entry| (m, entry)));
            match record {
                Ok((m, entry)) => out.push(ExportEntry { symbol: m.symbol, entry }),
                Err(d) => diags.push(d),
            }
            offset += 1 + 2 * ptr;
        }
    }
    out
}

/// The largest `.polkavm_min_stack_size` entry, if any.
pub fn min_stack_size(elf: &Elf) -> Option<u32> {
    elf.sections
        .iter()
        .filter(|s| s.role == Role::MinStack)
        .flat_map(|s| s.data.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        .max()
}
