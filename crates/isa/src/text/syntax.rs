//! Literal syntax shared by the assembler and the disassembler: integers, immediates,
//! hex data strings and quoted symbol strings, each with a printer and a parser.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// Immediates whose magnitude is below this print in decimal; larger ones in hex.
pub const DECIMAL_LIMIT: u64 = 0x1_0000;

/// Parses an integer: optional sign, then decimal digits or `0x`/`0b` digits; `_` may separate digits.
pub fn parse_int(text: &str) -> Option<i128> {
    let (neg, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(h) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
        (16, h)
    } else if let Some(b) = rest.strip_prefix("0b").or_else(|| rest.strip_prefix("0B")) {
        (2, b)
    } else {
        (10, rest)
    };
    if digits.is_empty() || digits.starts_with('_') {
        return None;
    }
    let mut value: i128 = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(radix)?;
        value = value.checked_mul(i128::from(radix))?.checked_add(i128::from(d))?;
        if value > i128::from(u64::MAX) {
            return None;
        }
    }
    Some(if neg { -value } else { value })
}

/// A 32-bit immediate as text: signed decimal when small, signed hex otherwise.
pub fn fmt_imm(imm: u32) -> String {
    fmt_signed(i64::from(imm as i32))
}

/// A 64-bit immediate (`load_imm64`) as text, with the same rule as [`fmt_imm`].
pub fn fmt_imm64(imm: u64) -> String {
    fmt_signed(imm as i64)
}

fn fmt_signed(v: i64) -> String {
    let mag = v.unsigned_abs();
    let sign = if v < 0 { "-" } else { "" };
    if mag < DECIMAL_LIMIT {
        format!("{sign}{mag}")
    } else {
        format!("{sign}{mag:#x}")
    }
}

/// Reads a 32-bit immediate: any value in `-2^31 ..= 2^32-1`, kept as its 32-bit pattern.
pub fn imm32_from(v: i128) -> Option<u32> {
    (i128::from(i32::MIN)..=i128::from(u32::MAX)).contains(&v).then_some(v as u32)
}

/// Reads a 64-bit immediate: any value in `-2^63 ..= 2^64-1`, kept as its 64-bit pattern.
pub fn imm64_from(v: i128) -> Option<u64> {
    (i128::from(i64::MIN)..=i128::from(u64::MAX)).contains(&v).then_some(v as u64)
}

/// Bytes as a lowercase hex string without separators.
pub fn fmt_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Parses pairs of hex digits (the decoded contents of a data string).
pub fn parse_hex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    text.chunks_exact(2).map(|p| Some(digit(p[0])? << 4 | digit(p[1])?)).collect()
}

/// Bytes as a quoted string literal: printable ASCII as is, `\\` and `\"` escaped,
/// everything else as `\xNN`.
pub fn fmt_str(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(b as char),
            _ => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
    }
    s.push('"');
    s
}

/// A byte list for `.raw` / `.pad`: `0x83 0x11 0xf8`.
pub fn fmt_bytes(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 5);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{b:#04x}");
    }
    s
}

/// Whether `name` can be a label name: a letter, `_`, `.` or `$`, then also digits.
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '.' | '$'))
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("-8"), Some(-8));
        assert_eq!(parse_int("0x1F"), Some(31));
        assert_eq!(parse_int("-0x80000000"), Some(-0x8000_0000));
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("0b101"), Some(5));
        assert_eq!(parse_int("18446744073709551615"), Some(i128::from(u64::MAX)));
        for bad in ["", "-", "0x", "_1", "1a", "0xg", "99999999999999999999999", "--1"] {
            assert_eq!(parse_int(bad), None, "{bad}");
        }
    }

    #[test]
    fn immediates_print_and_parse_back() {
        for v in [0u32, 1, 0x7f, 0x80, 0xffff, 0x10000, 0xffff_fff8, 0x8000_0000, 0x7fff_ffff, 0xffff_0000] {
            let text = fmt_imm(v);
            assert_eq!(parse_int(&text).and_then(imm32_from), Some(v), "{text}");
        }
        assert_eq!(fmt_imm(0xffff_fff8), "-8");
        assert_eq!(fmt_imm(0x20000), "0x20000");
        assert_eq!(fmt_imm(0xfffe_0000), "-0x20000");
        for v in [0u64, u64::MAX, 1 << 63, 0x1234_5678_9abc_def0] {
            assert_eq!(parse_int(&fmt_imm64(v)).and_then(imm64_from), Some(v));
        }
    }

    #[test]
    fn strings_and_hex() {
        assert_eq!(fmt_str(b"a\"b\\c\n\xff"), "\"a\\\"b\\\\c\\x0a\\xff\"");
        assert_eq!(fmt_hex(&[0, 0xab]), "00ab");
        assert_eq!(parse_hex(b"00aB"), Some(alloc::vec![0, 0xab]));
        assert_eq!(parse_hex(b"0"), None);
        assert_eq!(parse_hex(b"zz"), None);
        assert_eq!(fmt_bytes(&[0x83, 0]), "0x83 0x00");
        assert!(
            is_label_name("loop_1") && is_label_name(".L2") && !is_label_name("1x") && !is_label_name("")
        );
    }
}
