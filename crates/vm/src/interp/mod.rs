//! The interpreter backend: pre-decode once per module ([`program`]), then dispatch over
//! the compact ops ([`exec`]).

pub(crate) mod exec;
pub(crate) mod ops;
pub(crate) mod program;

pub(crate) use exec::{run, Cpu, Stop};
pub(crate) use program::Program;
