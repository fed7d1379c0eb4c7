//! The window driver: hands quick-xml windows of the buffered input that end where no
//! construct is cut, and turns its events and errors into calls on the state and positioned
//! failures.

use quick_xml::errors::{Error as QError, IllFormedError, SyntaxError};
use quick_xml::events::Event;
use quick_xml::Reader;

use super::chars::Bad;
use super::events::cdata_end_in_text;
use super::state::State;
use super::{attrs, checkpoint, fail, from_fault, lex, oversize, Fail, XmlParser};
use crate::engine::Status;
use crate::error::{Error, ErrorCode, Result};

/// Where quick-xml stopped with an error, for [`XmlParser::window_error`].
pub(super) struct Failed {
    /// Offset of the window in the held input.
    window_start: usize,
    /// Where quick-xml places the error, and how far it had read, within the window.
    at: usize,
    read_to: u64,
    /// Start of the event being read, within the window.
    ev_rel: usize,
    final_window: bool,
}

pub(super) enum Window {
    Consumed,
    BatchFull(usize),
    Incomplete(usize),
}

impl XmlParser {
    pub(super) fn drive(&mut self, at_eof: bool) -> Result<Status> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if at_eof {
            self.flush_pending();
            let end = self.input.base() + self.input.buf.len() as u64;
            if let Some(utf8) = self.source.finish(&mut self.input.pool, end) {
                self.append(utf8);
            }
        }
        if let Some(e) = self.source.sniff_error() {
            self.failed = Some(e.clone());
            return Err(e.clone());
        }
        let result = self.step(at_eof).map_err(|f| match f.known {
            Some(e) => e,
            None => Error::new(f.code, f.message, self.position(f.at)),
        });
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        // Record ends are decoded offsets; map them while their input is still held, so that
        // checkpoints name exact source offsets.
        let ends = &mut self.st.meta.ends;
        if let Some(new) = ends.get_mut(self.mapped_ends..) {
            self.source.map_in_place(new, &self.input.buf);
        }
        self.mapped_ends = ends.len();
        result
    }

    pub(super) fn step(&mut self, at_eof: bool) -> std::result::Result<Status, Fail> {
        loop {
            if self.resync.is_some() && !self.resync_step(at_eof)? {
                return Ok(Status::NeedInput);
            }
            match self.step_records(at_eof) {
                Err(f) if self.skip_errors && f.known.is_none() => match self.record_context(&f) {
                    Some(record) => self.begin_resync(f, record),
                    None => return Err(f),
                },
                other => return other,
            }
        }
    }

    pub(super) fn step_records(&mut self, at_eof: bool) -> std::result::Result<Status, Fail> {
        if !self.started && !self.start_document(at_eof)? {
            return Ok(Status::NeedInput);
        }
        self.scan_held();
        if let (None, Some((at, _))) = (self.bad, self.source.undecodable()) {
            // Decoding stopped there, so everything before it is all the engine will get.
            if at == self.input.base() + self.scanned as u64 {
                self.bad = Some((self.scanned, Bad::Undecodable));
            }
        }
        loop {
            // Moving to a pending chunk (`switch_pending`) lets go of the held input.
            let base = self.input.base();
            if self.st.out.len() >= self.st.limits.batch_bytes {
                return Ok(Status::BatchReady);
            }
            let limit = self.bad.map_or(self.scanned, |(b, _)| b);
            if self.input.pos >= limit {
                if self.switch_pending() {
                    continue;
                }
                break;
            }
            let pending = limit - self.input.pos;
            let whole = (at_eof && limit == self.input.buf.len()) || self.bad.is_some();
            // Held input beyond the size limit fails unless complete constructs in it get
            // parsed first, and at the end of input nothing more will come: in both cases
            // waiting for the retry threshold would report a different error than whole
            // input does.
            let oversize = self
                .st
                .span_check(base + self.input.pos as u64, base + limit as u64);
            // A bridge to a pending chunk is parsed at once: it ends in a `>` after the held
            // tag, and it is tried once per chunk at most.
            if !whole
                && !at_eof
                && pending < self.retry_len
                && oversize.is_ok()
                && self.pending.is_none()
            {
                break;
            }
            // Whole input shows at once that such markup can never be well-formed: so must a
            // piece of it, rather than wait for a `>` that may never come (or end the window
            // at the next `<`, where `<!` alone looks unfinished).
            if let [b'<', b'!', c, ..] = self.input.buf[self.input.pos..limit] {
                if !matches!(c, b'-' | b'[' | b'D' | b'd') {
                    return Err(invalid_bang(base + self.input.pos as u64));
                }
            }
            let end = if whole {
                limit
            } else {
                self.input.pos + safe_cut(&self.input.buf[self.input.pos..limit])
            };
            if end == self.input.pos && self.flush_pending() {
                continue;
            }
            if end == self.input.pos {
                // Checked in the order the finished construct is: its span first.
                self.span_first(base + self.input.pos as u64, base + limit as u64)?;
                let w = &self.input.buf[self.input.pos..limit];
                if let Some(f) = oversize::check(w, &self.st.limits) {
                    return Err(from_fault(base + self.input.pos as u64, f));
                }
                self.retry_len = pending * 2;
                break;
            }
            let final_window = at_eof && end == self.input.buf.len();
            match self.parse_window(end, final_window)? {
                Window::Consumed => {
                    self.input.pos = end;
                    self.retry_len = 0;
                }
                Window::BatchFull(p) => {
                    self.input.pos = p;
                    self.retry_len = 0;
                    return Ok(Status::BatchReady);
                }
                Window::Incomplete(p) if self.pending.is_some() => {
                    // The bridge's `>` did not end the tag: parse it again with the whole
                    // chunk behind it.
                    self.input.pos = p;
                    self.flush_pending();
                }
                Window::Incomplete(p) => {
                    self.span_first(base + p as u64, base + limit as u64)?;
                    if let Some(f) = oversize::check(&self.input.buf[p..end], &self.st.limits) {
                        return Err(from_fault(base + p as u64, f));
                    }
                    self.input.pos = p;
                    self.retry_len = (end - p) * 2;
                    break;
                }
            }
        }
        // What is held now is an unfinished construct: one that already spans too much fails
        // as it would whole. Only checked input counts (up to a bad character, or short of a
        // cut UTF-8 sequence), as in the loop above.
        let base = self.input.base();
        let held_end = self.bad.map_or(self.scanned, |(b, _)| b);
        self.span_first(base + self.input.pos as u64, base + held_end as u64)?;
        if let Some((b, why)) = self.bad {
            let at = base + b as u64;
            return Err(match why {
                Bad::NotUtf8 => fail(at, ErrorCode::InvalidChar, "invalid UTF-8"),
                Bad::Undecodable => fail(
                    at,
                    ErrorCode::Encoding,
                    self.source.undecodable().map_or("", |(_, why)| why),
                ),
                Bad::Forbidden(c) => fail(
                    at,
                    ErrorCode::InvalidChar,
                    format!("character U+{c:04X} is not allowed in XML"),
                ),
            });
        }
        if !at_eof {
            return Ok(Status::NeedInput);
        }
        let end = base + self.input.buf.len() as u64;
        if self.input.pos < self.input.buf.len() || self.scanned < self.input.buf.len() {
            return Err(fail(
                base + self.input.pos as u64,
                ErrorCode::UnexpectedEof,
                "input ended inside markup or a character",
            ));
        }
        if let Some(open) = self.st.stack.last() {
            let name = String::from_utf8_lossy(self.st.name(open)).into_owned();
            let opened = self.input.position(open.at);
            let opened_line = if open.at == checkpoint::RESTORED {
                " (opened before the checkpoint resumed from)".to_string()
            } else if open.at >= base {
                format!(
                    " (opened at line {}, column {})",
                    opened.line, opened.column
                )
            } else {
                format!(" (opened at byte {})", self.source_offset(open.at))
            };
            return Err(fail(
                end,
                ErrorCode::UnexpectedEof,
                format!("input ended before </{name}>{opened_line}"),
            ));
        }
        if !self.st.seen_root {
            return Err(fail(end, ErrorCode::NoRoot, "no root element"));
        }
        Ok(Status::Done)
    }

    /// Waits for the encoding to be known and skips a byte order mark (decoded UTF-16 keeps
    /// its BOM as U+FEFF). Returns `false` until enough bytes have arrived to tell.
    pub(super) fn start_document(&mut self, at_eof: bool) -> std::result::Result<bool, Fail> {
        let head = &self.input.buf[..self.input.buf.len().min(4)];
        if !self.source.settled() || (head.len() < 4 && !at_eof) {
            return Ok(false);
        }
        self.st.encoding = self.source.chosen();
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.input.pos = 3;
            self.scanned = 3;
            self.st.decl_at = 3;
        }
        self.started = true;
        Ok(true)
    }

    pub(super) fn parse_window(
        &mut self,
        end: usize,
        final_window: bool,
    ) -> std::result::Result<Window, Fail> {
        let base = self.input.base();
        let mut start = self.input.pos;
        // quick-xml drops a UTF-8 BOM at the start of every reader it is given; past the
        // document start that is a U+FEFF character of text, so pass it on ourselves.
        while start > 0 || base > 0 {
            if self.input.buf[start..end].starts_with(&[0xEF, 0xBB, 0xBF]) {
                let at = base + start as u64;
                self.st.count_text(at, at + 3)?;
                self.st.text(&self.input.buf[start..start + 3], at)?;
                start += 3;
            } else {
                break;
            }
        }
        let window = &self.input.buf[start..end];
        let wbase = base + start as u64;
        self.st.cdata_ends.clear();
        self.st.cdata_next = 0;
        // One pass finds every `]]>` and whether the window holds a `\r` at all; after the
        // first `\r` only `]` is looked for (CRLF text would stop the search on every line).
        let mut cr_at = None;
        let mut from = 0;
        while let Some(i) = memchr::memchr2(b']', b'\r', &window[from..]) {
            let i = from + i;
            if window[i] == b'\r' {
                cr_at = Some(i);
                break;
            }
            if window.get(i + 1..i + 3) == Some(b"]>") {
                self.st.cdata_ends.push(wbase + i as u64);
            }
            from = i + 1;
        }
        if let Some(cr) = cr_at {
            for i in memchr::memchr_iter(b']', &window[cr..]) {
                let i = cr + i;
                if window.get(i + 1..i + 3) == Some(b"]>") {
                    self.st.cdata_ends.push(wbase + i as u64);
                }
            }
        }
        self.st.tree.cr_free = cr_at.is_none();
        self.st.next_cdata_end = self.st.cdata_ends.first().copied().unwrap_or(u64::MAX);
        // quick-xml reads one event at a time from wherever the loop below has got to (it is
        // told where by giving it the rest of the window): its offsets count from where it
        // was created, so each event's are taken relative to where it was before.
        let mut reader = Reader::from_reader(window);
        configure(reader.config_mut());
        // No event of this window can break `maxRecordBytes` when the whole window is within
        // it, counted from the open record's start (or the window's, for a record beginning
        // in it or markup outside records): then the per-event check is skipped.
        let spans_checked = !self.st.span_fits(wbase, wbase + window.len() as u64);
        // Likewise `maxTextLength` for the text nodes of this window, counted from the start
        // of the text node it may continue.
        let texts_checked = (wbase + window.len() as u64)
            .saturating_sub(self.st.text_start.min(wbase))
            > self.st.limits.max_text_length as u64;
        // Where the next event starts, in the window.
        let mut p = 0;
        loop {
            let ev_rel = p;
            let ev_start = wbase + p as u64;
            let rest = &window[p..];
            let Some(&first) = rest.first() else {
                return Ok(Window::Consumed);
            };
            // Text, start tags holding only a name, and end tags that close the open element
            // (most events) are read here; quick-xml reads the same bytes as the same events.
            if first != b'<' && first != b'&' {
                let n = lex::text_len(rest);
                p += n;
                let ev_end = wbase + p as u64;
                self.st.ev_end = ev_end;
                // Text outside records is exempt: it streams through in pieces of any size.
                if spans_checked && self.st.record.is_some() {
                    self.span_first(ev_start, ev_end)?;
                }
                self.st
                    .text_event(&rest[..n], ev_start, ev_end, texts_checked)?;
                continue;
            }
            if first == b'<' {
                if rest.get(1) == Some(&b'/') {
                    let n = self.st.stack.last().map_or(0, |open| {
                        let name = self.st.name(open);
                        if lex::plain_end(rest, name) {
                            name.len()
                        } else {
                            0
                        }
                    });
                    if n > 0 {
                        p += n + 3;
                        let ev_end = wbase + p as u64;
                        self.st.ev_end = ev_end;
                        if spans_checked {
                            self.span_first(ev_start, ev_end)?;
                        }
                        self.st.end_event(&rest[2..2 + n], ev_start)?;
                        if self.st.out.len() >= self.st.limits.batch_bytes {
                            return Ok(Window::BatchFull(start + p));
                        }
                        continue;
                    }
                } else if let Some(tag) = lex::start_tag(rest) {
                    p += tag.extent;
                    let ev_end = wbase + p as u64;
                    self.st.ev_end = ev_end;
                    if spans_checked {
                        self.span_first(ev_start, ev_end)?;
                    }
                    let (raw, empty) = (&rest[1..1 + tag.len], tag.empty);
                    self.st.start_raw(raw, tag.name, empty, ev_start)?;
                    if empty && self.st.out.len() >= self.st.limits.batch_bytes {
                        return Ok(Window::BatchFull(start + p));
                    }
                    continue;
                }
            }
            if first == b'&' {
                if let Some(n) = lex::reference(rest) {
                    p += n + 2;
                    let ev_end = wbase + p as u64;
                    self.st.ev_end = ev_end;
                    if spans_checked {
                        self.span_first(ev_start, ev_end)?;
                    }
                    self.st.count_text(ev_start, ev_end)?;
                    self.st.reference(&rest[1..1 + n], ev_start)?;
                    continue;
                }
            }
            *reader.get_mut() = rest;
            let before = reader.buffer_position();
            let event = match reader.read_event() {
                Ok(ev) => ev,
                Err(e) => {
                    if let QError::IllFormed(IllFormedError::DoubleHyphenInComment) = e {
                        self.st.failed_comment = Some(wbase + ev_rel as u64);
                    }
                    let in_window = |o: u64| ev_rel + o.saturating_sub(before) as usize;
                    let failed = Failed {
                        window_start: start,
                        at: in_window(reader.error_position()),
                        read_to: in_window(reader.buffer_position()) as u64,
                        ev_rel,
                        final_window,
                    };
                    return self.window_error(e, window, wbase, failed);
                }
            };
            p += (reader.buffer_position() - before) as usize;
            let ev_end = wbase + p as u64;
            self.st.ev_end = ev_end;
            // Checked before the event is handled, so that nothing inside a construct too
            // large to hold can report first: arriving in small chunks, it is never parsed.
            // Text outside records is exempt: it streams through in pieces of any size.
            if spans_checked && (self.st.record.is_some() || !matches!(event, Event::Text(_))) {
                self.span_first(ev_start, ev_end)?;
            }
            // Only a finished record grows the batch, and the batch was below its size when
            // this window began (`step_records`) and after every event since: so it is only
            // tested after the events that can end a record (end tags, empty-element tags).
            match event {
                Event::Eof => return Ok(Window::Consumed),
                Event::Start(e) => self.st.start(&e, false, ev_start)?,
                Event::Empty(e) => {
                    self.st.start(&e, true, ev_start)?;
                    if self.st.out.len() >= self.st.limits.batch_bytes {
                        return Ok(Window::BatchFull(start + p));
                    }
                }
                Event::End(e) => {
                    self.st.end_event(e.name().as_ref(), ev_start)?;
                    if self.st.out.len() >= self.st.limits.batch_bytes {
                        return Ok(Window::BatchFull(start + p));
                    }
                }
                Event::Text(t) => self.st.text_event(&t, ev_start, ev_end, texts_checked)?,
                Event::GeneralRef(r) => {
                    self.st.count_text(ev_start, ev_end)?;
                    self.st.reference(&r, ev_start)?
                }
                Event::CData(c) => {
                    self.st
                        .check_text_length(c.len(), "a CDATA section", ev_start + 9)?;
                    self.st.cdata(&c, ev_start)?
                }
                Event::Comment(c) => {
                    self.st
                        .check_text_length(c.len(), "a comment", ev_start + 4)?
                }
                Event::PI(pi) => self.st.pi(&pi, ev_start)?,
                Event::Decl(d) => {
                    // Measured like a processing instruction, as it is before it ends.
                    let what = "a processing instruction";
                    self.st.check_text_length(d.len(), what, ev_start + 2)?;
                    let raw = window
                        .get((ev_start - wbase) as usize..(ev_end - wbase) as usize)
                        .unwrap_or(&[]);
                    self.st.decl(&d, raw, ev_start)?
                }
                Event::DocType(_) => {
                    let raw = window
                        .get((ev_start - wbase) as usize..(ev_end - wbase) as usize)
                        .unwrap_or(&[]);
                    self.st.doctype(raw, ev_start)?
                }
            }
        }
    }

    /// What an error of quick-xml means: the window ended inside a construct (parse it
    /// again with more input), or a positioned failure. Off the event loop's path.
    #[cold]
    #[inline(never)]
    fn window_error(
        &self,
        e: QError,
        window: &[u8],
        wbase: u64,
        failed: Failed,
    ) -> std::result::Result<Window, Fail> {
        let Failed {
            window_start: start,
            at,
            read_to,
            ev_rel,
            final_window,
        } = failed;
        let ev_start = wbase + ev_rel as u64;
        match classify(&e, window.len() - at) {
            Some(why) if !final_window => {
                let _ = why;
                Ok(Window::Incomplete(start + at))
            }
            Some(why) => {
                // The limits win, in the order they are checked when the input
                // arrives slowly and this construct is held unfinished.
                self.span_first(wbase + at as u64, wbase + window.len() as u64)?;
                Err(match oversize::check(&window[at..], &self.st.limits) {
                    Some(f) => from_fault(wbase + at as u64, f),
                    None => fail(
                        wbase + at as u64,
                        ErrorCode::UnexpectedEof,
                        format!("input ended inside {why}"),
                    ),
                })
            }
            None => {
                // A construct that breaks the size limit fails on that first, as
                // it does when it arrives slowly and is never parsed whole.
                let mut end = read_to.max(at as u64);
                if let QError::IllFormed(IllFormedError::UnclosedReference) = e {
                    // An unclosed `&` reaches its first `>` at most: a window may
                    // end there, and then that is all quick-xml reads of it.
                    let rest = window.get(at..).unwrap_or_default();
                    if let Some(g) = rest.iter().position(|&b| b == b'>') {
                        end = end.min((at + g + 1) as u64);
                    }
                }
                self.span_first(ev_start, wbase + end)?;
                if let QError::IllFormed(IllFormedError::DoubleHyphenInComment) = e {
                    // Held unfinished, the comment meets `maxTextLength` first when
                    // its first `--` comes after the limit; so must it whole.
                    let c = window.get(ev_rel..).unwrap_or_default();
                    let hyphens = c.get(4..).and_then(|b| memchr::memmem::find(b, b"--"));
                    let held = &c[..hyphens.map_or(0, |i| (4 + i + 2).min(c.len()))];
                    if let Some(f) = oversize::check(held, &self.st.limits) {
                        return Err(from_fault(ev_start, f));
                    }
                }
                if let QError::IllFormed(IllFormedError::UnclosedReference) = e {
                    let name = window.get(at + 1..).unwrap_or_default();
                    let gt = name.iter().position(|&b| b == b'>');
                    let name = &name[..gt.unwrap_or(name.len())];
                    return Err(self.st.unclosed_reference(name, wbase + at as u64));
                }
                Err(quick_xml_fail(&e, wbase + at as u64))
            }
        }
    }

    /// `maxRecordBytes` for the construct at `start` reaching `end` (absolute offsets of
    /// held input). When it is over, the early limit checks get the part of it within the
    /// limit first: arriving byte by byte, that is all of it ever held before the size limit
    /// was passed, so whichever limit breaks first wins however the input was chunked.
    /// Checked for every event: the common case stays inline.
    #[inline]
    pub(super) fn span_first(&self, start: u64, end: u64) -> std::result::Result<(), Fail> {
        if self.st.span_fits(start, end) {
            return Ok(());
        }
        self.span_over(start, end)
    }

    #[cold]
    #[inline(never)]
    fn span_over(&self, start: u64, end: u64) -> std::result::Result<(), Fail> {
        let Err(over) = self.st.span_check(start, end) else {
            return Ok(());
        };
        let base = self.input.base();
        let rel = |at: u64| usize::try_from(at.saturating_sub(base)).unwrap_or(usize::MAX);
        let (from, cap) = (rel(start), rel(over.at).min(self.input.buf.len()));
        if from < cap {
            let w = &self.input.buf[from..cap];
            if w.first() != Some(&b'<') {
                // Text (or a reference): the text node's own limit, as `count_text` counts.
                let st = &self.st;
                let ts = if start == st.text_end {
                    st.text_start
                } else {
                    start
                };
                // A `]]>` that is whole before the limit's byte is met first as the text
                // arrives, unless the text node's own limit comes earlier still.
                let text_limit = ts.saturating_add(st.limits.max_text_length as u64);
                if let Some(p) = memchr::memmem::find(w, b"]]>") {
                    let p = start + p as u64;
                    if p + 2 < text_limit {
                        return Err(cdata_end_in_text(p));
                    }
                }
                let held = (base + cap as u64).saturating_sub(ts);
                if held > st.limits.max_text_length as u64 {
                    let f = attrs::text_too_long(0, "a text node", &st.limits);
                    return Err(from_fault(ts, f));
                }
            }
            if let Some(f) = oversize::check(w, &self.st.limits) {
                return Err(from_fault(start, f));
            }
        }
        Err(over)
    }
}

