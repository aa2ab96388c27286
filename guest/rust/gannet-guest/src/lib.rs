//! A small `no_std` SDK for Gannet (and PolkaVM) guest programs written in Rust.
//!
//! A guest is a `cdylib` crate built for the RV64E target `guest/rust/riscv64emac-gannet.json`
//! (see `guest/rust/build.sh`), which produces a shared object that `gannet link` or
//! polkavm-linker 0.37 turns into a `.polkavm` blob. This crate supplies what such a program
//! needs beyond `core`:
//!
//! * [`import`]: declares host functions; calls become `ecalli` instructions.
//! * [`export`]: makes a function an entry point the host can call by name.
//! * [`min_stack_size!`]: asks the linker for a bigger stack.
//! * a `#[panic_handler]` that traps (cargo feature `panic-handler`, on by default), and
//!   [`trap`] to stop the program on purpose.
//!
//! The metadata the macros emit is byte for byte what the C SDK (`guest/include/gannet_guest.h`)
//! emits, so the same linkers accept both.
//!
//! ```ignore
//! #![no_std]
//! use gannet_guest::{export, import};
//!
//! #[import]
//! extern "C" {
//!     /// Provided by the host.
//!     fn gannet_host_mix(x: u64) -> u64;
//! }
//!
//! #[export]
//! pub extern "C" fn bench(n: u64) -> u64 {
//!     // SAFETY: the host function only computes on its argument.
//!     unsafe { gannet_host_mix(n) }
//! }
//! ```

#![no_std]

/// Declares host functions (PVM imports); see the macro crate for the details.
///
/// Apply to an `extern "C" { fn name(a: u64, ...) -> u64; ... }` block. Each declared function
/// becomes an `unsafe extern "C" fn` of the same name whose body, on the guest target, is the
/// host-call marker the PVM linker replaces with `ecalli` for an import named like the
/// function (`#[link_name = "..."]` picks another name). Up to 6 arguments and at most one
/// result, each `u64`, `i64`, `u32`, `i32`, `usize`, `isize` or a raw pointer.
pub use gannet_guest_macros::import;

/// Exports a function under its own name; see the macro crate for the details.
///
/// Apply to a free, non-generic `fn` (it gets `extern "C"` if it has no ABI). On the guest
/// target the macro adds the function to `.polkavm_exports` so the host can call it by name;
/// no `#[no_mangle]` is needed. Supported signatures are those of [`import`].
pub use gannet_guest_macros::export;

/// Whether this build is for a PVM guest target (RISC-V with the E base ISA). Elsewhere the
/// macros leave plain Rust behind and [`trap`] panics instead of trapping.
pub const IS_GUEST_TARGET: bool =
    cfg!(all(any(target_arch = "riscv64", target_arch = "riscv32"), target_feature = "e"));

/// Argument or result registers one 64-bit integer takes at the guest/host boundary: 1 on
/// RV64, 2 (a register pair, low word first) on RV32.
pub const U64_REGS: u8 = if cfg!(target_pointer_width = "32") { 2 } else { 1 };

/// Requests a stack of at least `bytes` bytes (a `u32` constant expression).
///
/// Expands to a word in the `.polkavm_min_stack_size` section; the linker takes the largest of
/// all such words (and of its own default: 64 KiB for gannet-linker, 8 KiB for polkavm-linker
/// 0.37) and rounds it up to the page size. Use at module level; may appear several times.
///
/// ```ignore
/// gannet_guest::min_stack_size!(32 * 1024);
/// ```
#[macro_export]
macro_rules! min_stack_size {
    ($bytes:expr) => {
        #[cfg(all(any(target_arch = "riscv64", target_arch = "riscv32"), target_feature = "e"))]
        ::core::arch::global_asm!(
            ".pushsection .polkavm_min_stack_size,\"R\",@note",
            ".4byte {bytes}",
            ".popsection",
            bytes = const {
                let bytes: u32 = $bytes;
                bytes
            },
        );
    };
}

/// Stops the program with a trap (the PVM `trap` instruction; the host sees a panic exit).
///
/// On the guest target this executes `unimp`, which both PVM linkers translate to `trap`.
/// Elsewhere (native builds of shared code) it panics.
#[inline(always)]
pub fn trap() -> ! {
    #[cfg(all(any(target_arch = "riscv64", target_arch = "riscv32"), target_feature = "e"))]
    // SAFETY: `unimp` only raises an exception; it touches no memory and never returns, which
    // `noreturn` states.
    unsafe {
        core::arch::asm!("unimp", options(noreturn, nomem, nostack))
    }
    #[cfg(not(all(any(target_arch = "riscv64", target_arch = "riscv32"), target_feature = "e")))]
    panic!("gannet_guest::trap() called")
}

/// Traps on panic: a guest has nowhere to print a message, and the PVM reports the trap to the
/// host. Only on the guest target and with the `panic-handler` feature (on by default); turn
/// the feature off to supply your own handler. (With `riscv64emac-gannet.json`, whose panic
/// strategy is `immediate-abort`, panics trap inline and never reach a handler; the handler
/// serves targets with the plain `abort` strategy.)
#[cfg(all(
    feature = "panic-handler",
    any(target_arch = "riscv64", target_arch = "riscv32"),
    target_feature = "e"
))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    trap()
}
