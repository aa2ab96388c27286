//! The line lexer and the token cursor the assembler parses with.
//!
//! A line is split into words (mnemonics, directives, registers, numbers, label names),
//! `@` references, string literals, commas and colons; `;` starts a comment. Every token
//! remembers its 1-based column so diagnostics can point at it.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::error::{AsmError, AsmErrorKind};

/// A token's payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    /// A run of characters other than whitespace and `,;:"@`.
    Word(&'a str),
    /// `@` followed by a word: `@12`, `@+4`, `@loop`.
    At(&'a str),
    /// A decoded string literal.
    Str(Vec<u8>),
    /// `,`
    Comma,
    /// `:`
    Colon,
}

/// A token and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    /// The payload.
    pub(crate) tok: Tok<'a>,
    /// 1-based column in characters.
    pub(crate) col: u32,
}

fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, ',' | ';' | ':' | '"' | '@')
}

fn hex_digit(c: char) -> Option<u8> {
    c.to_digit(16).map(|d| d as u8)
}

/// Splits one line into tokens, stopping at a `;` comment.
pub(crate) fn lex_line(line: &str, line_no: u32) -> Result<Vec<Token<'_>>, AsmError> {
    let mut tokens = Vec::new();
    let mut chars = line.char_indices().peekable();
    let mut col: u32 = 0;
    while let Some((start, c)) = chars.next() {
        col = col.saturating_add(1);
        let tok_col = col;
        let tok = match c {
            ';' => break,
            c if c.is_whitespace() => continue,
            ',' => Tok::Comma,
            ':' => Tok::Colon,
            '"' => Tok::Str(lex_string(&mut chars, &mut col, line_no, tok_col)?),
            _ => {
                let mut end = start + c.len_utf8();
                while let Some(&(i, next)) = chars.peek() {
                    if !is_word_char(next) {
                        break;
                    }
                    end = i + next.len_utf8();
                    col = col.saturating_add(1);
                    chars.next();
                }
                if c == '@' {
                    Tok::At(&line[start + 1..end])
                } else {
                    Tok::Word(&line[start..end])
                }
            }
        };
        tokens.push(Token { tok, col: tok_col });
    }
    Ok(tokens)
}

fn lex_string(
    chars: &mut core::iter::Peekable<core::str::CharIndices<'_>>,
    col: &mut u32,
    line_no: u32,
    tok_col: u32,
) -> Result<Vec<u8>, AsmError> {
    let mut bytes = Vec::new();
    let mut next = |col: &mut u32| {
        let c = chars.next().map(|(_, c)| c);
        *col = col.saturating_add(1);
        c
    };
    loop {
        let Some(c) = next(col) else {
            return Err(AsmError::new(line_no, tok_col, AsmErrorKind::UnterminatedString));
        };
        match c {
            '"' => return Ok(bytes),
            '\\' => {
                let esc_col = *col;
                let bad = |s: String| AsmError::new(line_no, esc_col, AsmErrorKind::BadEscape(s));
                let byte = match next(col) {
                    Some('\\') => b'\\',
                    Some('"') => b'"',
                    Some('n') => b'\n',
                    Some('t') => b'\t',
                    Some('r') => b'\r',
                    Some('0') => 0,
                    Some('x') => {
                        let hi = next(col);
                        let lo = next(col);
                        match (hi.and_then(hex_digit), lo.and_then(hex_digit)) {
                            (Some(h), Some(l)) => h << 4 | l,
                            _ => {
                                let mut s = String::from("\\x");
                                s.extend(hi.into_iter().chain(lo));
                                return Err(bad(s));
                            }
                        }
                    }
                    Some(other) => return Err(bad(format!("\\{other}"))),
                    None => return Err(AsmError::new(line_no, tok_col, AsmErrorKind::UnterminatedString)),
                };
                bytes.push(byte);
            }
            c => {
                let mut buf = [0u8; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// A cursor over one line's tokens.
pub(crate) struct Cursor<'t, 'a> {
    toks: &'t [Token<'a>],
    pos: usize,
    /// The line number, for diagnostics.
    pub(crate) line: u32,
    end_col: u32,
}

impl<'t, 'a> Cursor<'t, 'a> {
    /// A cursor at the start of `toks`; `line_len` (in characters) places end-of-line errors.
    pub(crate) fn new(toks: &'t [Token<'a>], line: u32, line_len: u32) -> Self {
        Cursor { toks, pos: 0, line, end_col: line_len.saturating_add(1) }
    }

    /// The next token without consuming it.
    pub(crate) fn peek(&self) -> Option<&'t Token<'a>> {
        self.toks.get(self.pos)
    }

    /// The token after the next one.
    pub(crate) fn peek2(&self) -> Option<&'t Token<'a>> {
        self.toks.get(self.pos + 1)
    }

    /// Consumes and returns the next token.
    pub(crate) fn bump(&mut self) -> Option<&'t Token<'a>> {
        let t = self.toks.get(self.pos);
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Whether every token has been consumed.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    /// Column of the next token, or one past the end of the line.
    pub(crate) fn col(&self) -> u32 {
        self.peek().map_or(self.end_col, |t| t.col)
    }

    /// An error at `col` on this line.
    pub(crate) fn err_at(&self, col: u32, kind: AsmErrorKind) -> AsmError {
        AsmError::new(self.line, col, kind)
    }

    /// An "expected X, found Y" error at the next token.
    pub(crate) fn expected(&self, expected: &'static str) -> AsmError {
        let found = match self.peek().map(|t| &t.tok) {
            None => String::from("end of line"),
            Some(Tok::Word(w)) => format!("`{w}`"),
            Some(Tok::At(w)) => format!("`@{w}`"),
            Some(Tok::Str(_)) => String::from("a string"),
            Some(Tok::Comma) => String::from("`,`"),
            Some(Tok::Colon) => String::from("`:`"),
        };
        self.err_at(self.col(), AsmErrorKind::Expected { expected, found })
    }

    /// Consumes a `:` if it is next.
    pub(crate) fn eat_colon(&mut self) -> bool {
        if matches!(self.peek().map(|t| &t.tok), Some(Tok::Colon)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes a `,` if it is next.
    pub(crate) fn eat_comma(&mut self) -> bool {
        if matches!(self.peek().map(|t| &t.tok), Some(Tok::Comma)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Number of commas among the remaining tokens.
    pub(crate) fn count_commas(&self) -> usize {
        self.toks.get(self.pos..).unwrap_or(&[]).iter().filter(|t| t.tok == Tok::Comma).count()
    }

    /// Consumes a word, or fails with "expected `what`".
    pub(crate) fn word(&mut self, what: &'static str) -> Result<(&'a str, u32), AsmError> {
        match self.peek() {
            Some(Token { tok: Tok::Word(w), col }) => {
                self.pos += 1;
                Ok((w, *col))
            }
            _ => Err(self.expected(what)),
        }
    }

    /// Consumes a string literal, or fails.
    pub(crate) fn string(&mut self, what: &'static str) -> Result<(&'t [u8], u32), AsmError> {
        match self.peek() {
            Some(Token { tok: Tok::Str(s), col }) => {
                self.pos += 1;
                Ok((s.as_slice(), *col))
            }
            _ => Err(self.expected(what)),
        }
    }

    /// Fails unless every token has been consumed.
    pub(crate) fn end(&self) -> Result<(), AsmError> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.expected("end of line"))
        }
    }
}
