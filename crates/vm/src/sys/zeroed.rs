//! Large zero-initialised tables backed by their own anonymous mapping: the kernel hands out
//! zero pages lazily, so creating one costs a system call rather than writing every byte (a
//! heap allocation of the same size is often recycled memory that `calloc` must clear).
#![allow(unsafe_code)]

use core::ptr::NonNull;

use super::guest::ReserveError;

/// `N` zero bytes in a private anonymous mapping, viewed as a fixed-size array.
pub struct ZeroedArray<const N: usize> {
    ptr: NonNull<[u8; N]>,
}

// SAFETY: the mapping is exclusively owned by this value and holds plain bytes.
unsafe impl<const N: usize> Send for ZeroedArray<N> {}
// SAFETY: shared references only allow reads.
unsafe impl<const N: usize> Sync for ZeroedArray<N> {}

impl<const N: usize> ZeroedArray<N> {
    /// Maps `N` zero bytes.
    pub fn new() -> Result<Self, ReserveError> {
        let ptr = super::guest::map(N.max(1), libc::PROT_READ | libc::PROT_WRITE)?;
        Ok(ZeroedArray { ptr: ptr.cast() })
    }
}

impl<const N: usize> core::ops::Deref for ZeroedArray<N> {
    type Target = [u8; N];

    #[inline(always)]
    fn deref(&self) -> &[u8; N] {
        // SAFETY: the mapping is `N` readable bytes (page-aligned, so aligned for `[u8; N]`)
        // that live as long as `self`.
        unsafe { self.ptr.as_ref() }
    }
}

impl<const N: usize> core::ops::DerefMut for ZeroedArray<N> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [u8; N] {
        // SAFETY: as in `deref`, and writable; `&mut self` makes the borrow exclusive.
        unsafe { self.ptr.as_mut() }
    }
}

impl<const N: usize> Drop for ZeroedArray<N> {
    fn drop(&mut self) {
        // SAFETY: exactly the mapping made in `new`, unmapped once.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), N.max(1));
        }
    }
}
