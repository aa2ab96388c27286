//! The [`Assembler`]: the code buffer every emitter appends to, plus raw data directives.
//!
//! The buffer keeps at least [`WINDOW`] writable bytes past the end of the code, so appending an
//! instruction is one capacity check and in-place writes into that window; the bytes past
//! [`Assembler::len`] are scratch and never part of the code.

use alloc::vec::Vec;

use crate::inst::{Inst, MAX_EMITTED_LEN, WINDOW};
use crate::label::{Fixup, Label};

/// Initial buffer size when the first instruction arrives in an empty assembler.
const MIN_GROWTH: usize = 4096;

/// An x86-64 code buffer with labels and rel32 fixups.
///
/// Emitters append one instruction each and never allocate except to grow the buffer (amortised
/// doubling; [`Assembler::reserve`] avoids even that). Forward references to labels are patched by
/// [`Assembler::resolve`] (also called by [`Assembler::finalize`] and [`Assembler::into_code`]).
#[derive(Clone, Debug, Default)]
pub struct Assembler {
    /// Code bytes in `..pos`; scratch after that. `pos <= buf.len()` always, and
    /// `pos + WINDOW <= buf.len()` after any instruction.
    pub(crate) buf: Vec<u8>,
    /// Length of the code.
    pub(crate) pos: usize,
    /// Offset of each label, or [`crate::label::UNBOUND`].
    pub(crate) labels: Vec<u32>,
    /// References waiting for [`Assembler::resolve`].
    pub(crate) fixups: Vec<Fixup>,
}

impl Assembler {
    /// An empty assembler. Allocates nothing until the first instruction.
    pub const fn new() -> Assembler {
        Assembler { buf: Vec::new(), pos: 0, labels: Vec::new(), fixups: Vec::new() }
    }

    /// An empty assembler with room for `bytes` of code before it has to grow.
    pub fn with_capacity(bytes: usize) -> Assembler {
        let mut asm = Assembler::new();
        asm.reserve(bytes);
        asm
    }

