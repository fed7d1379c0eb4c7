//! Skip and continue: with `skip_errors`, an error inside a selected record drops that
//! record and parsing resumes where `resync` finds the record's end, a sibling record or
//! the parent's end tag, with the element stack and namespaces cut back to the record's
//! ancestors. Errors outside records, and records that are the root, stay fatal; so do a
//! record too large, an unsupported encoding, and a resume point that cannot be found
//! within `maxRecordBytes` of the record's start or before the end of input (then the
//! record's own error is reported).

use super::resync::{self, Found, Scan, TagEnd};
use super::{name_chars, names, Fail, Resync, State, XmlParser};
use crate::error::{Error, ErrorCode};

impl XmlParser {
    /// For an error that a dropped record can absorb: where the record started, how many
    /// elements enclose it, and its name.
    pub(super) fn record_context(&self, f: &Fail) -> Option<(u64, usize, Vec<u8>)> {
        if matches!(
            f.code,
            ErrorCode::RecordTooLarge
                | ErrorCode::UnsupportedEncoding
                | ErrorCode::MultipleRoots
                | ErrorCode::Internal
        ) {
            return None;
        }
        let st = &self.st;
        let (start, parent_depth, name) = match (&st.record, st.failed_tag) {
            (Some(rec), _) => {
                let open = st.stack.get(rec.depth.checked_sub(1)?)?;
                (rec.start, rec.depth - 1, st.name(open).to_vec())
            }
            (None, Some((at, depth))) => (at, depth, st.failed_name.clone()),
            (None, None) => self.pending_record_tag(f)?,
        };
        (parent_depth > 0 && parent_depth <= st.stack.len()).then_some((start, parent_depth, name))
    }

    /// A bad character, a name already over `maxNameLength`, or the end of input stops
    /// parsing before the tag holding it is read; if that tag is the start tag of a record,
    /// the record is what broke.
    fn pending_record_tag(&self, f: &Fail) -> Option<(u64, usize, Vec<u8>)> {
        if self.st.stack.is_empty() || self.st.root_closed {
            return None;
        }
        let (tag_at, qname) = self.pending_tag(f)?;
        self.st.would_select(&qname)?;
        Some((tag_at, self.st.stack.len(), qname))
    }

    /// The start tag that `f` stopped parsing in before it could be read, if it is one: its
    /// offset and its name (as far as a selector could tell it, for a long one).
    fn pending_tag(&self, f: &Fail) -> Option<(u64, Vec<u8>)> {
        let long_name = f.code == ErrorCode::NameTooLong;
        let eof = f.code == ErrorCode::UnexpectedEof;
        if !(long_name || eof || f.code == ErrorCode::InvalidChar) {
            return None;
        }
        let base = self.input.base();
        // The long name may still be arriving: a name past the limit can equal no selector's
        // name, so its first part selects exactly as the whole of it would (by wildcard).
        // Everything before its tag has been parsed, even if `pos` is not moved up yet.
        // The end of input inside a tag is reported at the tag, which may lie past `pos`
        // (the start of the window it was read in): everything before it was parsed.
        let tag_at = if long_name {
            f.at.checked_sub(1)?
        } else if eof {
            f.at
        } else {
            base + self.input.pos as u64
        };
        let from = usize::try_from(tag_at.checked_sub(base)?).ok()?;
        let held = self.input.buf.get(from.max(self.input.pos)..)?;
        let upto = if long_name || eof {
            held.len()
        } else {
            usize::try_from(f.at.checked_sub(tag_at)?).ok()?
        };
        let tag = held.get(..upto)?.strip_prefix(b"<")?;
        // A long name runs, as quick-xml reads it whole, to white space or `>`; whatever it
        // holds, only a wildcard can select it.
        let n = tag
            .iter()
            .position(|&b| super::chars::is_xml_space(b) || b == b'>' || (b == b'/' && !long_name))
            .unwrap_or(tag.len());
        let qname = &tag[..n];
        let torn = !long_name && qname.contains(&b'<');
        if n == 0 || torn {
            return None;
        }
        Some((tag_at, qname.to_vec()))
    }

