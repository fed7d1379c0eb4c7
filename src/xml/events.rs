//! The event handlers: what each start tag, end tag, text, reference, CDATA section, comment,
//! processing instruction, declaration and DOCTYPE does to the state, and what it must refuse.

use std::collections::HashSet;

use quick_xml::events::BytesStart;

use super::attrs::{self, Span};
use super::chars::{self, is_xml_space, Ref};
use super::namespaces::DeclError;
use super::skip::FailedStart;
use super::state::State;
use super::window::unclosed_reference;
use super::{dtd, encoding, fail, from_fault, name_chars, oversize, xml_decl, Fail};
use crate::error::ErrorCode;
use crate::names;
use crate::shape;

impl State {
    /// A start tag as quick-xml reads it.
    pub(super) fn start(
        &mut self,
        tag: &BytesStart,
        empty: bool,
        at: u64,
    ) -> std::result::Result<(), Fail> {
        self.start_raw(tag, tag.name().as_ref().len(), empty, at)
    }

    /// A start tag's content (the bytes after `<`, without `>` or `/>`) whose first
    /// `name_len` bytes are its name.
    pub(super) fn start_raw(
        &mut self,
        raw: &[u8],
        name_len: usize,
        empty: bool,
        at: u64,
    ) -> std::result::Result<(), Fail> {
        let depth = self.stack.len();
        // Matched rather than held in a local, so that the large error type is not copied
        // on the way out of every tag.
        match self.start_element(raw, name_len, empty, at) {
            Ok(()) => Ok(()),
            Err(f) => {
                self.start_failed(&raw[..name_len], empty, depth, f.code, at);
                Err(f)
            }
        }
    }

    /// Notes what a broken start tag means for skip mode (see `failed_tag` and
    /// `nested_sibling`).
    #[cold]
    #[inline(never)]
    fn start_failed(&mut self, qname: &[u8], empty: bool, depth: usize, code: ErrorCode, at: u64) {
        if self.track_nested {
            let pushed = self.stack.last().is_some_and(|o| o.at == at);
            self.failed_start = Some(FailedStart { at, empty, pushed });
        }
        if self.record.is_none() && self.stack.len() == depth {
            if depth > 0 && !self.root_closed && self.would_select(qname).is_some() {
                self.failed_name.clear();
                self.failed_name.extend_from_slice(qname);
                self.failed_tag = Some((at, depth));
            }
        } else if code != ErrorCode::NameTooLong {
            // A broken tag inside a record that would begin a sibling record begins one. Not
            // a name over maxNameLength: held unfinished, that fails before there is a tag.
            self.note_nested_sibling(qname, at);
        }
    }

    pub(super) fn start_element(
        &mut self,
        raw: &[u8],
        name_len: usize,
        empty: bool,
        at: u64,
    ) -> std::result::Result<(), Fail> {
        let qname = &raw[..name_len];
        self.check_name_length(qname, "an element", at + 1)?;
        // One lookup gives the name's symbol, and with it what was found about the name the
        // first time: that it is a valid name, where its colon is, whether it can be selected.
        if self.record.is_none() {
            // Outside records no symbol is held but the open elements', and names there are
            // interned too.
            self.reset_symbols_if_large();
        }
        let mut sym = self.intern(qname);
        if self.symbols.flags(sym) & names::VALID_NAME == 0 {
            self.check_element_name(qname, at)?;
            self.symbols.add_flags(sym, names::VALID_NAME);
        }
        if self.root_closed || self.stack.len() >= self.limits.max_depth {
            return Err(self.misplaced_start(qname, at));
        }
        let tag_base = at + 1;
        if raw.len() == qname.len() {
            // Nothing after the name: no attributes (most tags).
            self.spans.clear();
        } else {
            self.scan_attributes(raw, qname.len(), tag_base)?;
        }
        // Offset of the local name: 0, or just past the colon of a prefixed name.
        let local = self.symbols.local_offset(sym);
        let ns_mark = self.ns.mark();
        if self.check_namespaces {
            if local > 0 || !self.spans.is_empty() {
                let prefix = qname.get(..local.saturating_sub(1)).filter(|_| local > 0);
                self.bind_namespaces(raw, qname, prefix, tag_base)?;
            } else {
                // Most tags have neither attributes nor a prefix: nothing to declare or
                // resolve, only the bound on what is in scope (restored by a checkpoint).
                self.check_held_namespaces(tag_base)?;
            }
        }
        self.push_open_sym(sym, ns_mark, at);
        self.seen_root = true;

        if self.record.is_none() && self.may_be_selected(sym, &qname[local..]) {
            if let Some(sel) = self.match_selector() {
                self.begin_record(sel, at);
                // Beginning a record may have emptied the symbol table and interned the open
                // elements' names again.
                sym = self.stack.last().map_or(sym, |o| o.sym);
            }
        }
        if self.record.is_some() {
            if self.track_nested {
                self.note_nested_sibling(qname, at);
            }
            self.tree.open(sym, self.trim);
            if !self.spans.is_empty() {
                self.add_attributes(raw, tag_base)?;
            }
        } else {
            self.ctx_gen += 1;
            if !self.spans.is_empty() {
                self.check_attribute_values(raw, tag_base)?;
            }
        }
        if empty {
            self.end(qname, at)?;
        }
        Ok(())
    }

