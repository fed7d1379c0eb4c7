//! Where a part of one JSON document may start (see `super::split`): between two elements of
//! the array the one selector names. Only a guess, checked by the parser of the part before,
//! so it only has to be right often: the bytes that separate the first two elements in the
//! head of the file (the end of one, white space, `,`, white space, the start of the next and,
//! for objects, their first key) are searched for further on. Elements of nested arrays rarely
//! share them all (another indentation, another first key); where they do, or where the bytes
//! are inside a string, the part before reads on through the part.

use super::path::{Path, Step};

/// The keys of the objects around the array whose elements `select` names, when it is one
/// selector of object keys ending in `[*]` (or `.*`): the only selection split at elements.
pub fn element_keys(select: &[String]) -> Option<Vec<Vec<u8>>> {
    let [one] = select else { return None };
    array_keys(&Path::parse(one).ok()?)
}

/// The keys of the objects around the array whose elements `path` names, when it is object
/// keys ending in `[*]` (or `.*`).
pub(crate) fn array_keys(path: &Path) -> Option<Vec<Vec<u8>>> {
    let (last, keys) = path.steps().split_last()?;
    if *last != Step::Any {
        return None;
    }
    keys.iter()
        .map(|s| match s {
            Step::Key(k) => Some(k.clone()),
            _ => None,
        })
        .collect()
}

/// What separates two elements: `needle`, whose byte `at` is the next element's first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Separator {
    pub needle: Vec<u8>,
    pub at: usize,
}

impl Separator {
    /// The same without the next element's first key: looser, for when the elements do not
    /// all start with the same key.
    pub fn short(&self) -> Separator {
        Separator {
            needle: self.needle[..=self.at].to_vec(),
            at: self.at,
        }
    }
}

/// Longest separator kept (white space included).
const MAX_NEEDLE: usize = 256;

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The separator of the first two elements of the array at `keys` in `head`, the start of a
/// JSON document, or `None` (the array not found, fewer than two elements in `head`).
pub fn learn(head: &[u8], keys: &[Vec<u8>]) -> Option<Separator> {
    let n = keys.len();
    let mut i = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    // Open containers: their kind, and whether they are on the way to the array.
    let mut stack: Vec<(u8, bool)> = Vec::new();
    // The last object key read (raw, between its quotes), and whether a key comes next.
    let mut key: &[u8] = b"";
    let mut want_key = false;
    // Index of the last byte that was not white space.
    let mut last = 0;
    // A `,` of the array was read: the next byte that is not white space starts an element,
    // and the element before it ended at `end`.
    let mut after_comma = false;
    let mut end = 0;
    while i < head.len() {
        let b = head[i];
        if is_space(b) {
            i += 1;
            continue;
        }
        let in_array = stack.len() == n + 1 && stack.last().is_some_and(|&(k, on)| on && k == b'[');
        if after_comma && in_array {
            let mut needle = head[end..=i].to_vec();
            let at = i - end;
            if b == b'{' {
                needle.extend_from_slice(first_key(&head[i + 1..])?);
            }
            return (needle.len() <= MAX_NEEDLE).then_some(Separator { needle, at });
        }
        after_comma = false;
        match b {
            b'"' => {
                let close = string_end(head, i + 1)?;
                if want_key {
                    key = &head[i + 1..close];
                    want_key = false;
                }
                last = close;
                i = close + 1;
                continue;
            }
            b'{' | b'[' => {
                let d = stack.len();
                let on = match stack.last() {
                    None => true,
                    Some(&(k, on)) => on && k == b'{' && d <= n && keys[d - 1] == key,
                };
                // The containers on the way: objects, then the array.
                let on = on
                    && (if d < n {
                        b == b'{'
                    } else {
                        d == n && b == b'['
                    });
                stack.push((b, on));
                want_key = b == b'{';
            }
            b'}' | b']' => {
                stack.pop();
                want_key = false;
            }
            b',' => {
                want_key = stack.last().is_some_and(|&(k, _)| k == b'{');
                after_comma = in_array;
                end = last;
            }
            _ => {}
        }
        last = i;
        i += 1;
    }
    None
}

/// Index of the `"` that closes the string whose text starts at `from`.
fn string_end(s: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < s.len() {
        match s[i] {
            b'"' => return Some(i),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// White space, the first key and `:` at the start of an object's members, if plain (no
/// escape); an empty slice otherwise; `None` when `s` ends first.
fn first_key(s: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    if *s.get(i)? != b'"' {
        return Some(&[]);
    }
    let end = i + 1 + s.get(i + 1..)?.iter().position(|&b| b == b'"')?;
    if s[i + 1..end].contains(&b'\\') {
        return Some(&[]);
    }
    let mut j = end + 1;
    while j < s.len() && is_space(s[j]) {
        j += 1;
    }
    (s.get(j) == Some(&b':')).then(|| &s[..=j])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> Vec<Vec<u8>> {
        k.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn which_selectors_split() {
        let e = |s: &[&str]| element_keys(&s.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(e(&["$[*]"]), Some(vec![]));
        assert_eq!(e(&["$.releases[*]"]), Some(keys(&["releases"])));
        assert_eq!(e(&["$['x y'].b.*"]), Some(keys(&["x y", "b"])));
        for no in [
            &["$"][..],
            &["$.a"],
            &["$[0]"],
            &["$[0][*]"],
            &["$.*.a"],
            &["$.*[*]"],
            &["$.a[*].b"],
            &["$.a[*]", "$.b[*]"],
            &["$..a"],
        ] {
            assert_eq!(e(no), None, "{no:?}");
        }
    }

    #[test]
    fn learns_the_separator_of_the_first_two_elements() {
        let doc = br#"{"meta":{"releases":[1,2]},"s":"\"releases\":[","releases":[
  {"id":1,"t":[{"id":2},{"id":3}]},
  {"id":4}]}"#;
        let s = learn(doc, &keys(&["releases"])).unwrap();
        assert_eq!(s.needle, b"},\n  {\"id\":");
        assert_eq!(s.at, 5);
        assert_eq!(s.short().needle, b"},\n  {");
        let s = learn(b"\xEF\xBB\xBF[ 1 , \"a\",2]", &[]).unwrap();
        assert_eq!((s.needle.as_slice(), s.at), (&b"1 , \""[..], 4));
        assert_eq!(learn(b"[1]", &[]), None);
        // A head that ends before the next element's first key tells nothing yet.
        assert_eq!(learn(b"[{\"a\":1},{ ", &[]), None);
        assert_eq!(learn(b"[{\"a\":1},{ \"a\"", &[]), None);
        assert_eq!(learn(b"{\"a\":[1,2]}", &keys(&["b"])), None);
        assert_eq!(learn(b"{\"a\":{\"b\":[1,2]}}", &keys(&["a"])), None);
    }
}
