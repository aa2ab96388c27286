//! The assembler: assembly text → [`ProgramBlob`] or bare [`CodeBlob`].
//!
//! Parsing is line by line; a bad line is reported and skipped so that one run reports
//! every error it can (up to [`super::MAX_ERRORS`]). Code layout and label resolution
//! happen afterwards in [`super::layout`].

use alloc::string::String;
use alloc::vec::Vec;

use super::disasm::canonical_entry_size;
use super::error::{AsmError, AsmErrorKind, AsmErrors, Diagnostics};
use super::inst::{parse_operands, parse_target, TargetRef};
use super::layout::{layout, Code, Stmt};
use super::lex::{lex_line, Cursor, Tok};
use super::syntax::{is_label_name, parse_hex, parse_int};
use crate::blob::{CodeBlob, Export, Import, OpaqueSection, ProgramBlob};
use crate::opcode::Opcode;
use crate::variant::InstructionSet;

/// A code reference in a directive (`.export`, `.jump_table`), resolved after layout.
type DirTarget = (TargetRef, u32, u32);

/// Everything the directives and statements of one text describe.
#[derive(Default)]
struct Builder {
    code_only: bool,
    isa: Option<InstructionSet>,
    version: Option<u8>,
    ro_data_size: Option<u32>,
    rw_data_size: Option<u32>,
    stack_size: Option<u32>,
    ro_data: Vec<u8>,
    rw_data: Vec<u8>,
    imports: Vec<Import>,
    exports: Vec<(Vec<u8>, DirTarget)>,
    sections: Vec<OpaqueSection>,
    jump_table: Vec<DirTarget>,
    entry_size: Option<u8>,
    bitmask: Option<(Vec<u8>, u32, u32)>,
    stmts: Vec<Stmt>,
    diags: Diagnostics,
}

/// Assembles a whole program (the output of [`super::disassemble`] or hand-written text).
pub fn assemble(text: &str) -> Result<ProgramBlob, AsmErrors> {
    let mut b = Builder::default();
    b.parse(text);
    let Some((isa, code)) = b.finish_code() else {
        return Err(AsmErrors::new(b.diags.errors));
    };
    let version = b.version.or(isa.blob_version());
    if version.is_none() {
        b.diags.push(AsmError::new(1, 1, AsmErrorKind::NoVersion(isa.name())));
    }
    let mut exports = Vec::with_capacity(b.exports.len());
    for (symbol, target) in core::mem::take(&mut b.exports) {
        let pc = b.resolve(&target, &code.labels);
        exports.push(Export { pc, symbol });
    }
    let blob = ProgramBlob {
        version: version.unwrap_or(0),
        isa,
        ro_data_size: b.ro_data_size.unwrap_or(b.ro_data.len() as u32),
        rw_data_size: b.rw_data_size.unwrap_or(b.rw_data.len() as u32),
        stack_size: b.stack_size.unwrap_or(0),
        ro_data: b.ro_data,
        rw_data: b.rw_data,
        imports: b.imports,
        exports,
        code: code.blob,
        extra_sections: b.sections,
    };
    b.diags.finish(blob)
}

/// Assembles a bare code blob (jump table, code and bitmask, as in the JAM `deblob` format);
/// returns it with the instruction set named by `.isa`. Program-level directives are errors.
pub fn assemble_code(text: &str) -> Result<(InstructionSet, CodeBlob), AsmErrors> {
    let mut b = Builder { code_only: true, ..Builder::default() };
    b.parse(text);
    match b.finish_code() {
        Some((isa, code)) => b.diags.finish((isa, code.blob)),
        None => Err(AsmErrors::new(b.diags.errors)),
    }
}

/// Laid-out code and the label table, for resolving directive targets.
struct Finished {
    blob: CodeBlob,
    labels: alloc::collections::BTreeMap<String, u32>,
}

impl Builder {
    fn parse(&mut self, text: &str) {
        for (i, line) in text.split('\n').enumerate() {
            if self.diags.full() {
                break;
            }
            let line = line.strip_suffix('\r').unwrap_or(line);
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let result = lex_line(line, line_no).and_then(|toks| {
                let mut cur = Cursor::new(&toks, line_no, line.chars().count() as u32);
                self.statement(&mut cur)
            });
            if let Err(e) = result {
                self.diags.push(e);
            }
        }
    }