    /// A start tag after the root element, or one level too deep.
    #[cold]
    #[inline(never)]
    fn misplaced_start(&self, qname: &[u8], at: u64) -> Fail {
        if self.root_closed {
            return fail(
                at,
                ErrorCode::MultipleRoots,
                format!(
                    "a second root element <{}>: a document has exactly one",
                    String::from_utf8_lossy(qname)
                ),
            );
        }
        fail(
            at,
            ErrorCode::TooDeep,
            format!(
                "elements nest deeper than maxDepth ({})",
                self.limits.max_depth
            ),
        )
    }

    /// Scans the attributes after an element name into `spans`, refusing bad names and
    /// duplicates.
    fn scan_attributes(
        &mut self,
        raw: &[u8],
        name_len: usize,
        tag_base: u64,
    ) -> std::result::Result<(), Fail> {
        attrs::scan(raw, name_len, &self.limits, &mut self.spans)
            .map_err(|f| from_fault(tag_base, f))?;
        for s in &self.spans {
            let key = raw.get(s.name.0..s.name.1).unwrap_or(&[]);
            if !self.name_cache.check(key) {
                return Err(bad_name(key, "attribute", tag_base + s.name.0 as u64));
            }
        }
        if let Some(j) = attrs::find_duplicate(raw, &self.spans) {
            let s = self.spans[j];
            return Err(fail(
                tag_base + s.name.0 as u64,
                ErrorCode::DuplicateAttribute,
                format!(
                    "duplicate attribute `{}`",
                    String::from_utf8_lossy(&raw[s.name.0..s.name.1])
                ),
            ));
        }
        Ok(())
    }

    /// Whether some selector's last step could match this name: the paths of most elements
    /// need not be compared at all. Worked out once per name.
    #[inline]
    fn may_be_selected(&mut self, sym: u32, local: &[u8]) -> bool {
        let flags = self.symbols.flags(sym);
        if flags & names::SELECTABLE_KNOWN != 0 {
            return flags & names::SELECTABLE != 0;
        }
        let may = self.selectors.iter().any(|s| s.last_step_may_match(local));
        let found = if may {
            names::SELECTABLE_KNOWN | names::SELECTABLE
        } else {
            names::SELECTABLE_KNOWN
        };
        self.symbols.add_flags(sym, found);
        may
    }

    /// Refuses an element name that is not a `QName` (with namespaces) or a `Name`.
    #[cold]
    #[inline(never)]
    fn check_element_name(&mut self, qname: &[u8], at: u64) -> std::result::Result<(), Fail> {
        if self.name_cache.check(qname) {
            return Ok(());
        }
        // `a < b` reaches here as an element with no name: say what the user must write.
        let starts_name = qname
            .first()
            .is_some_and(|&b| b >= 0x80 || name_chars::is_name_start(b as char));
        if !starts_name {
            // Positioned where the name should start, as other bad names are.
            let what = if qname.is_empty() {
                "`<` not followed by an element name".to_string()
            } else {
                format!(
                    "`<` followed by `{}`, which is not an element name",
                    String::from_utf8_lossy(qname)
                )
            };
            return Err(fail(
                at + 1,
                ErrorCode::Syntax,
                format!("{what}: a `<` in text must be escaped as `&lt;`"),
            ));
        }
        Err(bad_name(qname, "element", at + 1))
    }