    /// Drops the broken record and starts looking for where to resume.
    pub(super) fn begin_resync(
        &mut self,
        f: Fail,
        (record_start, parent_depth, record): (u64, usize, Vec<u8>),
    ) {
        let base = self.input.base();
        let failed = self.st.failed_start.take();
        let comment = self.st.failed_comment.take();
        let in_record = self.st.record.is_some();
        // A sibling-like start tag that broke before it could be read counts as one too.
        let pending = match self.st.record {
            Some(_) if self.st.nested_sibling.is_none() => self.pending_tag(&f),
            _ => None,
        };
        let at = f.at;
        let error = Error::new(f.code, f.message, self.position(f.at));
        let st = &mut self.st;
        let parent = st
            .stack
            .get(parent_depth - 1)
            .map(|o| st.name(o).to_vec())
            .unwrap_or_default();
        // Elements named like the parent that are open inside the record: an end tag with
        // the parent's name closes those first.
        let mut open = st
            .stack
            .get(parent_depth..)
            .unwrap_or_default()
            .iter()
            .filter(|o| st.name(o) == parent.as_slice())
            .count();
        let index = st.records + self.skipped;
        let pending = pending
            .filter(|(_, q)| {
                // Judged on what a selector could tell of a long name, however much arrived.
                let q = &q[..q.len().min(st.limits.max_name_length.saturating_add(1))];
                st.is_element_name(q) && st.would_select_under(parent_depth, q).is_some()
            })
            .map(|(at, _)| at);
        let nested = st
            .nested_sibling
            .take()
            .or(pending)
            .filter(|&n| st.record.is_some() && n > record_start && n <= at && n >= base);
        st.abandon_record(parent_depth);
        if let Some(at) = nested {
            // The record's own kind of tag inside it begins the next record: the broken one
            // ends there, and parsing resumes at that tag.
            self.skipped += 1;
            self.skips.push((error, index));
            self.st.failed_tag = None;
            self.input.pos = usize::try_from(at - base)
                .unwrap_or(usize::MAX)
                .min(self.input.buf.len());
            self.retry_len = 0;
            return;
        }
        // An end tag may itself be where to resume (the parent's, or the record's own);
        // anything else that failed is stepped over, so the scan always moves on.
        let mut from = usize::try_from(at.saturating_sub(base)).unwrap_or(usize::MAX);
        let held = self.input.buf.get(from..).unwrap_or_default();
        // Nor is a `<` inside a start tag that broke, which may begin a record of its own
        // that stepping over it would lose without a word: in `x<<a id="1"/>` the tokenizer
        // reads one tag named `<a`, with the error at its second `<`; in `<a id="1/><a
        // id="2">` (a quote lost), at the `<` in the value. Outside a record, a tag whose
        // name begins with that `<` is itself the broken record (`<<p:a>`, local name `a`),
        // already counted by this skip, and resuming at its second `<` would emit it too.
        let inner_tag = held.first() == Some(&b'<')
            && failed.is_some_and(|t| t.at < at && (in_record || at > t.at + 1));
        if !held.starts_with(b"</") && !inner_tag {
            from = from.saturating_add(1);
        }
        // A comment that broke is scanned from its start, so that it is stepped over whole
        // and ends where the tokenizer ended it.
        if let Some(c) = comment.filter(|&c| c >= base && c < at) {
            from = usize::try_from(c - base).unwrap_or(from);
        }
        // A start tag that failed is stepped over whole when its extent can be trusted, so
        // that a `</…>` in one of its attribute values is not taken for an end tag.
        if let Some(tag) = failed.and_then(|t| self.failed_tag_span(t, at, parent_depth)) {
            if tag.name == parent {
                if tag.pushed && tag.empty {
                    open = open.saturating_sub(1);
                } else if !tag.pushed && !tag.empty {
                    open += 1;
                }
            }
            if let Some(end) = tag.step_to {
                from = from.max(end);
            }
        } else if failed.is_none() && self.unread_tag_opens(at, &parent) {
            open += 1;
        }
        self.skip_to(from.clamp(self.input.pos, self.input.buf.len()));
        self.resync = Some(Resync {
            error,
            record_start,
            record,
            parent,
            index,
            scan: Scan { open },
        });
    }

