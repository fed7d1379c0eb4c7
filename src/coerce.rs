//! `parseTagValue` / `parseAttributeValue`: the value conversion fast-xml-parser performs
//! (its `parseValue` over the `strnum` rules with their default options), reproduced exactly.
//! A numeric string becomes a number only if JavaScript's own number-to-string gives the same
//! digits back, so this module also reproduces `Number()` and `Number.prototype.toString`.

use bytes::BytesMut;

use crate::escape;
use crate::shape::js_trim;

/// Writes `text` as a JSON boolean, number, or string, as fast-xml-parser would type it (a
/// string in UTF-8 as JSON.stringify writes it if `utf8`, else in ASCII).
pub fn write_value(out: &mut BytesMut, text: &[u8], utf8: bool) {
    match std::str::from_utf8(text).ok().and_then(coerce) {
        Some(Typed::Bool(b)) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        // JSON.parse makes -0 of `-0`, but JSON.stringify writes it as `0`.
        Some(Typed::Num(n)) if utf8 && n == 0.0 => out.extend_from_slice(b"0"),
        Some(Typed::Num(n)) => out.extend_from_slice(js_number_to_string(n).as_bytes()),
        None => escape::write_str_as(out, text, utf8),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Typed {
    Bool(bool),
    Num(f64),
}

/// `None` means the value stays a string.
pub fn coerce(v: &str) -> Option<Typed> {
    let (s, e) = js_trim(v.as_bytes());
    let t = &v[s..e];
    match t {
        "true" => return Some(Typed::Bool(true)),
        "false" => return Some(Typed::Bool(false)),
        "" => return None,
        "0" => return Some(Typed::Num(0.0)),
        _ => {}
    }
    if let Some(n) = parse_hex(t) {
        return Some(Typed::Num(n));
    }
    let num = js_decimal(t).filter(|n| n.is_finite())?;
    let (sign, rest) = match t.as_bytes()[0] {
        b'+' | b'-' => (&t[..1], &t[1..]),
        _ => ("", t),
    };
    let zeros = rest.len() - rest.trim_start_matches('0').len();
    let after_zeros = &rest[zeros..];
    if let Some(epos) = t.find(['e', 'E']) {
        let e_char = t.as_bytes()[epos];
        let e_adjacent = after_zeros.as_bytes().first() == Some(&e_char);
        return if zeros > 1 && e_adjacent {
            None
        } else if zeros == 1 {
            Some(Typed::Num(num))
        } else if zeros > 0 && e_adjacent {
            None
        } else {
            Some(Typed::Num(num))
        };
    }
    if num == 0.0 {
        return Some(Typed::Num(num));
    }
    let parsed = js_number_to_string(num);
    if parsed.contains('e') {
        return Some(Typed::Num(num));
    }
    let trimmed = trim_zeros(after_zeros);
    // Decimals and integers with leading zeros compare without those zeros.
    let ok = if t.contains('.') || zeros > 0 {
        parsed == trimmed || parsed == format!("{sign}{trimmed}")
    } else {
        parsed == t || t == format!("{sign}{parsed}")
    };
    ok.then_some(Typed::Num(num))
}

/// `^[-+]?0x[a-fA-F0-9]+$`, evaluated like `parseInt(t, 16)`.
fn parse_hex(t: &str) -> Option<f64> {
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = body.strip_prefix("0x")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digits = digits.trim_start_matches('0');
    // Exact below 2^128, then correctly rounded once, as parseInt does for radix 16.
    let v = if digits.len() <= 32 {
        u128::from_str_radix(if digits.is_empty() { "0" } else { digits }, 16).ok()? as f64
    } else {
        digits.bytes().fold(0f64, |acc, d| {
            acc * 16.0 + (d as char).to_digit(16).unwrap_or(0) as f64
        })
    };
    Some(if neg { -v } else { v })
}

/// `Number(t)` for the decimal literal forms strnum accepts; `None` where JavaScript would
/// give NaN or where strnum's patterns reject the string anyway.
fn js_decimal(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - f;
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    // Rust's parser is correctly rounded like V8's, and accepts `1.`, `.5` and `+5`.
    t.parse::<f64>().ok()
}

/// strnum's `trimZeros`: drops trailing fractional zeros and a bare leading or trailing dot.
fn trim_zeros(s: &str) -> String {
    if !s.contains('.') {
        return s.to_string();
    }
    let s = s.trim_end_matches('0');
    if s == "." {
        "0".to_string()
    } else if let Some(frac) = s.strip_prefix('.') {
        format!("0.{frac}")
    } else {
        s.strip_suffix('.').unwrap_or(s).to_string()
    }
}

/// `Number.prototype.toString()` for finite numbers: the shortest round-trip digits (which
/// Rust's formatter also produces), laid out by ECMAScript's rules.
pub fn js_number_to_string(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp + 1;
    let mut out = String::new();
    if v < 0.0 {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(v: &str) -> String {
        let mut out = BytesMut::new();
        write_value(&mut out, v.as_bytes(), false);
        String::from_utf8(out.to_vec()).unwrap()
    }

    /// Observed with fast-xml-parser 5.12.1 (strnum 2.5.1); strings quoted, numbers bare.
    #[test]
    fn matches_fast_xml_parser_table() {
        let table = [
            ("0", "0"),
            ("1", "1"),
            ("-1", "-1"),
            ("+5", "5"),
            ("-0", "-0"),
            ("+0", "0"),
            ("00", "0"),
            ("007", "7"),
            ("-007", "-7"),
            ("0.0", "0"),
            ("1.0", "1"),
            ("1.50", "1.5"),
            (".5", "0.5"),
            ("-.5", "-0.5"),
            ("+.5", "0.5"),
            ("5.", "5"),
            ("0.", "0"),
            ("00.5", "0.5"),
            ("007.50", "7.5"),
            ("1e5", "100000"),
            ("1E5", "100000"),
            ("1e-5", "0.00001"),
            ("1.5e3", "1500"),
            ("-1.5E+3", "-1500"),
            ("1.e5", "100000"),
            (".5e1", "5"),
            ("01e5", "100000"),
            ("0e5", "0"),
            ("00e5", "\"00e5\""),
            ("1e1000", "\"1e1000\""),
            ("-1e1000", "\"-1e1000\""),
            ("12e-400", "0"),
            ("0x1F", "31"),
            ("-0x1F", "-31"),
            ("+0x1F", "31"),
            ("0X1F", "\"0X1F\""),
            ("0x", "\"0x\""),
            ("0x1g", "\"0x1g\""),
            ("0b101", "\"0b101\""),
            ("0o17", "\"0o17\""),
            ("9007199254740991", "9007199254740991"),
            ("9007199254740993", "\"9007199254740993\""),
            ("999999999999999999", "\"999999999999999999\""),
            ("12345678901234567890", "\"12345678901234567890\""),
            ("100000000000000000000", "100000000000000000000"),
            ("123456789012345678901", "\"123456789012345678901\""),
            ("1000000000000000000000", "1e+21"),
            ("0.1", "0.1"),
            ("0.10000000000000001", "\"0.10000000000000001\""),
            ("1.23456789012345678", "\"1.23456789012345678\""),
            ("1.23456789012345678e0", "1.2345678901234567"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1e-7"),
            ("3.14abc", "\"3.14abc\""),
            ("1,000", "\"1,000\""),
            ("1_000", "\"1_000\""),
            ("1 2", "\"1 2\""),
            ("Infinity", "\"Infinity\""),
            ("NaN", "\"NaN\""),
            ("true", "true"),
            ("false", "false"),
            ("True", "\"True\""),
            ("FALSE", "\"FALSE\""),
            ("null", "\"null\""),
            ("-", "\"-\""),
            (".", "\".\""),
            ("+", "\"+\""),
            ("e5", "\"e5\""),
            ("1e", "\"1e\""),
            ("1..2", "\"1..2\""),
            ("+-1", "\"+-1\""),
            ("", "\"\""),
            (" 42 ", "42"),
            ("\t7\n", "7"),
            ("0xFFFFFFFFFFFFFFFFF", "295147905179352830000"),
            ("0xABCdef", "11259375"),
            ("0.1e1", "1"),
            ("-0e0", "-0"),
            ("-.0", "-0"),
            ("-0.0", "-0"),
            ("4.0000000000000001", "\"4.0000000000000001\""),
            ("1234567890123456789012", "1.2345678901234568e+21"),
            ("0.00000012345678901234567", "1.2345678901234566e-7"),
            ("\u{a0}5\u{a0}", "5"),
        ];
        for (input, expect) in table {
            assert_eq!(typed(input), expect, "input {input:?}");
        }
    }
}