    pub(super) fn bind_namespaces(
        &mut self,
        raw: &[u8],
        qname: &[u8],
        qname_prefix: Option<&[u8]>,
        tag_base: u64,
    ) -> std::result::Result<(), Fail> {
        for i in 0..self.spans.len() {
            let s = self.spans[i];
            let key = &raw[s.name.0..s.name.1];
            let prefix = match key {
                b"xmlns" => &b""[..],
                k if k.starts_with(b"xmlns:") => &k[6..],
                _ => continue,
            };
            self.decode(
                &raw[s.value.0..s.value.1],
                false,
                tag_base + s.value.0 as u64,
            )?;
            if let Err(e) = self.ns.declare(prefix, &self.value) {
                let why = match e {
                    DeclError::EmptyPrefixedUri => "a prefix cannot be bound to an empty URI",
                    DeclError::Reserved => "reserved prefix or namespace URI",
                };
                return Err(fail(
                    tag_base + s.name.0 as u64,
                    ErrorCode::UnboundPrefix,
                    format!(
                        "invalid namespace declaration `{}`: {why}",
                        String::from_utf8_lossy(key)
                    ),
                ));
            }
        }
        self.check_held_namespaces(tag_base)?;
        let mark = self.ns.mark();
        if let Some(p) = qname_prefix {
            if p == b"xmlns" || self.ns.resolve(p, mark).is_none() {
                return Err(unbound(tag_base, p, qname));
            }
        }
        let mut prefixed = 0;
        for s in self.spans.iter().filter(|s| s.prefixed) {
            let key = &raw[s.name.0..s.name.1];
            if let Some(p) = names::prefix(key) {
                if p != b"xmlns" && self.ns.resolve(p, mark).is_none() {
                    return Err(unbound(tag_base + s.name.0 as u64, p, key));
                }
                prefixed += 1;
            }
        }
        if prefixed > 1 {
            self.check_expanded_names(raw, tag_base)?;
        }
        Ok(())
    }