    /// The number of code bytes emitted so far.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.pos
    }

    /// Whether no code has been emitted.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.pos == 0
    }

    /// The offset the next instruction will start at (the same as [`Assembler::len`], as `u32`).
    #[inline(always)]
    pub fn offset(&self) -> u32 {
        self.pos as u32
    }

    /// Makes sure `bytes` more bytes of code fit without growing the buffer.
    pub fn reserve(&mut self, bytes: usize) {
        let need = self.pos + bytes + WINDOW;
        if need > self.buf.len() {
            self.buf.resize(need, 0);
        }
    }

    /// Bytes the buffer holds (code plus scratch), the memory a reused assembler keeps.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The code emitted so far. References to labels not yet patched by
    /// [`Assembler::resolve`] hold placeholder displacements.
    #[inline]
    pub fn code(&self) -> &[u8] {
        &self.buf[..self.pos]
    }

    /// Forgets all code, labels and fixups, keeping the allocations for reuse.
    pub fn clear(&mut self) {
        self.pos = 0;
        self.labels.clear();
        self.fixups.clear();
    }

    /// Resolves every pending reference and returns the finished code; the assembler stays usable
    /// (more code may follow, or [`Assembler::clear`] it for the next function).
    pub fn finalize(&mut self) -> Result<&[u8], crate::AsmError> {
        self.resolve()?;
        Ok(self.code())
    }

    /// Resolves every pending reference and returns the code as an owned vector.
    pub fn into_code(mut self) -> Result<Vec<u8>, crate::AsmError> {
        self.resolve()?;
        self.buf.truncate(self.pos);
        Ok(self.buf)
    }

    /// Appends one instruction, written by `build` straight into the buffer.
    #[inline(always)]
    pub(crate) fn emit(&mut self, build: impl FnOnce(&mut Inst<'_>)) {
        let pos = self.pos;
        // One bounds check; past the end, grow and emit again (at most once: growing leaves
        // at least a window).
        let Some(window) = self.buf.get_mut(pos..pos + WINDOW) else {
            self.grow();
            return self.emit(build);
        };
        let window = window.as_mut_array::<WINDOW>().expect("a WINDOW-byte slice");
        let mut inst = Inst::new(window);
        build(&mut inst);
        debug_assert!(inst.len <= MAX_EMITTED_LEN, "instruction too long: {}", inst.len);
        let (len, rip) = (inst.len, inst.rip);
        let end = pos + len;
        self.pos = end;
        if let Some((at, label, addend)) = rip {
            self.reference(pos + at, end, label, addend);
        }
    }

    /// Grows the buffer so that at least [`WINDOW`] bytes are writable past the end.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let len = (self.pos + WINDOW).max(self.buf.len() * 2).max(MIN_GROWTH);
        self.buf.resize(len, 0);
    }

    /// Overwrites the four bytes at `at` (inside the emitted code) with `value`, little-endian:
    /// for immediates known only after their instruction was emitted (an imm32 form must have
    /// been emitted there).
    ///
    /// # Panics
    ///
    /// If `at + 4` is past the emitted code.
    #[inline]
    pub fn patch_u32(&mut self, at: u32, value: u32) {
        let at = at as usize;
        assert!(at + 4 <= self.pos, "patch outside the emitted code");
        self.buf[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }

    /// Overwrites the `N` emitted bytes at offset `at` (a sequence written earlier with
    /// placeholder fields) in one write.
    #[inline]
    pub fn patch_raw<const N: usize>(&mut self, at: u32, bytes: [u8; N]) {
        let at = at as usize;
        assert!(at + N <= self.pos, "patch outside the emitted code");
        self.buf[at..at + N].copy_from_slice(&bytes);
    }

    /// Appends `count` records of `N` bytes each, record `i` being `record(i)`: a table of
    /// same-sized code sequences written in one pass, with one capacity check for all.
    #[inline]
    pub fn records<const N: usize>(&mut self, count: usize, mut record: impl FnMut(usize) -> [u8; N]) {
        self.reserve(count * N);
        let start = self.pos;
        let table = &mut self.buf[start..start + count * N];
        for (i, slot) in table.chunks_exact_mut(N).enumerate() {
            slot.copy_from_slice(&record(i));
        }
        self.pos = start + count * N;
    }

    /// Appends raw bytes (data, or code produced elsewhere).
    pub fn bytes(&mut self, data: &[u8]) {
        self.reserve(data.len());
        self.buf[self.pos..self.pos + data.len()].copy_from_slice(data);
        self.pos += data.len();
    }

    /// Appends `N` bytes (at most 14) in one write: an instruction sequence encoded by the
    /// caller, or data. Cheaper than [`Assembler::bytes`] for a short sequence of known length.
    #[inline]
    pub fn raw<const N: usize>(&mut self, bytes: [u8; N]) {
        emit!(self, |i| i.raw(bytes));
    }

    /// Appends one data byte.
    #[inline]
    pub fn data_u8(&mut self, v: u8) {
        emit!(self, |i| {
            i.byte(v);
        });
    }

    /// Appends a little-endian 16-bit data word.
    #[inline]
    pub fn data_u16(&mut self, v: u16) {
        emit!(self, |i| {
            i.imm16(v);
        });
    }

    /// Appends a little-endian 32-bit data word.
    #[inline]
    pub fn data_u32(&mut self, v: u32) {
        emit!(self, |i| {
            i.imm32(v);
        });
    }

    /// Appends a little-endian 64-bit data word.
    #[inline]
    pub fn data_u64(&mut self, v: u64) {
        emit!(self, |i| {
            i.imm64(v);
        });
    }

    /// Appends a 32-bit word holding `label`'s offset minus `origin` (wrapping), patched when the
    /// label is resolved. `origin = 0` stores the label's offset in the code; the offset of a table
    /// stores a table-relative entry.
    pub fn data_label(&mut self, label: Label, origin: u32) {
        let at = self.pos;
        self.data_u32(0);
        self.reference(at, origin as usize, label, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_appended_in_order_after_the_code() {
        let mut asm = Assembler::new();
        asm.data_u8(0x90);
        asm.records(3, |i| [i as u8, 0xA0 | i as u8]);
        assert_eq!(asm.code(), [0x90, 0, 0xA0, 1, 0xA1, 2, 0xA2]);
        asm.records::<4>(0, |_| unreachable!("no records"));
        asm.data_u8(0xC3);
        assert_eq!(asm.len(), 8, "the next byte follows the records");
        assert!(asm.capacity() >= asm.len() + WINDOW, "room for the next instruction");
    }
}
