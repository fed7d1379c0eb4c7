//! Finding where to resume after a malformed record (`onError: 'skip'`).
//!
//! Once a record is known to be broken, its bytes cannot be trusted to nest properly, so
//! they are not tokenised again: the raw input is scanned for the first of
//!
//! 1. the record's own end tag `</name>` (resume after it),
//! 2. a start tag that a selector would pick as a sibling of the record (resume at it),
//! 3. the end tag of the record's parent (resume at it, so it closes the parent).
//!
//! Comments, CDATA sections and processing instructions are stepped over whole, so a `<`
//! inside them is never taken for a tag. Elements inside the record may share the parent's
//! name: the parent-named elements still open in the record (`Scan::open`) are counted, and
//! an end tag with the parent's name closes one of those before it can be the parent's.

use memchr::{memchr, memmem};

use super::chars::is_xml_space;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Resume at this offset, with the record's parent as the innermost open element.
    At(usize),
    /// No resume point yet. Bytes before `keep` can be dropped; any resume point found later
    /// lies at `reach` or beyond, which is what `maxRecordBytes` is judged on, so that a
    /// piece ending inside a candidate tag decides exactly as the whole input does. At the
    /// end of input this means there is none.
    More { keep: usize, reach: usize },
}

/// What the scan carries from one piece of input to the next.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scan {
    /// Elements named like the record's parent, opened inside the record and not yet closed.
    pub open: usize,
}

