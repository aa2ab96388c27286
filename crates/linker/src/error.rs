//! Link diagnostics: every problem found, each with where it is.

use std::fmt;

/// One problem in the input, located as precisely as the linker can.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Section name (empty when the problem is not in a section).
    pub section: String,
    /// Byte offset inside the section.
    pub offset: u64,
    /// The nearest preceding symbol, as `name+0xoffset`, when one is known.
    pub symbol: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.section.is_empty() {
            return f.write_str(&self.message);
        }
        write!(f, "{}+{:#x}", self.section, self.offset)?;
        if let Some(symbol) = &self.symbol {
            write!(f, " ({symbol})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why linking failed: all diagnostics found, in input order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkError {
    /// The diagnostics (at least one).
    pub diagnostics: Vec<Diagnostic>,
}

impl LinkError {
    /// A failure with one diagnostic that has no location.
    pub fn global(message: impl Into<String>) -> LinkError {
        LinkError {
            diagnostics: vec![Diagnostic {
                section: String::new(),
                offset: 0,
                symbol: None,
                message: message.into(),
            }],
        }
    }
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        if n > 1 {
            write!(f, "\n{n} errors")?;
        }
        Ok(())
    }
}

impl std::error::Error for LinkError {}
