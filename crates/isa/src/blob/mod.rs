//! Program blob formats: the `.polkavm` container, the JAM `deblob` code blob and the JAM
//! standard program (`Y`), with precise validation errors.
//!
//! The types here are plain data; parsing and writing live in the submodules.

mod code;
mod error;
mod layout;
mod polkavm;
mod reader;
mod standard;

pub use code::{entry_width, MAX_CODE_SIZE, MAX_JUMP_TABLE_ENTRIES};
pub use error::{BlobError, LayoutError};
pub use layout::{PolkavmLayout, StandardLayout, MAX_INPUT_SIZE, PAGE_SIZE, RETURN_TO_HOST, ZONE_SIZE};
pub use polkavm::{
    BLOB_MAGIC, FIRST_OPTIONAL_SECTION, MAX_IMPORTS, SECTION_CODE, SECTION_END, SECTION_EXPORTS,
    SECTION_IMPORTS, SECTION_MEMORY_CONFIG, SECTION_RO_DATA, SECTION_RW_DATA,
};

use alloc::string::String;
use alloc::vec::Vec;

use crate::decode::CodeView;
use crate::variant::InstructionSet;

/// The code section: jump table, code and bitmask (GP `deblob`, PolkaVM section 6).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CodeBlob {
    /// Jump-table entries: code offsets of dynamic-jump targets. Address `2 * (i + 1)` selects entry `i`.
    pub jump_table: Vec<u32>,
    /// Byte width of each jump-table entry as encoded (0..=4); kept so rewriting is byte-exact.
    pub jump_table_entry_size: u8,
    /// Code bytes.
    pub code: Vec<u8>,
    /// Instruction-start bitmask, `ceil(code.len() / 8)` bytes, LSB first, zero padding bits.
    pub bitmask: Vec<u8>,
}

impl CodeBlob {
    /// A decoder view of this code under `set`.
    pub fn view(&self, set: InstructionSet) -> CodeView<'_> {
        CodeView::new(set, &self.code, &self.bitmask)
    }
}

/// An imported host function (`ecalli n` calls import `n`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// Symbol bytes (usually UTF-8).
    pub symbol: Vec<u8>,
}

/// An exported entry point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// Code offset of the entry.
    pub pc: u32,
    /// Symbol bytes (usually UTF-8).
    pub symbol: Vec<u8>,
}

/// An optional section the parser does not interpret (debug info, metadata hash, unknown ids ≥ 128),
/// kept verbatim so rewriting a blob preserves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpaqueSection {
    /// Section id (≥ 128).
    pub id: u8,
    /// Payload.
    pub payload: Vec<u8>,
}

/// A parsed `.polkavm` program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramBlob {
    /// Blob version byte (0 = ReviveV1, 1 = Latest32, 2 = Latest64, 3 = JamV1).
    pub version: u8,
    /// The instruction set the version selects.
    pub isa: InstructionSet,
    /// Declared RO data size in bytes (≥ `ro_data.len()`).
    pub ro_data_size: u32,
    /// Declared RW data size in bytes (≥ `rw_data.len()`).
    pub rw_data_size: u32,
    /// Declared stack size in bytes.
    pub stack_size: u32,
    /// Initial RO data (the rest up to `ro_data_size` is zero).
    pub ro_data: Vec<u8>,
    /// Initial RW data (the rest up to `rw_data_size` is zero).
    pub rw_data: Vec<u8>,
    /// Imports, in `ecalli` index order.
    pub imports: Vec<Import>,
    /// Exports.
    pub exports: Vec<Export>,
    /// Code, bitmask and jump table.
    pub code: CodeBlob,
    /// Optional sections (≥ 128) in file order, preserved byte for byte.
    pub extra_sections: Vec<OpaqueSection>,
}

/// A JAM standard program `Y`: `E3(|o|) E3(|w|) E2(z) E3(s) o w E4(|c|) c`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandardProgram {
    /// Metadata that preceded the program (`E(|m|) m`), if it was parsed with metadata.
    pub metadata: Option<Vec<u8>>,
    /// RO data `o`.
    pub ro_data: Vec<u8>,
    /// RW data `w`.
    pub rw_data: Vec<u8>,
    /// Extra zeroed heap pages `z` after the RW data.
    pub heap_pages: u16,
    /// Stack size `s` in bytes.
    pub stack_size: u32,
    /// The code blob `c`.
    pub code: CodeBlob,
}

/// Human-readable name of an import or export symbol.
pub fn symbol_name(symbol: &[u8]) -> String {
    String::from_utf8_lossy(symbol).into_owned()
}