    fn statement(&mut self, cur: &mut Cursor<'_, '_>) -> Result<(), AsmError> {
        let line = cur.line;
        // Leading labels: `name:` and `@N:`.
        while let (Some(t), Some(c)) = (cur.peek(), cur.peek2()) {
            if c.tok != Tok::Colon {
                break;
            }
            let stmt = match &t.tok {
                Tok::Word(w) if is_label_name(w) => Stmt::Label { name: String::from(*w), line, col: t.col },
                Tok::At(a) => match parse_target(a) {
                    Some(TargetRef::Abs(at)) => Stmt::Pos { at, line, col: t.col },
                    _ => return Err(cur.expected("a position marker `@N:`")),
                },
                _ => return Err(cur.expected("a label name")),
            };
            self.stmts.push(stmt);
            cur.bump();
            cur.bump();
        }
        if cur.at_end() {
            return Ok(());
        }
        let (word, col) = cur.word("an instruction or directive")?;
        if word.starts_with('.') {
            return self.directive(cur, word, col);
        }
        let opcode = Opcode::from_name(word)
            .ok_or_else(|| cur.err_at(col, AsmErrorKind::UnknownInstruction(String::from(word))))?;
        let p = parse_operands(cur, opcode, col)?;
        self.stmts.push(Stmt::Inst { p, line });
        Ok(())
    }

    fn directive(&mut self, cur: &mut Cursor<'_, '_>, name: &str, col: u32) -> Result<(), AsmError> {
        if self.code_only && is_program_directive(name) {
            return Err(cur.err_at(col, AsmErrorKind::NotAllowedInCode(String::from(name))));
        }
        let dup = |cur: &Cursor<'_, '_>, set: bool, d: &'static str| {
            if set {
                Err(cur.err_at(col, AsmErrorKind::DuplicateDirective(d)))
            } else {
                Ok(())
            }
        };
        match name {
            ".isa" => {
                dup(cur, self.isa.is_some(), ".isa")?;
                let (w, wcol) = cur.word("an instruction set name")?;
                let set = InstructionSet::from_name(w)
                    .ok_or_else(|| cur.err_at(wcol, AsmErrorKind::UnknownIsa(String::from(w))))?;
                self.isa = Some(set);
            }
            ".version" => {
                dup(cur, self.version.is_some(), ".version")?;
                self.version = Some(number(cur, 255, "0 ..= 255")? as u8);
            }
            ".ro_data_size" | ".rw_data_size" | ".stack_size" => {
                let value = Some(number(cur, u64::from(u32::MAX), "0 ..= 2^32-1")? as u32);
                let (slot, d) = match name {
                    ".ro_data_size" => (&mut self.ro_data_size, ".ro_data_size"),
                    ".rw_data_size" => (&mut self.rw_data_size, ".rw_data_size"),
                    _ => (&mut self.stack_size, ".stack_size"),
                };
                if slot.is_some() {
                    return Err(cur.err_at(col, AsmErrorKind::DuplicateDirective(d)));
                }
                *slot = value;
            }
            ".ro_data" => self.ro_data.extend(hex(cur)?),
            ".rw_data" => self.rw_data.extend(hex(cur)?),
            ".import" => {
                let (s, _) = cur.string("a quoted symbol")?;
                self.imports.push(Import { symbol: s.to_vec() });
            }
            ".export" => {
                let (s, _) = cur.string("a quoted symbol")?;
                let target =
                    dir_target(cur)?.ok_or_else(|| cur.expected("an entry point `@N` or `@label`"))?;
                self.exports.push((s.to_vec(), target));
            }
            ".section" => {
                let id = number(cur, u64::from(u32::MAX), "128 ..= 255")? as u32;
                let payload = hex(cur)?;
                let id = u8::try_from(id)
                    .ok()
                    .filter(|&id| id >= 128)
                    .ok_or_else(|| cur.err_at(col, AsmErrorKind::BadSectionId(id)))?;
                self.sections.push(OpaqueSection { id, payload });
            }
            ".section_data" => {
                let data = hex(cur)?;
                self.sections
                    .last_mut()
                    .ok_or_else(|| cur.err_at(col, AsmErrorKind::NoSection))?
                    .payload
                    .extend(data);
            }
            ".jump_table" => {
                while let Some(t) = dir_target(cur)? {
                    self.jump_table.push(t);
                    cur.eat_comma();
                }
            }
            ".jump_table_entry_size" => {
                dup(cur, self.entry_size.is_some(), ".jump_table_entry_size")?;
                self.entry_size = Some(number(cur, 4, "0 ..= 4")? as u8);
            }
            ".bitmask" => {
                dup(cur, self.bitmask.is_some(), ".bitmask")?;
                self.bitmask = Some((hex(cur)?, cur.line, col));
            }
            ".raw" | ".pad" => {
                let mut bytes = Vec::new();
                while !cur.at_end() {
                    bytes.push(number(cur, 255, "0 ..= 255")? as u8);
                    cur.eat_comma();
                }
                if bytes.is_empty() {
                    return Err(cur.expected("a byte value"));
                }
                self.stmts.push(Stmt::Bytes { bytes, marked: name == ".raw" });
            }
            _ => return Err(cur.err_at(col, AsmErrorKind::UnknownDirective(String::from(name)))),
        }
        cur.end()
    }

    fn resolve(
        &mut self,
        (target, line, col): &DirTarget,
        labels: &alloc::collections::BTreeMap<String, u32>,
    ) -> u32 {
        match target {
            TargetRef::Abs(t) => *t,
            TargetRef::Label(l) => labels.get(l).copied().unwrap_or_else(|| {
                self.diags.push(AsmError::new(*line, *col, AsmErrorKind::UndefinedLabel(l.clone())));
                0
            }),
            TargetRef::Rel(_) => 0,
        }
    }

    /// Lays out the code and builds the code blob; `None` without an `.isa`.
    fn finish_code(&mut self) -> Option<(InstructionSet, Finished)> {
        let Some(isa) = self.isa else {
            self.diags.push(AsmError::new(1, 1, AsmErrorKind::MissingIsa));
            return None;
        };
        let Code { code, bitmask, labels } = layout(isa, &self.stmts, &mut self.diags);
        let mut jump_table = Vec::with_capacity(self.jump_table.len());
        for target in core::mem::take(&mut self.jump_table) {
            jump_table.push(self.resolve(&target, &labels));
        }
        let bitmask = match self.bitmask.take() {
            None => bitmask,
            Some((given, line, col)) => {
                let bit = |m: &[u8], i: usize| m.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0);
                if let Some(i) = (0..code.len()).find(|&i| bit(&given, i) != bit(&bitmask, i)) {
                    self.diags.push(AsmError::new(line, col, AsmErrorKind::BitmaskMismatch(i as u32)));
                }
                given
            }
        };
        let jump_table_entry_size = self.entry_size.unwrap_or_else(|| canonical_entry_size(&jump_table));
        Some((isa, Finished { blob: CodeBlob { jump_table, jump_table_entry_size, code, bitmask }, labels }))
    }
}

