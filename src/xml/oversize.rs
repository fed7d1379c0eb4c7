//! Spots a construct that has not ended yet but is already over a limit, so that a giant
//! name, comment or CDATA section fails with its own error as soon as the limit is passed,
//! instead of growing the pending input up to `maxRecordBytes`. The bytes reported are the
//! same ones the check on the finished construct reports, so chunking never changes an error.

use super::attrs::{name_too_long, text_too_long, Fault};
use super::chars::is_xml_space;
use crate::limits::Limits;

/// `w` is the start of a construct known not to end within `w` (no `>` in it, or quick-xml
/// found it unclosed). Returns the limit it already breaks, if any.
pub fn check(w: &[u8], limits: &Limits) -> Option<Fault> {
    let over_text = |open: usize, close: usize| {
        // Up to `close - 1` bytes at the end may be the start of the terminator.
        w.len().saturating_sub(open + close - 1) > limits.max_text_length
    };
    if w.starts_with(b"<!--") {
        // A `--` inside fails the finished comment, and arriving byte by byte it fails it
        // first unless it comes after the limit's byte; `w` may hold more than that prefix.
        let clean = memchr::memmem::find(&w[4..], b"--").is_none_or(|i| i > limits.max_text_length);
        return (clean && over_text(4, 3)).then(|| text_too_long(4, "a comment", limits));
    }
    if w.starts_with(b"<![CDATA[") {
        return over_text(9, 3).then(|| text_too_long(9, "a CDATA section", limits));
    }
    if w.starts_with(b"<!") {
        // A DOCTYPE, or markup that is an error once complete: `maxRecordBytes` bounds it.
        return None;
    }
    if w.starts_with(b"<?") {
        if long_name(&w[2..], limits, |b| b == b'?') {
            return Some(name_too_long(2, "a processing-instruction target", limits));
        }
        return over_text(2, 2).then(|| text_too_long(2, "a processing instruction", limits));
    }
    if w.starts_with(b"</") {
        return long_name(&w[2..], limits, |b| b == b'>')
            .then(|| name_too_long(2, "an element", limits));
    }
    if w.starts_with(b"<") {
        // quick-xml reads quoted text inside a tag as an attribute value, so a quote ends
        // what this check may call a name.
        return long_name(&w[1..], limits, |b| matches!(b, b'>' | b'/' | b'"' | b'\''))
            .then(|| name_too_long(1, "an element", limits));
    }
    if w.starts_with(b"&") {
        return long_name(&w[1..], limits, |b| matches!(b, b';' | b'<' | b'&'))
            .then(|| name_too_long(1, "an entity", limits));
    }
    None
}

/// Whether `s` starts with more than `maxNameLength` bytes before white space or `ends`.
fn long_name(s: &[u8], limits: &Limits, ends: impl Fn(u8) -> bool) -> bool {
    let max = limits.max_name_length;
    s.len() > max && !s[..=max].iter().any(|&b| is_xml_space(b) || ends(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn small() -> Limits {
        Limits {
            max_name_length: 4,
            max_text_length: 8,
            ..Limits::default()
        }
    }

    fn code_at(w: &str) -> Option<(ErrorCode, usize)> {
        check(w.as_bytes(), &small()).map(|f| (f.code, f.at))
    }

    #[test]
    fn names_over_the_limit_are_caught_before_they_end() {
        assert_eq!(code_at("<abcd"), None);
        assert_eq!(code_at("<abcde"), Some((ErrorCode::NameTooLong, 1)));
        assert_eq!(code_at("<abcd x='1"), None);
        assert_eq!(code_at("</abcde"), Some((ErrorCode::NameTooLong, 2)));
        assert_eq!(code_at("<?abcde"), Some((ErrorCode::NameTooLong, 2)));
        assert_eq!(code_at("&abcde"), Some((ErrorCode::NameTooLong, 1)));
        assert_eq!(code_at("&abcd"), None);
    }

    #[test]
    fn a_double_hyphen_wins_only_if_it_comes_before_the_limit() {
        // Byte by byte, `--` at content index 8 or less arrives before the 9th content byte.
        assert_eq!(code_at("<!--12345678--xxxxxxxx"), None);
        assert_eq!(
            code_at("<!--123456789--xxxxxxx"),
            Some((ErrorCode::TextTooLong, 12))
        );
    }

    #[test]
    fn text_like_constructs_allow_for_a_partial_terminator() {
        // 8 content bytes and a possible `--` of the terminator: not over yet.
        assert_eq!(code_at("<!--12345678--"), None);
        assert_eq!(
            code_at("<!--123456789--"),
            Some((ErrorCode::TextTooLong, 12))
        );
        assert_eq!(code_at("<![CDATA[12345678]]"), None);
        assert_eq!(
            code_at("<![CDATA[123456789]]"),
            Some((ErrorCode::TextTooLong, 17))
        );
        assert_eq!(code_at("<?pi 56789?"), None);
        assert_eq!(code_at("<?pi 567890?"), Some((ErrorCode::TextTooLong, 10)));
        assert_eq!(code_at("<!DOCTYPE aaaaaaaaaaaaaaaaaaaaaaaa"), None);
        // A `--` inside is the finished comment's error, whatever its length.
        assert_eq!(code_at("<!--12--56789abcdef"), None);
        assert_eq!(
            code_at("<!--123456789abc--"),
            Some((ErrorCode::TextTooLong, 12))
        );
        assert_eq!(code_at("<ab\"cdefgh"), None);
    }
}
