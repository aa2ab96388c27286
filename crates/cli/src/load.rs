//! Reading program files and telling their formats apart.
//!
//! Three formats are recognised, in this order:
//!
//! 1. a `.polkavm` container, recognised by its `PVM\0` magic ([`ProgramBlob`]);
//! 2. a JAM standard program `Y`, plain or with the `E(|m|) m` metadata prefix that service
//!    code preimages carry ([`StandardProgram::parse_any`]);
//! 3. a bare code blob, the Graypaper `deblob` format of the JAM test vectors ([`CodeBlob`]).
//!
//! A file with the magic is only ever read as a container, so a corrupt container reports the
//! container's error. Any other file must parse completely as one of the other two formats;
//! when neither does, the error names the reason for each.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use isa::blob::{CodeBlob, ProgramBlob, StandardProgram, BLOB_MAGIC};
use isa::InstructionSet;

/// The instruction set JAM standard programs and bare code blobs are read with: the opcode
/// numbering of the JAM test vectors and of the service blobs in the corpora (GP 0.7.2).
pub const JAM_ISA: InstructionSet = InstructionSet::Gp072;

/// A parsed program in one of the recognised formats.
#[derive(Clone, Debug)]
pub enum Program {
    /// A `.polkavm` container.
    Polkavm(ProgramBlob),
    /// A JAM standard program (with or without a metadata prefix).
    Standard(StandardProgram),
    /// A bare code blob (jump table, code, bitmask).
    Code(CodeBlob),
}

impl Program {
    /// A human-readable name of the format.
    pub fn format_name(&self) -> &'static str {
        match self {
            Program::Polkavm(_) => "polkavm container (.polkavm)",
            Program::Standard(p) if p.metadata.is_some() => "JAM standard program with metadata",
            Program::Standard(_) => "JAM standard program",
            Program::Code(_) => "bare code blob (GP deblob)",
        }
    }

    /// The instruction set the code is decoded with.
    pub fn isa(&self) -> InstructionSet {
        match self {
            Program::Polkavm(blob) => blob.isa,
            Program::Standard(_) | Program::Code(_) => JAM_ISA,
        }
    }

    /// The code section.
    pub fn code(&self) -> &CodeBlob {
        match self {
            Program::Polkavm(blob) => &blob.code,
            Program::Standard(program) => &program.code,
            Program::Code(code) => code,
        }
    }
}

/// A program file: where it came from, its size, and what it contains.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The path it was read from.
    pub path: PathBuf,
    /// The file size in bytes.
    pub size: usize,
    /// The parsed program.
    pub program: Program,
}

/// Why bytes were not recognised as any supported format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DetectError {
    /// The bytes start with `PVM\0` but the container is malformed.
    BadContainer(String),
    /// No format matched; the reasons why the standard-program and code-blob readers refused.
    Unrecognised {
        /// Why [`StandardProgram::parse_any`] failed.
        standard: String,
        /// Why [`CodeBlob::parse`] failed.
        code: String,
    },
}

impl fmt::Display for DetectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DetectError::BadContainer(reason) => write!(f, "not a valid .polkavm blob: {reason}"),
            DetectError::Unrecognised { standard, code } => write!(
                f,
                "not a .polkavm blob (bad magic), not a JAM standard program ({standard}), \
                 not a code blob ({code})"
            ),
        }
    }
}

impl std::error::Error for DetectError {}

/// Recognises and parses `bytes` (see the module documentation for the order).
pub fn detect(bytes: &[u8]) -> Result<Program, DetectError> {
    if bytes.starts_with(&BLOB_MAGIC) {
        return ProgramBlob::parse(bytes)
            .map(Program::Polkavm)
            .map_err(|e| DetectError::BadContainer(e.to_string()));
    }
    let standard = match StandardProgram::parse_any(bytes) {
        Ok(program) => return Ok(Program::Standard(program)),
        Err(e) => e.to_string(),
    };
    match CodeBlob::parse(bytes) {
        Ok(code) => Ok(Program::Code(code)),
        Err(e) => Err(DetectError::Unrecognised { standard, code: e.to_string() }),
    }
}

/// Reads a file, with the path in the error.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads and recognises a program file.
pub fn load(path: &Path) -> Result<Loaded> {
    let bytes = read_file(path)?;
    if bytes.is_empty() {
        return Err(anyhow!("{}: the file is empty", path.display()));
    }
    let program = detect(&bytes).with_context(|| path.display().to_string())?;
    Ok(Loaded { path: path.to_path_buf(), size: bytes.len(), program })
}

/// A short, single-line, printable rendering of metadata bytes: printable ASCII as is, other
/// bytes as `\xNN`, cut after `max` characters with `...`.
pub fn printable(bytes: &[u8], max: usize) -> String {
    let mut out = String::new();
    for &b in bytes {
        if out.len() >= max {
            out.push_str("...");
            break;
        }
        if b == b' ' || b.is_ascii_graphic() {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_blob() -> CodeBlob {
        // `trap`: one byte of code, one bitmask bit.
        CodeBlob::new(vec![], vec![0], vec![1])
    }

    #[test]
    fn recognises_each_format() {
        let code = code_blob();
        assert!(matches!(detect(&code.to_bytes()), Ok(Program::Code(_))));

        let standard = StandardProgram {
            metadata: None,
            ro_data: vec![1],
            rw_data: vec![],
            heap_pages: 0,
            stack_size: 4096,
            code: code.clone(),
        };
        let bytes = standard.to_bytes().unwrap();
        assert!(matches!(detect(&bytes), Ok(Program::Standard(p)) if p.metadata.is_none()));
        let with_meta = StandardProgram { metadata: Some(b"svc".to_vec()), ..standard };
        let bytes = with_meta.to_bytes().unwrap();
        let program = detect(&bytes).unwrap();
        assert_eq!(program.format_name(), "JAM standard program with metadata");

        let blob = isa::text::assemble(".isa revive\ntrap").unwrap();
        assert!(matches!(detect(&blob.to_bytes()), Ok(Program::Polkavm(_))));
    }

    #[test]
    fn errors_name_every_attempt() {
        let err = detect(b"hello, this is not a blob").unwrap_err().to_string();
        assert!(err.starts_with("not a .polkavm blob (bad magic), not a JAM standard program ("), "{err}");
        assert!(err.contains("not a code blob ("), "{err}");
        assert!(!err.contains('\n'));

        let blob = isa::text::assemble(".isa revive\ntrap").unwrap().to_bytes();
        let err = detect(&blob[..blob.len() - 1]).unwrap_err().to_string();
        assert!(err.starts_with("not a valid .polkavm blob: at byte"), "{err}");
    }

    #[test]
    fn printable_escapes_and_cuts() {
        assert_eq!(printable(b"ab\x01c", 10), "ab\\x01c");
        assert_eq!(printable(b"abcdef", 3), "abc...");
    }
}
