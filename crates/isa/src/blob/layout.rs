//! Initial memory layouts: the JAM standard program's (GP §A.7) and PolkaVM's (`MemoryMapBuilder`).
//!
//! Both place RO data at `0x10000` and use 64 KiB zones with 64 KiB guard zones between regions;
//! address `0xFFFF0000` is the return-to-host address. With 4 KiB pages and an aux region of
//! `Z_I = 2^24` bytes the two agree on every base address.

use super::error::LayoutError;
use super::ProgramBlob;

/// `Z_Z`: the zone size; regions start on zone boundaries and one empty zone separates them.
pub const ZONE_SIZE: u32 = 1 << 16;
/// `Z_P`: the page size of the JAM layout (and PolkaVM's default).
pub const PAGE_SIZE: u32 = 1 << 12;
/// `Z_I`: the size of the JAM argument (input) region.
pub const MAX_INPUT_SIZE: u32 = 1 << 24;
/// Jumping here returns to the host (halts); the initial return address.
pub const RETURN_TO_HOST: u32 = 0xFFFF_0000;

const ADDRESS_SPACE: u64 = 1 << 32;
const ZONE: u64 = ZONE_SIZE as u64;

/// Rounds `x` up to a multiple of `unit` (a power of two) in 64-bit arithmetic.
fn round_up(x: u64, unit: u64) -> u64 {
    x.div_ceil(unit) * unit
}

/// The JAM standard program layout `Y` (GP §A.7), all addresses in bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct StandardLayout {
    /// Start of the RO region, `Z_Z`.
    pub ro_base: u32,
    /// Initialised RO bytes `|o|`.
    pub ro_len: u32,
    /// Readable RO bytes, `P(|o|)`.
    pub ro_size: u32,
    /// Start of the RW region, `2·Z_Z + Z(|o|)`.
    pub rw_base: u32,
    /// Initialised RW bytes `|w|`.
    pub rw_len: u32,
    /// Writable RW bytes, `P(|w|) + z·Z_P`.
    pub rw_size: u32,
    /// The GP's heap start `h` for `sbrk`, `2·Z_Z + Z(|o|)` (= `rw_base`).
    pub heap_base: u32,
    /// The first address past the writable RW region, `rw_base + rw_size`: the initial program
    /// break. Reading GP `sbrk` as "the lowest `x ≥ h` such that none of `x .. x + n` is
    /// accessible yet", the first allocation starts here and the heap grows up from it.
    pub initial_heap_top: u32,
    /// Lowest stack address, `2^32 − 2·Z_Z − Z_I − P(s)`.
    pub stack_low: u32,
    /// One past the highest stack address and the initial SP, `2^32 − 2·Z_Z − Z_I` = `0xFEFE0000`.
    pub stack_high: u32,
    /// Start of the argument region, `2^32 − Z_Z − Z_I` = `0xFEFF0000`.
    pub args_base: u32,
    /// Argument bytes `|a|`.
    pub args_len: u32,
    /// Readable argument bytes, `P(|a|)`.
    pub args_size: u32,
}

impl StandardLayout {
    /// Computes the layout for `|o| = ro_len`, `|w| = rw_len`, `z = heap_pages`, `s = stack_size`
    /// and `|a| = args_len`; fails unless `5·Z_Z + Z(|o|) + Z(|w| + z·Z_P) + Z(s) + Z_I ≤ 2^32`
    /// and `|a| ≤ Z_I`.
    pub fn new(
        ro_len: u32,
        rw_len: u32,
        heap_pages: u16,
        stack_size: u32,
        args_len: u32,
    ) -> Result<StandardLayout, LayoutError> {
        if args_len > MAX_INPUT_SIZE {
            return Err(LayoutError::ArgumentsTooLarge { len: args_len, max: MAX_INPUT_SIZE });
        }
        let page = u64::from(PAGE_SIZE);
        let (o, w, s) = (u64::from(ro_len), u64::from(rw_len), u64::from(stack_size));
        let heap = u64::from(heap_pages) * page;
        let needed = 5 * ZONE
            + round_up(o, ZONE)
            + round_up(w + heap, ZONE)
            + round_up(s, ZONE)
            + u64::from(MAX_INPUT_SIZE);
        if needed > ADDRESS_SPACE {
            return Err(LayoutError::AddressSpaceExceeded { needed });
        }
        // Every value below is bounded by `needed <= 2^32`, so the narrowing cannot saturate.
        let narrow = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        let rw_base = 2 * ZONE + round_up(o, ZONE);
        let rw_size = round_up(w, page) + heap;
        let stack_high = ADDRESS_SPACE - 2 * ZONE - u64::from(MAX_INPUT_SIZE);
        Ok(StandardLayout {
            ro_base: ZONE_SIZE,
            ro_len,
            ro_size: narrow(round_up(o, page)),
            rw_base: narrow(rw_base),
            rw_len,
            rw_size: narrow(rw_size),
            heap_base: narrow(rw_base),
            initial_heap_top: narrow(rw_base + rw_size),
            stack_low: narrow(stack_high - round_up(s, page)),
            stack_high: narrow(stack_high),
            args_base: narrow(ADDRESS_SPACE - ZONE - u64::from(MAX_INPUT_SIZE)),
            args_len,
            args_size: narrow(round_up(u64::from(args_len), page)),
        })
    }