impl State {
    /// An end tag, however it was read.
    #[inline(always)]
    fn end_event(&mut self, name: &[u8], at: u64) -> std::result::Result<(), Fail> {
        self.check_name_length(name, "an element", at + 2)?;
        self.end(name, at)
    }

    /// A piece of text from `at` to `end`, however it was read.
    #[inline(always)]
    fn text_event(
        &mut self,
        t: &[u8],
        at: u64,
        end: u64,
        texts_checked: bool,
    ) -> std::result::Result<(), Fail> {
        self.outside_root_first(t, at)?;
        if texts_checked {
            self.count_text(at, end)?;
        } else {
            self.follow_text(at, end);
        }
        self.text(t, at)
    }
}

/// quick-xml's settings for every reader sluice runs: end names, unmatched ends and text
/// are left to sluice's own checks, which position their errors.
pub(super) fn configure(cfg: &mut quick_xml::reader::Config) {
    cfg.check_end_names = false;
    cfg.allow_unmatched_ends = true;
    cfg.check_comments = true;
    cfg.expand_empty_elements = false;
    cfg.trim_text(false);
}

/// Where a window may end without cutting a construct: after the last `>`, or inside trailing
/// text but before a reference whose `;` has not arrived. `u` never ends inside a UTF-8
/// sequence (the character scan stops short of one).
pub(super) fn safe_cut(u: &[u8]) -> usize {
    let gt = memchr::memrchr(b'>', u);
    let lt = memchr::memrchr(b'<', u);
    match (lt, gt) {
        (Some(l), Some(g)) if l > g => l,
        (Some(l), None) => l,
        _ => {
            let text_from = gt.map_or(0, |g| g + 1);
            match memchr::memrchr(b'&', &u[text_from..]) {
                Some(a) if memchr::memchr(b';', &u[text_from + a..]).is_none() => text_from + a,
                _ => {
                    // Trailing `]` or `]]` wait for the next byte, so that a `]]>` in text
                    // always reaches one window whole and is seen.
                    let min = u.len().saturating_sub(2).max(text_from);
                    let mut cut = u.len();
                    while cut > min && u[cut - 1] == b']' {
                        cut -= 1;
                    }
                    cut
                }
            }
        }
    }
}

