//! The interpreter backend: pre-decode once per module ([`program`]), then dispatch over
//! the compact ops, threaded ([`threaded`], the default) or through one `match`
//! ([`switch`]); the two are benchmarked against each other.

pub(crate) mod exec;
pub(crate) mod forward;
pub(crate) mod fused;
pub(crate) mod ops;
pub(crate) mod program;
pub(crate) mod switch;
pub(crate) mod threaded;

pub(crate) use exec::{Cpu, Stop};
pub(crate) use program::Program;
