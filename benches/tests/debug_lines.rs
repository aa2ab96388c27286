//! Debug line programs written by gannet-linker, read back with PolkaVM 0.37's own parser.
//!
//! Small C programs are compiled with `clang-19 -g` for RV64E, linked by gannet-linker (from
//! the linked shared object and, for one of them, straight from the relocatable object), and
//! parsed with `polkavm::ProgramBlob`. For every instruction the frames PolkaVM decodes must
//! name the function the code belongs to, the right source file, and a line inside that
//! function (the C sources below mark their lines). The same ELF files linked by
//! polkavm-linker 0.37 must name the same functions and mostly the same lines.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::cc::{compile, link_elf, scratch};
use common::toolchain_or_skip;
use linker::{link, LinkOptions};
use polkavm::debug_info::FrameKind;
use polkavm::{ProgramBlob, ProgramCounter};

const LINES_C: &str = r#"#include "gannet_guest.h"

static inline gannet_u64 square(gannet_u64 x) {
    return x * x;
}

__attribute__((noinline)) static gannet_u64 helper(gannet_u64 n) {
    gannet_u64 acc = 0;
    for (gannet_u64 i = 0; i < n; i++) {
        acc += square(i) ^ n; /* call of square */
    }
    return acc;
}

gannet_u64 entry(gannet_u64 n) {
    return helper(n) + 1;
}
GANNET_EXPORT(entry, 1, 1)
"#;

const UTIL_H: &str = r#"static inline gannet_u64 rotl(gannet_u64 x, unsigned k) {
    return (x << (k & 63)) | (x >> ((64 - k) & 63));
}
"#;

const MIX_C: &str = r#"#include "gannet_guest.h"
#include "util.h"

gannet_u64 mix(gannet_u64 a, gannet_u64 b) {
    gannet_u64 h = a ^ 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 4; round++) {
        h = rotl(h, 13) * 5 + b; /* call of rotl */
        b = rotl(b, 7) ^ h;
    }
    return h ^ b;
}
"#;

const MAIN_C: &str = r#"#include "gannet_guest.h"

gannet_u64 mix(gannet_u64 a, gannet_u64 b);

gannet_u64 bench(gannet_u64 n) {
    gannet_u64 acc = 1;
    for (gannet_u64 i = 0; i < n; i++) {
        acc = mix(acc, i);
    }
    return acc;
}
GANNET_EXPORT(bench, 1, 1)
"#;

/// One decoded frame: kind, function, path, line.
type Frame = (String, String, String, u32);

/// First and last line (1-based) of the function whose definition line contains `head`: up
/// to the first line that is a lone `}`.
fn span(src: &str, head: &str) -> (u32, u32) {
    let lines: Vec<&str> = src.lines().collect();
    let start = lines.iter().position(|l| l.contains(head)).unwrap_or_else(|| panic!("no {head:?}"));
    let end = start + lines[start..].iter().position(|l| *l == "}").expect("closing brace");
    (start as u32 + 1, end as u32 + 1)
}

/// The line containing `text`.
fn line_of(src: &str, text: &str) -> u32 {
    src.lines().position(|l| l.contains(text)).unwrap_or_else(|| panic!("no {text:?}")) as u32 + 1
}

/// Frames PolkaVM's parser decodes for every instruction of `bytes`.
fn frames_by_pc(bytes: &[u8]) -> BTreeMap<u32, Vec<Frame>> {
    let blob = ProgramBlob::parse(bytes.to_vec().into()).expect("PolkaVM parses the blob");
    let mut out = BTreeMap::new();
    for inst in blob.instructions() {
        let pc = inst.offset;
        // The line program at this pc must decode without error (or be absent).
        blob.get_debug_line_program_at(pc).expect("line program decodes");
        let frames: Vec<Frame> = blob
            .get_frame_info_for(pc, None)
            .map(|f| {
                let kind = match f.kind() {
                    FrameKind::Enter => "enter",
                    FrameKind::Call => "call",
                    FrameKind::Line => "line",
                };
                let name = f.full_name().expect("function name").to_string();
                let path = f.path().expect("path").unwrap_or("").to_string();
                (kind.to_string(), name, path, f.line().unwrap_or(0))
            })
            .collect();
        out.insert(pc.0, frames);
    }
    out
}

fn ours(elf: &[u8]) -> Vec<u8> {
    let linked = link(elf, &LinkOptions::default()).unwrap_or_else(|e| panic!("gannet-linker: {e}"));
    assert!(linked.warnings.is_empty(), "warnings: {:?}", linked.warnings);
    let ids: Vec<u8> = linked.blob.extra_sections.iter().map(|s| s.id).collect();
    assert_eq!(ids, [128, 129, 130], "debug sections in order");
    let bytes = linked.to_bytes().expect("serialise");
    // Gannet's own parser keeps the sections and round-trips the blob.
    let parsed = isa::blob::ProgramBlob::parse(&bytes).expect("gannet parses its own blob");
    assert_eq!(parsed, linked.blob);
    assert_eq!(parsed.validate(), Ok(()));
    assert_eq!(parsed.to_bytes(), bytes);
    bytes
}

