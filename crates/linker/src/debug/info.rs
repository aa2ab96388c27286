//! Source information out of DWARF: the line-table rows and the scopes (functions and inlined
//! calls) that cover each address.
//!
//! Everything is read with `gimli`. Malformed structure is an error (the caller then leaves
//! debug information out); a single unreadable name or path only loses that name or path.

use std::collections::HashMap;
use std::rc::Rc;

use gimli::{
    constants, AttributeValue, DebuggingInformationEntry, Dwarf, EndianSlice, EntriesTreeNode, LittleEndian,
    Unit,
};

/// The reader type: DWARF sections borrowed as little-endian slices.
pub type Reader<'a> = EndianSlice<'a, LittleEndian>;

/// Deepest DIE nesting walked (deeper entries are ignored).
const MAX_NESTING: usize = 256;
/// Longest `DW_AT_abstract_origin` / `DW_AT_specification` chain followed.
const MAX_ORIGIN_HOPS: usize = 8;

/// One line-table row: addresses `[start, end)` come from `path:line:column`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// Source file.
    pub path: Option<Rc<str>>,
    /// Line (0: none, compiler-generated code).
    pub line: u32,
    /// Column (0: none).
    pub column: u32,
}

/// A function (`depth` 0) or an inlined call (`depth` = its inline nesting, from 1).
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Address ranges `[begin, end)` it covers.
    pub ranges: Vec<(u64, u64)>,
    /// 0 for a function, 1 + the enclosing inline depth for an inlined call.
    pub depth: u32,
    /// Enclosing namespace, `::`-joined.
    pub namespace: Option<Rc<str>>,
    /// Function name (of the callee, for an inlined call).
    pub name: Option<Rc<str>>,
    /// Where the function is declared.
    pub decl_path: Option<Rc<str>>,
    /// Declaration line.
    pub decl_line: u32,
    /// Inlined calls: where the call is.
    pub call_path: Option<Rc<str>>,
    /// Inlined calls: call line.
    pub call_line: u32,
    /// Inlined calls: call column.
    pub call_column: u32,
}

/// Everything read from the DWARF sections.
#[derive(Debug, Default)]
pub struct Info {
    /// Line-table rows of all units (sorted by `start` once all are read).
    pub rows: Vec<Row>,
    /// All scopes, in DIE order.
    pub scopes: Vec<Scope>,
}

/// Shares equal strings.
#[derive(Default)]
struct Interner(HashMap<String, Rc<str>>);

impl Interner {
    fn get(&mut self, s: &str) -> Rc<str> {
        if let Some(rc) = self.0.get(s) {
            return rc.clone();
        }
        let rc: Rc<str> = Rc::from(s);
        self.0.insert(s.to_string(), rc.clone());
        rc
    }
}

/// State of the walk over one unit.
struct Walk<'d, 'a> {
    dwarf: &'d Dwarf<Reader<'a>>,
    unit: &'d Unit<Reader<'a>>,
    files: Vec<Option<Rc<str>>>,
    strings: &'d mut Interner,
    scopes: &'d mut Vec<Scope>,
}

/// Adds the rows and scopes of every unit to `info` (rows unsorted).
pub fn collect(dwarf: &Dwarf<Reader<'_>>, info: &mut Info) -> gimli::Result<()> {
    let mut strings = Interner::default();
    let mut units = dwarf.units();
    while let Some(header) = units.next()? {
        let unit = dwarf.unit(header)?;
        let files = file_paths(dwarf, &unit, &mut strings);
        if let Some(program) = unit.line_program.clone() {
            let mut rows = program.rows();
            let mut open: Option<(u64, u64, u32, u32)> = None;
            while let Some((_, row)) = rows.next_row()? {
                if let Some((start, file, line, column)) = open.take() {
                    if row.address() > start {
                        let path = usize::try_from(file).ok().and_then(|f| files.get(f).cloned().flatten());
                        info.rows.push(Row { start, end: row.address(), path, line, column });
                    }
                }
                if !row.end_sequence() {
                    let line = row.line().map_or(0, |l| u32::try_from(l.get()).unwrap_or(u32::MAX));
                    let column = match row.column() {
                        gimli::ColumnType::LeftEdge => 0,
                        gimli::ColumnType::Column(c) => u32::try_from(c.get()).unwrap_or(u32::MAX),
                    };
                    open = Some((row.address(), row.file_index(), line, column));
                }
            }
        }
        let mut walk = Walk { dwarf, unit: &unit, files, strings: &mut strings, scopes: &mut info.scopes };
        let mut tree = unit.entries_tree(None)?;
        walk.node(tree.root()?, 0, None, 0)?;
    }
    Ok(())
}

/// The full path of every file of the unit's line table, by file index.
fn file_paths(
    dwarf: &Dwarf<Reader<'_>>,
    unit: &Unit<Reader<'_>>,
    strings: &mut Interner,
) -> Vec<Option<Rc<str>>> {
    let Some(program) = &unit.line_program else { return Vec::new() };
    let header = program.header();
    let text = |v: AttributeValue<Reader<'_>>| {
        dwarf.attr_string(unit, v).ok().map(|s| s.to_string_lossy().into_owned())
    };
    let count = header.file_names().len() as u64 + 1;
    (0..count)
        .map(|i| {
            let file = header.file(i)?;
            let name = text(file.path_name())?;
            let mut path = String::new();
            if !name.starts_with('/') {
                if let Some(dir) = file.directory(header).and_then(text) {
                    if !dir.starts_with('/') {
                        if let Some(comp) = &unit.comp_dir {
                            path.push_str(&comp.to_string_lossy());
                            path.push('/');
                        }
                    }
                    path.push_str(&dir);
                    path.push('/');
                }
            }
            path.push_str(&name);
            Some(strings.get(&tidy(&path)))
        })
        .collect()
}

