//! The element and record state: open elements, the record being built, and how a finished
//! record is written to the batch.

use bytes::BytesMut;

use super::attrs::Span;
use super::checkpoint::BatchMeta;
use super::encoding::Chosen;
use super::namespaces::Namespaces;
use super::skip::FailedStart;
use super::{expand, fail, name_chars, Fail};
use crate::error::ErrorCode;
use crate::limits::Limits;
use crate::names::{self, Symbols};
use crate::select::Selector;
use crate::shape::{ShapeOptions, Tree};

pub(super) struct State {
    pub(super) selectors: Vec<Selector>,
    /// `{"selector":"...","value":` per selector, when records are tagged.
    pub(super) tags: Vec<Vec<u8>>,
    pub(super) shape: ShapeOptions,
    pub(super) trim: bool,
    pub(super) ignore_attributes: bool,
    pub(super) remove_ns_prefix: bool,
    pub(super) check_namespaces: bool,
    pub(super) cdata_name: Option<Vec<u8>>,
    pub(super) always_array_names: Vec<Vec<u8>>,
    pub(super) limits: Limits,

    pub(super) symbols: Symbols,
    pub(super) tree: Tree,
    pub(super) stack: Vec<Open>,
    pub(super) ns: Namespaces,
    pub(super) record: Option<Record>,
    pub(super) ancestors: Vec<u32>,
    pub(super) spans: Vec<Span>,
    pub(super) value: Vec<u8>,

    pub(super) decl_at: u64,
    pub(super) encoding: Chosen,
    pub(super) seen_root: bool,
    pub(super) root_closed: bool,
    pub(super) seen_doctype: bool,
    /// The text node read last, as absolute offsets: text arrives in pieces (across windows,
    /// around references) and `maxTextLength` counts it whole. A piece starting where the
    /// last one ended continues it; any markup in between leaves a gap.
    pub(super) text_start: u64,
    pub(super) text_end: u64,
    /// Offsets of every `]]>` in the current window, and the first not yet behind the text
    /// being handled: text checks itself against one offset instead of scanning for `]]>`.
    pub(super) cdata_ends: Vec<u64>,
    pub(super) cdata_next: usize,
    /// `cdata_ends[cdata_next]`, or `u64::MAX`: the one comparison every text makes.
    pub(super) next_cdata_end: u64,
    pub(super) name_cache: name_chars::NameCache,
    pub(super) entities: expand::Entities,

    pub(super) out: BytesMut,
    pub(super) records: u64,

    /// End offset of the event being handled.
    pub(super) ev_end: u64,
    /// Record ends and open paths of the batch being filled.
    pub(super) meta: BatchMeta,
    /// Bumped whenever the elements open outside records change.
    pub(super) ctx_gen: u64,
    /// `ctx_gen` when the last record was emitted.
    pub(super) emitted_ctx_gen: u64,
    /// A start tag that failed before its record began, had it been selected: its offset
    /// and the depth of its parent. Its name is in `failed_name`.
    pub(super) failed_tag: Option<(u64, usize)>,
    pub(super) failed_name: Vec<u8>,
    /// Skip mode: the start tag whose handling failed last (its extent ends at `ev_end`).
    pub(super) failed_start: Option<FailedStart>,
    /// Skip mode: where a comment that held `--` began. quick-xml read it to its first
    /// `-->`, so that is where it ends; a scan for the resume point that began after the
    /// `--` would take a `<!--` later in it for the start of another comment.
    pub(super) failed_comment: Option<u64>,
    /// Skip mode: the offset of the first start tag inside the current record that a selector
    /// would pick as the record's sibling. Records do not contain such tags when they are
    /// well-formed, so if the record breaks, that tag begins the next record: parsing resumes
    /// there, and one missing end tag costs one record instead of the rest of the list. The
    /// input from it on is held until the record ends.
    pub(super) nested_sibling: Option<u64>,
    pub(super) track_nested: bool,
}

pub(super) struct Open {
    /// Qualified name, as its symbol: held by id rather than copied, so that opening and
    /// closing an element moves no name bytes. The table is only emptied between records,
    /// and then the open elements' names are interned again (`reset_symbols_if_large`).
    pub(super) sym: u32,
    /// Namespace bindings in scope for this element (its own included).
    pub(super) ns_end: u32,
    pub(super) ns_mark: u32,
    pub(super) at: u64,
}

pub(super) struct Record {
    pub(super) start: u64,
    pub(super) selector: usize,
    /// Elements open once the record's element is (its own depth).
    pub(super) depth: usize,
}

impl State {
    /// Opens an element whose namespace bindings were declared after `ns_mark`.
    pub(super) fn push_open(&mut self, qname: &[u8], ns_mark: usize, at: u64) {
        let sym = self.intern(qname);
        self.push_open_sym(sym, ns_mark, at);
    }

