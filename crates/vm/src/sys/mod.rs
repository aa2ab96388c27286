//! Operating-system services: the guest address-space reservation.
//!
//! This is one of the few places `unsafe` is allowed. Each block carries a `// SAFETY:` note.
#![allow(unsafe_code)]

use core::ptr::NonNull;

/// Size of the guest address space.
pub const ADDRESS_SPACE: usize = 1 << 32;

/// Bytes reserved past the end of the 4 GiB space, so that an access of up to 8 bytes that
/// starts in the last page can be sliced without wrapping (the permission check rejects it).
const SLACK: usize = 4096;

/// A private, lazily-zeroed, read-write reservation covering the whole 32-bit guest address
/// space. Physical memory is only used for pages that are touched.
pub struct GuestMemory {
    base: NonNull<u8>,
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

    /// Reserves the address space.
    pub fn new() -> Result<GuestMemory, ReserveError> {
        // SAFETY: an anonymous private mapping with no fixed address has no preconditions;
        // the result is checked against MAP_FAILED before use.
        let ptr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                Self::LEN,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(ReserveError(std::io::Error::last_os_error()));
        }
        let base = NonNull::new(ptr.cast::<u8>())
            .ok_or_else(|| ReserveError(std::io::Error::other("null mapping")))?;
        Ok(GuestMemory { base })
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

impl Drop for GuestMemory {
    fn drop(&mut self) {
        // SAFETY: `base`/`LEN` is exactly the mapping created in `new`, unmapped once.
        unsafe {
            libc::munmap(self.base.as_ptr().cast(), Self::LEN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
