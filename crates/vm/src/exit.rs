//! Why a run stopped. Exits are values: the caller decides what happens next.

/// The result of [`crate::Instance::run`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExitReason {
    /// The program jumped to the return-to-host address `0xFFFF0000`.
    Halt,
    /// The program trapped (`trap`, invalid instruction, invalid jump, forbidden access).
    Panic,
    /// Not enough gas for the next basic block. The state is at the block start; add gas
    /// and run again to resume.
    OutOfGas,
    /// An access touched an inaccessible page (page-aligned address). The state is before the
    /// instruction; map the page and run again to retry it.
    PageFault(u32),
    /// `ecalli n`. Running again continues after the `ecalli`.
    HostCall(u32),
    /// Step mode: the instruction at [`crate::Instance::pc`] is about to run.
    Step,
}

impl ExitReason {
    /// Whether running again continues the program (as opposed to a final halt or panic).
    pub fn is_resumable(self) -> bool {
        !matches!(self, ExitReason::Halt | ExitReason::Panic)
    }
}

impl core::fmt::Display for ExitReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ExitReason::Halt => f.write_str("halt"),
            ExitReason::Panic => f.write_str("panic"),
            ExitReason::OutOfGas => f.write_str("out of gas"),
            ExitReason::PageFault(addr) => write!(f, "page fault at {addr:#x}"),
            ExitReason::HostCall(n) => write!(f, "host call {n}"),
            ExitReason::Step => f.write_str("step"),
        }
    }
}
