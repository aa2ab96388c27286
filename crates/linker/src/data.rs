//! Data layout: RO and RW sections placed where the PolkaVM memory map puts them, and the
//! relocations inside them applied with the new addresses.

use isa::blob::PolkavmLayout;

use crate::elf::{
    Elf, Loc, Role, Target, R_32, R_32_PCREL, R_64, R_ADD64, R_ADD8, R_NONE, R_RELAX, R_SET16, R_SET32,
    R_SET6, R_SET8, R_SET_ULEB128, R_SUB6, R_SUB64, R_SUB8, R_SUB_ULEB128,
};
use crate::error::Diagnostic;

/// Start of RO data in the PolkaVM memory map.
pub const RO_BASE: u64 = 0x10000;

/// Placed data.
#[derive(Clone, Debug, Default)]
pub struct Data {
    /// Initial RO bytes.
    pub ro: Vec<u8>,
    /// Declared RO size (`ro.len()` rounded up to the largest alignment).
    pub ro_size: u32,
    /// Initial RW bytes (BSS excluded).
    pub rw: Vec<u8>,
    /// Declared RW size, BSS included.
    pub rw_size: u32,
    /// New address of each data section (`None` for sections that are not loaded).
    pub base: Vec<Option<u64>>,
}

fn align_up(x: u64, align: u64) -> Option<u64> {
    let align = align.max(1);
    x.checked_add(align - 1).map(|v| v / align * align)
}

/// Most initialised data bytes a program may carry (RO and RW each).
pub const MAX_DATA_BYTES: u64 = 256 << 20;

/// Places the sections of `role` one after another; returns the end offset.
fn place_role(
    elf: &Elf,
    roles: &[Role],
    base: u64,
    bytes: &mut Vec<u8>,
    placed: &mut [Option<u64>],
) -> Option<u64> {
    let mut end = 0u64;
    for &role in roles {
        for (i, s) in elf.sections.iter().enumerate().filter(|(_, s)| s.role == role) {
            let at = align_up(end, s.align)?;
            end = at.checked_add(s.size)?;
            if end > u64::from(u32::MAX) {
                return None;
            }
            placed[i] = Some(base + at);
            if !s.data.is_empty() {
                let data_end = at.checked_add(s.data.len() as u64)?;
                if data_end > MAX_DATA_BYTES {
                    return None;
                }
                bytes.resize(at as usize, 0);
                bytes.extend_from_slice(&s.data);
            }
        }
    }
    Some(end)
}

/// Places every RO, RW and BSS section.
pub fn place(elf: &Elf) -> Result<Data, Diagnostic> {
    let mut data = Data { base: vec![None; elf.sections.len()], ..Data::default() };
    let too_big = || {
        Diagnostic {
            section: String::new(),
            offset: 0,
            symbol: None,
            message: format!("data does not fit: more than {MAX_DATA_BYTES} initialised bytes or past the 32-bit address space"),
        }
    };
    let mut base = std::mem::take(&mut data.base);
    let ro_end = place_role(elf, &[Role::RoData], RO_BASE, &mut data.ro, &mut base).ok_or_else(too_big)?;
    data.ro_size = u32::try_from(ro_end).map_err(|_| too_big())?;
    let layout = PolkavmLayout::new(data.ro_size, 0, 0, 0).map_err(|_| too_big())?;
    let rw_base = u64::from(layout.rw_address);
    let rw_end =
        place_role(elf, &[Role::RwData, Role::Bss], rw_base, &mut data.rw, &mut base).ok_or_else(too_big)?;
    data.base = base;
    data.rw_size = u32::try_from(rw_end).map_err(|_| too_big())?;
    if rw_base + rw_end > u64::from(u32::MAX) {
        return Err(too_big());
    }
    Ok(data)
}

/// Code positions that data refers to (function pointers, switch tables): these need jump
/// table entries.
pub fn code_refs(elf: &Elf) -> Vec<Loc> {
    let mut out = Vec::new();
    for (at, relocs) in &elf.relocs {
        if !matches!(elf.sections[at.sec].role, Role::RoData | Role::RwData) {
            continue;
        }
        for r in relocs {
            if let Target::At(loc) = r.target {
                if elf.sections[loc.sec].role == Role::Code && !matches!(r.kind, R_NONE | R_RELAX) {
                    out.push(loc);
                }
            }
        }
    }
    out
}

