//! `gannet-vm`: the Gannet PVM.
//!
//! [`Engine`] holds the configuration, [`Module`] a validated and pre-decoded program,
//! [`Instance`] its registers, gas and memory. [`Instance::run`] returns an [`ExitReason`];
//! [`Imports`] binds host functions by import name for [`Instance::call`].
#![deny(unsafe_code)]

mod backend;
pub mod config;
mod crosscheck;
pub mod error;
pub mod exit;
pub mod image;
pub mod imports;
pub mod instance;
mod interp;
pub mod jit;
pub mod memory;
pub mod module;
pub mod sys;

pub use config::{Backend, Config, Dispatch, GasMetering};
pub use error::Error;
pub use exit::ExitReason;
pub use image::{ProgramImage, Region};
pub use imports::{CallOutcome, Caller, HostError, Imports};
pub use instance::Instance;
pub use isa::Reg;
pub use memory::{Access, Fault, Heap, Memory};
pub use module::{Engine, Module};
