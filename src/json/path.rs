//! JSON record selectors: a small JSONPath subset. `$` is the root; each further step is
//! `.key`, `['key']` / `["key"]`, `[n]` (an array index), or `.*` / `[*]` (any member or
//! element). Paths are always anchored at the root, so a value matches exactly when its own
//! path has as many steps as the selector and every step agrees.

use crate::error::{Error, ErrorCode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// An object member with this (decoded) key.
    Key(Vec<u8>),
    /// An array element at this index.
    Index(u64),
    /// Any object member or array element.
    Any,
}

#[derive(Debug, Clone)]
pub(crate) struct Path {
    source: String,
    steps: Vec<Step>,
}

impl Path {
    pub(crate) fn parse(source: &str) -> Result<Path, Error> {
        let bad = |why: &str| {
            Error::unpositioned(
                ErrorCode::InvalidOption,
                format!("invalid JSON selector `{source}`: {why}"),
            )
        };
        let s = source.trim().as_bytes();
        if s.first() != Some(&b'$') {
            return Err(bad("it must start with `$` (the root)"));
        }
        let mut steps = Vec::new();
        let mut i = 1;
        while i < s.len() {
            match s[i] {
                b'.' => {
                    i += 1;
                    match s.get(i) {
                        None => return Err(bad("nothing after `.`")),
                        Some(b'.') => return Err(bad("recursive descent `..` is not supported")),
                        Some(b'*') => {
                            steps.push(Step::Any);
                            i += 1;
                        }
                        Some(_) => {
                            let start = i;
                            while i < s.len() && !is_name_end(s[i]) {
                                i += 1;
                            }
                            if i == start {
                                return Err(bad("expected a member name after `.`"));
                            }
                            steps.push(Step::Key(s[start..i].to_vec()));
                        }
                    }
                }
                b'[' => {
                    i = skip_spaces(s, i + 1);
                    let step = match s.get(i) {
                        Some(b'*') => {
                            i += 1;
                            Step::Any
                        }
                        Some(&q @ (b'\'' | b'"')) => {
                            let mut key = Vec::new();
                            i += 1;
                            loop {
                                match s.get(i) {
                                    None => return Err(bad("unterminated quoted name")),
                                    Some(&c) if c == q => break,
                                    Some(b'\\') => match s.get(i + 1) {
                                        Some(&c @ (b'\\' | b'\'' | b'"')) => {
                                            key.push(c);
                                            i += 2;
                                        }
                                        _ => {
                                            return Err(bad(
                                                "only \\\\, \\' and \\\" escapes are supported in quoted names",
                                            ))
                                        }
                                    },
                                    Some(&c) => {
                                        key.push(c);
                                        i += 1;
                                    }
                                }
                            }
                            i += 1;
                            Step::Key(key)
                        }
                        Some(b'0'..=b'9') => {
                            let mut n: u64 = 0;
                            while let Some(&d @ b'0'..=b'9') = s.get(i) {
                                n = n
                                    .checked_mul(10)
                                    .and_then(|n| n.checked_add(u64::from(d - b'0')))
                                    .ok_or_else(|| bad("array index too large"))?;
                                i += 1;
                            }
                            Step::Index(n)
                        }
                        Some(b'-') => return Err(bad("negative indices are not supported")),
                        _ => return Err(bad("expected `*`, a quoted name or an index after `[`")),
                    };
                    i = skip_spaces(s, i);
                    if s.get(i) != Some(&b']') {
                        return Err(bad(
                            "expected `]` (slices, unions and filters are not supported)",
                        ));
                    }
                    i += 1;
                    steps.push(step);
                }
                _ => return Err(bad("expected `.` or `[` to start the next step")),
            }
        }
        Ok(Path {
            source: source.to_string(),
            steps,
        })
    }

    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    pub(crate) fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Whether a value at `path` matches. Steps of `path` are `Ok(key)` for object members and
    /// `Err(index)` for array elements. (The parser matches incrementally; this whole-path
    /// form states the same rule plainly and serves the tests.)
    #[cfg(test)]
    pub(crate) fn matches(&self, path: &[Result<&[u8], u64>]) -> bool {
        path.len() == self.steps.len()
            && self
                .steps
                .iter()
                .zip(path)
                .all(|(step, seg)| step.accepts(*seg))
    }
}

impl Step {
    /// Whether this step accepts a member (`Ok(key)`) or element (`Err(index)`).
    #[inline]
    pub(crate) fn accepts(&self, seg: Result<&[u8], u64>) -> bool {
        match (self, seg) {
            (Step::Any, _) => true,
            (Step::Key(k), Ok(key)) => k.as_slice() == key,
            (Step::Index(n), Err(index)) => *n == index,
            _ => false,
        }
    }
}

fn is_name_end(b: u8) -> bool {
    matches!(
        b,
        b'.' | b'[' | b']' | b'\'' | b'"' | b' ' | b'\t' | b'\n' | b'\r'
    )
}

fn skip_spaces(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i] == b' ' {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(src: &str) -> Vec<Step> {
        Path::parse(src).unwrap().steps
    }

    #[test]
    fn parses_the_subset() {
        assert_eq!(steps("$"), vec![]);
        assert_eq!(steps(" $ "), vec![]);
        assert_eq!(
            steps("$.items[*]"),
            vec![Step::Key(b"items".to_vec()), Step::Any]
        );
        assert_eq!(
            steps("$['a b'][\"c.d\"][ 3 ].*"),
            vec![
                Step::Key(b"a b".to_vec()),
                Step::Key(b"c.d".to_vec()),
                Step::Index(3),
                Step::Any
            ]
        );
        assert_eq!(steps("$['it\\'s']"), vec![Step::Key(b"it's".to_vec())]);
        assert_eq!(steps("$.caf\u{e9}"), vec![Step::Key("caf\u{e9}".into())]);
        assert_eq!(steps("$[0][12]"), vec![Step::Index(0), Step::Index(12)]);
        assert_eq!(Path::parse("$.a").unwrap().source(), "$.a");
    }

    #[test]
    fn rejects_what_it_does_not_support() {
        for bad in [
            "",
            "a",
            "items",
            "$.",
            "$..a",
            "$[",
            "$[-1]",
            "$[0:2]",
            "$[?(@.a)]",
            "$['a'",
            "$[a]",
            "$a",
            "$.a[1,2]",
            "$[99999999999999999999999]",
            "$['\\n']",
        ] {
            let e = Path::parse(bad).expect_err(bad);
            assert_eq!(e.code, ErrorCode::InvalidOption, "{bad}");
            assert!(e.message.contains("invalid JSON selector"), "{}", e.message);
        }
    }

    #[test]
    fn matches_whole_paths() {
        let p = |s: &str| Path::parse(s).unwrap();
        let items0: [Result<&[u8], u64>; 2] = [Ok(b"items"), Err(0)];
        assert!(p("$.items[*]").matches(&items0));
        assert!(p("$.items[0]").matches(&items0));
        assert!(p("$.*.*").matches(&items0));
        assert!(p("$['items'][*]").matches(&items0));
        assert!(!p("$.items[1]").matches(&items0));
        assert!(!p("$.items").matches(&items0), "anchored: no prefix match");
        assert!(!p("$.items[*].x").matches(&items0));
        assert!(
            !p("$.items.0").matches(&items0),
            "a name never matches an index"
        );
        assert!(
            !p("$[0][0]").matches(&items0),
            "an index never matches a name"
        );
        assert!(p("$").matches(&[]));
        assert!(!p("$").matches(&items0));
    }
}
