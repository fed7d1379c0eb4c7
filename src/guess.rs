//! A quick guess at the elements open where XML records are, for cutting a file into parts
//! (see `crate::split`): the start tags and end tags of the head of the file are matched with
//! a scan that only looks for markup delimiters, up to the first start tag a record could
//! have. It is several times faster than parsing, and it needs only be right often: every
//! part's guess is checked against the state the parser before it really reaches.

use memchr::{memchr, memchr3, memmem, memrchr};

use crate::xml::Ancestor;

/// Deepest path considered: deeper documents are left on one part.
const MAX_DEPTH: usize = 256;

/// What the scan needs next: more input, or it is done.
enum Step {
    More,
    Done(Option<Vec<Ancestor>>),
}

/// The guess, fed the head of a file in chunks.
pub struct PathGuess {
    names: Option<Vec<Vec<u8>>>,
    buf: Vec<u8>,
    /// The open elements: where each one's name starts in `names_open`, its declarations.
    stack: Vec<(usize, Vec<(String, String)>)>,
    names_open: Vec<u8>,
    started: bool,
    result: Option<Option<Vec<Ancestor>>>,
}

impl PathGuess {
    /// A guess at the path open at the first start tag whose local name is one of `names`
    /// (any start tag below the root when `None`).
    pub fn new(names: Option<Vec<String>>) -> Self {
        PathGuess {
            names: names.map(|n| n.into_iter().map(String::into_bytes).collect()),
            buf: Vec::new(),
            stack: Vec::new(),
            names_open: Vec::new(),
            started: false,
            result: None,
        }
    }

    /// Takes the next bytes of the file; true once the guess is made (or given up).
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        if self.result.is_some() {
            return true;
        }
        self.buf.extend_from_slice(chunk);
        match self.scan() {
            Step::More => false,
            Step::Done(r) => {
                self.result = Some(r);
                true
            }
        }
    }

    /// The guess: the open elements, root first, or `None` when there is none to make (no
    /// candidate in what was fed, a DOCTYPE, an encoding other than UTF-8, bad markup).
    pub fn finish(self) -> Option<Vec<Ancestor>> {
        self.result.flatten()
    }

    /// Whether the scan stopped without a guess (a DOCTYPE, another encoding, bad markup):
    /// no part of such a file may start from a guess.
    pub fn gave_up(&self) -> bool {
        matches!(self.result, Some(None))
    }

    /// The root element, once its start tag was read and while the scan is unfinished.
    pub fn root(&self) -> Option<Ancestor> {
        let &(from, ref ns) = self.stack.first()?;
        let to = self.stack.get(1).map_or(self.names_open.len(), |&(f, _)| f);
        Some(Ancestor {
            name: String::from_utf8_lossy(&self.names_open[from..to]).into_owned(),
            ns: ns.clone(),
        })
    }

    fn scan(&mut self) -> Step {
        if !self.started {
            if self.buf.len() < 4 {
                return Step::More;
            }
            // UTF-16 or UTF-32 (a byte order mark or a zero byte): offsets are not the parser's.
            if matches!(self.buf[0], 0xFE | 0xFF | 0x00) || self.buf[1] == 0 {
                return Step::Done(None);
            }
            self.started = true;
        }
        let mut pos = 0;
        let step = loop {
            let Some(lt) = memchr(b'<', &self.buf[pos..]) else {
                pos = self.buf.len();
                break Step::More;
            };
            let at = pos + lt;
            match self.markup(at) {
                Markup::Incomplete => {
                    pos = at;
                    break Step::More;
                }
                Markup::Stop(r) => break Step::Done(r),
                Markup::Next(end) => pos = end,
            }
        };
        self.buf.drain(..pos);
        step
    }

    fn path(&mut self) -> Vec<Ancestor> {
        let ends: Vec<usize> = self
            .stack
            .iter()
            .skip(1)
            .map(|&(from, _)| from)
            .chain([self.names_open.len()])
            .collect();
        std::mem::take(&mut self.stack)
            .into_iter()
            .zip(ends)
            .map(|((from, ns), to)| Ancestor {
                name: String::from_utf8_lossy(&self.names_open[from..to]).into_owned(),
                ns,
            })
            .collect()
    }

    /// The markup at `at` (a `<`).
    fn markup(&mut self, at: usize) -> Markup {
        let b = &self.buf[at..];
        let Some(&next) = b.get(1) else {
            return Markup::Incomplete;
        };
        let find = |pat: &[u8], from: usize| -> Markup {
            match memmem::find(&b[from.min(b.len())..], pat) {
                Some(i) => Markup::Next(at + from + i + pat.len()),
                None => Markup::Incomplete,
            }
        };
        match next {
            b'!' => {
                if b.len() < 9 {
                    return Markup::Incomplete;
                }
                if b.starts_with(b"<!--") {
                    find(b"-->", 4)
                } else if b.starts_with(b"<![CDATA[") {
                    find(b"]]>", 9)
                } else {
                    // A DOCTYPE: its entities change what follows, so no part may guess.
                    Markup::Stop(None)
                }
            }
            b'?' => {
                let end = find(b"?>", 2);
                if let Markup::Next(e) = end {
                    let pi = &self.buf[at..e];
                    if pi.starts_with(b"<?xml") && !declares_utf8(pi) {
                        return Markup::Stop(None);
                    }
                }
                end
            }
            b'/' => {
                let Some(gt) = memchr(b'>', b) else {
                    return Markup::Incomplete;
                };
                let Some((from, _)) = self.stack.pop() else {
                    return Markup::Stop(None);
                };
                self.names_open.truncate(from);
                Markup::Next(at + gt + 1)
            }
            _ => {
                let Some(gt) = tag_end(b) else {
                    return Markup::Incomplete;
                };
                let tag = &b[1..gt];
                let name_end = tag
                    .iter()
                    .position(|&c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'/'))
                    .unwrap_or(tag.len());
                let name = &tag[..name_end];
                if name.is_empty() {
                    return Markup::Stop(None);
                }
                let local = name.rsplit(|&c| c == b':').next().unwrap_or(name);
                let wanted = match &self.names {
                    Some(names) => names.iter().any(|n| n == local),
                    None => !self.stack.is_empty(),
                };
                if wanted && !self.stack.is_empty() {
                    return Markup::Stop(Some(self.path()));
                }
                if !tag.ends_with(b"/") {
                    if self.stack.len() >= MAX_DEPTH {
                        return Markup::Stop(None);
                    }
                    let attrs = &tag[name_end..];
                    // Most tags declare nothing: no allocation for them.
                    // Tags are short: a one-shot memmem searcher costs more to set up than
                    // this look at each `x`.
                    let ns = if declares(attrs) {
                        declarations(attrs)
                    } else {
                        Vec::new()
                    };
                    self.names_open.extend_from_slice(name);
                    self.stack.push((self.names_open.len() - name.len(), ns));
                }
                Markup::Next(at + gt + 1)
            }
        }
    }
}

