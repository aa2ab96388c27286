//! Gas cost models (data). Gas is charged per basic block on entry; a block's cost is the
//! sum of its instructions' costs, including the terminator.

use crate::opcode::Opcode;

/// A cost model: gas per instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum CostModel {
    /// One unit per instruction (GP 0.7.2, PolkaVM's `naive` model).
    #[default]
    Naive,
    /// No metering: every instruction costs nothing, so gas only changes through `memset`'s
    /// per-byte charge. For trusted code and for measuring what metering costs; the recompiler
    /// then emits no gas checks at all.
    Free,
}

impl CostModel {
    /// Gas for one instruction; invalid positions and implicit traps cost like `trap`.
    #[inline]
    pub fn cost(self, _op: Opcode) -> u32 {
        match self {
            CostModel::Naive => 1,
            CostModel::Free => 0,
        }
    }
}
