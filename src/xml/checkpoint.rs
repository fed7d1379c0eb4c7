//! Checkpoints: the byte just after each record, and what is open there, so that a new
//! parser can start at that byte with the same ancestors and namespaces in scope
//! ("fragment mode") and emit exactly the records that followed.
//!
//! Records are siblings far more often than not, so the open path is only written out when
//! it differs from the previous record's: `State::ctx_gen` counts changes to the elements
//! open outside records.

use bytes::BytesMut;

use super::{names, State};
use crate::error::{Error, ErrorCode};
use crate::escape;

/// Where to start a parser: just after a record of an earlier run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resume {
    /// Offset of the first byte that will be fed, in the original input.
    pub offset: u64,
    /// The elements open there, root first.
    pub path: Vec<Ancestor>,
    /// The input's encoding, as a checkpoint names it; `None` is UTF-8.
    pub encoding: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ancestor {
    /// Qualified name, as written.
    pub name: String,
    /// Namespace declarations made on this element: (prefix, URI), `""` for the default.
    pub ns: Vec<(String, String)>,
}

/// What goes with each batch besides its records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchMeta {
    /// Offset just after each record, in order.
    pub ends: Vec<u64>,
    /// `(i, json)`: from record `i` of the batch on, the open path is `json`
    /// (`{"path":[{"name":..,"ns":[[prefix,uri],..]},..]}`).
    pub contexts: Vec<(u32, String)>,
    /// The input's encoding (as `encoding_rs` names it, or `US-ASCII`/`ISO-8859-1`).
    pub encoding: &'static str,
}

/// Marks an ancestor restored from a checkpoint, whose start tag this run never saw.
pub(super) const RESTORED: u64 = u64::MAX;

impl State {
    /// Notes the end of a record just written to the batch.
    pub(super) fn note_record_end(&mut self) {
        self.meta.ends.push(self.ev_end);
        if self.ctx_gen != self.emitted_ctx_gen {
            self.emitted_ctx_gen = self.ctx_gen;
            let json = self.context_json();
            let i = self.meta.ends.len() as u32 - 1;
            self.meta.contexts.push((i, json));
        }
    }

    pub(super) fn context_json(&self) -> String {
        let mut out = BytesMut::new();
        out.extend_from_slice(b"{\"path\":[");
        for (k, open) in self.stack.iter().enumerate() {
            if k > 0 {
                out.extend_from_slice(b",");
            }
            out.extend_from_slice(b"{\"name\":");
            escape::write_str(&mut out, self.name(open));
            out.extend_from_slice(b",\"ns\":[");
            for i in open.ns_mark..open.ns_end {
                if let Some((p, u)) = self.ns.binding(i as usize) {
                    if i > open.ns_mark {
                        out.extend_from_slice(b",");
                    }
                    out.extend_from_slice(b"[");
                    escape::write_str(&mut out, p);
                    out.extend_from_slice(b",");
                    escape::write_str(&mut out, u);
                    out.extend_from_slice(b"]");
                }
            }
            out.extend_from_slice(b"]}");
        }
        out.extend_from_slice(b"]}");
        // `escape` writes ASCII only.
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Opens the ancestors of a checkpoint, as if their start tags had just been read.
    pub(super) fn restore(&mut self, r: &Resume) -> Result<(), Error> {
        let bad = |why: String| {
            Error::unpositioned(ErrorCode::InvalidOption, format!("`resumeFrom`: {why}"))
        };
        if r.path.len() > self.limits.max_depth {
            return Err(bad("the path is deeper than maxDepth".into()));
        }
        for a in &r.path {
            let qname = a.name.as_bytes();
            if !self.name_cache.check(qname) {
                return Err(bad(format!("invalid element name {:?}", a.name)));
            }
            let ns_mark = self.ns.mark();
            if self.check_namespaces {
                for (p, u) in &a.ns {
                    if self.ns.declare(p.as_bytes(), u.as_bytes()).is_err() {
                        return Err(bad(format!("invalid namespace binding {p:?} = {u:?}")));
                    }
                }
                if let Some(p) = names::prefix(qname) {
                    if self.ns.resolve(p, self.ns.mark()).is_none() {
                        return Err(bad(format!("prefix of {:?} is not bound", a.name)));
                    }
                }
            }
            self.push_open(qname, ns_mark, RESTORED);
        }
        self.seen_root = true;
        self.root_closed = r.path.is_empty();
        // No XML declaration can come after the start of the document.
        self.decl_at = RESTORED;
        Ok(())
    }
}
