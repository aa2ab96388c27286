//! Tests of the debug-section encoder: a small independent reader runs the programs back and
//! must see every region with exactly the frames that went in.

use std::rc::Rc;

use isa::varint;

use super::*;

/// A decoded region: byte range and frames as plain strings.
type Seen = (u32, u32, Vec<(FrameKind, String, String, String, u32, u32)>);

fn string_at(strings: &[u8], at: u32) -> String {
    let rest = &strings[at as usize..];
    let (len, n) = varint::read(rest).expect("string length");
    String::from_utf8(rest[n..n + len as usize].to_vec()).expect("utf-8")
}

/// Runs every program of the three sections and lists the regions they describe.
fn decode(sections: &[OpaqueSection]) -> Vec<Seen> {
    assert_eq!(sections.iter().map(|s| s.id).collect::<Vec<_>>(), [128, 129, 130]);
    let (strings, programs, ranges) = (&sections[0].payload, &sections[1].payload, &sections[2].payload);
    assert_eq!(programs[0], LINE_PROGRAM_VERSION);
    assert_eq!(ranges.len() % 12, 0);
    assert_eq!(string_at(strings, 0), "");
    let word = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap());
    let mut seen = Vec::new();
    let mut last_end = 0;
    for entry in ranges.chunks(12) {
        let (begin, end, offset) = (word(&entry[0..4]), word(&entry[4..8]), word(&entry[8..12]));
        assert!(begin < end && begin >= last_end, "ranges sorted and disjoint");
        last_end = end;
        let mut at = offset as usize;
        let mut pc = begin;
        let (mut stack, mut depth, mut mutation) = (vec![(None, 0, 0, 0, 0, 0); 16], 0usize, 0usize);
        loop {
            let code = programs[at];
            at += 1;
            let mut arg = || {
                let (v, n) = varint::read(&programs[at..]).expect("varint");
                at += n;
                v
            };
            let f = &mut stack[mutation];
            let count = match code {
                op::FINISH_PROGRAM => break,
                op::SET_MUTATION_DEPTH => {
                    mutation = arg() as usize;
                    None
                }
                op::SET_KIND_ENTER => {
                    f.0 = Some(FrameKind::Enter);
                    None
                }
                op::SET_KIND_CALL => {
                    f.0 = Some(FrameKind::Call);
                    None
                }
                op::SET_KIND_LINE => {
                    f.0 = Some(FrameKind::Line);
                    None
                }
                op::SET_NAMESPACE => {
                    f.1 = arg();
                    None
                }
                op::SET_FUNCTION_NAME => {
                    f.2 = arg();
                    None
                }
                op::SET_PATH => {
                    f.3 = arg();
                    None
                }
                op::SET_LINE => {
                    f.4 = arg();
                    None
                }
                op::SET_COLUMN => {
                    f.5 = arg();
                    None
                }
                op::SET_STACK_DEPTH => {
                    depth = arg() as usize;
                    None
                }
                op::INCREMENT_LINE => {
                    f.4 += 1;
                    None
                }
                op::ADD_LINE => {
                    f.4 += arg();
                    None
                }
                op::SUB_LINE => {
                    f.4 -= arg();
                    None
                }
                op::FINISH_ONE => Some(1),
                op::FINISH_MANY => Some(arg()),
                other => panic!("unexpected op {other}"),
            };
            if let Some(n) = count {
                let frames = stack[..depth]
                    .iter()
                    .map(|&(k, ns, func, path, line, col)| {
                        let s = |o| string_at(strings, o);
                        (k.expect("kind set"), s(ns), s(func), s(path), line, col)
                    })
                    .collect();
                seen.push((pc, pc + n, frames));
                pc += n;
            }
        }
        assert_eq!(pc, end, "a program covers its range exactly");
    }
    seen
}

fn frame(kind: FrameKind, func: &str, path: &str, line: u32, column: u32) -> Frame {
    let s = |x: &str| (!x.is_empty()).then(|| Rc::from(x));
    Frame { kind, namespace: None, function: s(func), path: s(path), line, column }
}

fn region(start: u32, end: u32, frames: Vec<Frame>) -> Region {
    Region { start, end, frames: frames.into() }
}

fn plain(seen: &Seen) -> Vec<(FrameKind, &str, &str, u32)> {
    seen.2.iter().map(|f| (f.0, f.2.as_str(), f.3.as_str(), f.4)).collect()
}

