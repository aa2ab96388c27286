//! Reading the DWARF sections out of the input ELF file.
//!
//! Linked input (`ET_DYN`/`ET_EXEC`) carries DWARF with final addresses: it is used as it is,
//! and a code position's DWARF address is its section's address plus its offset. Relocatable
//! input (`ET_REL`) carries DWARF whose addresses and cross-section offsets are still
//! relocations; each code section gets a made-up address (one after another from
//! [`REL_BASE`]), and the relocations of the debug sections are applied with those addresses
//! (and offset 0 for every non-code section, so references into `.debug_str` and friends become
//! plain section offsets).
//!
//! `ld.lld --unique` keeps every input section as its own output section, debug sections
//! included: a linked file then holds one `.debug_info`, `.debug_line`, … per object file,
//! each resolved relative to its own start. Such sections are taken apart again into one
//! [`Group`] per object: a group ends where a section name repeats (each object lists its
//! debug sections once, in the same order).

use std::collections::HashMap;

use object::{
    Object, ObjectKind, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget, SymbolSection,
};

use super::DebugError;
use crate::data::apply as apply_reloc;
use crate::elf::{Elf, Loc, Role, R_ALIGN, R_NONE, R_RELAX, R_SET_ULEB128, R_SUB_ULEB128};

/// First made-up code address for relocatable input (non-zero, so that a left-over zero
/// address never matches code).
pub const REL_BASE: u64 = 0x1000;

/// The DWARF sections source locations are read from (others are not loaded).
pub const USED_SECTIONS: [&str; 9] = [
    ".debug_info",
    ".debug_abbrev",
    ".debug_line",
    ".debug_str",
    ".debug_line_str",
    ".debug_str_offsets",
    ".debug_addr",
    ".debug_ranges",
    ".debug_rnglists",
];

/// Largest debug section accepted (bigger ones are skipped as a whole).
pub const MAX_SECTION_BYTES: u64 = 256 << 20;

/// The debug sections of one object file: bytes by name (`.debug_info`), relocations applied.
pub type Group = HashMap<String, Vec<u8>>;

/// The DWARF sections of an ELF file and the addresses its code sections have in them.
#[derive(Debug, Default)]
pub struct DebugSections {
    /// The debug sections, one group per object file.
    pub groups: Vec<Group>,
    /// DWARF address of each code section's start (`None` for other sections).
    pub code_base: Vec<Option<u64>>,
}

impl DebugSections {
    /// Reads the debug sections of `file` (whose reduced form is `elf`). `Ok(None)` when the
    /// file has no `.debug_info` or no `.debug_line`.
    pub fn read(file: &[u8], elf: &Elf) -> Result<Option<DebugSections>, DebugError> {
        let has = |name: &str| elf.sections.iter().any(|s| s.name == name);
        if !has(".debug_info") || !has(".debug_line") {
            return Ok(None);
        }
        let obj = object::File::parse(file).map_err(|e| DebugError::Elf(e.to_string()))?;
        let relocatable = obj.kind() == ObjectKind::Relocatable;
        let mut code_base = vec![None; elf.sections.len()];
        let mut next = REL_BASE;
        for (i, s) in elf.sections.iter().enumerate() {
            if s.role != Role::Code {
                continue;
            }
            if relocatable {
                next = next.checked_next_multiple_of(s.align).ok_or(DebugError::AddressOverflow)?;
                code_base[i] = Some(next);
                next = next.checked_add(s.size).ok_or(DebugError::AddressOverflow)?;
            } else {
                code_base[i] = Some(s.address);
            }
        }
        // `Elf` numbers sections in the order `object` lists them.
        let ids: HashMap<usize, usize> = obj.sections().enumerate().map(|(i, s)| (s.index().0, i)).collect();
        let mut out = DebugSections { groups: Vec::new(), code_base };
        let mut group = Group::new();
        for s in obj.sections() {
            let Ok(name) = s.name() else { continue };
            if !USED_SECTIONS.contains(&name) {
                continue;
            }
            if group.contains_key(name) {
                out.groups.push(std::mem::take(&mut group));
            }
            if s.size() > MAX_SECTION_BYTES {
                return Err(DebugError::Section { name: name.into(), message: "too large".into() });
            }
            let data = s
                .uncompressed_data()
                .map_err(|e| DebugError::Section { name: name.into(), message: e.to_string() })?;
            let mut data = data.into_owned();
            if relocatable {
                out.relocate(&obj, &s, &ids, name, &mut data)?;
            }
            group.insert(name.to_string(), data);
        }
        out.groups.push(group);
        Ok(Some(out))
    }

