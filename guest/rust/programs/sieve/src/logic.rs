//! The computation of the `sieve` guest, free of any PVM specifics: a sieve of Eratosthenes over
//! a bit table, a prime count, a sum of primes, and a checksum over the primes that feeds every
//! step through a host function.
//!
//! Plain `core` Rust with no dependencies, so the host-side test (`benches/tests/rust_guest.rs`)
//! can compile this very file natively with `#[path]` and compare the guest's results with it.

/// Words of the composite-bit table (4 KiB on the stack).
pub const WORDS: usize = 512;

/// The largest number the sieve covers; larger arguments are clamped to it.
pub const MAX_LIMIT: u64 = (WORDS * 64 - 1) as u64;

/// Composite bits for 0..=`limit`: bit `i` is set when `i` is not prime (0 and 1 included).
struct Sieve {
    bits: [u64; WORDS],
    limit: usize,
}

impl Sieve {
    /// Sieves 0..=min(`n`, [`MAX_LIMIT`]).
    fn new(n: u64) -> Sieve {
        let limit = n.min(MAX_LIMIT) as usize;
        let mut sieve = Sieve { bits: [0; WORDS], limit };
        sieve.bits[0] = 0b11;
        let mut p = 2;
        while p * p <= limit {
            if !sieve.is_composite(p) {
                let mut multiple = p * p;
                while multiple <= limit {
                    sieve.bits[multiple / 64] |= 1 << (multiple % 64);
                    multiple += p;
                }
            }
            p += 1;
        }
        sieve
    }

    fn is_composite(&self, i: usize) -> bool {
        (self.bits[i / 64] >> (i % 64)) & 1 == 1
    }

    /// The primes of word `w` (bit `i` set for the prime `64 * w + i`), within 0..=limit.
    fn prime_bits(&self, w: usize) -> u64 {
        let mut word = !self.bits[w];
        let last = self.limit / 64;
        if w == last {
            let used = self.limit % 64 + 1;
            if used < 64 {
                word &= (1u64 << used) - 1;
            }
        } else if w > last {
            word = 0;
        }
        word
    }

    /// Calls `each` with every prime up to the limit, in increasing order.
    fn for_each_prime(&self, mut each: impl FnMut(u64)) {
        for w in 0..=self.limit / 64 {
            let mut word = self.prime_bits(w);
            while word != 0 {
                let bit = word.trailing_zeros() as usize;
                each((w * 64 + bit) as u64);
                word &= word - 1;
            }
        }
    }
}

/// The number of primes `p <= n` (for `n` up to [`MAX_LIMIT`]).
pub fn prime_count(n: u64) -> u64 {
    let sieve = Sieve::new(n);
    (0..=sieve.limit / 64).map(|w| u64::from(sieve.prime_bits(w).count_ones())).sum()
}

/// The sum of the primes `p` with `lo <= p <= hi` (`hi` clamped to [`MAX_LIMIT`]).
pub fn sum_primes(lo: u64, hi: u64) -> u64 {
    let mut sum = 0u64;
    Sieve::new(hi).for_each_prime(|p| {
        if p >= lo {
            sum = sum.wrapping_add(p);
        }
    });
    sum
}

/// The benchmark checksum for `n`: every prime up to `n` is folded into an accumulator through
/// `mix` (the host function `gannet_host_mix` in the guest), then the prime count once more.
/// Calls `mix` `prime_count(n) + 1` times, so even `n = 0` makes one host call.
pub fn checksum(n: u64, mut mix: impl FnMut(u64) -> u64) -> u64 {
    let sieve = Sieve::new(n);
    let mut acc = n;
    let mut count = 0u64;
    sieve.for_each_prime(|p| {
        acc = mix(acc.rotate_left(13) ^ p);
        count += 1;
    });
    mix(acc ^ count)
}
