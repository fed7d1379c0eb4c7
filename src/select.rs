//! Record selectors: `Release`, `ReleaseList/Release`, `/NewReleaseMessage/ReleaseList/Release`,
//! `*` for any one step, and `{namespace-uri}Local` to match on the resolved namespace.
//! Steps match local names, so `ern:Release` and `ernm:Release` both match `Release`.

use crate::error::{Error, ErrorCode};
use crate::xml::name_chars::is_qname;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Any,
    Local(Vec<u8>),
    /// `{uri}local` or `{uri}*`.
    Qualified {
        uri: Vec<u8>,
        local: Option<Vec<u8>>,
    },
}

#[derive(Debug, Clone)]
pub struct Selector {
    source: String,
    anchored: bool,
    steps: Vec<Step>,
}

impl Selector {
    pub fn parse(source: &str) -> Result<Self, Error> {
        let bad = |why: &str| {
            Error::unpositioned(
                ErrorCode::InvalidOption,
                format!("invalid selector `{source}`: {why}"),
            )
        };
        let trimmed = source.trim();
        let (anchored, rest) = match trimmed.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        if rest.is_empty() {
            return Err(bad("it names no element"));
        }
        let mut steps = Vec::new();
        for part in split_steps(rest) {
            if part.is_empty() {
                return Err(bad("empty step (`//` is not supported)"));
            }
            let step = if part == "*" {
                Step::Any
            } else if let Some(body) = part.strip_prefix('{') {
                let (uri, local) = body.split_once('}').ok_or_else(|| bad("missing `}`"))?;
                let local = match local {
                    "*" => None,
                    "" => return Err(bad("no local name after `}`")),
                    l => {
                        check_name(l).map_err(|why| bad(&why))?;
                        Some(local_of(l).as_bytes().to_vec())
                    }
                };
                Step::Qualified {
                    uri: uri.as_bytes().to_vec(),
                    local,
                }
            } else {
                check_name(part).map_err(|why| bad(&why))?;
                Step::Local(local_of(part).as_bytes().to_vec())
            };
            steps.push(step);
        }
        Ok(Selector {
            source: source.to_string(),
            anchored,
            steps,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn needs_namespaces(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s, Step::Qualified { .. }))
    }

    /// Bytes in the longest local name the selector names (0 for wildcards only).
    pub fn longest_name(&self) -> usize {
        self.steps
            .iter()
            .map(|s| match s {
                Step::Any => 0,
                Step::Local(l) => l.len(),
                Step::Qualified { local, .. } => local.as_ref().map_or(0, Vec::len),
            })
            .max()
            .unwrap_or(0)
    }

    /// Whether the path of `depth` open elements (root first, current last) matches.
    /// `local(i)` gives the local name of element `i`; `uri(i)` its namespace URI, asked only
    /// for `{uri}` steps because resolving it costs a lookup.
    pub fn matches<'a>(
        &self,
        depth: usize,
        local: impl Fn(usize) -> &'a [u8],
        uri: impl Fn(usize) -> Option<&'a [u8]>,
    ) -> bool {
        let n = self.steps.len();
        if depth < n || (self.anchored && depth != n) {
            return false;
        }
        self.steps.iter().rev().enumerate().all(|(k, step)| {
            let i = depth - 1 - k;
            match step {
                Step::Any => true,
                Step::Local(l) => l.as_slice() == local(i),
                Step::Qualified { uri: u, local: l } => {
                    uri(i) == Some(u.as_slice()) && l.as_ref().is_none_or(|l| l == local(i))
                }
            }
        })
    }

    /// Whether an element with this local name could be what the selector picks, whatever
    /// its path and namespace: the test a tag must pass before its path is compared.
    pub fn last_step_may_match(&self, local: &[u8]) -> bool {
        match self.steps.last() {
            None | Some(Step::Any) | Some(Step::Qualified { local: None, .. }) => true,
            Some(Step::Local(l)) | Some(Step::Qualified { local: Some(l), .. }) => l == local,
        }
    }

