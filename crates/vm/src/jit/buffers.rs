//! The big vectors of dropped modules, kept for the next compilation.
//!
//! A module's instruction and block tables are a few hundred KiB for a large program. Freed
//! when the module is dropped, they leave a large free block at the top of the heap, which
//! the C allocator hands back to the system; the next compilation then faults every page of
//! its tables in again (measured with two programs compiled in turn: 19,354 page faults in
//! 600 compilations, and 40 % more time for the larger program; 1,657 faults with this
//! pool). Kept here instead, a few of each are reused whole.

use std::sync::Mutex;

use super::Block;

/// Vectors kept of each kind.
const ENTRIES: usize = 4;
/// Largest vector kept, in bytes.
const MAX_BYTES: usize = 4 << 20;

/// Instruction tables (`Compiled::insts`) of dropped modules.
pub(super) static INSTS: Mutex<Vec<Vec<(u32, u32)>>> = Mutex::new(Vec::new());
/// Block tables (`Compiled::blocks`) of dropped modules.
pub(super) static BLOCKS: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// An empty vector with room for at least `capacity` elements (and, if it comes from
/// `pool`, at most twice that, so that a small program does not hold a large table).
pub(super) fn take<T>(pool: &Mutex<Vec<Vec<T>>>, capacity: usize) -> Vec<T> {
    if let Ok(mut kept) = pool.lock() {
        let fits = |v: &Vec<T>| v.capacity() >= capacity && v.capacity() <= 2 * capacity;
        if let Some(i) = kept.iter().position(fits) {
            return kept.swap_remove(i);
        }
    }
    Vec::with_capacity(capacity)
}

/// Keeps `v`'s memory in `pool` for a later [`take`], unless the pool is full or `v` is
/// huge (then it is freed).
pub(super) fn give<T>(pool: &Mutex<Vec<Vec<T>>>, mut v: Vec<T>) {
    if v.capacity() == 0 || v.capacity() * core::mem::size_of::<T>() > MAX_BYTES {
        return;
    }
    v.clear();
    if let Ok(mut kept) = pool.lock() {
        if kept.len() < ENTRIES {
            kept.push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_vector_comes_back_empty_for_a_size_it_fits() {
        let pool: Mutex<Vec<Vec<u64>>> = Mutex::new(Vec::new());
        let mut v = take(&pool, 1000);
        assert!(v.capacity() >= 1000);
        v.extend(0..1000);
        let address = v.as_ptr();
        give(&pool, v);
        // Too small a request for it (it would be more than twice the size), then one it fits.
        let small = take(&pool, 100);
        assert_eq!(pool.lock().unwrap().len(), 1, "left in the pool");
        assert!(small.capacity() >= 100);
        let again = take(&pool, 900);
        assert_eq!((again.as_ptr(), again.len()), (address, 0), "the same memory, emptied");
        assert!(pool.lock().unwrap().is_empty());
    }

    #[test]
    fn the_pool_keeps_a_few_vectors_of_bounded_size() {
        let pool: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
        for _ in 0..ENTRIES + 3 {
            give(&pool, Vec::with_capacity(64));
        }
        give(&pool, Vec::with_capacity(MAX_BYTES + 1));
        give(&pool, Vec::new());
        let kept = pool.lock().unwrap();
        assert_eq!(kept.len(), ENTRIES);
        assert!(kept.iter().all(|v| v.capacity() == 64));
    }
}
