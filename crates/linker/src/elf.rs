//! Reading the input ELF: sections by role, relocations by position, symbols for messages.
//!
//! Everything the rest of the linker needs is copied out of the `object` view into plain
//! tables, so later stages never touch the ELF again. Positions are [`Loc`]s (a section and
//! an offset into it), which makes linked (`ET_DYN`, `--emit-relocs`) and relocatable
//! (`ET_REL`) input look the same.

use std::collections::BTreeMap;

use object::{
    Architecture, Object, ObjectKind, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget,
    SectionFlags, SymbolKind, SymbolSection,
};

use crate::error::{Diagnostic, LinkError};
use crate::riscv::Xlen;

/// Index of a section in [`Elf::sections`].
pub type SecId = usize;

/// A position in the input: section and byte offset.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    /// The section.
    pub sec: SecId,
    /// Offset from the section start (may equal the section size: one past the end).
    pub offset: u64,
}

/// What a section holds, by the conventions PolkaVM guests follow.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Executable code.
    Code,
    /// Read-only data.
    RoData,
    /// Initialised writable data.
    RwData,
    /// Zero-initialised writable data.
    Bss,
    /// `.polkavm_metadata`: import and export descriptions.
    Metadata,
    /// `.polkavm_exports`: the export list.
    Exports,
    /// `.polkavm_min_stack_size`.
    MinStack,
    /// Anything else (debug info, dynamic linking tables, notes): not loaded.
    Other,
}

/// One input section.
#[derive(Clone, Debug)]
pub struct Section {
    /// Name (`.text.main`).
    pub name: String,
    /// Role.
    pub role: Role,
    /// Bytes (zeros are not materialised for `Bss`: `data` is empty).
    pub data: Vec<u8>,
    /// Size in memory.
    pub size: u64,
    /// Alignment (at least 1).
    pub align: u64,
    /// Address in the input (0 for relocatable input).
    pub address: u64,
}

/// Where a relocation points.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A position in a section, addend included.
    At(Loc),
    /// An absolute value, addend included.
    Absolute(u64),
}

/// One relocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reloc {
    /// `R_RISCV_*` type number.
    pub kind: u32,
    /// What it refers to (symbol value plus addend).
    pub target: Target,
    /// The addend alone (for pairs that refer to a label, such as `PCREL_LO12`).
    pub addend: i64,
}

/// The input, reduced to what linking needs.
#[derive(Clone, Debug)]
pub struct Elf {
    /// Base ISA width.
    pub xlen: Xlen,
    /// All sections, in header order.
    pub sections: Vec<Section>,
    /// Relocations keyed by the position they patch (several may share one position).
    pub relocs: BTreeMap<Loc, Vec<Reloc>>,
    /// Named symbols by position, for messages and function starts: `(loc, name, is_function)`.
    pub symbols: Vec<(Loc, String, bool)>,
}

/// Classifies a section by name and flags.
fn role(name: &str, flags: SectionFlags, kind: object::SectionKind) -> Role {
    const SHF_ALLOC: u64 = 0x2;
    const SHF_EXECINSTR: u64 = 0x4;
    let sh_flags = match flags {
        SectionFlags::Elf { sh_flags } => sh_flags,
        _ => 0,
    };
    let prefixed = |p: &str| name == p || name.starts_with(&format!("{p}."));
    if name == ".polkavm_metadata" {
        Role::Metadata
    } else if name == ".polkavm_exports" {
        Role::Exports
    } else if name == ".polkavm_min_stack_size" {
        Role::MinStack
    } else if sh_flags & SHF_ALLOC == 0
        || name == ".got"
        || name == ".got.plt"
        || name.starts_with(".eh_frame")
    {
        Role::Other
    } else if sh_flags & SHF_EXECINSTR != 0 || prefixed(".text") {
        Role::Code
    } else if prefixed(".rodata") || prefixed(".srodata") || prefixed(".data.rel.ro") {
        Role::RoData
    } else if prefixed(".bss") || prefixed(".sbss") || kind == object::SectionKind::UninitializedData {
        Role::Bss
    } else if prefixed(".data") || prefixed(".sdata") {
        Role::RwData
    } else {
        Role::Other
    }
}

fn bad(message: impl Into<String>) -> LinkError {
    LinkError::global(message)
}

