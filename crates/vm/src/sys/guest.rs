//! The guest address-space reservation.
//!
//! Two layouts. The interpreter's is one private read-write mapping of the 4 GiB space (plus
//! slack), whose pages the interpreter guards in software. The recompiler's ("protected") is
//! `[prefix][4 GiB][guard]`, all inaccessible at first: the memory map mirrors every page's
//! access rights into the mapping's protection, so compiled code needs no bounds checks, and
//! the prefix (just below the guest base) holds the recompiler's per-instance context.
#![allow(unsafe_code)]

use core::ptr::NonNull;

use crate::memory::Access;

/// Size of the guest address space.
pub const ADDRESS_SPACE: usize = 1 << 32;

/// Bytes reserved past the end of the 4 GiB space, so that an access of up to 8 bytes that
/// starts in the last page can be sliced without wrapping (the permission check rejects it).
const SLACK: usize = 4096;

/// Inaccessible bytes after the 4 GiB space in the protected layout: an access of up to 8
/// bytes at any 32-bit offset from the base faults here instead of reaching other memory.
const GUARD: usize = 64 * 1024;

/// OS page size assumed by the layouts (x86-64 Linux).
const OS_PAGE: usize = 4096;

/// A private, lazily-zeroed reservation covering the whole 32-bit guest address space.
/// Physical memory is only used for pages that are touched.
pub struct GuestMemory {
    /// Address of guest byte 0.
    base: NonNull<u8>,
    /// Bytes mapped before `base` (protected layout only; page-aligned).
    prefix: usize,
    /// `base` in the protected layout (where page protections mirror guest access rights),
    /// else `None`: one word, so "is this the protected reservation at `b`" is one comparison.
    protected_base: Option<NonNull<u8>>,
}

// SAFETY: the mapping is exclusively owned by this value; it contains plain bytes.
unsafe impl Send for GuestMemory {}
// SAFETY: shared references only allow reads through `as_slice`.
unsafe impl Sync for GuestMemory {}

/// The reservation could not be made.
#[derive(Debug, thiserror::Error)]
#[error("could not reserve guest memory: {0}")]
pub struct ReserveError(std::io::Error);

impl GuestMemory {
    /// Total mapped length.
    pub const LEN: usize = ADDRESS_SPACE + SLACK;

    /// Reserves the address space, readable and writable (the interpreter's layout).
    pub fn new() -> Result<GuestMemory, ReserveError> {
        let ptr = map(Self::LEN, libc::PROT_READ | libc::PROT_WRITE)?;
        Ok(GuestMemory { base: ptr, prefix: 0, protected_base: None })
    }

    /// Reserves `[prefix][4 GiB][guard]`, all inaccessible except the prefix, which is
    /// read-write (the recompiler's layout). `prefix` is rounded up to whole pages, at least
    /// one.
    pub fn protected(prefix: usize) -> Result<GuestMemory, ReserveError> {
        let prefix = prefix.max(1).next_multiple_of(OS_PAGE);
        let total = prefix + ADDRESS_SPACE + GUARD;
        let start = map(total, libc::PROT_NONE)?;
        // SAFETY: `prefix < total`, so the result stays inside the mapping just made.
        let base = unsafe { NonNull::new_unchecked(start.as_ptr().add(prefix)) };
        let memory = GuestMemory { base, prefix, protected_base: Some(base) };
        // SAFETY: `[start, start + prefix)` is the beginning of our own mapping.
        let rc = unsafe { libc::mprotect(start.as_ptr().cast(), prefix, libc::PROT_READ | libc::PROT_WRITE) };
        if rc != 0 {
            return Err(ReserveError(std::io::Error::last_os_error()));
        }
        Ok(memory)
    }

    /// Whether page protections mirror guest access rights.
    pub fn is_protected(&self) -> bool {
        self.protected_base.is_some()
    }

    /// The address of guest byte 0 if the layout is the protected one, else 0.
    #[inline]
    pub fn protected_base(&self) -> usize {
        self.protected_base.map_or(0, |base| base.as_ptr() as usize)
    }