/// Removes `.` components and doubled slashes from a path.
fn tidy(path: &str) -> String {
    let absolute = path.starts_with('/');
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

fn udata(v: Option<AttributeValue<Reader<'_>>>) -> u64 {
    match v {
        Some(AttributeValue::FileIndex(i)) => i,
        Some(v) => v.udata_value().unwrap_or(0),
        None => 0,
    }
}

fn clamp(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl Walk<'_, '_> {
    fn file(&self, index: u64) -> Option<Rc<str>> {
        usize::try_from(index).ok().and_then(|i| self.files.get(i).cloned().flatten())
    }

    fn name(&mut self, v: Option<AttributeValue<Reader<'_>>>) -> Option<Rc<str>> {
        let s = self.dwarf.attr_string(self.unit, v?).ok()?;
        Some(self.strings.get(&s.to_string_lossy()))
    }

    /// Name and declaration of `entry`, following abstract origins and specifications.
    fn decl(
        &mut self,
        entry: &DebuggingInformationEntry<'_, '_, Reader<'_>>,
        scope: &mut Scope,
    ) -> gimli::Result<()> {
        let mut e = entry.clone();
        for _ in 0..MAX_ORIGIN_HOPS {
            if scope.name.is_none() {
                scope.name = self.name(e.attr_value(constants::DW_AT_name)?);
            }
            if scope.decl_path.is_none() {
                scope.decl_path =
                    e.attr_value(constants::DW_AT_decl_file)?.and_then(|v| self.file(udata(Some(v))));
            }
            if scope.decl_line == 0 {
                scope.decl_line = clamp(udata(e.attr_value(constants::DW_AT_decl_line)?));
            }
            let next = match e.attr_value(constants::DW_AT_abstract_origin)? {
                Some(v) => Some(v),
                None => e.attr_value(constants::DW_AT_specification)?,
            };
            let offset = match next {
                Some(AttributeValue::UnitRef(o)) => o,
                Some(AttributeValue::DebugInfoRef(o)) => match o.to_unit_offset(&self.unit.header) {
                    Some(o) => o,
                    None => break,
                },
                _ => break,
            };
            e = self.unit.entry(offset)?;
        }
        Ok(())
    }

    /// Address ranges of `entry` (`DW_AT_low_pc` with `DW_AT_high_pc`, or `DW_AT_ranges`).
    fn ranges(
        &self,
        entry: &DebuggingInformationEntry<'_, '_, Reader<'_>>,
    ) -> gimli::Result<Vec<(u64, u64)>> {
        let mut out = Vec::new();
        if let Some(v) = entry.attr_value(constants::DW_AT_ranges)? {
            if let Some(mut list) = self.dwarf.attr_ranges(self.unit, v)? {
                while let Some(r) = list.next()? {
                    if r.begin < r.end {
                        out.push((r.begin, r.end));
                    }
                }
            }
            return Ok(out);
        }
        let Some(low) = entry.attr_value(constants::DW_AT_low_pc)? else { return Ok(out) };
        let Some(begin) = self.dwarf.attr_address(self.unit, low)? else { return Ok(out) };
        let end = match entry.attr_value(constants::DW_AT_high_pc)? {
            Some(AttributeValue::Udata(size)) => begin.checked_add(size),
            Some(v) => self.dwarf.attr_address(self.unit, v)?,
            None => None,
        };
        if let Some(end) = end.filter(|&e| e > begin) {
            out.push((begin, end));
        }
        Ok(out)
    }

    /// Walks `node` and its children; `depth` is the inline depth a scope found here gets.
    fn node(
        &mut self,
        node: EntriesTreeNode<'_, '_, '_, Reader<'_>>,
        depth: u32,
        namespace: Option<Rc<str>>,
        level: usize,
    ) -> gimli::Result<()> {
        if level > MAX_NESTING {
            return Ok(());
        }
        let entry = node.entry();
        let tag = entry.tag();
        let (mut child_depth, mut child_namespace) = (depth, namespace.clone());
        match tag {
            constants::DW_TAG_namespace
            | constants::DW_TAG_class_type
            | constants::DW_TAG_structure_type
            | constants::DW_TAG_union_type => {
                let name = self.name(entry.attr_value(constants::DW_AT_name)?);
                child_namespace = match (namespace.as_deref(), name.as_deref()) {
                    (Some(outer), Some(inner)) => Some(self.strings.get(&format!("{outer}::{inner}"))),
                    (None, Some(_)) => name,
                    (_, None) => namespace.clone(),
                };
            }
            constants::DW_TAG_subprogram | constants::DW_TAG_inlined_subroutine => {
                let inlined = tag == constants::DW_TAG_inlined_subroutine;
                let depth = if inlined { depth.max(1) } else { 0 };
                let ranges = self.ranges(entry)?;
                if !ranges.is_empty() {
                    let mut scope = Scope { ranges, depth, namespace: namespace.clone(), ..Scope::default() };
                    self.decl(entry, &mut scope)?;
                    if inlined {
                        scope.call_path = entry
                            .attr_value(constants::DW_AT_call_file)?
                            .and_then(|v| self.file(udata(Some(v))));
                        scope.call_line = clamp(udata(entry.attr_value(constants::DW_AT_call_line)?));
                        scope.call_column = clamp(udata(entry.attr_value(constants::DW_AT_call_column)?));
                    }
                    self.scopes.push(scope);
                }
                child_depth = depth + 1;
            }
            _ => {}
        }
        let mut children = node.children();
        while let Some(child) = children.next()? {
            self.node(child, child_depth, child_namespace.clone(), level + 1)?;
        }
        Ok(())
    }
}
