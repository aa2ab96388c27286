//! Executable code memory, W^X: machine code is written into a private read-write mapping,
//! which is then made read-and-execute before anything runs it, and never writable again
//! while it holds that code.
//!
//! Mappings of dropped modules are kept in a small pool and reused (made writable, rewritten,
//! made executable again), which saves the `mmap` and `munmap` of every module after the
//! first: compiling many small contracts is dominated by those system calls otherwise.
#![allow(unsafe_code)]

use core::ptr::NonNull;
use std::sync::Mutex;

/// Retired mappings (address, length), reused by later modules.
static POOL: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());
/// Most mappings the pool keeps.
const POOL_ENTRIES: usize = 64;
/// Largest mapping the pool keeps.
const POOL_MAX_LEN: usize = 1 << 20;

/// A mapping of at least `len` bytes (and at most twice that) from the pool.
fn from_pool(len: usize) -> Option<(usize, usize)> {
    let mut pool = POOL.lock().ok()?;
    let i = pool.iter().position(|&(_, mapped)| mapped >= len && mapped <= 2 * len)?;
    Some(pool.swap_remove(i))
}
/// Code memory could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("could not map code memory: {0}")]
pub struct CodeError(std::io::Error);

/// An immutable block of executable machine code, unmapped on drop.
pub struct CodeMemory {
    ptr: NonNull<u8>,
    /// Mapped length (whole pages).
    mapped: usize,
    /// Length of the code itself.
    len: usize,
}

// SAFETY: the mapping is owned by this value and never written after construction (until it
// is dropped), so sharing or moving it between threads is sound.
unsafe impl Send for CodeMemory {}
// SAFETY: as above; `&CodeMemory` only gives read access.
unsafe impl Sync for CodeMemory {}

impl CodeMemory {
    /// Maps `code` as executable. `patch` runs on the writable copy first, with the address
    /// the code will execute at (for absolute addresses inside the code).
    pub fn new(code: &[u8], patch: impl FnOnce(&mut [u8], usize)) -> Result<CodeMemory, CodeError> {
        let needed = code.len().max(1).next_multiple_of(4096);
        let (raw, mapped) = match from_pool(needed) {
            Some((address, mapped)) => {
                let raw = address as *mut libc::c_void;
                // SAFETY: a pooled mapping is ours alone (its module was dropped, so nothing
                // runs it); making it writable again is the W half of W^X.
                if unsafe { libc::mprotect(raw, mapped, libc::PROT_READ | libc::PROT_WRITE) } != 0 {
                    let error = std::io::Error::last_os_error();
                    // SAFETY: the pooled mapping is ours and unused; give it back.
                    unsafe { libc::munmap(raw, mapped) };
                    return Err(CodeError(error));
                }
                (raw, mapped)
            }
            None => {
                // SAFETY: an anonymous private mapping with no fixed address has no
                // preconditions; the result is checked against MAP_FAILED before use.
                let raw = unsafe {
                    libc::mmap(
                        core::ptr::null_mut(),
                        needed,
                        libc::PROT_READ | libc::PROT_WRITE,
                        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                        -1,
                        0,
                    )
                };
                if raw == libc::MAP_FAILED {
                    return Err(CodeError(std::io::Error::last_os_error()));
                }
                (raw, needed)
            }
        };
        let ptr =
            NonNull::new(raw.cast::<u8>()).ok_or_else(|| CodeError(std::io::Error::other("null mapping")))?;
        let memory = CodeMemory { ptr, mapped, len: code.len() };
        {
            // SAFETY: the mapping is `mapped >= code.len()` bytes, read-write, and not yet
            // shared with anyone.
            let bytes = unsafe { core::slice::from_raw_parts_mut(ptr.as_ptr(), code.len()) };
            bytes.copy_from_slice(code);
            patch(bytes, ptr.as_ptr() as usize);
        }
        // SAFETY: our own mapping; from here on it is not writable while it holds this code
        // (W^X). On failure `memory` unmaps it (or pools it, still writable but unused).
        let rc = unsafe { libc::mprotect(raw, mapped, libc::PROT_READ | libc::PROT_EXEC) };
        if rc != 0 {
            return Err(CodeError(std::io::Error::last_os_error()));
        }
        Ok(memory)
    }

    /// Address of the first code byte.
    pub fn start(&self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// The code bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the first `len` bytes of the mapping hold the code; the mapping is readable
        // and never written after construction, and lives as long as `self`.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// Length of the code in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the code is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `address` lies inside the code.
    pub fn contains(&self, address: usize) -> bool {
        address >= self.start() && address < self.start() + self.len
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        if self.mapped <= POOL_MAX_LEN {
            if let Ok(mut pool) = POOL.lock() {
                if pool.len() < POOL_ENTRIES {
                    pool.push((self.ptr.as_ptr() as usize, self.mapped));
                    return;
                }
            }
        }
        // SAFETY: exactly the mapping made in `new` (or taken from the pool), unmapped once.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.mapped);
        }
    }
}