fn theirs(elf: &[u8]) -> Vec<u8> {
    polkavm_linker::program_from_elf(
        polkavm_linker::Config::default(),
        polkavm_linker::TargetInstructionSet::ReviveV1,
        elf,
    )
    .unwrap_or_else(|e| panic!("polkavm-linker: {e}"))
}

/// polkavm-linker 0.37 on the same ELF file must name the same functions. (With these
/// clang-19 builds it writes function names only, no paths or lines; any line it does write
/// must be one of ours for the same function.)
fn agrees_with_polkavm_linker(elf: &[u8], ours: &BTreeMap<u32, Vec<Frame>>) {
    let reference = frames_by_pc(&theirs(elf));
    let outermost = |m: &BTreeMap<u32, Vec<Frame>>| -> BTreeSet<String> {
        m.values().filter_map(|f| Some(f.first()?.1.clone())).collect()
    };
    assert_eq!(outermost(ours), outermost(&reference), "functions named by gannet vs polkavm-linker");
    let lines = |m: &BTreeMap<u32, Vec<Frame>>| -> BTreeSet<(String, u32)> {
        m.values().filter_map(|f| f.last()).filter(|l| l.3 != 0).map(|l| (l.1.clone(), l.3)).collect()
    };
    let (mine, theirs) = (lines(ours), lines(&reference));
    assert!(theirs.is_subset(&mine), "polkavm-linker lines {theirs:?} not all in ours {mine:?}");
}

/// Checks that every located instruction names a known function, the right file and a line
/// inside the innermost function; returns how many instructions were checked.
fn check_lines(frames: &BTreeMap<u32, Vec<Frame>>, known: &[(&str, &str, (u32, u32))]) -> usize {
    let mut located = 0;
    for (pc, f) in frames {
        let Some(last) = f.last() else { continue };
        located += 1;
        assert_eq!(f[0].0, "enter", "pc {pc}: outermost frame is the function: {f:?}");
        assert_eq!(last.0, "line", "pc {pc}: innermost frame is the line: {f:?}");
        let &(_, file, (lo, hi)) = known
            .iter()
            .find(|(name, _, _)| *name == last.1)
            .unwrap_or_else(|| panic!("pc {pc}: unexpected function {:?}: {f:?}", last.1));
        assert!(last.2.ends_with(file), "pc {pc}: path {:?} is not {file}", last.2);
        assert!(last.3 == 0 || (lo..=hi).contains(&last.3), "pc {pc}: line {} outside {lo}..={hi}", last.3);
    }
    located
}

#[test]
fn line_programs_name_functions_files_and_lines() {
    if !toolchain_or_skip() {
        return;
    }
    let dir = scratch("lines", &[("lines.c", LINES_C)]);
    let objects = compile(&dir, &["lines.c"], &["-g"]);
    let elf = link_elf(&dir, &objects);
    let known = [
        ("square", "lines.c", span(LINES_C, "square(gannet_u64 x)")),
        ("helper", "lines.c", span(LINES_C, "helper(gannet_u64 n)")),
        ("entry", "lines.c", span(LINES_C, "entry(gannet_u64 n)")),
    ];
    let frames = frames_by_pc(&ours(&elf));
    let located = check_lines(&frames, &known);
    assert!(located * 10 >= frames.len() * 9, "only {located} of {} instructions located", frames.len());

    // The export's first instruction is in `entry`.
    let blob = ProgramBlob::parse(ours(&elf).into()).expect("parse");
    let export = blob.exports().find(|e| e.symbol().as_bytes() == b"entry").expect("export");
    let at_entry = &frames[&export.program_counter().0];
    assert_eq!(at_entry[0].1, "entry");

    // `square` is inlined into `helper`: a call frame at its call site, then its own frames.
    let call_line = line_of(LINES_C, "call of square");
    let inlined = frames.values().find(|f| f.iter().any(|x| x.0 == "call")).expect("an inlined call");
    assert_eq!(inlined[0].1, "helper");
    assert_eq!(inlined[1], ("call".into(), "square".into(), inlined[1].2.clone(), call_line));
    assert_eq!(inlined[2].0, "enter");
    assert_eq!(inlined[2].3, span(LINES_C, "square(gannet_u64 x)").0);

    agrees_with_polkavm_linker(&elf, &frames);
}

