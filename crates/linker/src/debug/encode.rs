//! Writing source locations as the three optional `.polkavm` debug sections.
//!
//! * 128, strings: every string once, as `varint length` + UTF-8 bytes; other sections name a
//!   string by its byte offset. Offset 0 always holds the empty string, which readers take
//!   as "absent".
//! * 129, line programs: a version byte (1), then one program per range. A program is a
//!   bytecode for a small machine with a stack of frames (kind, namespace, function, path,
//!   line, column): some operations change a field of the frame at the "mutation depth",
//!   others set how many frames are live, and the `Finish*` operations close a region of
//!   `n` bytes of code (starting where the previous region ended) described by the live
//!   frames.
//! * 130, ranges: sorted, non-overlapping 12-byte entries `begin_pc`, `end_pc` (exclusive),
//!   and the offset of the range's program in section 129, all little-endian `u32`.
//!
//! A range covers consecutive code of one function (same outermost frame); a reader finds the
//! range of a pc by binary search and runs its program until the region containing the pc.

use std::collections::HashMap;
use std::rc::Rc;

use isa::blob::OpaqueSection;
use isa::varint;

/// Section id of the debug strings.
pub const SECTION_STRINGS: u8 = 128;
/// Section id of the line programs.
pub const SECTION_LINE_PROGRAMS: u8 = 129;
/// Section id of the line-program ranges.
pub const SECTION_RANGES: u8 = 130;
/// Version byte at the start of section 129.
pub const LINE_PROGRAM_VERSION: u8 = 1;
/// Most frames a reader keeps per region; deeper frames are dropped when encoding.
pub const MAX_FRAMES: usize = 16;

/// Line-program operation codes (each followed by a varint where noted).
mod op {
    pub const FINISH_PROGRAM: u8 = 0;
    pub const SET_MUTATION_DEPTH: u8 = 1; // varint depth
    pub const SET_KIND_ENTER: u8 = 2;
    pub const SET_KIND_CALL: u8 = 3;
    pub const SET_KIND_LINE: u8 = 4;
    pub const SET_NAMESPACE: u8 = 5; // varint string offset
    pub const SET_FUNCTION_NAME: u8 = 6; // varint string offset
    pub const SET_PATH: u8 = 7; // varint string offset
    pub const SET_LINE: u8 = 8; // varint
    pub const SET_COLUMN: u8 = 9; // varint
    pub const SET_STACK_DEPTH: u8 = 10; // varint
    pub const INCREMENT_LINE: u8 = 11;
    pub const ADD_LINE: u8 = 12; // varint
    pub const SUB_LINE: u8 = 13; // varint
    pub const FINISH_ONE: u8 = 14;
    pub const FINISH_MANY: u8 = 15; // varint byte count
}

/// What a frame stands for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// A function's entry: its name and where it is declared.
    Enter,
    /// A call site of an inlined function: the callee's name and where the call is.
    Call,
    /// The innermost position: the line-table row.
    Line,
}

/// One frame of a region's location stack (outermost first).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    /// What the frame stands for.
    pub kind: FrameKind,
    /// Enclosing namespace (`a::b`), if any.
    pub namespace: Option<Rc<str>>,
    /// Function name without the namespace.
    pub function: Option<Rc<str>>,
    /// Source file path.
    pub path: Option<Rc<str>>,
    /// Line (0: unknown).
    pub line: u32,
    /// Column (0: unknown).
    pub column: u32,
}

/// A run of code bytes `[start, end)` and its location stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// First code offset.
    pub start: u32,
    /// One past the last code offset.
    pub end: u32,
    /// Location frames, outermost first (empty: no location).
    pub frames: Rc<[Frame]>,
}

/// The string section under construction.
#[derive(Default)]
struct Strings {
    offsets: HashMap<Rc<str>, u32>,
    bytes: Vec<u8>,
}

impl Strings {
    fn new() -> Strings {
        let mut s = Strings::default();
        s.intern(None);
        s
    }

    /// Offset of `s` (0 for `None`), adding it on first use.
    fn intern(&mut self, s: Option<&Rc<str>>) -> u32 {
        let s = s.cloned().unwrap_or_else(|| Rc::from(""));
        if let Some(&at) = self.offsets.get(&s) {
            return at;
        }
        let at = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        varint::write(&mut self.bytes, u32::try_from(s.len()).unwrap_or(u32::MAX));
        self.bytes.extend_from_slice(s.as_bytes());
        self.offsets.insert(s, at);
        at
    }
}

/// The reader's view of one frame, with strings as offsets (0 = absent).
#[derive(Clone, Default, PartialEq, Eq)]
struct State {
    kind: Option<FrameKind>,
    namespace: u32,
    function: u32,
    path: u32,
    line: u32,
    column: u32,
}

/// Writes one program, mirroring the reader's machine to emit only what changes.
struct Program<'a> {
    out: &'a mut Vec<u8>,
    stack: Vec<State>,
    depth: usize,
    mutation: usize,
    queued: u32,
}

