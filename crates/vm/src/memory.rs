//! Guest memory: a 4 GiB lazily-zeroed reservation plus a page-permission table.
//!
//! Rules (docs/semantics.md): pages are 4 KiB; an access touching an address below
//! 0x10000 panics; a write to a readable but not writable page panics; any other access to an
//! inaccessible page is a page fault reported with the page address of the lowest inaccessible
//! byte. Addresses wrap modulo 2^32. A faulting access changes nothing (no partial writes).

use crate::sys::{GuestMemory, ReserveError, ZeroedArray};

/// Page size in bytes.
pub const PAGE_SIZE: u32 = 4096;
/// Accesses below this address always panic.
pub const LOW_GUARD: u32 = 0x1_0000;
const PAGE_COUNT: usize = 1 << 20;

/// Page access rights.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Access {
    /// Not accessible.
    None = 0,
    /// Readable.
    Read = 1,
    /// Readable and writable.
    ReadWrite = 3,
}

const READ: u8 = 1;
const WRITE: u8 = 2;

/// Why a guest access failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The access must end execution with a panic.
    Panic,
    /// The page at this (page-aligned) address is not accessible; the host may map it and resume.
    PageFault(u32),
}

/// The heap managed by `sbrk`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Heap {
    /// First heap byte.
    pub base: u32,
    /// Current heap end (`base + size`).
    pub top: u32,
    /// Largest allowed heap end.
    pub limit: u32,
}

/// A guest address space.
pub struct Memory {
    bytes: GuestMemory,
    perms: ZeroedArray<PAGE_COUNT>,
    /// Lowest and highest page ever made accessible (for cheap resets).
    touched: Option<(u32, u32)>,
    heap: Heap,
}

impl Memory {
    /// Creates an empty (all inaccessible) address space.
    pub fn new() -> Result<Memory, ReserveError> {
        Memory::new_with(GuestMemory::new()?)
    }

    /// Creates an empty address space whose page protections mirror the access rights, with
    /// `prefix` read-write bytes before the guest base (the recompiler's layout; see
    /// [`GuestMemory::protected`]).
    pub fn protected(prefix: usize) -> Result<Memory, ReserveError> {
        Memory::new_with(GuestMemory::protected(prefix)?)
    }

    fn new_with(bytes: GuestMemory) -> Result<Memory, ReserveError> {
        Ok(Memory { bytes, perms: ZeroedArray::new()?, touched: None, heap: Heap::default() })
    }

    /// The reservation (the recompiler reaches guest memory and its context through it).
    pub(crate) fn reservation(&mut self) -> &mut GuestMemory {
        &mut self.bytes
    }

    /// Re-applies the access rights of pages `first..=last` to their protection (protected
    /// layout only), one call per run of equal rights.
    fn reprotect(&mut self, first: u32, last: u32) {
        if !self.bytes.is_protected() {
            return;
        }
        let mut run = first;
        for page in first..=last {
            let next_differs = page == last || self.perms[page as usize + 1] != self.perms[page as usize];
            if next_differs {
                let access = self.access(page * PAGE_SIZE);
                self.bytes.protect(run, page, access);
                run = page + 1;
            }
        }
    }

    #[inline(always)]
    fn bytes(&self) -> &[u8; GuestMemory::LEN] {
        self.bytes.as_slice().try_into().expect("reservation has a fixed length")
    }

    #[inline(always)]
    fn bytes_mut(&mut self) -> &mut [u8; GuestMemory::LEN] {
        self.bytes.as_mut_slice().try_into().expect("reservation has a fixed length")
    }

    /// Sets the access rights of every page overlapping `[address, address + len)`.
    /// Pages below [`LOW_GUARD`] always stay inaccessible.
    pub fn set_access(&mut self, address: u32, len: u32, access: Access) {
        if len == 0 {
            return;
        }
        let first = address / PAGE_SIZE;
        let last = ((u64::from(address) + u64::from(len) - 1) / u64::from(PAGE_SIZE))
            .min(PAGE_COUNT as u64 - 1) as u32;
        let first = first.max(LOW_GUARD / PAGE_SIZE);
        if first > last {
            return;
        }
        for page in first..=last {
            self.perms[page as usize] = access as u8;
        }
        self.bytes.protect(first, last, access);
        if access != Access::None {
            self.touched = Some(match self.touched {
                None => (first, last),
                Some((lo, hi)) => (lo.min(first), hi.max(last)),
            });
        }
    }

    /// Access rights of the page containing `address`.
    pub fn access(&self, address: u32) -> Access {
        match self.perms[(address >> 12) as usize] {
            0 => Access::None,
            1 => Access::Read,
            _ => Access::ReadWrite,
        }
    }

    /// Makes every page inaccessible and zero, and clears the heap.
    pub fn reset(&mut self) {
        if let Some((lo, hi)) = self.touched.take() {
            self.perms[lo as usize..=hi as usize].fill(0);
            let start = lo as usize * PAGE_SIZE as usize;
            let end = (hi as usize + 1) * PAGE_SIZE as usize;
            self.bytes.discard(start, end - start);
            self.bytes.protect(lo, hi, Access::None);
        }
        self.heap = Heap::default();
    }