impl Elf {
    /// Parses `bytes`. Structural problems (not an ELF, not RISC-V, unreadable tables) fail at
    /// once; problems with individual relocations and symbols are all collected.
    pub fn parse(bytes: &[u8]) -> Result<Elf, LinkError> {
        let file = object::File::parse(bytes).map_err(|e| bad(format!("not a readable ELF file: {e}")))?;
        let xlen = match file.architecture() {
            Architecture::Riscv64 => Xlen::Rv64,
            Architecture::Riscv32 => Xlen::Rv32,
            other => return Err(bad(format!("not a RISC-V ELF file (architecture {other:?})"))),
        };
        if !file.is_little_endian() {
            return Err(bad("big-endian ELF files are not supported"));
        }
        let relocatable = match file.kind() {
            ObjectKind::Relocatable => true,
            ObjectKind::Dynamic | ObjectKind::Executable => false,
            other => return Err(bad(format!("unsupported ELF file type {other:?}"))),
        };
        let mut sections = Vec::new();
        let mut ids = BTreeMap::new();
        for s in file.sections() {
            let name = s.name().unwrap_or("<bad name>").to_string();
            let role = role(&name, s.flags(), s.kind());
            let data = if role == Role::Bss || role == Role::Other {
                Vec::new()
            } else {
                let d = s.data().map_err(|e| bad(format!("section {name}: unreadable contents: {e}")))?;
                d.to_vec()
            };
            ids.insert(s.index().0, sections.len());
            sections.push(Section {
                name,
                role,
                data,
                size: s.size(),
                align: s.align().max(1),
                address: s.address(),
            });
        }
        let mut elf = Elf { xlen, sections, relocs: BTreeMap::new(), symbols: Vec::new() };
        let mut diags = Vec::new();

        for sym in file.symbols() {
            let SymbolSection::Section(index) = sym.section() else { continue };
            let Some(&sec) = ids.get(&index.0) else { continue };
            let name = sym.name().unwrap_or("");
            if name.is_empty() || sym.kind() == SymbolKind::Section {
                continue;
            }
            let base = if relocatable { 0 } else { elf.sections[sec].address };
            let offset = sym.address().wrapping_sub(base);
            elf.symbols.push((Loc { sec, offset }, name.to_string(), sym.kind() == SymbolKind::Text));
        }
        elf.symbols.sort();

        for s in file.sections() {
            let Some(&sec) = ids.get(&s.index().0) else { continue };
            if elf.sections[sec].role == Role::Other {
                continue;
            }
            let base = if relocatable { 0 } else { s.address() };
            for (offset, r) in s.relocations() {
                let at = Loc { sec, offset: offset.wrapping_sub(base) };
                let RelocationFlags::Elf { r_type } = r.flags() else { continue };
                let addend = r.addend();
                let target = match r.target() {
                    RelocationTarget::Symbol(index) => {
                        let Ok(sym) = file.symbol_by_index(index) else {
                            diags.push(elf.diag(at, "relocation refers to a missing symbol"));
                            continue;
                        };
                        match sym.section() {
                            SymbolSection::Section(si) => match ids.get(&si.0) {
                                Some(&tsec) => {
                                    let tbase = if relocatable { 0 } else { elf.sections[tsec].address };
                                    let offset =
                                        sym.address().wrapping_sub(tbase).wrapping_add(addend as u64);
                                    Target::At(Loc { sec: tsec, offset })
                                }
                                None => {
                                    diags.push(elf.diag(at, "relocation refers to an unknown section"));
                                    continue;
                                }
                            },
                            SymbolSection::Absolute => {
                                Target::Absolute(sym.address().wrapping_add(addend as u64))
                            }
                            SymbolSection::Undefined | SymbolSection::Common | SymbolSection::None
                                if r_type != R_NONE && r_type != R_RELAX =>
                            {
                                let name = sym.name().unwrap_or("?");
                                diags.push(elf.diag(at, format!("found undefined symbol: '{name}'")));
                                continue;
                            }
                            _ => Target::Absolute(addend as u64),
                        }
                    }
                    RelocationTarget::Section(si) => match ids.get(&si.0) {
                        Some(&tsec) => Target::At(Loc { sec: tsec, offset: addend as u64 }),
                        None => {
                            diags.push(elf.diag(at, "relocation refers to an unknown section"));
                            continue;
                        }
                    },
                    RelocationTarget::Absolute => Target::Absolute(addend as u64),
                    _ => {
                        diags.push(elf.diag(at, "unsupported relocation target"));
                        continue;
                    }
                };
                elf.relocs.entry(at).or_default().push(Reloc { kind: r_type, target, addend });
            }
        }
        if diags.is_empty() {
            Ok(elf)
        } else {
            Err(LinkError { diagnostics: diags })
        }
    }

