//! `sieve`: a Rust guest program for Gannet and PolkaVM, written against the `gannet-guest`
//! SDK. The computation lives in [`logic`] (plain Rust, also compiled natively by the host-side
//! test); this file only declares the host function and the entry points.
//!
//! Exports:
//! * `bench(n) -> u64`: the checksum of [`logic::checksum`], calling the host's
//!   `gannet_host_mix` once per prime up to `n` and once more;
//! * `prime_count(n) -> u64`: the number of primes up to `n`;
//! * `sum_primes(lo, hi) -> u64`: the sum of the primes in `lo..=hi`.
//!
//! Arguments above [`logic::MAX_LIMIT`] are clamped to it.

#![no_std]

use gannet_guest::{export, import};

pub mod logic;

// The sieve's table takes 4 KiB of stack; ask for comfortably more than polkavm-linker's 8 KiB
// default.
gannet_guest::min_stack_size!(32 * 1024);

#[import]
extern "C" {
    /// The suite's host function: returns `x * 0x9E3779B97F4A7C15 + 1` (wrapping).
    fn gannet_host_mix(x: u64) -> u64;
}

/// The benchmark entry point: [`logic::checksum`] with the host function as the mixer.
#[export]
pub extern "C" fn bench(n: u64) -> u64 {
    // SAFETY: `gannet_host_mix` is pure; it reads no guest memory.
    logic::checksum(n, |x| unsafe { gannet_host_mix(x) })
}

/// The number of primes up to `n` (no host calls).
#[export]
pub extern "C" fn prime_count(n: u64) -> u64 {
    logic::prime_count(n)
}

/// The sum of the primes in `lo..=hi` (two arguments; no host calls).
#[export]
pub fn sum_primes(lo: u64, hi: u64) -> u64 {
    logic::sum_primes(lo, hi)
}