#[test]
fn headers_and_several_units_keep_their_paths() {
    if !toolchain_or_skip() {
        return;
    }
    let dir = scratch("units", &[("main.c", MAIN_C), ("mix.c", MIX_C), ("util.h", UTIL_H)]);
    let objects = compile(&dir, &["main.c", "mix.c"], &["-g"]);
    let elf = link_elf(&dir, &objects);
    let known = [
        ("bench", "main.c", span(MAIN_C, "bench(gannet_u64 n)")),
        ("mix", "mix.c", span(MIX_C, "mix(gannet_u64 a")),
        ("rotl", "util.h", span(UTIL_H, "rotl(")),
    ];
    let frames = frames_by_pc(&ours(&elf));
    check_lines(&frames, &known);
    let names: BTreeSet<&str> = frames.values().filter_map(|f| f.first()).map(|f| f.1.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["bench", "mix"]));
    let rotl = frames.values().find(|f| f.last().is_some_and(|l| l.1 == "rotl")).expect("inlined rotl");
    assert!(rotl[1].2.ends_with("mix.c") && rotl[2].2.ends_with("util.h"), "{rotl:?}");

    agrees_with_polkavm_linker(&elf, &frames);
}

#[test]
fn relocatable_input_gives_the_same_locations() {
    if !toolchain_or_skip() {
        return;
    }
    let dir = scratch("rel", &[("lines.c", LINES_C)]);
    let objects = compile(&dir, &["lines.c"], &["-g"]);
    let elf = link_elf(&dir, &objects);
    let object = std::fs::read(&objects[0]).expect("read object");
    // The object's DWARF needs its relocations (addresses, ADD/SUB pairs in the line table);
    // the result must say what the linked file says.
    let located = |bytes: &[u8]| -> BTreeSet<Vec<Frame>> { frames_by_pc(bytes).into_values().collect() };
    assert_eq!(located(&ours(&object)), located(&ours(&elf)));
}

#[test]
fn strip_and_missing_or_broken_dwarf_give_no_sections() {
    if !toolchain_or_skip() {
        return;
    }
    let dir = scratch("strip", &[("lines.c", LINES_C)]);
    let with = link_elf(&dir, &compile(&dir, &["lines.c"], &["-g"]));
    let stripped = link(&with, &LinkOptions { strip: true, ..LinkOptions::default() }).expect("link");
    assert!(stripped.blob.extra_sections.is_empty());
    let bytes = stripped.to_bytes().expect("serialise");
    let blob = ProgramBlob::parse(bytes.into()).expect("parse");
    assert!(blob.get_debug_line_program_at(ProgramCounter(0)).expect("no error").is_none());

    let without = link_elf(&dir, &compile(&dir, &["lines.c"], &[]));
    let plain = link(&without, &LinkOptions::default()).expect("link");
    assert!(plain.blob.extra_sections.is_empty() && plain.warnings.is_empty());
    assert_eq!(plain.blob.code, stripped.blob.code, "debug info does not change the code");

    // Damaged debug sections: linking still succeeds with the same code; the debug sections
    // are either left out (with a warning) or still parse.
    let (start, end) = debug_section_span(&with);
    for step in 0..200usize {
        let mut bad = with.clone();
        let at = start + step.wrapping_mul(7919) % (end - start);
        bad[at] ^= 0x5a ^ step as u8;
        let linked = link(&bad, &LinkOptions::default()).unwrap_or_else(|e| panic!("step {step}: {e}"));
        assert_eq!(linked.blob.code, stripped.blob.code);
        let bytes = linked.to_bytes().expect("serialise");
        let blob = ProgramBlob::parse(bytes.into()).expect("parse");
        for inst in blob.instructions() {
            let _ = blob.get_frame_info_for(inst.offset, None).count();
        }
    }
}

/// File offsets spanned by the `.debug_*` sections of a 64-bit little-endian ELF file.
fn debug_section_span(elf: &[u8]) -> (usize, usize) {
    let u = |at: usize, n: usize| {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&elf[at..at + n]);
        u64::from_le_bytes(b) as usize
    };
    let (shoff, shentsize, shnum, shstrndx) = (u(0x28, 8), u(0x3a, 2), u(0x3c, 2), u(0x3e, 2));
    let header = |i: usize| shoff + i * shentsize;
    let names = u(header(shstrndx) + 0x18, 8);
    let (mut start, mut end) = (usize::MAX, 0);
    for i in 0..shnum {
        let h = header(i);
        let name_at = names + u(h, 4);
        if elf[name_at..].starts_with(b".debug_") {
            start = start.min(u(h + 0x18, 8));
            end = end.max(u(h + 0x18, 8) + u(h + 0x20, 8));
        }
    }
    assert!(start < end, "the ELF file has debug sections");
    (start, end)
}
