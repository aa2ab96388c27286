//! Errors: "could not run" (as opposed to an [`crate::ExitReason`], which is a run's outcome).

/// A VM error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The program blob is malformed.
    #[error("invalid program: {0}")]
    Blob(#[from] isa::blob::BlobError),
    /// The program does not fit the memory map.
    #[error("invalid memory layout: {0}")]
    Layout(String),
    /// The requested backend or instruction set is not supported.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Guest memory could not be reserved.
    #[error(transparent)]
    Memory(#[from] crate::sys::ReserveError),
    /// No export with that name.
    #[error("no export named `{0}`")]
    UnknownExport(String),
    /// An `ecalli` named an import the host does not provide.
    #[error("host call {index} (`{name}`) has no host function")]
    MissingImport {
        /// `ecalli` immediate.
        index: u32,
        /// Import name, or `<none>` if the index is out of range.
        name: String,
    },
    /// A host function failed.
    #[error("host function `{name}` failed: {message}")]
    Host {
        /// Import name.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// Too many arguments for a call.
    #[error("too many arguments: {0} (at most 6; at most 4 in a 32-bit program)")]
    TooManyArguments(usize),
}