enum Markup {
    Incomplete,
    Stop(Option<Vec<Ancestor>>),
    /// The offset after it.
    Next(usize),
}

/// The elements open at the end of `window` (outermost first), read backwards from there:
/// each start tag not closed before the end, skipping closed siblings. A record far from the
/// file's head is found this way without scanning everything before it; the walk stops at
/// the window's start, so elements opened before it are missing (the caller adds the root).
/// Comments, CDATA sections and processing instructions are not recognised from behind: a
/// tag-like text inside one makes a wrong guess, which the parts' check catches.
pub fn open_before(window: &[u8]) -> Option<Vec<Ancestor>> {
    let mut pos = window.len();
    // Close tags seen (walking back) whose start tags are not yet reached.
    let mut closed = 0usize;
    let mut open = Vec::new();
    while let Some(lt) = memrchr(b'<', &window[..pos]) {
        pos = lt;
        let b = &window[lt..];
        match b.get(1) {
            Some(b'/') => closed += 1,
            Some(b'!' | b'?') | None => {}
            Some(_) => {
                let Some(gt) = tag_end(b) else { continue };
                let tag = &b[1..gt];
                if tag.ends_with(b"/") {
                    continue;
                }
                if closed > 0 {
                    closed -= 1;
                    continue;
                }
                if open.len() >= MAX_DEPTH {
                    return None;
                }
                let name_end = tag
                    .iter()
                    .position(|&c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
                    .unwrap_or(tag.len());
                let (name, attrs) = tag.split_at(name_end);
                if name.is_empty() {
                    return None;
                }
                open.push(Ancestor {
                    name: String::from_utf8_lossy(name).into_owned(),
                    ns: if declares(attrs) {
                        declarations(attrs)
                    } else {
                        Vec::new()
                    },
                });
            }
        }
    }
    open.reverse();
    Some(open)
}

/// Whether a start tag's attribute text may declare a namespace.
fn declares(attrs: &[u8]) -> bool {
    let mut i = 0;
    while let Some(k) = memchr(b'x', &attrs[i..]) {
        if attrs[i + k..].starts_with(b"xmlns") {
            return true;
        }
        i += k + 1;
    }
    false
}

/// Index of the `>` ending the start tag at the start of `b`, skipping quoted values.
fn tag_end(b: &[u8]) -> Option<usize> {
    let mut i = 1;
    loop {
        let j = i + memchr3(b'>', b'"', b'\'', &b[i..])?;
        if b[j] == b'>' {
            return Some(j);
        }
        i = j + 1 + memchr(b[j], &b[j + 1..])? + 1;
    }
}

/// Whether an XML declaration names UTF-8, or no encoding at all.
fn declares_utf8(decl: &[u8]) -> bool {
    let Some(i) = memmem::find(decl, b"encoding") else {
        return true;
    };
    let rest = &decl[i + 8..];
    let Some(q) = rest.iter().position(|&c| c == b'"' || c == b'\'') else {
        return false;
    };
    let value = &rest[q + 1..];
    let end = value
        .iter()
        .position(|&c| c == rest[q])
        .unwrap_or(value.len());
    value[..end].eq_ignore_ascii_case(b"utf-8") || value[..end].eq_ignore_ascii_case(b"utf8")
}

/// The `xmlns` and `xmlns:p` attributes of a start tag's attribute text, in order.
fn declarations(attrs: &[u8]) -> Vec<(String, String)> {
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < attrs.len() && ws(attrs[i]) {
            i += 1;
        }
        let from = i;
        while i < attrs.len() && !ws(attrs[i]) && attrs[i] != b'=' {
            i += 1;
        }
        let name = &attrs[from..i];
        while i < attrs.len() && ws(attrs[i]) {
            i += 1;
        }
        if attrs.get(i) != Some(&b'=') {
            return out;
        }
        i += 1;
        while i < attrs.len() && ws(attrs[i]) {
            i += 1;
        }
        let Some(&q) = attrs.get(i).filter(|&&q| q == b'"' || q == b'\'') else {
            return out;
        };
        let Some(len) = memchr(q, &attrs[i + 1..]) else {
            return out;
        };
        let value = String::from_utf8_lossy(&attrs[i + 1..i + 1 + len]).into_owned();
        i += len + 2;
        if name == b"xmlns" {
            out.push((String::new(), value));
        } else if let Some(p) = name.strip_prefix(b"xmlns:") {
            out.push((String::from_utf8_lossy(p).into_owned(), value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Path = Vec<(String, Vec<(String, String)>)>;

    fn guess(doc: &str, names: &[&str], chunk: usize) -> Option<Path> {
        let mut g = PathGuess::new(Some(names.iter().map(|s| s.to_string()).collect()));
        for c in doc.as_bytes().chunks(chunk) {
            if g.feed(c) {
                break;
            }
        }
        g.finish()
            .map(|p| p.into_iter().map(|a| (a.name, a.ns)).collect())
    }

    #[test]
    fn the_path_at_the_first_candidate() {
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- <Release> -->\
                   <ern:M xmlns:ern=\"u\" a='x>y' xmlns=\"d\"><H><Release x=\"1\"/></H>\
                   <![CDATA[<Release>]]><L><Release><T/></Release></L></ern:M>";
        let want = Some(vec![
            (
                "ern:M".to_string(),
                vec![("ern".into(), "u".into()), ("".into(), "d".into())],
            ),
            ("H".to_string(), vec![]),
        ]);
        for chunk in [1, 2, 7, 1000] {
            assert_eq!(guess(doc, &["Release"], chunk), want, "{chunk}");
        }
        assert_eq!(
            guess(doc, &["T"], 3).map(|p| p.len()),
            Some(3),
            "under Release under L"
        );
    }

    #[test]
    fn no_guess_where_parts_cannot_start() {
        assert_eq!(guess("<!DOCTYPE m><m><R/></m>", &["R"], 5), None);
        assert_eq!(
            guess(
                "<?xml version='1.0' encoding='ISO-8859-1'?><m><R/></m>",
                &["R"],
                5
            ),
            None
        );
        assert_eq!(guess("\u{feff}<m><R/></m>", &["X"], 5), None);
        assert_eq!(
            guess("<R/>", &["R"], 5),
            None,
            "the root is no record to cut at"
        );
        assert_eq!(guess("</m><R/>", &["R"], 5), None);
    }
}
