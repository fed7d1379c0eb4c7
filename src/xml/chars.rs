//! Character-level checks XML 1.0 demands and the tokenizer leaves to us: UTF-8 validity,
//! forbidden control characters, U+FFFE/U+FFFF, and references.

/// What is wrong at a given byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bad {
    NotUtf8,
    Forbidden(u32),
    /// Bytes the document's encoding does not define: decoding stopped here.
    Undecodable,
}

/// Scans `s` for the first character XML forbids. Returns `Ok(valid_len)` where `valid_len`
/// may stop short of `s.len()` at a UTF-8 sequence cut by the end of the chunk, or the
/// offset and reason of the first bad character.
pub fn scan(s: &[u8]) -> Result<usize, (usize, Bad)> {
    // SIMD validation with std's error semantics (`valid_up_to`, `error_len`): every input
    // byte passes here once, and std's validator took 17% of the XML core's time.
    let valid = match simdutf8::compat::from_utf8(s) {
        Ok(_) => s.len(),
        Err(e) => match e.error_len() {
            Some(_) => {
                let at = e.valid_up_to();
                check_controls(&s[..at])?;
                return Err((at, Bad::NotUtf8));
            }
            None => e.valid_up_to(),
        },
    };
    check_controls(&s[..valid])?;
    Ok(valid)
}

/// Offset of the first control character XML forbids (below 0x20 but tab, LF, CR).
#[inline(always)]
fn first_control(s: &[u8]) -> Option<usize> {
    // Whole-block test first: it vectorises, and almost every block is clean. Large blocks
    // spread the test's final reduction thin (64 bytes: 3.7M instructions on c5.xml, 1 KiB: 2.0M).
    const BLOCK: usize = 1024;
    let bad = |b: u8| b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r';
    for (k, block) in s.chunks(BLOCK).enumerate() {
        if block.iter().fold(false, |acc, &b| acc | bad(b)) {
            let i = block.iter().position(|&b| bad(b)).unwrap_or(0);
            return Some(k * BLOCK + i);
        }
    }
    None
}

/// [`first_control`] compiled for AVX2: every input byte passes it, and at twice SSE2's width
/// it takes ~5 fewer instructions per KiB (callgrind).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn first_control_avx2(s: &[u8]) -> Option<usize> {
    first_control(s)
}

fn find_control(s: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above), the one requirement of calling
        // a `target_feature(enable = "avx2")` function; its body is safe code.
        return unsafe { first_control_avx2(s) };
    }
    first_control(s)
}

fn check_controls(s: &[u8]) -> Result<(), (usize, Bad)> {
    let control = find_control(s);
    // U+FFFE and U+FFFF are EF BF BE / EF BF BF. Only one before the control character
    // counts: the first bad character is reported, whatever the chunking.
    let before = &s[..control.unwrap_or(s.len())];
    for i in memchr::memchr_iter(0xEF, before) {
        if s.get(i + 1) == Some(&0xBF) && matches!(s.get(i + 2), Some(0xBE | 0xBF)) {
            let cp = if s[i + 2] == 0xBE { 0xFFFE } else { 0xFFFF };
            return Err((i, Bad::Forbidden(cp)));
        }
    }
    match control {
        Some(at) => Err((at, Bad::Forbidden(s[at] as u32))),
        None => Ok(()),
    }
}

/// The XML 1.0 `Char` production.
pub fn is_xml_char(c: u32) -> bool {
    matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// XML white space (`S`), as opposed to JavaScript's wider notion used for trimming values.
pub fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// A resolved reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    Char(char),
    /// Not one of the five predefined entities.
    Undefined,
    /// `&#...;` that is malformed or names a character XML forbids.
    Invalid,
}

/// Resolves the name between `&` and `;`.
pub fn resolve(name: &[u8]) -> Ref {
    match name {
        b"lt" => Ref::Char('<'),
        b"gt" => Ref::Char('>'),
        b"amp" => Ref::Char('&'),
        b"apos" => Ref::Char('\''),
        b"quot" => Ref::Char('"'),
        [b'#', b'x', hex @ ..] => char_ref(hex, 16),
        [b'#', dec @ ..] => char_ref(dec, 10),
        _ => Ref::Undefined,
    }
}

fn char_ref(digits: &[u8], radix: u32) -> Ref {
    if digits.is_empty() {
        return Ref::Invalid;
    }
    // Leading zeros are allowed in any number; the value must fit once they are gone.
    let mut v: u32 = 0;
    for &d in digits {
        match (d as char).to_digit(radix) {
            Some(x) => v = v.saturating_mul(radix).saturating_add(x),
            None => return Ref::Invalid,
        }
    }
    match char::from_u32(v) {
        Some(c) if is_xml_char(v) => Ref::Char(c),
        _ => Ref::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_control_is_found_at_every_offset_whichever_code_runs() {
        let mut s = vec![b' '; 2100];
        s[7] = b'\t';
        s[1500] = b'\n';
        s[1501] = b'\r';
        assert_eq!(find_control(&s), None);
        assert_eq!(first_control(&s), None);
        for at in (0..2100).step_by(7).chain([1023, 1024, 2047, 2048, 2099]) {
            let mut t = s.clone();
            t[at] = 0x1f;
            t[2099] = 0x01;
            assert_eq!(find_control(&t), Some(at));
            assert_eq!(first_control(&t), Some(at));
        }
    }

    #[test]
    fn scan_finds_bad_characters_and_cut_sequences() {
        assert_eq!(scan(b"<a>ok</a>"), Ok(9));
        assert_eq!(scan("é".as_bytes()[..1].as_ref()), Ok(0));
        assert_eq!(scan(b"ab\x01"), Err((2, Bad::Forbidden(1))));
        assert_eq!(scan(b"ab\xff"), Err((2, Bad::NotUtf8)));
        assert_eq!(
            scan("x\u{FFFF}".as_bytes()),
            Err((1, Bad::Forbidden(0xFFFF)))
        );
        let long = [b"a".repeat(200), b"\x0b".to_vec()].concat();
        assert_eq!(scan(&long), Err((200, Bad::Forbidden(0xB))));
    }

    #[test]
    fn references() {
        assert_eq!(resolve(b"amp"), Ref::Char('&'));
        assert_eq!(resolve(b"#x1F3B5"), Ref::Char('🎵'));
        assert_eq!(resolve(b"#65"), Ref::Char('A'));
        assert_eq!(resolve(b"#0"), Ref::Invalid);
        assert_eq!(resolve(b"#xD800"), Ref::Invalid);
        assert_eq!(resolve(b"#X41"), Ref::Invalid);
        assert_eq!(resolve(b"#x0000000000000000000041"), Ref::Char('A'));
        assert_eq!(resolve(b"#99999999999999999999"), Ref::Invalid);
        assert_eq!(resolve(b"nbsp"), Ref::Undefined);
    }
}
