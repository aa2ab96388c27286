//! Labels and fixups: positions in the code that branches, rip-relative operands and data words
//! refer to before or after they are known.
//!
//! A label is an index into a `Vec<u32>` of offsets. A reference to a bound label is encoded on the
//! spot (backward branches take the short rel8 form when it reaches); a reference to an unbound
//! label records a [`Fixup`] that [`Assembler::resolve`] patches in one pass at the end.

use crate::buffer::Assembler;

/// Offset stored for a label that has not been bound yet.
pub(crate) const UNBOUND: u32 = u32::MAX;

/// A position in the code, created by [`Assembler::new_label`] and placed by
/// [`Assembler::bind`]. Only meaningful to the assembler that created it (until
/// [`Assembler::clear`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(pub(crate) u32);

impl Label {
    /// The label's number (labels are numbered from 0 in creation order).
    #[inline(always)]
    pub const fn index(self) -> u32 {
        self.0
    }

    /// The label numbered `index` (as returned by [`Label::index`]), so that users can keep
    /// labels in compact tables. Using a number the assembler never handed out is a logic
    /// error (debug builds panic when it is bound or referenced).
    #[inline(always)]
    pub const fn from_index(index: u32) -> Label {
        Label(index)
    }
}

/// A pending reference: the 32-bit field at `at` receives `label + addend - origin`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fixup {
    at: u32,
    origin: u32,
    label: u32,
    addend: i32,
}

/// Why code could not be finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AsmError {
    /// A label is referenced but was never bound.
    #[error("label {} is referenced but never bound", .0.index())]
    UnboundLabel(Label),
    /// The code is too large for 32-bit relative displacements.
    #[error("{0} bytes of code exceed the 2 GiB reach of a rel32 displacement")]
    CodeTooLarge(usize),
}

impl Assembler {
    /// A new, unbound label.
    #[inline]
    pub fn new_label(&mut self) -> Label {
        let label = Label(self.labels.len() as u32);
        self.labels.push(UNBOUND);
        label
    }

    /// Binds `label` to the current offset (the next instruction).
    ///
    /// A label is bound at most once; debug builds panic on a second binding.
    #[inline]
    pub fn bind(&mut self, label: Label) {
        let at = self.pos as u32;
        self.bind_at(label, at);
    }

    /// Binds `label` to an explicit code offset, which may lie before or after the current end.
    #[inline]
    pub fn bind_at(&mut self, label: Label, offset: u32) {
        let slot = &mut self.labels[label.0 as usize];
        debug_assert_eq!(*slot, UNBOUND, "label {} bound twice", label.0);
        *slot = offset;
    }

    /// The offset `label` is bound to, or `None` while it is unbound.
    #[inline]
    pub fn label_offset(&self, label: Label) -> Option<u32> {
        match self.labels[label.0 as usize] {
            UNBOUND => None,
            offset => Some(offset),
        }
    }

    /// The number of labels created since the last [`Assembler::clear`].
    #[inline]
    pub fn label_count(&self) -> usize {
        self.labels.len()
    }

    /// The number of references still waiting for [`Assembler::resolve`].
    #[inline]
    pub fn pending_fixups(&self) -> usize {
        self.fixups.len()
    }

    /// Makes the 32-bit field at `at` hold `label + addend - origin`: now if the label is bound,
    /// otherwise at [`Assembler::resolve`].
    #[inline]
    pub(crate) fn reference(&mut self, at: usize, origin: usize, label: Label, addend: i32) {
        match self.labels[label.0 as usize] {
            UNBOUND => {
                self.fixups.push(Fixup { at: at as u32, origin: origin as u32, label: label.0, addend })
            }
            target => self.patch32(at, rel(target, addend, origin as u32)),
        }
    }

    /// Records that the rel32 field at `at` (ending at `end`) refers to the unbound `label`.
    #[inline(always)]
    pub(crate) fn forward_reference(&mut self, at: usize, end: usize, label: Label) {
        self.fixups.push(Fixup { at: at as u32, origin: end as u32, label: label.0, addend: 0 });
    }

    /// Overwrites the 32-bit field at `at`.
    #[inline(always)]
    pub(crate) fn patch32(&mut self, at: usize, value: i32) {
        self.buf[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }

    /// Patches every pending reference. Fails, leaving the references pending, if one of their
    /// labels is unbound; binding it and calling again then succeeds.
    pub fn resolve(&mut self) -> Result<(), AsmError> {
        if self.pos > i32::MAX as usize {
            return Err(AsmError::CodeTooLarge(self.pos));
        }
        if let Some(f) = self.fixups.iter().find(|f| self.labels[f.label as usize] == UNBOUND) {
            return Err(AsmError::UnboundLabel(Label(f.label)));
        }
        let mut fixups = core::mem::take(&mut self.fixups);
        for f in &fixups {
            let target = self.labels[f.label as usize];
            self.patch32(f.at as usize, rel(target, f.addend, f.origin));
        }
        fixups.clear();
        self.fixups = fixups;
        Ok(())
    }
}

/// `target + addend - origin`, wrapping to 32 bits.
#[inline(always)]
fn rel(target: u32, addend: i32, origin: u32) -> i32 {
    target.wrapping_add(addend as u32).wrapping_sub(origin) as i32
}