    /// Address of guest byte 0 (compiled code addresses memory relative to it).
    pub fn base_ptr(&mut self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// The read-write prefix before the guest base (empty in the interpreter's layout).
    pub fn prefix_mut(&mut self) -> &mut [u8] {
        // SAFETY: the `prefix` bytes before `base` are mapped read-write (see `protected`)
        // and owned by this value, exclusively borrowed here.
        unsafe { core::slice::from_raw_parts_mut(self.base.as_ptr().sub(self.prefix), self.prefix) }
    }

    /// In the protected layout, sets the protection of the pages `[first, last]` (page
    /// numbers) to `access`; does nothing in the interpreter's layout.
    pub fn protect(&mut self, first: u32, last: u32, access: Access) {
        if !self.is_protected() || first > last {
            return;
        }
        let prot = match access {
            Access::None => libc::PROT_NONE,
            Access::Read => libc::PROT_READ,
            Access::ReadWrite => libc::PROT_READ | libc::PROT_WRITE,
        };
        let start = first as usize * OS_PAGE;
        let len = (last as usize - first as usize + 1) * OS_PAGE;
        // SAFETY: pages `first..=last` (page numbers below 2^20) lie inside the 4 GiB part of
        // our mapping. Changing their protection cannot invalidate a Rust reference: the
        // memory map only reads or writes pages its permission table allows, and sets those
        // protections to match.
        let rc = unsafe { libc::mprotect(self.base.as_ptr().add(start).cast(), len, prot) };
        // mprotect on our own, page-aligned, mapped range only fails when the kernel runs out
        // of memory for its bookkeeping; continuing would break the sandbox.
        assert!(rc == 0, "mprotect of guest pages failed: {}", std::io::Error::last_os_error());
    }

    /// The whole reservation as bytes.
    #[inline(always)]
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `base` points to `LEN` readable bytes that live as long as `self`.
        unsafe { core::slice::from_raw_parts(self.base.as_ptr(), Self::LEN) }
    }

    /// The whole reservation as mutable bytes.
    #[inline(always)]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: `base` points to `LEN` writable bytes, exclusively borrowed through `&mut self`.
        unsafe { core::slice::from_raw_parts_mut(self.base.as_ptr(), Self::LEN) }
    }

    /// Returns the pages covering `[start, start + len)` to the kernel, so they read as zero
    /// again and stop using memory. Offsets are rounded outwards to whole pages.
    pub fn discard(&mut self, start: usize, len: usize) {
        let page = 4096;
        let lo = start & !(page - 1);
        let hi = (start.saturating_add(len).saturating_add(page - 1) & !(page - 1)).min(Self::LEN);
        if hi <= lo {
            return;
        }
        // SAFETY: `[lo, hi)` lies inside our private anonymous mapping; MADV_DONTNEED on such
        // a mapping only zero-fills it, which no outstanding borrow can observe (we hold `&mut self`).
        let rc = unsafe { libc::madvise(self.base.as_ptr().add(lo).cast(), hi - lo, libc::MADV_DONTNEED) };
        if rc != 0 {
            // Fall back to explicit zeroing; correctness does not depend on madvise.
            self.as_mut_slice()[lo..hi].fill(0);
        }
    }
}

/// Maps `len` bytes of private anonymous memory with protection `prot`.
pub(super) fn map(len: usize, prot: i32) -> Result<NonNull<u8>, ReserveError> {
    // SAFETY: an anonymous private mapping with no fixed address has no preconditions;
    // the result is checked against MAP_FAILED before use.
    let ptr = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            len,
            prot,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(ReserveError(std::io::Error::last_os_error()));
    }
    NonNull::new(ptr.cast::<u8>()).ok_or_else(|| ReserveError(std::io::Error::other("null mapping")))
}

impl Drop for GuestMemory {
    fn drop(&mut self) {
        let len = if self.is_protected() { self.prefix + ADDRESS_SPACE + GUARD } else { Self::LEN };
        // SAFETY: `[base - prefix, base - prefix + len)` is exactly the mapping created in
        // `new` or `protected`, unmapped once.
        unsafe {
            libc::munmap(self.base.as_ptr().sub(self.prefix).cast(), len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_layout() {
        let mut m = GuestMemory::protected(100).unwrap();
        assert_eq!(m.prefix_mut().len(), 4096);
        m.prefix_mut()[0] = 1;
        m.protect(0x20, 0x21, Access::ReadWrite);
        m.as_mut_slice()[0x20_000] = 7;
        m.as_mut_slice()[0x21_fff] = 8;
        m.protect(0x21, 0x21, Access::Read);
        assert_eq!(m.as_slice()[0x21_fff], 8);
        m.discard(0x20_000, 0x2000);
        assert_eq!(m.as_slice()[0x20_000], 0);
    }

    #[test]
    fn reserve_touch_discard() {
        let mut m = GuestMemory::new().unwrap();
        m.as_mut_slice()[0x1234_5678] = 7;
        m.as_mut_slice()[GuestMemory::LEN - 1] = 1;
        assert_eq!(m.as_slice()[0x1234_5678], 7);
        m.discard(0x1234_5000, 0x1000);
        assert_eq!(m.as_slice()[0x1234_5678], 0);
    }
}