    /// Matches on plain names (used by `alwaysArray`, whose steps name output keys).
    pub fn matches_names(&self, path: &[&[u8]]) -> bool {
        let n = self.steps.len();
        if path.len() < n || (self.anchored && path.len() != n) {
            return false;
        }
        self.steps
            .iter()
            .rev()
            .zip(path[path.len() - n..].iter().rev())
            .all(|(step, name)| match step {
                Step::Any => true,
                Step::Local(l) => l == name,
                Step::Qualified { .. } => false,
            })
    }

    /// For name-only selectors (`Artist`), the name; those are checked once per interned name.
    pub fn single_name(&self) -> Option<&[u8]> {
        match (self.anchored, self.steps.as_slice()) {
            (false, [Step::Local(l)]) => Some(l),
            _ => None,
        }
    }
}

/// Splits on `/` outside `{...}`, since namespace URIs contain slashes.
fn split_steps(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '/' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Why a step is not an element name, in terms of the XPath a user may have tried.
fn check_name(step: &str) -> Result<(), String> {
    if is_qname(step.as_bytes()) {
        return Ok(());
    }
    Err(if step.contains('[') {
        "predicates such as `[1]` are not supported, only element names".to_string()
    } else if step.contains('@') {
        "attributes cannot be selected, only elements".to_string()
    } else if step.contains("::") || step.contains('(') {
        "XPath axes and functions are not supported, only element names".to_string()
    } else {
        format!("`{step}` is not an element name")
    })
}

/// A step written with a prefix (`ern:Release`) still matches on its local name.
fn local_of(step: &str) -> &str {
    step.rsplit_once(':').map_or(step, |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    type El = (&'static str, Option<&'static str>);

    fn path() -> Vec<El> {
        vec![
            ("NewReleaseMessage", Some("http://ddex.net/xml/ern/43")),
            ("ReleaseList", None),
            ("Release", None),
        ]
    }

    fn m(sel: &Selector, p: &[El]) -> bool {
        sel.matches(
            p.len(),
            |i| p[i].0.as_bytes(),
            |i| p[i].1.map(str::as_bytes),
        )
    }

    #[test]
    fn suffix_anchored_and_wildcards() {
        let p = path();
        for (sel, expect) in [
            ("Release", true),
            ("ReleaseList/Release", true),
            ("ern:Release", true),
            ("/NewReleaseMessage/ReleaseList/Release", true),
            ("/ReleaseList/Release", false),
            ("/*/*/Release", true),
            ("/*", false),
            ("Deal", false),
            ("*/Release", true),
        ] {
            assert_eq!(m(&Selector::parse(sel).unwrap(), &p), expect, "{sel}");
        }
        assert!(m(&Selector::parse("/*").unwrap(), &p[..1]));
    }

    #[test]
    fn namespace_uri_steps() {
        let p = path();
        let s = Selector::parse("/{http://ddex.net/xml/ern/43}NewReleaseMessage").unwrap();
        assert!(s.needs_namespaces());
        assert!(m(&s, &p[..1]));
        let s = Selector::parse("{http://ddex.net/xml/ern/42}*").unwrap();
        assert!(!m(&s, &p[..1]));
    }

    #[test]
    fn rejects_empty_steps() {
        assert!(Selector::parse("").is_err());
        assert!(Selector::parse("a//b").is_err());
        assert!(Selector::parse("{x").is_err());
    }

    #[test]
    fn rejects_what_is_not_an_element_name() {
        for (sel, why) in [
            ("a[1]", "predicates"),
            ("ReleaseList/Release[@x]", "predicates"),
            ("@id", "attributes"),
            ("child::a", "axes"),
            ("a b", "`a b` is not an element name"),
            ("{urn:x}1a", "`1a` is not an element name"),
        ] {
            let e = Selector::parse(sel).expect_err(sel);
            assert!(e.message.contains(why), "{sel}: {}", e.message);
            assert!(!e.message.contains("ERR_"), "{}", e.message);
        }
    }
}
