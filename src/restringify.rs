//! `JSON.stringify(JSON.parse(text))` for the JSON engine's record text, without JavaScript.
//!
//! The JSON engine writes records as they were in the input (see `crate::json`): duplicate
//! keys, numbers as written, lone-surrogate escapes. A JavaScript consumer that stringifies
//! its records sees them through `JSON.parse`, which changes all three: a number is printed
//! as the shortest text that reads back to the same double (`1.0` is `1`, `1e400` is `null`),
//! an object's integer-like keys come first in ascending order, and a repeated key keeps its
//! first place with its last value. Strings are handled by `crate::convert`'s rewriting.

use std::collections::{HashMap, HashSet};

use crate::convert::{string, ConvertError};

const CUT: ConvertError = ConvertError::Internal("a record ends early in a batch");

/// One member of an object being written: where its key and its value end in the output
/// (its key starts where the previous member ended, after a `,`).
#[derive(Clone, Copy)]
pub(crate) struct Member {
    start: usize,
    key_end: usize,
    end: usize,
}

/// Writes the value at `b[i]` as `JSON.stringify(JSON.parse(...))` would; returns the index
/// after it. `members` is scratch space shared by the nested objects.
pub(crate) fn value(
    b: &[u8],
    i: usize,
    out: &mut Vec<u8>,
    members: &mut Vec<Member>,
) -> Result<usize, ConvertError> {
    match b.get(i) {
        Some(b'"') => string(b, i, out),
        Some(b'[') => {
            out.push(b'[');
            let mut i = i + 1;
            if b.get(i) == Some(&b']') {
                out.push(b']');
                return Ok(i + 1);
            }
            loop {
                i = value(b, i, out, members)?;
                match b.get(i) {
                    Some(b',') => {
                        out.push(b',');
                        i += 1;
                    }
                    Some(b']') => {
                        out.push(b']');
                        return Ok(i + 1);
                    }
                    _ => return Err(CUT),
                }
            }
        }
        Some(b'{') => object(b, i, out, members),
        Some(b't' | b'f' | b'n') => {
            let len = if b.get(i) == Some(&b'f') { 5 } else { 4 };
            out.extend_from_slice(b.get(i..i + len).ok_or(CUT)?);
            Ok(i + len)
        }
        Some(_) => number(b, i, out),
        None => Err(CUT),
    }
}

fn object(
    b: &[u8],
    i: usize,
    out: &mut Vec<u8>,
    members: &mut Vec<Member>,
) -> Result<usize, ConvertError> {
    let at = out.len();
    out.push(b'{');
    let mut i = i + 1;
    if b.get(i) == Some(&b'}') {
        out.push(b'}');
        return Ok(i + 1);
    }
    let base = members.len();
    loop {
        let start = out.len();
        i = string(b, i, out)?;
        let key_end = out.len();
        if b.get(i) != Some(&b':') {
            return Err(CUT);
        }
        out.push(b':');
        i = value(b, i + 1, out, members)?;
        members.push(Member {
            start,
            key_end,
            end: out.len(),
        });
        match b.get(i) {
            Some(b',') => {
                out.push(b',');
                i += 1;
            }
            Some(b'}') => {
                out.push(b'}');
                i += 1;
                break;
            }
            _ => return Err(CUT),
        }
    }
    reorder(out, at, &members[base..]);
    members.truncate(base);
    Ok(i)
}

/// The index a key's written text (quotes included) names, when it is an array index as
/// JavaScript orders them: `0` or a digit string without leading zero below 2^32 - 1.
fn index_key(key: &[u8]) -> Option<u64> {
    let digits = key.get(1..key.len().checked_sub(1)?)?;
    if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits.len() > 1 && digits[0] == b'0' {
        return None;
    }
    let n = digits
        .iter()
        .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
    (n < u32::MAX as u64).then_some(n)
}

/// Puts the object written at `out[at..]` in the order `JSON.parse` leaves its keys, when
/// that is not the order written: the keys' written texts are equal exactly when the keys are.
fn reorder(out: &mut Vec<u8>, at: usize, members: &[Member]) {
    let key = |m: &Member| &out[m.start..m.key_end];
    let indexed = members.iter().any(|m| index_key(key(m)).is_some());
    let repeated = if members.len() <= 16 {
        members
            .iter()
            .enumerate()
            .any(|(k, m)| members[..k].iter().any(|p| key(p) == key(m)))
    } else {
        let mut seen = HashSet::with_capacity(members.len());
        !members.iter().all(|m| seen.insert(key(m)))
    };
    if !indexed && !repeated {
        return;
    }
    // Each distinct key once, at its first place, with its last member.
    let mut order: Vec<(Option<u64>, usize)> = Vec::new();
    let mut place: HashMap<&[u8], usize> = HashMap::with_capacity(members.len());
    for (k, m) in members.iter().enumerate() {
        match place.get(key(m)) {
            Some(&j) => order[j].1 = k,
            None => {
                place.insert(key(m), order.len());
                order.push((index_key(key(m)), k));
            }
        }
    }
    drop(place);
    // Integer keys first, ascending; the others keep their order (the sort is stable).
    order.sort_by_key(|&(n, _)| match n {
        Some(n) => (0, n),
        None => (1, 0),
    });
    let mut text = Vec::with_capacity(out.len() - at);
    text.push(b'{');
    for (j, &(_, last)) in order.iter().enumerate() {
        if j > 0 {
            text.push(b',');
        }
        let m = members[last];
        text.extend_from_slice(&out[m.start..m.end]);
    }
    text.push(b'}');
    out.truncate(at);
    out.extend_from_slice(&text);
}