    /// [`State::push_open`] with the name already interned.
    #[inline]
    pub(super) fn push_open_sym(&mut self, sym: u32, ns_mark: usize, at: u64) {
        self.stack.push(Open {
            sym,
            ns_end: self.ns.mark() as u32,
            ns_mark: ns_mark as u32,
            at,
        });
    }

    pub(super) fn name(&self, open: &Open) -> &[u8] {
        self.symbols.qname(open.sym)
    }

    /// The local name of an open element (after the colon of a prefixed name).
    pub(super) fn local_name(&self, open: &Open) -> &[u8] {
        &self.symbols.qname(open.sym)[self.symbols.local_offset(open.sym)..]
    }

    /// Empties the symbol table once it holds too much; only between records, when the tree
    /// holds no id. The open elements' names are interned again.
    #[inline]
    pub(super) fn reset_symbols_if_large(&mut self) {
        if self.symbols.is_large() {
            self.reset_symbols();
        }
    }

    #[cold]
    #[inline(never)]
    fn reset_symbols(&mut self) {
        let open: Vec<Vec<u8>> = self.stack.iter().map(|o| self.name(o).to_vec()).collect();
        self.symbols.reset();
        for (i, q) in open.iter().enumerate() {
            let sym = self.intern(q);
            self.stack[i].sym = sym;
        }
    }

    /// Whether [`State::span_check`] passes.
    #[inline]
    pub(super) fn span_fits(&self, start: u64, end: u64) -> bool {
        let from = self.record.as_ref().map_or(start, |rec| rec.start);
        end.saturating_sub(from) <= self.limits.max_record_bytes as u64
    }

    /// `maxRecordBytes` bounds a record from its start, or a piece of markup outside records
    /// from `start`, up to `end`. Both parse paths (a finished event, or an unfinished
    /// construct held at the end of a run) use this one rule, so that the error is the same
    /// however the input was chunked. It points at the first byte past the limit, as JSON's
    /// does: a record's start may be input that was already let go.
    pub(super) fn span_check(&self, start: u64, end: u64) -> std::result::Result<(), Fail> {
        let max = self.limits.max_record_bytes;
        let (from, what) = match &self.record {
            Some(rec) => (rec.start, "record"),
            None => (start, "piece of markup"),
        };
        if end.saturating_sub(from) > max as u64 {
            return Err(fail(
                from.saturating_add(max as u64),
                ErrorCode::RecordTooLarge,
                format!(
                    "the {what} starting at byte {from} is larger than maxRecordBytes ({max} bytes)"
                ),
            ));
        }
        Ok(())
    }

    pub(super) fn match_selector(&self) -> Option<usize> {
        let depth = self.stack.len();
        let local = |i: usize| self.local_name(&self.stack[i]);
        let uri = |i: usize| {
            let o = &self.stack[i];
            let q = self.name(o);
            self.ns
                .resolve(names::prefix(q).unwrap_or(b""), o.ns_end as usize)
        };
        self.selectors
            .iter()
            .position(|s| s.matches(depth, local, uri))
    }

    /// Skip mode: notes a start tag at `at`, inside the current record, that would begin a
    /// sibling record (see `nested_sibling`).
    pub(super) fn note_nested_sibling(&mut self, qname: &[u8], at: u64) {
        if !self.track_nested || self.nested_sibling.is_some() {
            return;
        }
        let Some(rec) = &self.record else {
            return;
        };
        if at > rec.start
            && self.is_element_name(qname)
            && self.would_select_under(rec.depth - 1, qname).is_some()
        {
            self.nested_sibling = Some(at);
        }
    }

    pub(super) fn begin_record(&mut self, selector: usize, at: u64) {
        self.nested_sibling = None;
        self.reset_symbols_if_large();
        self.tree.clear();
        self.ancestors.clear();
        if !self.shape.always_array_paths.is_empty() {
            let above = &self.stack[..self.stack.len() - 1];
            self.ancestors.extend(above.iter().map(|o| o.sym));
        }
        self.record = Some(Record {
            start: at,
            selector,
            depth: self.stack.len(),
        });
    }

    #[inline(always)]
    pub(super) fn intern(&mut self, qname: &[u8]) -> u32 {
        let names = &self.always_array_names;
        self.symbols
            .intern(qname, |out| names.iter().any(|n| n.as_slice() == out))
    }

    pub(super) fn emit(&mut self, selector: usize) {
        self.record = None;
        self.nested_sibling = None;
        // For a file (`utf8_lines`) each record is a line; for JavaScript the batch is an array.
        if !self.shape.utf8 {
            self.out
                .extend_from_slice(if self.out.is_empty() { b"[" } else { b"," });
        }
        if let Some(tag) = self.tags.get(selector) {
            self.out.extend_from_slice(tag);
        }
        self.tree
            .write(&mut self.out, &self.symbols, &self.shape, &self.ancestors);
        if !self.tags.is_empty() {
            self.out.extend_from_slice(b"}");
        }
        if self.shape.utf8 {
            self.out.extend_from_slice(b"\n");
        }
        self.records += 1;
        self.note_record_end();
    }
}