/// Constructs whose contents may hold a `<` that is not a tag.
const OPAQUE: [(&[u8], &[u8]); 3] = [(b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>")];

/// Scans `buf` for a resume point. `sibling(qname)` says whether a start tag with that name
/// would be selected next to the dropped record. A start tag's name longer than `max_name`
/// is judged on its first `max_name + 1` bytes (no selector names that many, so only a
/// wildcard can match it either way): held input then stays bounded while a name arrives.
/// `scan` is updated for the tags before the returned `keep` only, so that a later call
/// from `keep` goes on where this one stopped.
pub fn find(
    buf: &[u8],
    at_eof: bool,
    (record, parent): (&[u8], &[u8]),
    max_name: usize,
    scan: &mut Scan,
    sibling: &mut dyn FnMut(&[u8]) -> bool,
) -> Found {
    let wait = |p: usize| Found::More { keep: p, reach: p };
    let mut i = 0;
    'scan: while let Some(lt) = memchr(b'<', &buf[i..]) {
        let p = i + lt;
        let rest = &buf[p..];
        for (open, close) in OPAQUE {
            if rest.starts_with(open) {
                match memmem::find(&rest[open.len()..], close) {
                    Some(k) => {
                        i = p + open.len() + k + close.len();
                        continue 'scan;
                    }
                    // Nothing inside can be a resume point: the earliest is past its end.
                    None => {
                        return Found::More {
                            keep: p,
                            reach: buf.len(),
                        }
                    }
                }
            }
            if !at_eof && rest.len() < open.len() && open.starts_with(rest) {
                return wait(p);
            }
        }
        if let Some(after) = rest.strip_prefix(b"</") {
            let n = name_len(after);
            let longest = record.len().max(parent.len());
            if n == after.len() {
                if !at_eof && n <= longest {
                    return wait(p);
                }
            } else if &after[..n] == record {
                let k = 2 + n + after[n..].iter().take_while(|&&b| is_xml_space(b)).count();
                match rest.get(k) {
                    Some(b'>') => return Found::At(p + k + 1),
                    None if !at_eof => {
                        return Found::More {
                            keep: p,
                            reach: buf.len(),
                        }
                    }
                    _ => {}
                }
            } else if &after[..n] == parent {
                if scan.open == 0 {
                    return Found::At(p);
                }
                scan.open -= 1;
            }
        } else {
            let n = name_len(&rest[1..]);
            let cut = n.min(max_name.saturating_add(1));
            if cut == n && 1 + n == rest.len() {
                if !at_eof {
                    return wait(p);
                }
            } else if n > 0 && sibling(&rest[1..1 + cut]) {
                return Found::At(p);
            } else if n > 0 {
                // Any other start tag is walked to its end as the tokenizer reads it, so that
                // an end tag in one of its attribute values is not taken for one.
                let end = walk_tag(&rest[1 + n..], max_name, sibling);
                match end {
                    TagEnd::Open(k) | TagEnd::Empty(k) => {
                        if matches!(end, TagEnd::Open(_)) && &rest[1..1 + n] == parent {
                            scan.open += 1;
                        }
                        i = p + 1 + n + k;
                        continue 'scan;
                    }
                    TagEnd::Unfinished(reach) if !at_eof => {
                        return Found::More {
                            keep: p,
                            reach: p + 1 + n + reach,
                        }
                    }
                    TagEnd::Unfinished(_) | TagEnd::Broken => {}
                }
            }
        }
        i = p + 1;
    }
    Found::More {
        keep: buf.len(),
        reach: buf.len(),
    }
}

pub(super) enum TagEnd {
    /// A start tag that opens an element, `k` bytes on.
    Open(usize),
    /// An empty-element tag, `k` bytes on.
    Empty(usize),
    /// Not a tag to step over: a `<` outside its quoted values, or one in them that may begin
    /// a resume point.
    Broken,
    /// The input ends first; no resume point in it lies before this many bytes on.
    Unfinished(usize),
}

/// Where the start tag whose name ends at the start of `s` ends: at the first `>` outside
/// quoted values. Any `<` outside them, or an end of input with no such `>`, and it is broken.
pub(super) fn tag_end(s: &[u8]) -> TagEnd {
    walk(s, &mut |_: &[u8]| true)
}

/// [`tag_end`], except that a `<` inside a quoted value (not well-formed, but the tokenizer
/// reads on) is stepped over unless it begins a start tag `sibling` would take: a selected
/// start tag is never stepped over. Names are judged on their first `max_name + 1` bytes.
fn walk_tag(s: &[u8], max_name: usize, sibling: &mut dyn FnMut(&[u8]) -> bool) -> TagEnd {
    walk(s, &mut |after: &[u8]| {
        let n = name_len(after);
        let cut = n.min(max_name.saturating_add(1));
        n > 0 && sibling(&after[..cut])
    })
}

/// `stop(after)` says whether a `<` in a quoted value, followed by `after`, ends the walk.
fn walk(s: &[u8], stop: &mut dyn FnMut(&[u8]) -> bool) -> TagEnd {
    let mut quote = None;
    for (k, &b) in s.iter().enumerate() {
        match (b, quote) {
            (b'<', None) => return TagEnd::Broken,
            (b'<', Some(_)) => {
                let after = &s[k + 1..];
                // A name cut by the end of input cannot be judged yet.
                if name_len(after) == after.len() {
                    return TagEnd::Unfinished(k);
                }
                if stop(after) {
                    return TagEnd::Broken;
                }
            }
            (b'"' | b'\'', None) => quote = Some(b),
            (q, Some(open)) if q == open => quote = None,
            (b'>', None) if k > 0 && s[k - 1] == b'/' => return TagEnd::Empty(k + 1),
            (b'>', None) => return TagEnd::Open(k + 1),
            _ => {}
        }
    }
    TagEnd::Unfinished(s.len())
}

/// Length of the name at the start of `s`: up to white space, `/`, `>`, `<` or the end.
/// A control character ends it too: no name holds one, and a tag broken by one is judged,
/// as the tokenizer reports it, by the name before it.
pub(super) fn name_len(s: &[u8]) -> usize {
    s.iter()
        .position(|&b| b <= b' ' || b == b'/' || b == b'>' || b == b'<')
        .unwrap_or(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(buf: &str, at_eof: bool) -> Found {
        run_open(buf, at_eof, &mut Scan::default())
    }

    fn run_open(buf: &str, at_eof: bool, scan: &mut Scan) -> Found {
        find(buf.as_bytes(), at_eof, (b"R", b"List"), 8, scan, &mut |q| {
            q == b"R"
        })
    }

    fn more(keep: usize, reach: usize) -> Found {
        Found::More { keep, reach }
    }

    #[test]
    fn resume_points() {
        assert_eq!(run("x</a></R>tail", false), Found::At(9));
        assert_eq!(run("x</a></R >", false), Found::At(10));
        assert_eq!(run("x<b/><R id='1'>", false), Found::At(5));
        assert_eq!(run("x</a></List>", false), Found::At(5));
        assert_eq!(
            run("<!-- </R> --><![CDATA[<R>]]><?p <R>?></R>", false),
            Found::At(41)
        );
    }

    #[test]
    fn waits_for_what_is_cut() {
        assert_eq!(run("abc", false), more(3, 3));
        assert_eq!(run("ab</R", false), more(2, 2));
        assert_eq!(run("ab<!-", false), more(2, 2));
        assert_eq!(run("ab<!-- x", false), more(2, 8));
        assert_eq!(run("ab</R  ", false), more(2, 7));
        assert_eq!(run("ab<", false), more(2, 2));
        assert_eq!(run("ab</R", true), more(5, 5));
        assert_eq!(run("ab<!-- x", true), more(2, 8));
    }

    #[test]
    fn long_names_are_judged_on_their_start() {
        // Longer than both the record's and the parent's names: no end tag to wait for.
        assert_eq!(run("ab</Listing", false), more(11, 11));
        // A start tag name past `max_name` (8) is decided without waiting for its end.
        let mut seen = Vec::new();
        let scan = &mut Scan::default();
        let found = find(
            b"x<abcdefghijk",
            false,
            (b"R", b"List"),
            8,
            scan,
            &mut |q| {
                seen.push(q.to_vec());
                true
            },
        );
        assert_eq!(found, Found::At(1));
        assert_eq!(seen, vec![b"abcdefghi".to_vec()]);
    }

    #[test]
    fn elements_named_like_the_parent_close_before_it() {
        assert_eq!(run("<List>x</List></List>", false), Found::At(14));
        assert_eq!(run("<List a='>'>x</List></List>", false), Found::At(20));
        assert_eq!(run("<List/></List>", false), Found::At(7));
        assert_eq!(run("<List a=\"/>\"/></List>", false), Found::At(14));
        assert_eq!(run("<p:List>x</p:List></List>", false), Found::At(18));
        // Its own end tag and a sibling still come first.
        assert_eq!(run("<List></R>", false), Found::At(10));
        assert_eq!(run("<List><R>", false), Found::At(6));
        // A `<` in the tag: not counted, and the `<` is looked at.
        assert_eq!(run("<List a='<R>'></List>", false), Found::At(9));
        assert_eq!(run("<List <b></List>", false), Found::At(9));
        // Already open when the record broke.
        let scan = &mut Scan { open: 1 };
        assert_eq!(run_open("</List></List>", false, scan), Found::At(7));
        assert_eq!(scan.open, 0);
    }

    #[test]
    fn counts_carry_across_pieces() {
        let scan = &mut Scan::default();
        assert_eq!(run_open("x<List a='", false, scan), more(1, 10));
        assert_eq!(scan.open, 0);
        assert_eq!(run_open("<List a='1'>y</Li", false, scan), more(13, 13));
        assert_eq!(scan.open, 1);
        assert_eq!(run_open("</List></List>", false, scan), Found::At(7));
        assert_eq!(run_open("x<List ", true, &mut Scan::default()), more(7, 7));
    }
}