    /// Scans for the resume point. `Ok(true)` once parsing can go on, `Ok(false)` when more
    /// input is needed.
    pub(super) fn resync_step(&mut self, at_eof: bool) -> Result<bool, Fail> {
        let Some(r) = &self.resync else {
            return Ok(true);
        };
        let pending = self.input.buf.len() - self.input.pos;
        if !at_eof && pending < self.retry_len {
            return Ok(false);
        }
        let held = &self.input.buf[self.input.pos..];
        let st = &self.st;
        let names = (r.record.as_slice(), r.parent.as_slice());
        let mut scan = r.scan;
        let found = resync::find(
            held,
            at_eof,
            names,
            st.limits.max_name_length,
            &mut scan,
            &mut |q| st.is_element_name(q) && st.would_select(q).is_some(),
        );
        if let Some(r) = &mut self.resync {
            r.scan = scan;
        }
        let Some(r) = &self.resync else {
            return Ok(true);
        };
        let base = self.input.base();
        // How far the record reaches: to the resume point, or at least as far as any
        // resume point still to be found.
        let (reach, resume) = match found {
            Found::At(k) => (self.input.pos + k, true),
            Found::More { reach, .. } => (self.input.pos + reach, false),
        };
        let too_far = (base + reach as u64).saturating_sub(r.record_start)
            > self.st.limits.max_record_bytes as u64;
        if too_far || (at_eof && !resume) {
            let mut e = r.error.clone();
            e.message.push_str(if too_far {
                "; the malformed record could not be skipped within maxRecordBytes"
            } else {
                "; the malformed record could not be skipped: input ended first"
            });
            self.resync = None;
            return Err(Fail {
                at: e.position.offset,
                code: e.code,
                message: String::new(),
                known: Some(e),
            });
        }
        match found {
            Found::At(k) => {
                self.skip_to(self.input.pos + k);
                self.st.failed_tag = None;
                if let Some(r) = self.resync.take() {
                    self.skipped += 1;
                    self.skips.push((r.error, r.index));
                }
                Ok(true)
            }
            Found::More { keep, .. } => {
                self.skip_to(self.input.pos + keep);
                self.retry_len = (self.input.buf.len() - self.input.pos).saturating_mul(2);
                Ok(false)
            }
        }
    }
}

/// Skip mode: a start tag whose handling failed, noted by `State::start` (its extent ends at
/// `State::ev_end`).
#[derive(Clone, Copy)]
pub(super) struct FailedStart {
    pub(super) at: u64,
    pub(super) empty: bool,
    /// Its element was opened before the failure.
    pub(super) pushed: bool,
}

/// A start tag that failed inside (or as) the dropped record.
struct FailedTag {
    name: Vec<u8>,
    empty: bool,
    /// Its element was opened (the failure came after), so it is on the element stack.
    pushed: bool,
    /// Where the scan may start: the tag's end, if nothing in it may be a resume point.
    step_to: Option<usize>,
}

impl XmlParser {
    /// The start tag `t` that the error at `at` is in, while it is still held. Its end is
    /// where the tokenizer found it (a `>` outside quotes); the tag is stepped over only if
    /// no `<` lies in it outside a quoted value (then the extent is a guess) and none in a
    /// value begins a tag that would be selected next to the record (which must never be
    /// stepped over: it is a record of its own).
    fn failed_tag_span(&self, t: FailedStart, at: u64, parent_depth: usize) -> Option<FailedTag> {
        let base = self.input.base();
        let end = self.st.ev_end;
        if !(t.at <= at && at < end && t.at >= base) {
            return None;
        }
        let from = usize::try_from(t.at - base).ok()?;
        let to = usize::try_from(end - base).ok()?;
        let raw = self.input.buf.get(from..to)?;
        let body = raw.strip_prefix(b"<")?;
        let n = body
            .iter()
            .position(|&b| super::chars::is_xml_space(b) || matches!(b, b'/' | b'>' | b'<'))
            .unwrap_or(body.len());
        let max_name = self.st.limits.max_name_length.saturating_add(1);
        let mut quote = None;
        let mut trusted = true;
        for (k, &b) in body.iter().enumerate().skip(n) {
            match (b, quote) {
                (b'"' | b'\'', None) => quote = Some(b),
                (q, Some(open)) if q == open => quote = None,
                (b'<', None) => trusted = false,
                (b'<', Some(_)) => {
                    let rest = &body[k + 1..];
                    let m = rest
                        .iter()
                        .position(|&b| {
                            super::chars::is_xml_space(b) || matches!(b, b'/' | b'>' | b'<')
                        })
                        .unwrap_or(rest.len());
                    let q = &rest[..m.min(max_name)];
                    if m > 0
                        && self.st.is_element_name(q)
                        && self.st.would_select_under(parent_depth, q).is_some()
                    {
                        trusted = false;
                    }
                }
                _ => {}
            }
            if !trusted {
                break;
            }
        }
        Some(FailedTag {
            name: body[..n].to_vec(),
            empty: t.empty,
            pushed: t.pushed,
            step_to: trusted.then_some(to),
        })
    }