    /// A diagnostic at `at`, naming the nearest preceding symbol of its section.
    pub fn diag(&self, at: Loc, message: impl Into<String>) -> Diagnostic {
        let section = self.sections.get(at.sec).map_or_else(String::new, |s| s.name.clone());
        let upper = self.symbols.partition_point(|(loc, _, _)| *loc <= at);
        let symbol = self.symbols[..upper]
            .last()
            .filter(|(loc, _, _)| loc.sec == at.sec)
            .map(|(loc, name, _)| format!("{name}+{:#x}", at.offset - loc.offset));
        Diagnostic { section, offset: at.offset, symbol, message: message.into() }
    }

    /// The relocations patching `at` (empty when there are none).
    pub fn relocs_at(&self, at: Loc) -> &[Reloc] {
        self.relocs.get(&at).map_or(&[], Vec::as_slice)
    }

    /// The first relocation at `at` other than `R_RISCV_RELAX`/`R_RISCV_NONE`/`R_RISCV_ALIGN`.
    pub fn reloc_at(&self, at: Loc) -> Option<&Reloc> {
        self.relocs_at(at).iter().find(|r| !matches!(r.kind, R_NONE | R_RELAX | R_ALIGN))
    }

    /// Pointer size of the target in bytes.
    pub fn ptr_size(&self) -> u64 {
        match self.xlen {
            Xlen::Rv32 => 4,
            Xlen::Rv64 => 8,
        }
    }
}

/// `R_RISCV_NONE`.
pub const R_NONE: u32 = 0;
/// `R_RISCV_32`.
pub const R_32: u32 = 1;
/// `R_RISCV_64`.
pub const R_64: u32 = 2;
/// `R_RISCV_BRANCH`.
pub const R_BRANCH: u32 = 16;
/// `R_RISCV_JAL`.
pub const R_JAL: u32 = 17;
/// `R_RISCV_CALL`.
pub const R_CALL: u32 = 18;
/// `R_RISCV_CALL_PLT`.
pub const R_CALL_PLT: u32 = 19;
/// `R_RISCV_GOT_HI20`.
pub const R_GOT_HI20: u32 = 20;
/// `R_RISCV_PCREL_HI20`.
pub const R_PCREL_HI20: u32 = 23;
/// `R_RISCV_PCREL_LO12_I`.
pub const R_PCREL_LO12_I: u32 = 24;
/// `R_RISCV_PCREL_LO12_S`.
pub const R_PCREL_LO12_S: u32 = 25;
/// `R_RISCV_HI20`.
pub const R_HI20: u32 = 26;
/// `R_RISCV_LO12_I`.
pub const R_LO12_I: u32 = 27;
/// `R_RISCV_LO12_S`.
pub const R_LO12_S: u32 = 28;
/// `R_RISCV_ADD8` (then ADD16, ADD32, ADD64 in order).
pub const R_ADD8: u32 = 33;
/// `R_RISCV_ADD64`.
pub const R_ADD64: u32 = 36;
/// `R_RISCV_SUB8` (then SUB16, SUB32, SUB64 in order).
pub const R_SUB8: u32 = 37;
/// `R_RISCV_SUB64`.
pub const R_SUB64: u32 = 40;
/// `R_RISCV_ALIGN`.
pub const R_ALIGN: u32 = 43;
/// `R_RISCV_RVC_BRANCH`.
pub const R_RVC_BRANCH: u32 = 44;
/// `R_RISCV_RVC_JUMP`.
pub const R_RVC_JUMP: u32 = 45;
/// `R_RISCV_RELAX`.
pub const R_RELAX: u32 = 51;
/// `R_RISCV_SUB6`.
pub const R_SUB6: u32 = 52;
/// `R_RISCV_SET6`.
pub const R_SET6: u32 = 53;
/// `R_RISCV_SET8`.
pub const R_SET8: u32 = 54;
/// `R_RISCV_SET16`.
pub const R_SET16: u32 = 55;
/// `R_RISCV_SET32`.
pub const R_SET32: u32 = 56;
/// `R_RISCV_32_PCREL`.
pub const R_32_PCREL: u32 = 57;
/// `R_RISCV_SET_ULEB128`.
pub const R_SET_ULEB128: u32 = 60;
/// `R_RISCV_SUB_ULEB128`.
pub const R_SUB_ULEB128: u32 = 61;
