//! Assembler diagnostics: one [`AsmError`] per problem, each with a 1-based line and column,
//! collected into [`AsmErrors`] so a run reports every error it finds, not only the first.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// What went wrong at one place in the assembly text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AsmErrorKind {
    /// A string literal has no closing quote.
    #[error("unterminated string literal")]
    UnterminatedString,
    /// A string literal contains an escape the assembler does not know.
    #[error("invalid escape sequence `{0}` (use \\\\, \\\", \\n, \\t, \\r, \\0 or \\xNN)")]
    BadEscape(String),
    /// A different kind of token was expected.
    #[error("expected {expected}, found {found}")]
    Expected {
        /// What the assembler was looking for.
        expected: &'static str,
        /// What it found (quoted token or `end of line`).
        found: String,
    },
    /// The mnemonic is not an instruction of the table.
    #[error("unknown instruction `{0}`")]
    UnknownInstruction(String),
    /// The directive is not one the assembler knows.
    #[error("unknown directive `{0}`")]
    UnknownDirective(String),
    /// A token that should be a number is not one.
    #[error("invalid number `{0}` (use decimal or 0x-prefixed hex, optionally negative)")]
    BadNumber(String),
    /// A number does not fit where it is used.
    #[error("number `{text}` is out of range ({range})")]
    OutOfRange {
        /// The number as written.
        text: String,
        /// The accepted range, human-readable.
        range: &'static str,
    },
    /// An instruction got the wrong number of operands.
    #[error("`{mnemonic}` takes {expected} operand(s), found {found}")]
    OperandCount {
        /// The instruction.
        mnemonic: &'static str,
        /// Operands its format needs.
        expected: usize,
        /// Operands written.
        found: usize,
    },
    /// An explicit immediate width is not 0..=4.
    #[error("immediate width must be 0..=4, found `{0}`")]
    BadWidth(String),
    /// An explicit immediate width cannot hold the value.
    #[error("value {value:#x} does not fit in {width} byte(s)")]
    WidthTooSmall {
        /// The (32-bit) value to encode.
        value: u32,
        /// The requested width.
        width: u8,
    },
    /// The operand kind does not allow an explicit width (registers, `load_imm64`).
    #[error("this operand cannot take a `:width` suffix")]
    WidthNotAllowed,
    /// A label is referenced but never defined.
    #[error("undefined label `{0}`")]
    UndefinedLabel(String),
    /// A label is defined twice.
    #[error("label `{0}` is already defined")]
    DuplicateLabel(String),
    /// An `@N:` position marker does not match where the code actually is.
    #[error("position marker @{expected} is at code offset {actual}")]
    PositionMismatch {
        /// The offset the marker claims.
        expected: u32,
        /// The offset the assembler reached.
        actual: u32,
    },
    /// `.isa` names no known instruction set.
    #[error("unknown instruction set `{0}` (expected gp072, revive, latest32, latest64 or jamv1)")]
    UnknownIsa(String),
    /// No `.isa` directive was given.
    #[error("missing `.isa` directive")]
    MissingIsa,
    /// A directive that may appear only once appears again.
    #[error("duplicate `{0}` directive")]
    DuplicateDirective(&'static str),
    /// The instruction has no opcode byte in the chosen instruction set.
    #[error("instruction `{mnemonic}` does not exist in instruction set `{set}`")]
    NotInSet {
        /// The instruction.
        mnemonic: &'static str,
        /// The instruction set.
        set: &'static str,
    },
    /// A hex string has an odd length or a non-hex character.
    #[error("invalid hex string (expected pairs of hex digits)")]
    BadHex,
    /// The instruction set has no `.polkavm` version byte and no `.version` was given.
    #[error("instruction set `{0}` has no .polkavm blob version; add a `.version` directive")]
    NoVersion(&'static str),
    /// A program-level directive appeared in a bare code blob.
    #[error("`{0}` is not allowed in a bare code blob")]
    NotAllowedInCode(String),
    /// The code grew past 4 GiB.
    #[error("code is too large")]
    CodeTooLarge,
    /// An explicit `.bitmask` disagrees with the instruction starts.
    #[error("`.bitmask` disagrees with the instruction starts at code offset {0}")]
    BitmaskMismatch(u32),
    /// `.section_data` without a preceding `.section`.
    #[error("`.section_data` without a preceding `.section`")]
    NoSection,
    /// Optional section ids must be 128..=255.
    #[error("section id {0} is not an optional section id (128..=255)")]
    BadSectionId(u32),
    /// The number of errors hit the reporting cap; later ones were dropped.
    #[error("too many errors; stopping")]
    TooManyErrors,
}

/// One assembler diagnostic with its position in the source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmError {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column (in characters) where the offending token starts.
    pub column: u32,
    /// What went wrong.
    pub kind: AsmErrorKind,
}

impl AsmError {
    /// Builds a diagnostic.
    pub fn new(line: u32, column: u32, kind: AsmErrorKind) -> Self {
        AsmError { line, column, kind }
    }
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.kind)
    }
}

impl core::error::Error for AsmError {}

/// Every diagnostic of one assembler run, in source order; never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmErrors {
    errors: Vec<AsmError>,
}

/// At most this many diagnostics are kept per run.
pub const MAX_ERRORS: usize = 100;

impl AsmErrors {
    /// Wraps a list of diagnostics, sorted into source order. The list is never empty in
    /// practice; an empty one gets a placeholder so that [`AsmErrors::first`] cannot fail.
    pub(crate) fn new(mut errors: Vec<AsmError>) -> Self {
        if errors.is_empty() {
            errors.push(AsmError::new(1, 1, AsmErrorKind::TooManyErrors));
        }
        errors.sort_by_key(|e| (e.line, e.column));
        AsmErrors { errors }
    }

    /// The first diagnostic in source order.
    pub fn first(&self) -> &AsmError {
        &self.errors[0]
    }

    /// All diagnostics in source order.
    pub fn errors(&self) -> &[AsmError] {
        &self.errors
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Always false: a failed run has at least one diagnostic.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

impl From<AsmError> for AsmErrors {
    fn from(error: AsmError) -> Self {
        AsmErrors { errors: alloc::vec![error] }
    }
}

impl fmt::Display for AsmErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl core::error::Error for AsmErrors {}

/// Collects diagnostics up to [`MAX_ERRORS`].
#[derive(Default, Debug)]
pub(crate) struct Diagnostics {
    pub(crate) errors: Vec<AsmError>,
}

impl Diagnostics {
    /// Records a diagnostic; returns false once the cap is reached.
    pub(crate) fn push(&mut self, error: AsmError) -> bool {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(error);
            true
        } else {
            if self.errors.len() == MAX_ERRORS {
                self.errors.push(AsmError::new(error.line, error.column, AsmErrorKind::TooManyErrors));
            }
            false
        }
    }

    /// Whether the cap has been reached.
    pub(crate) fn full(&self) -> bool {
        self.errors.len() > MAX_ERRORS
    }

    /// `Ok(value)` when no diagnostic was recorded.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, AsmErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(AsmErrors::new(self.errors))
        }
    }
}