    /// Whether the error at `at` is in a start tag named `name` that the tokenizer never
    /// read (a bad character stopped it) and that opens an element: unless the rest of it
    /// says it is empty. Where that cannot be told, counting it errs towards failing, never
    /// towards a wrong resume point.
    fn unread_tag_opens(&self, at: u64, name: &[u8]) -> bool {
        let Some(end) = at
            .checked_sub(self.input.base())
            .and_then(|k| usize::try_from(k).ok())
        else {
            return false;
        };
        let Some(held) = self.input.buf.get(self.input.pos..end) else {
            return false;
        };
        let Some(lt) = memchr::memrchr(b'<', held) else {
            return false;
        };
        let tag = &held[lt + 1..];
        let n = resync::name_len(tag);
        // Still inside that tag at `at`.
        if &tag[..n] != name || !matches!(resync::tag_end(&tag[n..]), TagEnd::Unfinished(_)) {
            return false;
        }
        let rest = self.input.buf.get(end..).unwrap_or_default();
        !matches!(resync::tag_end(rest), TagEnd::Empty(_) | TagEnd::Broken)
    }

    /// Moves past dropped input: what lies before `pos` is neither parsed nor checked.
    fn skip_to(&mut self, pos: usize) {
        self.input.pos = pos;
        self.retry_len = 0;
        if self.scanned < pos {
            self.scanned = pos;
        }
        if self.bad.is_some_and(|(b, _)| b < pos) {
            self.bad = None;
        }
    }
}

impl State {
    /// The selector that a start tag named `qname` would match as a child of the innermost
    /// open element. The tag's own `xmlns` declarations are not seen, so a `{uri}` step
    /// resolves its prefix in the parent's scope.
    pub(super) fn would_select<'a>(&'a self, qname: &'a [u8]) -> Option<usize> {
        self.would_select_under(self.stack.len(), qname)
    }

    /// The selector that a start tag named `qname` would match as a child of the open
    /// element at depth `top` (its first `top` ancestors, whatever is open inside them), its
    /// prefix resolved in that element's scope.
    pub(super) fn would_select_under<'a>(&'a self, top: usize, qname: &'a [u8]) -> Option<usize> {
        let top = top.min(self.stack.len());
        let scope = match top.checked_sub(1).and_then(|i| self.stack.get(i)) {
            Some(o) if top < self.stack.len() => o.ns_end as usize,
            _ => self.ns.mark(),
        };
        let local = |i: usize| -> &'a [u8] {
            match self.stack.get(i).filter(|_| i < top) {
                Some(o) => self.local_name(o),
                None => names::local_name(qname),
            }
        };
        let uri = |i: usize| -> Option<&'a [u8]> {
            match self.stack.get(i).filter(|_| i < top) {
                Some(o) => {
                    let q = self.name(o);
                    self.ns
                        .resolve(names::prefix(q).unwrap_or(b""), o.ns_end as usize)
                }
                None => self.ns.resolve(names::prefix(qname).unwrap_or(b""), scope),
            }
        };
        self.selectors
            .iter()
            .position(|s| s.matches(top + 1, local, uri))
    }

    /// Whether `qname` can name an element at all: a malformed tag that a selector would
    /// match by its local name (`<:a>`) does not begin a record.
    pub(super) fn is_element_name(&self, qname: &[u8]) -> bool {
        if self.check_namespaces {
            name_chars::is_qname(qname)
        } else {
            name_chars::is_name(qname)
        }
    }

    /// Forgets the record being built and closes everything inside `parent_depth`.
    fn abandon_record(&mut self, parent_depth: usize) {
        if let Some(parent) = parent_depth.checked_sub(1).and_then(|i| self.stack.get(i)) {
            let ns_end = parent.ns_end as usize;
            self.ns.truncate(ns_end);
        }
        self.stack.truncate(parent_depth);
        self.record = None;
        self.nested_sibling = None;
        self.tree.clear();
    }
}
