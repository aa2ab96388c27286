//! Command-line values: numbers in decimal or `0x` hex, hex byte strings, and durations
//! printed with a readable unit.
//!
//! The parsers have the signature clap's `value_parser` expects (`&str -> Result<T, String>`),
//! so a bad value is reported by clap as `invalid value '<v>' for '<flag>': <reason>`.

use std::time::Duration;

/// Parses an unsigned integer written in decimal or with a `0x` prefix in hex (`_` may
/// separate digits), or a negative decimal/hex value that is accepted as its two's complement
/// when it fits `min..=-1`.
fn parse_int(text: &str, bits: u32) -> Result<u128, String> {
    let bad = || format!("`{text}` is not a number (use decimal or 0x-prefixed hex)");
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (radix, digits) = match body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        Some(hex) => (16, hex),
        None => (10, body),
    };
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(bad());
    }
    let range = || format!("`{text}` does not fit in {bits} bits");
    let magnitude = u128::from_str_radix(&digits, radix).map_err(|_| range())?;
    let max_unsigned = (1u128 << bits) - 1;
    if !negative {
        return if magnitude <= max_unsigned { Ok(magnitude) } else { Err(range()) };
    }
    // Two's complement: -1 ..= -2^(bits-1).
    if magnitude == 0 {
        return Ok(0);
    }
    if magnitude > 1u128 << (bits - 1) {
        return Err(range());
    }
    Ok((max_unsigned + 1) - magnitude)
}

/// A 64-bit register value (`--arg`): decimal, `0x` hex, or negative decimal as two's complement.
pub fn parse_u64(text: &str) -> Result<u64, String> {
    parse_int(text, 64).map(|v| v as u64)
}

/// A 32-bit code offset (`--pc`).
pub fn parse_u32(text: &str) -> Result<u32, String> {
    if text.starts_with('-') {
        return Err(format!("`{text}` is negative; a code offset is 0 or more"));
    }
    parse_int(text, 32).map(|v| v as u32)
}

/// An amount of gas (`--gas`): 0 ..= 2^63 - 1.
pub fn parse_gas(text: &str) -> Result<i64, String> {
    if text.starts_with('-') {
        return Err(format!("`{text}` is negative; gas is 0 or more"));
    }
    let value = parse_int(text, 64)?;
    i64::try_from(value).map_err(|_| format!("`{text}` is more than the largest gas amount ({})", i64::MAX))
}

/// Bytes given as a hex string (`--input`), with an optional `0x` prefix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HexBytes(pub Vec<u8>);

/// Parses a [`HexBytes`] value.
pub fn parse_hex(text: &str) -> Result<HexBytes, String> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if !digits.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits in `{text}`"));
    }
    let bytes = digits
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("`{text}` is not a hex string"))
        })
        .collect::<Result<Vec<u8>, String>>()?;
    Ok(HexBytes(bytes))
}

/// Formats a duration as `<number> <unit>` with the unit one of `ns`, `us`, `ms`, `s`, picked
/// so that the number is below 1000 (except for seconds).
pub fn format_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns < 1_000 {
        format!("{ns} ns")
    } else if ns < 1_000_000 {
        format!("{:.3} us", ns as f64 / 1e3)
    } else if ns < 1_000_000_000 {
        format!("{:.3} ms", ns as f64 / 1e6)
    } else {
        format!("{:.3} s", ns as f64 / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_u64("0"), Ok(0));
        assert_eq!(parse_u64("42"), Ok(42));
        assert_eq!(parse_u64("0x2A"), Ok(42));
        assert_eq!(parse_u64("1_000"), Ok(1000));
        assert_eq!(parse_u64("-1"), Ok(u64::MAX));
        assert_eq!(parse_u64("-9223372036854775808"), Ok(1 << 63));
        assert_eq!(parse_u64("18446744073709551615"), Ok(u64::MAX));
        assert!(parse_u64("18446744073709551616").unwrap_err().contains("does not fit in 64 bits"));
        assert!(parse_u64("-9223372036854775809").is_err());
        assert!(parse_u64("abc").unwrap_err().contains("not a number"));
        assert!(parse_u64("").is_err());
        assert!(parse_u64("0x").is_err());
        assert!(parse_u64("--1").is_err());
        assert_eq!(parse_u32("0x10"), Ok(16));
        assert!(parse_u32("-1").is_err());
        assert!(parse_u32("4294967296").is_err());
        assert_eq!(parse_gas("10_000"), Ok(10_000));
        assert!(parse_gas("-5").is_err());
        assert!(parse_gas("0xffffffffffffffff").is_err());
    }

    #[test]
    fn hex_bytes() {
        assert_eq!(parse_hex(""), Ok(HexBytes(vec![])));
        assert_eq!(parse_hex("0x01ff"), Ok(HexBytes(vec![1, 0xff])));
        assert!(parse_hex("abc").is_err());
        assert!(parse_hex("zz").is_err());
        assert!(parse_hex("é1").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(Duration::from_nanos(999)), "999 ns");
        assert_eq!(format_duration(Duration::from_nanos(1_500)), "1.500 us");
        assert_eq!(format_duration(Duration::from_micros(2_250)), "2.250 ms");
        assert_eq!(format_duration(Duration::from_millis(3_000)), "3.000 s");
    }
}