    /// Each tag is bounded, but declarations pile up with depth: bound them as one record.
    #[inline(always)]
    pub(super) fn check_held_namespaces(&self, tag_base: u64) -> std::result::Result<(), Fail> {
        if self.ns.held_bytes() > self.limits.max_record_bytes {
            return Err(self.too_many_held_namespaces(tag_base));
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn too_many_held_namespaces(&self, tag_base: u64) -> Fail {
        fail(
            tag_base,
            ErrorCode::RecordTooLarge,
            format!(
                "namespace declarations in scope exceed maxRecordBytes ({} bytes)",
                self.limits.max_record_bytes
            ),
        )
    }

    /// Two attributes with different prefixes bound to one URI and the same local name are
    /// the same attribute (Namespaces 1.0, 6.3).
    pub(super) fn check_expanded_names(
        &self,
        raw: &[u8],
        tag_base: u64,
    ) -> std::result::Result<(), Fail> {
        let mark = self.ns.mark();
        let expanded = |s: &Span| {
            let key = raw.get(s.name.0..s.name.1).unwrap_or(&[]);
            let p = names::prefix(key).filter(|p| *p != b"xmlns")?;
            Some((self.ns.resolve(p, mark)?, names::local_name(key)))
        };
        // Pairwise on small tags; through a set on large ones, so that a tag with thousands
        // of prefixed attributes costs thousands of lookups rather than millions.
        let small = self.spans.len() <= 16;
        let mut seen = None;
        for (j, b) in self.spans.iter().enumerate() {
            let Some(eb) = expanded(b) else { continue };
            let repeated = if small {
                self.spans[..j].iter().any(|a| expanded(a) == Some(eb))
            } else {
                !seen
                    .get_or_insert_with(|| HashSet::with_capacity(self.spans.len()))
                    .insert(eb)
            };
            if repeated {
                return Err(fail(
                    tag_base + b.name.0 as u64,
                    ErrorCode::DuplicateAttribute,
                    format!(
                        "attribute `{}` repeats another one's namespace and local name",
                        String::from_utf8_lossy(raw.get(b.name.0..b.name.1).unwrap_or(&[]))
                    ),
                ));
            }
        }
        Ok(())
    }

    #[inline(never)]
    pub(super) fn add_attributes(
        &mut self,
        raw: &[u8],
        tag_base: u64,
    ) -> std::result::Result<(), Fail> {
        for i in 0..self.spans.len() {
            let s = self.spans[i];
            let key = &raw[s.name.0..s.name.1];
            let is_xmlns = key == b"xmlns" || key.starts_with(b"xmlns:");
            if self.ignore_attributes || (self.remove_ns_prefix && is_xmlns) {
                self.check_value(raw, s, tag_base)?;
                continue;
            }
            let v = &raw[s.value.0..s.value.1];
            let sym = self.intern(key);
            // Most values hold no reference and no white space other than spaces (nothing
            // below 0x20 is left in XML but tab, LF and CR, which normalise to spaces): they
            // decode to themselves, trimmed, and go to the tree without the copy through
            // `value`.
            if v.iter().all(|&b| b >= 0x20 && b != b'&') {
                let v = if self.trim {
                    // Its only ASCII white space is the space: when the bytes at both ends
                    // are ASCII and not spaces there is nothing to trim (most values).
                    match (v.first(), v.last()) {
                        (Some(&a), Some(&z)) if a > b' ' && a < 0x80 && z > b' ' && z < 0x80 => v,
                        _ => {
                            let v = &v[shape::js_trim_start(v)..];
                            &v[..shape::js_trim_end(v)]
                        }
                    }
                } else {
                    v
                };
                self.tree.attr(sym, v);
                continue;
            }
            self.decode(v, self.trim, tag_base + s.value.0 as u64)?;
            self.tree.attr(sym, &self.value);
        }
        Ok(())
    }

    pub(super) fn check_attribute_values(
        &mut self,
        raw: &[u8],
        tag_base: u64,
    ) -> std::result::Result<(), Fail> {
        for i in 0..self.spans.len() {
            let s = self.spans[i];
            self.check_value(raw, s, tag_base)?;
        }
        Ok(())
    }

    /// Decodes an attribute value at input offset `at` into `self.value`.
    pub(super) fn decode(
        &mut self,
        v: &[u8],
        trim: bool,
        at: u64,
    ) -> std::result::Result<(), Fail> {
        let entities = &mut self.entities;
        let max_name = self.limits.max_name_length;
        attrs::decode_value_with(v, trim, max_name, &mut self.value, &mut |name, out| {
            entities.expand_in_attribute(name, out, at)
        })
        .map_err(|f| from_fault(at, f))
    }

    /// Attribute values outside records are only decoded when they hold a reference, to
    /// report bad ones; nothing else about them can be wrong once scanned.
    pub(super) fn check_value(
        &mut self,
        raw: &[u8],
        s: Span,
        tag_base: u64,
    ) -> std::result::Result<(), Fail> {
        let v = &raw[s.value.0..s.value.1];
        if v.contains(&b'&') {
            self.decode(v, false, tag_base + s.value.0 as u64)?;
        }
        Ok(())
    }

    /// Inline at its callers (every end tag and empty tag), its errors out of line.
    #[inline(always)]
    pub(super) fn end(&mut self, qname: &[u8], at: u64) -> std::result::Result<(), Fail> {
        let Some(open) = self.stack.last() else {
            return Err(self.mismatched_end(qname, at));
        };
        if !names::same_name(self.name(open), qname) {
            return Err(self.mismatched_end(qname, at));
        }
        let ns_mark = open.ns_mark;
        self.ns.truncate(ns_mark as usize);
        self.stack.pop();
        if self.record.is_none() {
            self.ctx_gen += 1;
        }
        if let Some(rec) = &self.record {
            let selector = rec.selector;
            if self.tree.close(self.trim) {
                self.emit(selector);
            }
        }
        if self.stack.is_empty() {
            self.root_closed = true;
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn mismatched_end(&self, qname: &[u8], at: u64) -> Fail {
        let message = match self.stack.last() {
            None => format!(
                "unexpected </{}>: no element is open",
                String::from_utf8_lossy(qname)
            ),
            Some(open) => format!(
                "expected </{}> but found </{}>",
                String::from_utf8_lossy(self.name(open)),
                String::from_utf8_lossy(qname)
            ),
        };
        fail(at, ErrorCode::MismatchedTag, message)
    }

    /// Counts `start..end` into the current text node, which may have begun windows ago.
    /// Text outside the root fails at its first non-space byte, unless the text node was
    /// already over `maxTextLength` there: the order bytes arriving one at a time meet the two
    /// checks in, whatever pieces the text comes in.
    pub(super) fn outside_root_first(&self, t: &[u8], at: u64) -> std::result::Result<(), Fail> {
        if !self.stack.is_empty() {
            return Ok(());
        }
        let Some(i) = t.iter().position(|&b| !is_xml_space(b)) else {
            return Ok(());
        };
        let ts = if at == self.text_end {
            self.text_start
        } else {
            at
        };
        let j = at + i as u64;
        if j < ts.saturating_add(self.limits.max_text_length as u64) {
            return Err(self.outside_root(j));
        }
        Ok(())
    }

    pub(super) fn count_text(&mut self, start: u64, end: u64) -> std::result::Result<(), Fail> {
        self.follow_text(start, end);
        let over_at = self
            .text_start
            .saturating_add(self.limits.max_text_length as u64);
        if end > over_at {
            // Arriving byte by byte, a `]]>` completed before the byte that breaks the limit
            // fails first; so must it when the text comes whole.
            if self.next_cdata_end < over_at && start < over_at {
                self.check_cdata_end((over_at - start) as usize, start)?;
            }
            let from = self.text_start;
            return Err(from_fault(
                from,
                attrs::text_too_long(0, "a text node", &self.limits),
            ));
        }
        Ok(())
    }

    /// [`State::count_text`]'s bookkeeping alone, where the text cannot be over the limit.
    #[inline]
    pub(super) fn follow_text(&mut self, start: u64, end: u64) {
        if start != self.text_end {
            self.text_start = start;
        }
        self.text_end = end;
    }

    /// `len` bytes of text-like content starting at `at`.
    pub(super) fn check_text_length(
        &self,
        len: usize,
        what: &str,
        at: u64,
    ) -> std::result::Result<(), Fail> {
        if len > self.limits.max_text_length {
            return Err(from_fault(at, attrs::text_too_long(0, what, &self.limits)));
        }
        Ok(())
    }

    pub(super) fn check_name_length(
        &self,
        name: &[u8],
        what: &str,
        at: u64,
    ) -> std::result::Result<(), Fail> {
        if name.len() > self.limits.max_name_length {
            return Err(from_fault(at, attrs::name_too_long(0, what, &self.limits)));
        }
        Ok(())
    }

    #[inline]
    pub(super) fn text(&mut self, t: &[u8], at: u64) -> std::result::Result<(), Fail> {
        if self.next_cdata_end < at + t.len() as u64 {
            self.check_cdata_end(t.len(), at)?;
        }
        self.text_body(t, at)
    }

    /// Text already checked for `]]>`.
    #[inline]
    pub(super) fn text_body(&mut self, t: &[u8], at: u64) -> std::result::Result<(), Fail> {
        if self.stack.is_empty() {
            if let Some(i) = t.iter().position(|&b| !is_xml_space(b)) {
                return Err(self.outside_root(at + i as u64));
            }
        } else if self.record.is_some() {
            self.tree.text(t, self.trim);
        }
        Ok(())
    }

    /// A `]]>` of the window lies at or after the text's start: skip those behind it (they
    /// ended CDATA sections, comments...), and refuse one inside it.
    #[cold]
    pub(super) fn check_cdata_end(&mut self, len: usize, at: u64) -> std::result::Result<(), Fail> {
        while let Some(&p) = self.cdata_ends.get(self.cdata_next) {
            if p >= at {
                if p + 3 <= at + len as u64 {
                    return Err(cdata_end_in_text(p));
                }
                self.next_cdata_end = p;
                return Ok(());
            }
            self.cdata_next += 1;
        }
        self.next_cdata_end = u64::MAX;
        Ok(())
    }

    pub(super) fn outside_root(&self, at: u64) -> Fail {
        let when = if self.root_closed { "after" } else { "before" };
        fail(
            at,
            ErrorCode::TextOutsideRoot,
            format!("text {when} the root element"),
        )
    }

    pub(super) fn reference(&mut self, name: &[u8], at: u64) -> std::result::Result<(), Fail> {
        // quick-xml reads a reference up to `;`, `&` or `<`, so `&x>y;` comes whole only when
        // no window ends at that `>`; cut there, it is an unclosed `&`. Both must agree.
        if let Some(gt) = name.iter().position(|&b| b == b'>') {
            return Err(self.unclosed_reference(&name[..gt], at));
        }
        self.check_name_length(name, "an entity", at + 1)?;
        if self.stack.is_empty() {
            return Err(self.outside_root(at));
        }
        match chars::resolve(name) {
            Ref::Char(c) => {
                if self.record.is_some() {
                    self.tree.text_ref(c);
                }
                Ok(())
            }
            Ref::Undefined => self.entity_in_content(name, at),
            Ref::Invalid => Err(from_fault(at, attrs::invalid_char_ref(0, name))),
        }
    }

    /// An `&` at `at` whose name so far is `name` and that cannot end: too long a name, as
    /// the early check finds it while it is held unfinished, or else unclosed.
    pub(super) fn unclosed_reference(&self, name: &[u8], at: u64) -> Fail {
        let mut held = Vec::with_capacity(name.len() + 1);
        held.push(b'&');
        held.extend_from_slice(name);
        match oversize::check(&held, &self.limits) {
            Some(f) => from_fault(at, f),
            None => unclosed_reference(at),
        }
    }

    pub(super) fn cdata(&mut self, content: &[u8], at: u64) -> std::result::Result<(), Fail> {
        if self.stack.is_empty() {
            return Err(self.outside_root(at));
        }
        if self.record.is_some() {
            match self.cdata_name.take() {
                Some(name) => {
                    let sym = self.intern(&name);
                    self.tree.cdata_child(sym, content, self.trim);
                    self.cdata_name = Some(name);
                }
                None => self.tree.cdata_text(content, self.trim),
            }
        }
        Ok(())
    }

    pub(super) fn pi(&mut self, pi: &[u8], at: u64) -> std::result::Result<(), Fail> {
        let target_len = pi.iter().position(|&b| is_xml_space(b)).unwrap_or(pi.len());
        if target_len > self.limits.max_name_length {
            return Err(from_fault(
                at + 2,
                attrs::name_too_long(0, "a processing-instruction target", &self.limits),
            ));
        }
        self.check_text_length(pi.len(), "a processing instruction", at + 2)?;
        if let Err((off, why)) = dtd::check_pi(pi, self.check_namespaces) {
            let code = if off == 0 && pi.get(..3).is_some_and(|t| t.eq_ignore_ascii_case(b"xml")) {
                ErrorCode::InvalidDeclaration
            } else {
                ErrorCode::Syntax
            };
            return Err(fail(at + 2 + off as u64, code, why));
        }
        if self.record.is_some() {
            self.tree.end_piece(self.trim);
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    pub(super) fn decl(
        &mut self,
        d: &quick_xml::events::BytesDecl,
        raw: &[u8],
        at: u64,
    ) -> std::result::Result<(), Fail> {
        if at != self.decl_at {
            return Err(fail(
                at,
                ErrorCode::InvalidDeclaration,
                "the XML declaration is only allowed at the very start of the document",
            ));
        }
        self.entities.standalone = xml_decl::check(raw)
            .map_err(|(off, why)| fail(at + off as u64, ErrorCode::InvalidDeclaration, why))?;
        let version = d
            .version()
            .map_err(|e| fail(at, ErrorCode::InvalidDeclaration, e.to_string()))?;
        let ok_version = version.len() > 2
            && version.starts_with(b"1.")
            && version[2..].iter().all(|b| b.is_ascii_digit());
        if !ok_version {
            return Err(fail(
                at,
                ErrorCode::InvalidDeclaration,
                format!(
                    "unsupported XML version {:?}",
                    String::from_utf8_lossy(&version)
                ),
            ));
        }
        if let Some(enc) = d.encoding() {
            let enc = enc.map_err(|e| fail(at, ErrorCode::InvalidDeclaration, e.to_string()))?;
            encoding::check_declared(&String::from_utf8_lossy(&enc), self.encoding)
                .map_err(|why| fail(at, ErrorCode::UnsupportedEncoding, why))?;
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    pub(super) fn doctype(&mut self, d: &[u8], at: u64) -> std::result::Result<(), Fail> {
        if self.seen_root || self.seen_doctype {
            return Err(fail(
                at,
                ErrorCode::InvalidDoctype,
                "a DOCTYPE must come once, before the root element",
            ));
        }
        self.seen_doctype = true;
        let dtd = dtd::parse(d, self.check_namespaces)
            .map_err(|e| fail(at + e.at as u64, ErrorCode::InvalidDoctype, e.message))?;
        self.entities.dtd = Some(dtd);
        Ok(())
    }
}

pub(super) fn unbound(at: u64, prefix: &[u8], name: &[u8]) -> Fail {
    fail(
        at,
        ErrorCode::UnboundPrefix,
        format!(
            "prefix `{}` of `{}` is not bound to a namespace (no xmlns:{} in scope)",
            String::from_utf8_lossy(prefix),
            String::from_utf8_lossy(name),
            String::from_utf8_lossy(prefix)
        ),
    )
}

pub(super) fn cdata_end_in_text(at: u64) -> Fail {
    fail(
        at,
        ErrorCode::Syntax,
        "`]]>` is not allowed in text outside a CDATA section",
    )
}

#[cold]
pub(super) fn bad_name(name: &[u8], what: &str, at: u64) -> Fail {
    fail(
        at,
        ErrorCode::Syntax,
        format!("invalid {what} name {:?}", String::from_utf8_lossy(name)),
    )
}