#[test]
fn no_regions_give_no_sections() {
    assert!(encode(&[]).is_empty());
    // Regions without a name or path for their function are left out too.
    assert!(encode(&[region(0, 4, vec![frame(FrameKind::Line, "", "", 3, 0)])]).is_empty());
    assert!(encode(&[region(0, 4, vec![])]).is_empty());
}

#[test]
fn regions_round_trip_with_line_deltas() {
    let enter = frame(FrameKind::Enter, "main", "a.c", 10, 0);
    let line = |l, c| frame(FrameKind::Line, "main", "a.c", l, c);
    let regions = vec![
        region(0, 3, vec![enter.clone(), line(11, 5)]),
        region(3, 5, vec![enter.clone(), line(12, 5)]),
        region(5, 6, vec![enter.clone(), line(30, 1)]),
        region(6, 9, vec![enter.clone(), line(4, 0)]),
        region(9, 10, vec![enter.clone(), line(4, 0)]),
    ];
    let sections = encode(&regions);
    let seen = decode(&sections);
    // Identical neighbours merge into one region.
    assert_eq!(seen.len(), 4);
    assert_eq!((seen[3].0, seen[3].1), (6, 10));
    for (s, line) in seen.iter().zip([11, 12, 30, 4]) {
        assert_eq!(
            plain(s),
            vec![(FrameKind::Enter, "main", "a.c", 10), (FrameKind::Line, "main", "a.c", line)]
        );
    }
    assert_eq!(seen[2].2[1].5, 1, "column");
    // One function, contiguous: one range.
    assert_eq!(sections[2].payload.len(), 12);
}

#[test]
fn functions_and_gaps_split_ranges_and_strings_are_shared() {
    let f = |name: &str, l| {
        vec![frame(FrameKind::Enter, name, "x.c", 1, 0), frame(FrameKind::Line, name, "x.c", l, 0)]
    };
    let regions = vec![
        region(0, 2, f("f", 2)),
        region(2, 4, f("g", 7)),
        region(10, 12, f("g", 8)),
        region(12, 20, vec![]),
        region(20, 21, f("f", 3)),
    ];
    let sections = encode(&regions);
    let seen = decode(&sections);
    assert_eq!(sections[2].payload.len(), 4 * 12);
    let spans: Vec<_> = seen.iter().map(|s| (s.0, s.1, s.2[0].2.as_str())).collect();
    assert_eq!(spans, vec![(0, 2, "f"), (2, 4, "g"), (10, 12, "g"), (20, 21, "f")]);
    let strings = String::from_utf8_lossy(&sections[0].payload).into_owned();
    assert_eq!(strings.matches("x.c").count(), 1, "each string is stored once");
}

#[test]
fn inline_stacks_grow_shrink_and_deep_stacks_are_capped() {
    let outer = frame(FrameKind::Enter, "outer", "o.c", 5, 0);
    let call = frame(FrameKind::Call, "inner", "o.c", 9, 3);
    let inner = frame(FrameKind::Enter, "inner", "i.h", 2, 0);
    let regions = vec![
        region(0, 1, vec![outer.clone(), frame(FrameKind::Line, "outer", "o.c", 8, 0)]),
        region(1, 3, vec![outer.clone(), call, inner, frame(FrameKind::Line, "inner", "i.h", 3, 7)]),
        region(3, 4, vec![outer.clone(), frame(FrameKind::Line, "outer", "o.c", 10, 0)]),
        region(4, 5, vec![outer.clone(); 40]),
    ];
    let seen = decode(&encode(&regions));
    assert_eq!(seen.len(), 4);
    assert_eq!(
        plain(&seen[1]),
        vec![
            (FrameKind::Enter, "outer", "o.c", 5),
            (FrameKind::Call, "inner", "o.c", 9),
            (FrameKind::Enter, "inner", "i.h", 2),
            (FrameKind::Line, "inner", "i.h", 3),
        ]
    );
    assert_eq!(
        plain(&seen[2]),
        vec![(FrameKind::Enter, "outer", "o.c", 5), (FrameKind::Line, "outer", "o.c", 10)]
    );
    assert_eq!(seen[3].2.len(), MAX_FRAMES);
}

#[test]
fn namespaces_are_kept() {
    let mut f = frame(FrameKind::Enter, "run", "m.rs", 1, 0);
    f.namespace = Some(Rc::from("app::engine"));
    let seen = decode(&encode(&[region(0, 8, vec![f])]));
    assert_eq!(seen[0].2[0].1, "app::engine");
}