impl Program<'_> {
    fn op(&mut self, code: u8, arg: Option<u32>) {
        self.out.push(code);
        if let Some(v) = arg {
            varint::write(self.out, v);
        }
    }

    fn flush(&mut self) {
        match self.queued {
            0 => {}
            1 => self.op(op::FINISH_ONE, None),
            n => self.op(op::FINISH_MANY, Some(n)),
        }
        self.queued = 0;
    }

    /// Prepares to change a field of frame `depth`: closes the pending region first.
    fn mutate(&mut self, depth: usize) {
        self.flush();
        if self.mutation != depth {
            self.op(op::SET_MUTATION_DEPTH, Some(depth as u32));
            self.mutation = depth;
        }
    }

    fn region(&mut self, frames: &[State], len: u32) {
        if frames.len() != self.depth {
            self.flush();
            self.op(op::SET_STACK_DEPTH, Some(frames.len() as u32));
            self.depth = frames.len();
        }
        if self.stack.len() < frames.len() {
            self.stack.resize(frames.len(), State::default());
        }
        for (d, new) in frames.iter().enumerate() {
            let old = self.stack[d].clone();
            if old == *new {
                continue;
            }
            if old.kind != new.kind {
                self.mutate(d);
                let code = match new.kind {
                    Some(FrameKind::Enter) => op::SET_KIND_ENTER,
                    Some(FrameKind::Call) => op::SET_KIND_CALL,
                    _ => op::SET_KIND_LINE,
                };
                self.op(code, None);
            }
            for (a, b, code) in [
                (old.namespace, new.namespace, op::SET_NAMESPACE),
                (old.function, new.function, op::SET_FUNCTION_NAME),
                (old.path, new.path, op::SET_PATH),
            ] {
                if a != b {
                    self.mutate(d);
                    self.op(code, Some(b));
                }
            }
            if old.line != new.line {
                self.mutate(d);
                match (old.line, new.line) {
                    (o, n) if o != 0 && n == o.wrapping_add(1) => self.op(op::INCREMENT_LINE, None),
                    (o, n) if o != 0 && n > o => self.op(op::ADD_LINE, Some(n - o)),
                    (o, n) if n != 0 && n < o => self.op(op::SUB_LINE, Some(o - n)),
                    (_, n) => self.op(op::SET_LINE, Some(n)),
                }
            }
            if old.column != new.column {
                self.mutate(d);
                self.op(op::SET_COLUMN, Some(new.column));
            }
            self.stack[d] = new.clone();
        }
        self.queued = self.queued.saturating_add(len);
    }
}

/// Whether a region's outermost frame names something (regions that do not are left out).
fn named(frames: &[Frame]) -> bool {
    frames.first().is_some_and(|f| f.function.is_some() || f.path.is_some())
}

/// Namespace, function and path of a frame.
type Names<'a> = (&'a Option<Rc<str>>, &'a Option<Rc<str>>, &'a Option<Rc<str>>);

/// The grouping key of a region: its outermost frame's names.
fn key(frames: &[Frame]) -> Option<Names<'_>> {
    frames.first().map(|f| (&f.namespace, &f.function, &f.path))
}

/// Encodes `regions` (sorted by `start`, not overlapping) as sections 128, 129 and 130, in
/// that order. Returns nothing when no region has a location.
pub fn encode(regions: &[Region]) -> Vec<OpaqueSection> {
    let mut strings = Strings::new();
    let mut programs = vec![LINE_PROGRAM_VERSION];
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < regions.len() {
        let first = &regions[i];
        if first.start >= first.end || !named(&first.frames) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < regions.len()
            && regions[j].start == regions[j - 1].end
            && regions[j].start < regions[j].end
            && key(&regions[j].frames) == key(&first.frames)
        {
            j += 1;
        }
        let offset = u32::try_from(programs.len()).unwrap_or(u32::MAX);
        let mut program = Program { out: &mut programs, stack: Vec::new(), depth: 0, mutation: 0, queued: 0 };
        for r in &regions[i..j] {
            let states: Vec<State> = r.frames[..r.frames.len().min(MAX_FRAMES)]
                .iter()
                .map(|f| State {
                    kind: Some(f.kind),
                    namespace: strings.intern(f.namespace.as_ref()),
                    function: strings.intern(f.function.as_ref()),
                    path: strings.intern(f.path.as_ref()),
                    line: f.line,
                    column: f.column,
                })
                .collect();
            program.region(&states, r.end - r.start);
        }
        program.flush();
        program.op(op::FINISH_PROGRAM, None);
        for v in [first.start, regions[j - 1].end, offset] {
            ranges.extend_from_slice(&v.to_le_bytes());
        }
        i = j;
    }
    if ranges.is_empty() {
        return Vec::new();
    }
    vec![
        OpaqueSection { id: SECTION_STRINGS, payload: strings.bytes },
        OpaqueSection { id: SECTION_LINE_PROGRAMS, payload: programs },
        OpaqueSection { id: SECTION_RANGES, payload: ranges },
    ]
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