/// Directives that describe program-level data, not allowed in a bare code blob.
fn is_program_directive(name: &str) -> bool {
    matches!(
        name,
        ".version"
            | ".ro_data_size"
            | ".rw_data_size"
            | ".stack_size"
            | ".ro_data"
            | ".rw_data"
            | ".import"
            | ".export"
            | ".section"
            | ".section_data"
    )
}

/// An unsigned number up to `max`.
fn number(cur: &mut Cursor<'_, '_>, max: u64, range: &'static str) -> Result<u64, AsmError> {
    let (w, col) = cur.word("a number")?;
    let v = parse_int(w).ok_or_else(|| cur.err_at(col, AsmErrorKind::BadNumber(String::from(w))))?;
    u64::try_from(v)
        .ok()
        .filter(|&v| v <= max)
        .ok_or_else(|| cur.err_at(col, AsmErrorKind::OutOfRange { text: String::from(w), range }))
}

/// A quoted hex data string.
fn hex(cur: &mut Cursor<'_, '_>) -> Result<Vec<u8>, AsmError> {
    let (s, col) = cur.string("a quoted hex string")?;
    parse_hex(s).ok_or_else(|| cur.err_at(col, AsmErrorKind::BadHex))
}

/// An optional `@N` / `@label` directive operand.
fn dir_target(cur: &mut Cursor<'_, '_>) -> Result<Option<DirTarget>, AsmError> {
    let Some(t) = cur.peek() else { return Ok(None) };
    let Tok::At(text) = &t.tok else { return Err(cur.expected("a code offset `@N` or label `@name`")) };
    match parse_target(text) {
        Some(target @ (TargetRef::Abs(_) | TargetRef::Label(_))) => {
            let col = t.col;
            cur.bump();
            Ok(Some((target, cur.line, col)))
        }
        _ => Err(cur.expected("a code offset `@N` or label `@name`")),
    }
}
