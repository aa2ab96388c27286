//! The JSON test-vector schema of the JAM PVM vectors (`pvm/schema.json`), plus Gannet's
//! extension for multi-step cases (`steps`: resume after out-of-gas, host calls or page
//! faults) and blob-level cases (`expected-error`: the program must be rejected).

use serde::Deserialize;

/// An initially accessible region.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageMapEntry {
    /// Start address.
    pub address: u32,
    /// Length in bytes.
    pub length: u32,
    /// Writable (otherwise read-only).
    #[serde(rename = "is-writable")]
    pub is_writable: bool,
}

/// Bytes at an address.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryChunk {
    /// Start address.
    pub address: u32,
    /// The bytes.
    pub contents: Vec<u8>,
}

/// What a run must end with.
#[derive(Clone, Debug, Deserialize)]
pub struct Expectation {
    /// `panic`, `halt`, `page-fault`, `out-of-gas` or `host-call` (the last two are Gannet's).
    #[serde(rename = "expected-status")]
    pub status: String,
    /// Registers after the run.
    #[serde(rename = "expected-regs")]
    pub regs: Vec<u64>,
    /// Program counter after the run.
    #[serde(rename = "expected-pc")]
    pub pc: u32,
    /// Every non-zero byte of accessible memory after the run.
    #[serde(rename = "expected-memory")]
    pub memory: Vec<MemoryChunk>,
    /// Gas after the run.
    #[serde(rename = "expected-gas")]
    pub gas: i64,
    /// Page address of a page fault.
    #[serde(rename = "expected-page-fault-address", default)]
    pub page_fault_address: Option<u32>,
    /// Host call number (Gannet extension).
    #[serde(rename = "expected-hostcall", default)]
    pub hostcall: Option<u32>,
}

/// A continuation after the first run (Gannet extension).
#[derive(Clone, Debug, Deserialize)]
pub struct Step {
    /// Registers to set before resuming, as `[index, value]` pairs.
    #[serde(rename = "set-regs", default)]
    pub set_regs: Vec<(usize, u64)>,
    /// New gas before resuming (unchanged if absent).
    #[serde(rename = "set-gas", default)]
    pub set_gas: Option<i64>,
    /// Regions to map before resuming.
    #[serde(default)]
    pub map: Vec<PageMapEntry>,
    /// What the resumed run must end with.
    #[serde(flatten)]
    pub expect: Expectation,
}

/// One test vector.
#[derive(Clone, Debug, Deserialize)]
pub struct Vector {
    /// Unique name.
    pub name: String,
    /// Initial registers.
    #[serde(rename = "initial-regs")]
    pub regs: Vec<u64>,
    /// Initial program counter.
    #[serde(rename = "initial-pc")]
    pub pc: u32,
    /// Accessible regions, zero-filled; everything else is inaccessible.
    #[serde(rename = "initial-page-map")]
    pub page_map: Vec<PageMapEntry>,
    /// Initial non-zero bytes.
    #[serde(rename = "initial-memory")]
    pub memory: Vec<MemoryChunk>,
    /// Initial gas.
    #[serde(rename = "initial-gas")]
    pub gas: i64,
    /// The GP `deblob` code blob.
    pub program: Vec<u8>,
    /// Instruction set (Gannet extension; default `gp072`).
    #[serde(default)]
    pub isa: Option<String>,
    /// The program must be rejected with an error containing this text (Gannet extension).
    #[serde(rename = "expected-error", default)]
    pub expected_error: Option<String>,
    /// Expected outcome of the first run (absent when `expected-error` is set).
    #[serde(flatten)]
    pub expect: Option<Expectation>,
    /// Further runs (Gannet extension).
    #[serde(default)]
    pub steps: Vec<Step>,
}
