//! The `gs` segment base: compiled code addresses guest memory, its context and its jump
//! table relative to it (`gs:[...]`), which frees the general-purpose register that would
//! otherwise hold the guest base.
//!
//! The base is per thread. [`set_gs_base`] writes it only when it differs from the value this
//! thread last wrote (kept in a thread-local), because the write is slow (about 7.5 ns with
//! `wrgsbase` on the benchmark machine) and a host call re-enters the same instance. Nothing
//! else in the process uses `gs` on Linux x86-64 (the C library and Rust use `fs` for thread
//! locals), so the cached value stays true.
#![allow(unsafe_code)]

use core::cell::Cell;

thread_local! {
    /// The `gs` base this thread last set (0: never set).
    static CURRENT: Cell<u64> = const { Cell::new(0) };
}

/// Makes `base` this thread's `gs` base.
#[inline(always)]
pub fn set_gs_base(base: u64) {
    if CURRENT.get() != base {
        write(base);
        CURRENT.set(base);
    }
}

/// This thread's `gs` base, as last set by [`set_gs_base`] (0: never set).
#[inline(always)]
pub fn current() -> u64 {
    CURRENT.get()
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[cold]
#[inline(never)]
fn write(base: u64) {
    use std::sync::OnceLock;
    /// Whether the kernel lets user code run `wrgsbase` (`HWCAP2_FSGSBASE`, Linux 5.9+).
    static FSGSBASE: OnceLock<bool> = OnceLock::new();
    const HWCAP2_FSGSBASE: u64 = 1 << 1;
    // SAFETY: `getauxval` only reads the process's auxiliary vector.
    let fsgsbase =
        *FSGSBASE.get_or_init(|| unsafe { libc::getauxval(libc::AT_HWCAP2) } & HWCAP2_FSGSBASE != 0);
    if fsgsbase {
        // SAFETY: writes this thread's `gs` base, which no code but Gannet's compiled code
        // reads (see the module docs); the kernel has enabled the instruction (HWCAP2 above).
        unsafe { core::arch::asm!("wrgsbase {}", in(reg) base, options(nostack, preserves_flags)) };
    } else {
        const ARCH_SET_GS: libc::c_int = 0x1001;
        // SAFETY: as above, through the system call older kernels offer.
        let result = unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_SET_GS, base) };
        assert_eq!(result, 0, "arch_prctl(ARCH_SET_GS) failed");
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn write(_base: u64) {
    unreachable!("compiled code runs only on x86-64 Linux");
}

#[cfg(all(test, target_arch = "x86_64", target_os = "linux"))]
mod tests {
    use super::*;

    fn read() -> u64 {
        let value: u64;
        // SAFETY: reads this thread's `gs` base; the kernel enables `rdgsbase` together with
        // `wrgsbase` (the test runs only where `set_gs_base` used the instruction).
        unsafe { core::arch::asm!("rdgsbase {}", out(reg) value, options(nostack, preserves_flags)) };
        value
    }

    #[test]
    fn the_base_is_per_thread_and_cached() {
        set_gs_base(0x1234_5000);
        assert_eq!(CURRENT.get(), 0x1234_5000);
        // SAFETY: `getauxval` only reads the process's auxiliary vector.
        let fsgsbase = unsafe { libc::getauxval(libc::AT_HWCAP2) } & 2 != 0;
        if fsgsbase {
            assert_eq!(read(), 0x1234_5000);
        }
        std::thread::spawn(move || {
            assert_eq!(CURRENT.get(), 0);
            set_gs_base(0x7777_0000);
            if fsgsbase {
                assert_eq!(read(), 0x7777_0000);
            }
        })
        .join()
        .unwrap();
        assert_eq!(CURRENT.get(), 0x1234_5000);
        if fsgsbase {
            assert_eq!(read(), 0x1234_5000);
        }
    }
}