/// Writes the number at `b[i]` as JavaScript prints the double it reads as.
fn number(b: &[u8], i: usize, out: &mut Vec<u8>) -> Result<usize, ConvertError> {
    let len = b[i..]
        .iter()
        .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        .unwrap_or(b.len() - i);
    let text = &b[i..i + len];
    if len == 0 {
        return Err(ConvertError::Internal("an unexpected byte in a record"));
    }
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    // Integers of up to 15 digits are exact doubles, printed as written (but `-0` as `0`).
    if digits.len() <= 15 && digits.iter().all(u8::is_ascii_digit) {
        if text == b"-0" {
            out.push(b'0');
        } else {
            out.extend_from_slice(text);
        }
        return Ok(i + len);
    }
    let x: f64 = std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or(ConvertError::Internal("a bad number in a record"))?;
    js_number(x, out);
    Ok(i + len)
}

/// ECMAScript's Number::toString for a double, `null` for an infinity (JSON.stringify's).
fn js_number(x: f64, out: &mut Vec<u8>) {
    if !x.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    if x == 0.0 {
        out.push(b'0');
        return;
    }
    if x < 0.0 {
        out.push(b'-');
    }
    // Rust's `{:e}` gives the fewest digits that read back to `x`, as JavaScript does, but
    // where two such digit strings are equally near `x` it may take the upper one, and
    // JavaScript takes the even one (2183011377016175.25 prints as ...175.2, not ...175.3).
    // Printing `x` exactly to that many digits rounds half to even, as JavaScript does.
    let shortest = format!("{:e}", x.abs());
    let count = shortest
        .split_once('e')
        .map_or(shortest.as_str(), |(m, _)| m)
        .bytes()
        .filter(u8::is_ascii_digit)
        .count();
    let sci = format!("{:.*e}", count.saturating_sub(1), x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: Vec<u8> = mantissa.bytes().filter(|&c| c != b'.').collect();
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    if k <= n && n <= 21 {
        out.extend_from_slice(&digits);
        out.extend(std::iter::repeat_n(b'0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.extend_from_slice(&digits[..n as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-n) as usize));
        out.extend_from_slice(&digits);
    } else {
        out.push(digits[0]);
        if k > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if n > 0 { b'+' } else { b'-' });
        out.extend_from_slice((n - 1).unsigned_abs().to_string().as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restringify(text: &str) -> String {
        let mut out = Vec::new();
        let end = value(text.as_bytes(), 0, &mut out, &mut Vec::new()).unwrap();
        assert_eq!(end, text.len());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_as_javascript_prints_them() {
        for (given, want) in [
            ("0", "0"),
            ("-0", "0"),
            ("-0.0", "0"),
            ("1.0", "1"),
            ("1.50", "1.5"),
            ("1e2", "100"),
            ("1E+2", "100"),
            ("123456789012345678901234", "1.2345678901234569e+23"),
            ("12345678901234567890", "12345678901234567000"),
            ("1e21", "1e+21"),
            ("1e20", "100000000000000000000"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1e-7"),
            ("-1.5e-10", "-1.5e-10"),
            ("1e400", "null"),
            ("-1e400", "null"),
            ("5e-324", "5e-324"),
            ("0.1", "0.1"),
            ("123456.789e3", "123456789"),
            ("999999999999999", "999999999999999"),
            ("9007199254740993", "9007199254740992"),
            ("2183011377016175.2", "2183011377016175.2"),
            ("18797042226995.562", "18797042226995.562"),
            ("907637814717670.25", "907637814717670.2"),
            ("-1416366535943468.2", "-1416366535943468.2"),
        ] {
            assert_eq!(restringify(given), want, "{given}");
        }
    }

    #[test]
    fn keys_in_javascript_order() {
        assert_eq!(
            restringify(r#"{"b":1,"a":2,"b":3}"#),
            r#"{"b":3,"a":2}"#,
            "a repeated key keeps its first place and its last value"
        );
        assert_eq!(
            restringify(r#"{"x":1,"10":2,"2":3,"01":4,"-1":5,"4294967295":6,"4294967294":7}"#),
            r#"{"2":3,"10":2,"4294967294":7,"x":1,"01":4,"-1":5,"4294967295":6}"#
        );
        assert_eq!(
            restringify(r#"{"a":{"1":[{"c":1,"c":2}],"0":null},"\u0061":true}"#),
            r#"{"a":true}"#
        );
        assert_eq!(
            restringify(r#"{"k":{"1":{"z":1,"y":{"3":1,"2":2}},"0":[]}}"#),
            r#"{"k":{"0":[],"1":{"z":1,"y":{"2":2,"3":1}}}}"#
        );
        assert_eq!(restringify(r#"{"__proto__":1}"#), r#"{"__proto__":1}"#);
    }

    #[test]
    fn many_keys_found_repeated() {
        let keys: Vec<String> = (0..40).map(|k| format!("\"k{k}\":{k}")).collect();
        let text = format!("{{{},\"k3\":true}}", keys.join(","));
        let got = restringify(&text);
        assert!(
            got.starts_with(r#"{"k0":0,"k1":1,"k2":2,"k3":true,"k4":4"#),
            "{got}"
        );
        assert_eq!(got.matches("\"k3\":").count(), 1);
    }
}
