//! Per-kind lookup tables for pre-decoding, built once per process: with them, choosing an
//! op's kind, handler, forwarding behaviour and fusion partner is a load instead of a call
//! into a large `match` per op. Every entry is what the function it caches returns. A kind
//! missing from [`all_kinds`] still gets its right handler (from [`handler_for`]) and is
//! treated conservatively otherwise: it reads and passes on no forwarded register and fuses
//! with nothing.

use std::sync::OnceLock;

use isa::{Opcode, OPCODE_COUNT};

use super::super::forward::{flow, reads, Flow};
use super::super::fused::pair_handler;
use super::super::ops::Kind;
use super::super::threaded::{handler_for, Handler};

/// The tables; see [`tables`].
pub(crate) struct Tables {
    /// [`Kind::of`] by opcode index.
    pub kinds: [Kind; OPCODE_COUNT],
    /// [`Kind::of_32bit`] by opcode index.
    pub kinds_32bit: [Kind; OPCODE_COUNT],
    /// [`handler_for`]`(kind, flags)` by kind and forwarding flags (`None`: kind not listed).
    handlers: [Option<[Handler; 8]>; 256],
    /// [`reads`] by kind (0 for kinds not listed).
    pub reads: [u8; 256],
    /// [`flow`] by kind (`Breaks` for kinds not listed).
    pub flows: [Flow; 256],
    /// For each kind, the kinds that can follow it in a fused pair ([`pair_handler`]), as bits.
    pairs: [[u64; 4]; 256],
}

impl Tables {
    /// [`handler_for`]`(kind, flags)`.
    #[inline(always)]
    pub fn handler(&self, kind: Kind, flags: u8) -> Handler {
        match &self.handlers[kind as usize] {
            Some(handlers) => handlers[usize::from(flags & 7)],
            None => handler_for(kind, flags),
        }
    }

    /// Whether an op of kind `second` after one of kind `first` may form a fused pair (for
    /// some forwarding flags).
    #[inline(always)]
    pub fn may_pair(&self, first: Kind, second: Kind) -> bool {
        let second = second as usize;
        self.pairs[first as usize][second >> 6] & (1 << (second & 63)) != 0
    }
}

/// The tables, built on first use.
pub(crate) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Box<Tables>> = OnceLock::new();
    TABLES.get_or_init(build)
}

/// Every kind an op can have: the pseudo kinds and those of the instructions.
pub(super) fn all_kinds() -> Vec<Kind> {
    let mut kinds = vec![Kind::Gas, Kind::Checkpoint, Kind::LoadImmAndTrap];
    kinds.extend(Opcode::ALL.iter().flat_map(|&op| [Kind::of(op), Kind::of_32bit(op)]));
    kinds
}

fn build() -> Box<Tables> {
    let kinds = all_kinds();
    let mut tables = Box::new(Tables {
        kinds: core::array::from_fn(|i| Kind::of(Opcode::ALL[i])),
        kinds_32bit: core::array::from_fn(|i| Kind::of_32bit(Opcode::ALL[i])),
        handlers: [None; 256],
        reads: [0; 256],
        flows: [Flow::Breaks; 256],
        pairs: [[0; 4]; 256],
    });
    for &kind in &kinds {
        let k = kind as usize;
        tables.handlers[k] = Some(core::array::from_fn(|flags| handler_for(kind, flags as u8)));
        tables.reads[k] = reads(kind);
        tables.flows[k] = flow(kind);
        for &second in &kinds {
            // Every fused pair admits flags 0 for both ops.
            if pair_handler(kind, 0, second, 0).is_some() {
                tables.pairs[k][second as usize >> 6] |= 1 << (second as usize & 63);
            }
        }
    }
    tables
}