/// Applies the relocations of every loaded data section. `resolve` gives the new address of a
/// target (code positions become jump-table addresses).
pub fn patch(
    elf: &Elf,
    data: &mut Data,
    resolve: &dyn Fn(Target) -> Result<u64, String>,
    diags: &mut Vec<Diagnostic>,
) {
    for (at, relocs) in &elf.relocs {
        let role = elf.sections[at.sec].role;
        let region_base = match role {
            Role::RoData => RO_BASE,
            Role::RwData => data.rw_base(),
            _ => continue,
        };
        let Some(section_base) = data.base[at.sec] else { continue };
        let pos = section_base.wrapping_sub(region_base).wrapping_add(at.offset) as usize;
        let bytes = if role == Role::RoData { &mut data.ro } else { &mut data.rw };
        // A linked input already holds the result of `ADD`/`SUB` pairs (label differences, such
        // as switch tables): recompute them from zero rather than adjusting the old result.
        if let Some(first) = relocs.iter().find(|r| matches!(r.kind, R_ADD8..=R_SUB64)) {
            let n = 1usize << ((first.kind - R_ADD8) % 4);
            if let Err(e) = put(bytes, pos, n, 0) {
                diags.push(elf.diag(*at, e));
                continue;
            }
        }
        for r in relocs {
            if matches!(r.kind, R_NONE | R_RELAX) {
                continue;
            }
            let value = match resolve(r.target) {
                Ok(v) => v,
                Err(e) => {
                    diags.push(elf.diag(*at, e));
                    continue;
                }
            };
            let here = section_base.wrapping_add(at.offset);
            if let Err(e) = apply(bytes, pos, r.kind, value, here) {
                diags.push(elf.diag(*at, e));
            }
        }
    }
}

impl Data {
    /// Address of the RW region.
    pub fn rw_base(&self) -> u64 {
        PolkavmLayout::new(self.ro_size, 0, 0, 0).map_or(0, |l| u64::from(l.rw_address))
    }
}

fn get(bytes: &[u8], pos: usize, n: usize) -> Result<u64, String> {
    let slice = bytes.get(pos..pos.saturating_add(n)).ok_or("relocation outside its section")?;
    let mut b = [0u8; 8];
    b[..n].copy_from_slice(slice);
    Ok(u64::from_le_bytes(b))
}

fn put(bytes: &mut [u8], pos: usize, n: usize, value: u64) -> Result<(), String> {
    let slice = bytes.get_mut(pos..pos.saturating_add(n)).ok_or("relocation outside its section")?;
    slice.copy_from_slice(&value.to_le_bytes()[..n]);
    Ok(())
}

/// Applies relocation `kind` with resolved `value` to `bytes` at `pos` (`here`: the address of `pos`).
pub(crate) fn apply(bytes: &mut [u8], pos: usize, kind: u32, value: u64, here: u64) -> Result<(), String> {
    match kind {
        R_32 => {
            let v = u32::try_from(value).map_err(|_| format!("value {value:#x} does not fit R_RISCV_32"))?;
            put(bytes, pos, 4, u64::from(v))
        }
        R_64 => put(bytes, pos, 8, value),
        R_32_PCREL => put(bytes, pos, 4, value.wrapping_sub(here)),
        R_ADD8..=R_ADD64 => {
            let n = 1 << (kind - R_ADD8);
            let old = get(bytes, pos, n)?;
            put(bytes, pos, n, old.wrapping_add(value))
        }
        R_SUB8..=R_SUB64 => {
            let n = 1 << (kind - R_SUB8);
            let old = get(bytes, pos, n)?;
            put(bytes, pos, n, old.wrapping_sub(value))
        }
        R_SUB6 => {
            let old = get(bytes, pos, 1)?;
            put(bytes, pos, 1, (old & 0xc0) | (old.wrapping_sub(value) & 0x3f))
        }
        R_SET6 => {
            let old = get(bytes, pos, 1)?;
            put(bytes, pos, 1, (old & 0xc0) | (value & 0x3f))
        }
        R_SET8 => put(bytes, pos, 1, value),
        R_SET16 => put(bytes, pos, 2, value),
        R_SET32 => put(bytes, pos, 4, value),
        R_SET_ULEB128 | R_SUB_ULEB128 => {
            let (old, len) = read_uleb(bytes, pos)?;
            let new = if kind == R_SET_ULEB128 { value } else { old.wrapping_sub(value) };
            write_uleb(bytes, pos, len, new)
        }
        other => Err(format!("unsupported relocation type {other} in data")),
    }
}

fn read_uleb(bytes: &[u8], pos: usize) -> Result<(u64, usize), String> {
    let mut value = 0u64;
    for i in 0..10 {
        let b = *bytes.get(pos.saturating_add(i)).ok_or("truncated ULEB128")?;
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    Err("ULEB128 longer than 10 bytes".into())
}

fn write_uleb(bytes: &mut [u8], pos: usize, len: usize, mut value: u64) -> Result<(), String> {
    for i in 0..len {
        let mut b = (value & 0x7f) as u8;
        value >>= 7;
        if i + 1 < len {
            b |= 0x80;
        }
        *bytes.get_mut(pos.saturating_add(i)).ok_or("truncated ULEB128")? = b;
    }
    if value != 0 {
        return Err("relocated ULEB128 value does not fit its bytes".into());
    }
    Ok(())
}