    /// Initial registers: `ra = 0xFFFF0000`, `sp = 0xFEFE0000`, `a0 = 0xFEFF0000`, `a1 = |a|`,
    /// all others zero.
    pub fn initial_registers(&self) -> [u64; 13] {
        let mut regs = [0; 13];
        regs[0] = u64::from(RETURN_TO_HOST);
        regs[1] = u64::from(self.stack_high);
        regs[7] = u64::from(self.args_base);
        regs[8] = u64::from(self.args_len);
        regs
    }
}

/// PolkaVM's memory map for a `.polkavm` program (`MemoryMapBuilder::build`), all in bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PolkavmLayout {
    /// Page size (a power of two in `0x1000..=0x10000`).
    pub page_size: u32,
    /// Start of RO data, always `0x10000`.
    pub ro_address: u32,
    /// Readable RO bytes (declared size rounded up to a page).
    pub ro_size: u32,
    /// Start of RW data: `0x10000 + zone(ro) + 0x10000`.
    pub rw_address: u32,
    /// Writable RW bytes (declared size rounded up to a page).
    pub rw_size: u32,
    /// Initial heap top: `rw_address + rw_data_size` (not rounded).
    pub heap_base: u32,
    /// Most bytes the heap may grow by from `heap_base`.
    pub max_heap_size: u32,
    /// Lowest stack address, `stack_high − page(stack)`.
    pub stack_low: u32,
    /// One past the highest stack address and the initial SP: `aux_address − 0x10000`.
    pub stack_high: u32,
    /// Stack bytes (rounded up to a page).
    pub stack_size: u32,
    /// Start of aux data: `0xFFFF0000 − zone(aux)`.
    pub aux_address: u32,
    /// Aux bytes (rounded up to a page).
    pub aux_size: u32,
}

impl PolkavmLayout {
    /// The layout with 4 KiB pages.
    pub fn new(
        ro_data_size: u32,
        rw_data_size: u32,
        stack_size: u32,
        aux_size: u32,
    ) -> Result<Self, LayoutError> {
        Self::with_page_size(PAGE_SIZE, ro_data_size, rw_data_size, stack_size, aux_size)
    }

    /// The layout of `blob`'s declared sizes with 4 KiB pages and `aux_size` bytes of aux data.
    pub fn for_program(blob: &ProgramBlob, aux_size: u32) -> Result<Self, LayoutError> {
        Self::new(blob.ro_data_size, blob.rw_data_size, blob.stack_size, aux_size)
    }

    /// The layout with the given page size.
    pub fn with_page_size(
        page_size: u32,
        ro_data_size: u32,
        rw_data_size: u32,
        stack_size: u32,
        aux_size: u32,
    ) -> Result<Self, LayoutError> {
        if !page_size.is_power_of_two() || !(PAGE_SIZE..=ZONE_SIZE).contains(&page_size) {
            return Err(LayoutError::BadPageSize(page_size));
        }
        let page = u64::from(page_size);
        let paged = |region: &'static str, size: u32| {
            let rounded = round_up(u64::from(size), page);
            u32::try_from(rounded).map_err(|_| LayoutError::RegionTooLarge { region, size: u64::from(size) })
        };
        let zone = |size: u32| round_up(u64::from(size), ZONE);
        let ro_size = paged("RO data", ro_data_size)?;
        let rw_size = paged("RW data", rw_data_size)?;
        let stack_paged = paged("stack", stack_size)?;
        let aux_paged = paged("aux data", aux_size)?;