    /// The `sbrk` heap.
    pub fn heap(&self) -> Heap {
        self.heap
    }

    /// Replaces the heap description (used when laying out a program).
    pub fn set_heap(&mut self, heap: Heap) {
        self.heap = heap;
    }

    /// Grows the heap by `size` bytes, mapping new pages read-write. Returns the new heap end,
    /// or `None` (nothing changes) if the heap would pass its limit.
    pub fn sbrk(&mut self, size: u32) -> Option<u32> {
        let new_top = self.heap.top.checked_add(size)?;
        if new_top > self.heap.limit {
            return None;
        }
        let mapped_end = u64::from(self.heap.top).next_multiple_of(u64::from(PAGE_SIZE));
        if u64::from(new_top) > mapped_end {
            let start = mapped_end as u32;
            self.set_access(start, new_top - start, Access::ReadWrite);
        }
        self.heap.top = new_top;
        Some(new_top)
    }

    /// Classifies a failed access of `len` bytes at `address` (`len` ≥ 1).
    #[cold]
    #[inline(never)]
    pub fn fault(&self, address: u32, len: u32, write: bool) -> Fault {
        let need = if write { WRITE } else { READ };
        let mut lowest: Option<(u32, u8)> = None;
        let mut offset = 0u64;
        while offset < u64::from(len) {
            let at = address.wrapping_add(offset as u32);
            let perm = self.perms[(at >> 12) as usize];
            if perm & need == 0 && lowest.is_none_or(|(low, _)| at < low) {
                lowest = Some((at, perm));
            }
            // Jump to the start of the next page.
            offset += u64::from(PAGE_SIZE - (at % PAGE_SIZE));
        }
        match lowest {
            None => Fault::Panic,
            Some((at, _)) if at < LOW_GUARD => Fault::Panic,
            Some((_, perm)) if write && perm & READ != 0 => Fault::Panic,
            Some((at, _)) => Fault::PageFault(at & !(PAGE_SIZE - 1)),
        }
    }

    /// The fast path of [`Memory::load`]: `Some` when the access lies in one readable page.
    #[inline(always)]
    pub fn try_load<const N: usize>(&self, address: u32) -> Option<[u8; N]> {
        let perm = self.perms[(address >> 12) as usize];
        if perm & READ != 0 && (address % PAGE_SIZE) as usize <= PAGE_SIZE as usize - N {
            let at = address as usize;
            let mut out = [0u8; N];
            out.copy_from_slice(&self.bytes()[at..at + N]);
            Some(out)
        } else {
            None
        }
    }

    /// The fast path of [`Memory::store`]: `true` (and stored) when the access lies in one
    /// writable page; `false` and nothing written otherwise.
    #[inline(always)]
    pub fn try_store<const N: usize>(&mut self, address: u32, value: [u8; N]) -> bool {
        let perm = self.perms[(address >> 12) as usize];
        if perm & WRITE != 0 && (address % PAGE_SIZE) as usize <= PAGE_SIZE as usize - N {
            let at = address as usize;
            self.bytes_mut()[at..at + N].copy_from_slice(&value);
            true
        } else {
            false
        }
    }

    /// Loads `N` bytes from `address`.
    #[inline(always)]
    pub fn load<const N: usize>(&self, address: u32) -> Result<[u8; N], Fault> {
        let perm = self.perms[(address >> 12) as usize];
        if perm & READ != 0 && (address % PAGE_SIZE) as usize <= PAGE_SIZE as usize - N {
            let at = address as usize;
            let mut out = [0u8; N];
            out.copy_from_slice(&self.bytes()[at..at + N]);
            Ok(out)
        } else {
            self.load_slow(address)
        }
    }

    #[cold]
    #[inline(never)]
    fn load_slow<const N: usize>(&self, address: u32) -> Result<[u8; N], Fault> {
        let mut out = [0u8; N];
        self.read(address, &mut out)?;
        Ok(out)
    }

    /// Stores `N` bytes at `address`.
    #[inline(always)]
    pub fn store<const N: usize>(&mut self, address: u32, value: [u8; N]) -> Result<(), Fault> {
        let perm = self.perms[(address >> 12) as usize];
        if perm & WRITE != 0 && (address % PAGE_SIZE) as usize <= PAGE_SIZE as usize - N {
            let at = address as usize;
            self.bytes_mut()[at..at + N].copy_from_slice(&value);
            Ok(())
        } else {
            self.store_slow(address, value)
        }
    }

    #[cold]
    #[inline(never)]
    fn store_slow<const N: usize>(&mut self, address: u32, value: [u8; N]) -> Result<(), Fault> {
        self.write(address, &value)
    }