    /// Applies the relocations of debug section `s` to its bytes `data`.
    fn relocate(
        &self,
        obj: &object::File<'_>,
        s: &object::Section<'_, '_>,
        ids: &HashMap<usize, usize>,
        name: &str,
        data: &mut [u8],
    ) -> Result<(), DebugError> {
        let relocs: Vec<(u64, object::Relocation)> = s.relocations().collect();
        let mut k = 0;
        while let Some((offset, r)) = relocs.get(k) {
            let (offset, kind) = (*offset, elf_type(r));
            k += 1;
            let fail = |message: String| DebugError::Relocation { section: name.into(), offset, message };
            if matches!(kind, R_NONE | R_RELAX | R_ALIGN) {
                continue;
            }
            let mut value = self.value(obj, r, ids).map_err(fail)?;
            // A ULEB128 label difference comes as SET then SUB at one offset; the made-up
            // addresses need not fit the bytes on their own, only the difference must.
            if kind == R_SET_ULEB128 {
                match relocs.get(k) {
                    Some((o, sub)) if *o == offset && elf_type(sub) == R_SUB_ULEB128 => {
                        value = value.wrapping_sub(self.value(obj, sub, ids).map_err(fail)?);
                        k += 1;
                    }
                    _ => return Err(fail("SET_ULEB128 without its SUB_ULEB128".into())),
                }
            }
            let pos = usize::try_from(offset).map_err(|_| fail("offset out of range".into()))?;
            apply_reloc(data, pos, kind, value, 0).map_err(fail)?;
        }
        Ok(())
    }

    /// What relocation `r` refers to (symbol or section plus addend), with made-up code
    /// addresses and offset 0 for other sections.
    fn value(
        &self,
        obj: &object::File<'_>,
        r: &object::Relocation,
        ids: &HashMap<usize, usize>,
    ) -> Result<u64, String> {
        let base_of = |index: object::SectionIndex| {
            let sec = ids.get(&index.0).ok_or("relocation refers to an unknown section")?;
            Ok::<u64, String>(self.code_base.get(*sec).copied().flatten().unwrap_or(0))
        };
        let addend = r.addend() as u64;
        match r.target() {
            RelocationTarget::Symbol(index) => {
                let sym = obj.symbol_by_index(index).map_err(|e| e.to_string())?;
                let base = match sym.section() {
                    SymbolSection::Section(si) => base_of(si)?,
                    SymbolSection::Absolute => 0,
                    _ => return Err("relocation refers to an undefined symbol".into()),
                };
                Ok(base.wrapping_add(sym.address()).wrapping_add(addend))
            }
            RelocationTarget::Section(si) => Ok(base_of(si)?.wrapping_add(addend)),
            RelocationTarget::Absolute => Ok(addend),
            _ => Err("unsupported relocation target".into()),
        }
    }

    /// The DWARF address of code position `loc`.
    pub fn address(&self, loc: Loc) -> Option<u64> {
        self.code_base.get(loc.sec).copied().flatten().map(|b| b.wrapping_add(loc.offset))
    }
}

/// The `R_RISCV_*` type of `r` (`R_RISCV_NONE` for anything not ELF).
fn elf_type(r: &object::Relocation) -> u32 {
    match r.flags() {
        RelocationFlags::Elf { r_type } => r_type,
        _ => R_NONE,
    }
}