        let rw_address = ZONE + zone(ro_data_size) + ZONE;
        let heap_base = rw_address + u64::from(rw_data_size);
        let rw_end = rw_address + zone(rw_data_size);
        let low_end = rw_end + ZONE;
        let high_reserved = ZONE + zone(aux_size) + ZONE + zone(stack_size);
        let needed = low_end + high_reserved;
        if needed > ADDRESS_SPACE {
            return Err(LayoutError::AddressSpaceExceeded { needed });
        }
        let high_start = ADDRESS_SPACE - high_reserved;
        let aux_address = u64::from(RETURN_TO_HOST) - zone(aux_size);
        let stack_high = aux_address - ZONE;
        let max_heap_size = high_start - low_end + (rw_end - heap_base);
        let narrow = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(PolkavmLayout {
            page_size,
            ro_address: ZONE_SIZE,
            ro_size,
            rw_address: narrow(rw_address),
            rw_size,
            heap_base: narrow(heap_base),
            max_heap_size: narrow(max_heap_size),
            stack_low: narrow(stack_high - u64::from(stack_paged)),
            stack_high: narrow(stack_high),
            stack_size: stack_paged,
            aux_address: narrow(aux_address),
            aux_size: aux_paged,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_layout_matches_the_gp() {
        let l = StandardLayout::new(7816, 10088, 0, 8192, 5).unwrap();
        assert_eq!((l.ro_base, l.ro_size), (0x10000, 0x2000));
        assert_eq!((l.rw_base, l.rw_size), (0x30000, 0x3000));
        assert_eq!((l.heap_base, l.initial_heap_top), (0x30000, 0x33000));
        assert_eq!((l.stack_low, l.stack_high), (0xFEFD_E000, 0xFEFE_0000));
        assert_eq!((l.args_base, l.args_size), (0xFEFF_0000, 0x1000));
        assert_eq!(
            l.initial_registers(),
            [0xFFFF_0000, 0xFEFE_0000, 0, 0, 0, 0, 0, 0xFEFF_0000, 5, 0, 0, 0, 0]
        );
        let l = StandardLayout::new(0x1_0001, 1, 2, 0, 0).unwrap();
        assert_eq!((l.rw_base, l.rw_size, l.initial_heap_top), (0x40000, 0x3000, 0x43000));
        assert_eq!((l.stack_low, l.args_size), (0xFEFE_0000, 0));
    }

    #[test]
    fn standard_layout_limits() {
        // 5 Z_Z + Z_I leaves 2^32 − 0x1050000 bytes for RO + RW + stack zones.
        let room = (ADDRESS_SPACE - 5 * ZONE - u64::from(MAX_INPUT_SIZE)) as u32;
        assert!(StandardLayout::new(room, 0, 0, 0, 0).is_ok());
        assert_eq!(
            StandardLayout::new(room, 1, 0, 0, 0),
            Err(LayoutError::AddressSpaceExceeded { needed: ADDRESS_SPACE + ZONE })
        );
        assert_eq!(
            StandardLayout::new(0, 0, 0, 0, MAX_INPUT_SIZE + 1),
            Err(LayoutError::ArgumentsTooLarge { len: MAX_INPUT_SIZE + 1, max: MAX_INPUT_SIZE })
        );
        assert!(StandardLayout::new(u32::MAX, u32::MAX, u16::MAX, u32::MAX, 0).is_err());
    }

    #[test]
    fn polkavm_layout_reproduces_polkavm_numbers() {
        let m = PolkavmLayout::with_page_size(0x4000, 1, 1, 1, 0).unwrap();
        assert_eq!((m.ro_address, m.ro_size), (0x10000, 0x4000));
        assert_eq!((m.rw_address, m.rw_size), (0x30000, 0x4000));
        assert_eq!((m.stack_high, m.stack_low, m.stack_size), (0xFFFE_0000, 0xFFFD_C000, 0x4000));
        assert_eq!(m.heap_base, 0x30001);
        assert_eq!(u64::from(m.max_heap_size), ADDRESS_SPACE - 4 * ZONE - u64::from(m.heap_base));

        let max = (ADDRESS_SPACE - 5 * ZONE) as u32;
        let m = PolkavmLayout::with_page_size(0x4000, max, 0, 0, 0).unwrap();
        assert_eq!(m.rw_address, 0x10000 + 0x10000 + max);
        assert_eq!((m.stack_high, m.stack_low, m.max_heap_size), (0xFFFE_0000, 0xFFFE_0000, 0));
        assert_eq!(m.heap_base, m.rw_address);
        assert!(matches!(
            PolkavmLayout::new(max + 1, 0, 0, 0),
            Err(LayoutError::AddressSpaceExceeded { .. })
        ));
        assert!(matches!(PolkavmLayout::new(max, 1, 0, 0), Err(LayoutError::AddressSpaceExceeded { .. })));
        assert_eq!(
            PolkavmLayout::new(u32::MAX, 0, 0, 0),
            Err(LayoutError::RegionTooLarge { region: "RO data", size: u64::from(u32::MAX) })
        );
        assert_eq!(PolkavmLayout::with_page_size(0x3000, 0, 0, 0, 0), Err(LayoutError::BadPageSize(0x3000)));
        assert_eq!(
            PolkavmLayout::with_page_size(0x20000, 0, 0, 0, 0),
            Err(LayoutError::BadPageSize(0x20000))
        );
    }

    #[test]
    fn layouts_agree_with_jam_sized_aux() {
        let (ro, rw, stack) = (7816, 10088, 8192);
        let jam = StandardLayout::new(ro, rw, 0, stack, 0).unwrap();
        let pvm = PolkavmLayout::new(ro, rw, stack, MAX_INPUT_SIZE).unwrap();
        assert_eq!(pvm.ro_address, jam.ro_base);
        assert_eq!(pvm.rw_address, jam.rw_base);
        assert_eq!((pvm.stack_low, pvm.stack_high), (jam.stack_low, jam.stack_high));
        assert_eq!(pvm.aux_address, jam.args_base);
    }
}
