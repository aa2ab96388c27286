//! Shared interpreter state and helpers for both dispatch strategies.

use super::ops::OP_SIZE;
use super::program::{Program, NONE};
use crate::memory::{Fault, Memory};

/// Address whose dynamic jump ends execution ("return to host").
pub const RETURN_TO_HOST: u32 = 0xFFFF_0000;

/// Why the loop stopped. The instruction's code offset is in [`Cpu::pc`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The threaded dispatcher's op budget ran out (internal; never leaves the backend).
    Budget,
    Halt,
    Panic,
    OutOfGas,
    PageFault(u32),
    HostCall(u32),
    Step,
}

/// Interpreter registers and position. (`repr(C)`: compiled code reads and writes the
/// registers and gas through a pointer to it, at `offset_of!` offsets.)
#[derive(Clone)]
#[repr(C)]
pub(crate) struct Cpu {
    /// Register file; only the first 13 entries are architectural. The size makes `u8`
    /// indices always in bounds.
    pub regs: [u64; 256],
    pub gas: i64,
    /// Op index to continue at.
    pub ip: usize,
    /// Code offset of the instruction that stopped execution.
    pub pc: u32,
    /// In step mode: the op at `ip` has already been reported and runs without stopping.
    pub stepped: bool,
}

impl Cpu {
    pub(crate) fn new() -> Cpu {
        Cpu { regs: [0; 256], gas: 0, ip: 0, pc: 0, stepped: false }
    }
}

pub(crate) fn fault_to_stop(fault: Fault) -> Stop {
    match fault {
        Fault::Panic => Stop::Panic,
        Fault::PageFault(page) => Stop::PageFault(page),
    }
}

#[inline(always)]
pub(crate) fn u8v(b: [u8; 1]) -> u64 {
    u64::from(b[0])
}
#[inline(always)]
pub(crate) fn i8v(b: [u8; 1]) -> u64 {
    b[0] as i8 as u64
}
#[inline(always)]
pub(crate) fn u16v(b: [u8; 2]) -> u64 {
    u64::from(u16::from_le_bytes(b))
}
#[inline(always)]
pub(crate) fn i16v(b: [u8; 2]) -> u64 {
    i16::from_le_bytes(b) as u64
}
#[inline(always)]
pub(crate) fn u32v(b: [u8; 4]) -> u64 {
    u64::from(u32::from_le_bytes(b))
}
#[inline(always)]
pub(crate) fn i32v(b: [u8; 4]) -> u64 {
    i32::from_le_bytes(b) as u64
}
#[inline(always)]
pub(crate) fn u64v(b: [u8; 8]) -> u64 {
    u64::from_le_bytes(b)
}

/// Resolves a dynamic jump to `address`: `Ok((op index of the target's Gas op, block cost))`
/// or the stop it causes.
#[inline(always)]
pub(crate) fn dynamic_target(program: &Program, address: u32) -> Result<(usize, u32), Stop> {
    jump_table_target(&program.jump_table, address)
}

const _: () = assert!(isa::blob::MAX_JUMP_TABLE_ENTRIES < 0x7FFF_0000);
// Op indices (at most a few per code byte) stay below 2^31.
const _: () = assert!(isa::blob::MAX_CODE_SIZE < 1 << 28);

/// [`dynamic_target`] given the program's jump table.
#[inline(always)]
pub(crate) fn jump_table_target(jump_table: &[(u32, u32)], address: u32) -> Result<(usize, u32), Stop> {
    // Fast path first: an even address whose entry exists and is valid. Entry `address / 2 - 1`
    // for even addresses; rotating the odd bit into bit 31 makes every odd address index far
    // past any table (the blob limits tables to 16 Mi entries). Address 0 wraps to 2^31 - 1
    // and misses too; 0xFFFF0000 maps to 0x7FFF7FFF, which no table reaches either.
    let entry = address.wrapping_sub(2).rotate_right(1) as usize;
    if let Some(&(index, cost)) = jump_table.get(entry) {
        if index != NONE {
            return Ok(((index / OP_SIZE) as usize, cost));
        }
    }
    Err(if address == RETURN_TO_HOST { Stop::Halt } else { Stop::Panic })
}

/// `memset`: `a2` bytes of `a1` at `a0` (registers 7, 8, 9), one gas per byte. Progress is kept
/// in `a0`/`a2`, so after an out-of-gas or fault stop (returned) execution resumes where it
/// left off. Shared by both dispatchers.
pub(crate) fn memset(regs: &mut [u64], mem: &mut Memory, gas: &mut i64) -> Option<Stop> {
    let value = regs[8] as u8;
    let mut dst = regs[7] as u32;
    let mut count = regs[9] as u32;
    let mut result = None;
    while count > 0 {
        if *gas == 0 {
            result = Some(Stop::OutOfGas);
            break;
        }
        if let Err(f) = mem.store(dst, [value]) {
            result = Some(fault_to_stop(f));
            break;
        }
        *gas -= 1;
        dst = dst.wrapping_add(1);
        count -= 1;
    }
    regs[7] = u64::from(dst);
    regs[9] = u64::from(count);
    result
}
