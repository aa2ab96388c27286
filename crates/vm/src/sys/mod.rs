//! Operating-system services: the guest address-space reservation ([`guest`]), executable
//! code memory ([`code`]), the fault signal handler ([`signals`]), the `gs` segment base
//! compiled code addresses through ([`gs`]) and lazily zeroed tables ([`zeroed`]).
//!
//! This is one of the few places `unsafe` is allowed. Each block carries a `// SAFETY:` note.

pub mod code;
pub mod gs;
pub mod guest;
pub mod signals;
pub mod zeroed;

pub use code::{CodeError, CodeMemory};
pub use guest::{GuestMemory, ReserveError, ADDRESS_SPACE};
pub use zeroed::ZeroedArray;