    fn check(&self, address: u32, len: usize, need: u8) -> Result<(), Fault> {
        if len == 0 {
            return Ok(());
        }
        let Ok(len32) = u32::try_from(len) else {
            return Err(Fault::Panic);
        };
        let mut offset = 0u64;
        while offset < len as u64 {
            let at = address.wrapping_add(offset as u32);
            if self.perms[(at >> 12) as usize] & need == 0 {
                return Err(self.fault(address, len32, need == WRITE));
            }
            offset += u64::from(PAGE_SIZE - (at % PAGE_SIZE));
        }
        Ok(())
    }

    /// Reads guest memory into `out`, with guest read rules (wrapping at 2^32).
    pub fn read(&self, address: u32, out: &mut [u8]) -> Result<(), Fault> {
        self.check(address, out.len(), READ)?;
        self.copy_out(address, out);
        Ok(())
    }

    /// Writes `data` to guest memory with guest write rules; nothing is written on failure.
    pub fn write(&mut self, address: u32, data: &[u8]) -> Result<(), Fault> {
        self.check(address, data.len(), WRITE)?;
        self.copy_in(address, data);
        Ok(())
    }

    /// Writes `data` to readable pages regardless of write protection (program loading,
    /// host-side initialisation of read-only data).
    pub fn write_initial(&mut self, address: u32, data: &[u8]) -> Result<(), Fault> {
        self.check(address, data.len(), READ)?;
        if data.is_empty() {
            return Ok(());
        }
        // Readable pages start at LOW_GUARD, so a readable range never wraps.
        let (first, last) = (address / PAGE_SIZE, (address + (data.len() as u32 - 1)) / PAGE_SIZE);
        self.bytes.protect(first, last, Access::ReadWrite);
        self.copy_in(address, data);
        self.reprotect(first, last);
        Ok(())
    }

    fn copy_out(&self, address: u32, out: &mut [u8]) {
        let start = address as usize;
        let first = out.len().min(GuestMemory::LEN - start).min((1usize << 32) - start);
        out[..first].copy_from_slice(&self.bytes()[start..start + first]);
        let rest = out.len() - first;
        out[first..].copy_from_slice(&self.bytes()[..rest]);
    }

    fn copy_in(&mut self, address: u32, data: &[u8]) {
        let start = address as usize;
        let first = data.len().min((1usize << 32) - start);
        self.bytes_mut()[start..start + first].copy_from_slice(&data[..first]);
        let rest = data.len() - first;
        self.bytes_mut()[..rest].copy_from_slice(&data[first..]);
    }

    /// Iterates over accessible pages as `(page address, access)`, in address order.
    pub fn accessible_pages(&self) -> impl Iterator<Item = (u32, Access)> + '_ {
        let (lo, hi) = self.touched.unwrap_or((1, 0));
        (lo..=hi).filter_map(move |page| {
            let access = self.access(page * PAGE_SIZE);
            (access != Access::None).then_some((page * PAGE_SIZE, access))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem() -> Memory {
        let mut m = Memory::new().unwrap();
        m.set_access(0x20000, 0x1000, Access::ReadWrite);
        m.set_access(0x21000, 0x1000, Access::Read);
        m
    }

    #[test]
    fn loads_and_stores() {
        let mut m = mem();
        m.store(0x20ffc, 0x1122334455667788u64.to_le_bytes()).unwrap_err();
        m.store(0x20ff8, 0x1122334455667788u64.to_le_bytes()).unwrap();
        assert_eq!(u64::from_le_bytes(m.load(0x20ff8).unwrap()), 0x1122334455667788);
        // Straddles into the read-only page: readable, not writable.
        assert!(m.load::<8>(0x20ffc).is_ok());
        assert_eq!(m.store(0x20ffc, [0u8; 8]), Err(Fault::Panic));
        // No partial write happened.
        assert_eq!(u64::from_le_bytes(m.load(0x20ff8).unwrap()), 0x1122334455667788);
    }

    #[test]
    fn fault_classification() {
        let m = mem();
        assert_eq!(m.load::<4>(0x22000), Err(Fault::PageFault(0x22000)));
        assert_eq!(m.load::<4>(0x21ffe), Err(Fault::PageFault(0x22000)));
        assert_eq!(m.load::<1>(0xFFFF), Err(Fault::Panic));
        assert_eq!(m.load::<8>(0xFFFF_FFFC), Err(Fault::Panic));
        assert_eq!(m.load::<1>(0x8000_0000), Err(Fault::PageFault(0x8000_0000)));
    }

    #[test]
    fn sbrk_maps_pages() {
        let mut m = Memory::new().unwrap();
        m.set_heap(Heap { base: 0x30000, top: 0x30000, limit: 0x40000 });
        assert_eq!(m.sbrk(10), Some(0x3000a));
        m.store(0x30ff0, [1u8; 4]).unwrap();
        assert_eq!(m.sbrk(0x10000), None);
        assert_eq!(m.sbrk(0x1000), Some(0x3100a));
        m.store(0x31008, [1u8; 4]).unwrap();
        m.reset();
        assert_eq!(m.load::<1>(0x30ff0), Err(Fault::PageFault(0x30000)));
    }
}