/// For errors caused by the window ending inside a construct, what that construct is.
pub(super) fn classify(e: &QError, left: usize) -> Option<&'static str> {
    match e {
        QError::Syntax(s) => match s {
            SyntaxError::UnclosedPI | SyntaxError::UnclosedXmlDecl => {
                Some("a processing instruction")
            }
            SyntaxError::UnclosedComment => Some("a comment"),
            SyntaxError::UnclosedDoctype => Some("a DOCTYPE"),
            SyntaxError::UnclosedCData => Some("a CDATA section"),
            SyntaxError::UnclosedTag
            | SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue => Some("a tag"),
            // quick-xml tells `<!` markup apart by its third byte alone.
            SyntaxError::InvalidBangMarkup if left < 3 => Some("markup"),
            SyntaxError::InvalidBangMarkup => None,
        },
        _ => None,
    }
}

pub(super) fn unclosed_reference(at: u64) -> Fail {
    fail(
        at,
        ErrorCode::InvalidReference,
        "`&` must start a reference ending in `;`",
    )
}

pub(super) fn invalid_bang(at: u64) -> Fail {
    fail(
        at,
        ErrorCode::Syntax,
        "`<!` must start a comment, a CDATA section or a DOCTYPE",
    )
}

pub(super) fn quick_xml_fail(e: &QError, at: u64) -> Fail {
    match e {
        QError::IllFormed(IllFormedError::DoubleHyphenInComment) => fail(
            at,
            ErrorCode::Syntax,
            "`--` is not allowed inside a comment",
        ),
        QError::IllFormed(IllFormedError::UnclosedReference) => unclosed_reference(at),
        QError::IllFormed(IllFormedError::MissingDeclVersion(_)) => {
            fail(at, ErrorCode::InvalidDeclaration, e.to_string())
        }
        QError::IllFormed(IllFormedError::MissingDoctypeName) => {
            fail(at, ErrorCode::InvalidDoctype, e.to_string())
        }
        QError::Syntax(SyntaxError::InvalidBangMarkup) => invalid_bang(at),
        QError::Encoding(_) => fail(at, ErrorCode::InvalidChar, "invalid UTF-8"),
        other => fail(at, ErrorCode::Syntax, other.to_string()),
    }
}
