//! Opt-in expansion of internal general entities declared in the internal subset, in content
//! and in attribute values, under an amplification budget so that "billion laughs" and
//! quadratic blowup end in an error with bounded memory. External and unparsed entities are
//! never resolved: a reference to one is an error.

use std::sync::Arc;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::attrs::Fault;
use super::chars::{resolve, Ref};
use super::dtd::{Dtd, EntityKind};
use super::{fail, Fail, State};
use crate::error::ErrorCode;

/// Expansion beyond this many bytes is checked against the input size (as expat does).
const ACTIVATION_BYTES: u64 = 64 << 10;
/// Most bytes of expanded text per byte of input read, past the activation threshold.
const MAX_AMPLIFICATION: u64 = 100;
/// Deepest nesting of entity references inside replacement texts.
const MAX_NESTING: usize = 32;

pub(super) struct Entities {
    pub enabled: bool,
    /// Absolute cap on the bytes of replacement text expanded in one document.
    pub max_total: u64,
    pub dtd: Option<Dtd>,
    /// The XML declaration says `standalone='yes'`.
    pub standalone: bool,
    total: u64,
    /// Entities being expanded, outermost first, to catch recursion.
    open: Vec<Vec<u8>>,
}

/// What a reference to a non-predefined entity resolves to.
enum Lookup {
    Text(Arc<[u8]>),
    /// Undeclared where declarations may have gone unread, so not an error (4.1, WFC:
    /// Entity Declared). Kept as its literal `&name;` text: dropping it would lose data
    /// silently, and fast-xml-parser keeps such references the same way.
    Unread,
    Refused(Fault),
}

impl Entities {
    pub fn new(enabled: bool, max_total: u64) -> Self {
        Entities {
            enabled,
            max_total,
            dtd: None,
            standalone: false,
            total: 0,
            open: Vec::new(),
        }
    }

    fn lookup(&self, name: &[u8]) -> Lookup {
        let shown = String::from_utf8_lossy(name);
        let refuse = |code, message: String| {
            Lookup::Refused(Fault {
                at: 0,
                code,
                message,
            })
        };
        let entity = self.dtd.as_ref().and_then(|d| d.general.get(name));
        let Some(e) = entity else {
            let unread = self
                .dtd
                .as_ref()
                .is_some_and(|d| d.incomplete || d.parameter_references);
            if self.enabled && unread && !self.standalone {
                return Lookup::Unread;
            }
            let mut f = super::attrs::undefined_entity(0, name);
            if self.dtd.as_ref().is_some_and(|d| d.incomplete) {
                f.message.push_str(
                    "; the external DTD or parameter entities that might declare it are never read",
                );
            }
            return Lookup::Refused(f);
        };
        match e.kind {
            EntityKind::External | EntityKind::Unparsed if !self.enabled => refuse(
                ErrorCode::UndefinedEntity,
                format!("entity `&{shown};` is external and never read (external entities are never expanded)"),
            ),
            EntityKind::External => refuse(
                ErrorCode::ExternalEntity,
                format!("`&{shown};` is an external entity; external entities are never read"),
            ),
            EntityKind::Unparsed => refuse(
                ErrorCode::ExternalEntity,
                format!("`&{shown};` is an unparsed (NDATA) entity and cannot be referenced"),
            ),
            EntityKind::Internal if !self.enabled => refuse(
                ErrorCode::UndefinedEntity,
                format!(
                    "entity `&{shown};` is declared in the DOCTYPE but not expanded: set expandInternalEntities: true to expand internal entities"
                ),
            ),
            EntityKind::Internal if self.open.iter().any(|o| o == name) => refuse(
                ErrorCode::EntityExpansion,
                format!("entity `&{shown};` refers to itself"),
            ),
            EntityKind::Internal if self.open.len() >= MAX_NESTING => refuse(
                ErrorCode::EntityExpansion,
                format!("entity references nest deeper than {MAX_NESTING}"),
            ),
            EntityKind::Internal => Lookup::Text(e.text.clone()),
        }
    }

    /// Counts `bytes` of expansion at input offset `at`, refusing past the budget.
    fn charge(&mut self, bytes: usize, at: u64) -> Result<(), Fault> {
        // Empty replacement texts still cost, or nesting them would be free.
        self.total += bytes.max(1) as u64;
        let over_cap = self.total > self.max_total;
        let over_ratio = self.total > ACTIVATION_BYTES
            && self.total > MAX_AMPLIFICATION.saturating_mul(at.saturating_add(1));
        if over_cap || over_ratio {
            let why = if over_cap {
                format!("more than maxEntityExpansion ({} bytes)", self.max_total)
            } else {
                format!("more than {MAX_AMPLIFICATION} times the input read so far")
            };
            return Err(Fault {
                at: 0,
                code: ErrorCode::EntityExpansion,
                message: format!("entity expansion produced {why}"),
            });
        }
        Ok(())
    }

    /// Appends the normalised replacement text of `&name;` to an attribute value (3.3.3):
    /// white space becomes spaces, references expand recursively, `<` is refused.
    pub fn expand_in_attribute(
        &mut self,
        name: &[u8],
        out: &mut Vec<u8>,
        at: u64,
    ) -> Result<(), Fault> {
        let text = match self.lookup(name) {
            Lookup::Text(t) => t,
            Lookup::Unread => {
                out.push(b'&');
                out.extend_from_slice(name);
                out.push(b';');
                return Ok(());
            }
            Lookup::Refused(f) => return Err(f),
        };
        self.charge(text.len(), at)?;
        self.open.push(name.to_vec());
        let r = self.attribute_text(name, &text, out, at);
        self.open.pop();
        r
    }

    fn attribute_text(
        &mut self,
        name: &[u8],
        text: &[u8],
        out: &mut Vec<u8>,
        at: u64,
    ) -> Result<(), Fault> {
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'<' => {
                    return Err(Fault {
                        at: 0,
                        code: ErrorCode::InvalidAttribute,
                        message: format!(
                            "the replacement text of `&{};` contains `<`, which attribute values cannot",
                            String::from_utf8_lossy(name)
                        ),
                    })
                }
                b'&' => {
                    let Some(len) = memchr::memchr(b';', &text[i..]) else {
                        return Err(bad_ref(name));
                    };
                    let inner = &text[i + 1..i + len];
                    match resolve(inner) {
                        Ref::Char(c) => {
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        Ref::Invalid => return Err(bad_ref(name)),
                        Ref::Undefined => self.expand_in_attribute(inner, out, at)?,
                    }
                    i += len + 1;
                }
                b'\t' | b'\n' | b'\r' => {
                    out.push(b' ');
                    i += 1;
                }
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        Ok(())
    }
}

fn bad_ref(name: &[u8]) -> Fault {
    Fault {
        at: 0,
        code: ErrorCode::InvalidReference,
        message: format!(
            "malformed reference in the replacement text of `&{};`",
            String::from_utf8_lossy(name)
        ),
    }
}

impl State {
    /// A reference in content to an entity other than the predefined ones: expanded as
    /// content when internal and expansion is on, refused otherwise. `at` is the position of
    /// the outermost reference, where every problem inside is reported.
    #[inline(never)]
    pub(super) fn entity_in_content(&mut self, name: &[u8], at: u64) -> Result<(), Fail> {
        let text = match self.entities.lookup(name) {
            Lookup::Text(t) => t,
            Lookup::Unread => {
                let literal = [&b"&"[..], name, b";"].concat();
                return self.text_body(&literal, at);
            }
            Lookup::Refused(f) => return Err(fail(at, f.code, f.message)),
        };
        self.entities
            .charge(text.len(), at)
            .map_err(|f| fail(at, f.code, f.message))?;
        self.entities.open.push(name.to_vec());
        // The replacement text is not the window the reader checked for `\r`.
        let cr_free = std::mem::replace(&mut self.tree.cr_free, false);
        let r = self.content_text(&text, at);
        self.tree.cr_free = cr_free;
        self.entities.open.pop();
        r.map_err(|mut f| {
            if self.entities.open.is_empty() {
                f.message.push_str(&format!(
                    " (in the replacement text of `&{};`)",
                    String::from_utf8_lossy(name)
                ));
            }
            f.at = at;
            f
        })
    }

    /// Text of a replacement text: its line ends were normalised at declaration, so a CR
    /// left here came from a character reference and is kept.
    fn entity_text(&mut self, t: &[u8], at: u64) -> Result<(), Fail> {
        if memchr::memmem::find(t, b"]]>").is_some() {
            return Err(super::cdata_end_in_text(at));
        }
        let mut rest = t;
        while let Some(p) = memchr::memchr(b'\r', rest) {
            self.text_body(&rest[..p], at)?;
            if self.record.is_some() {
                self.tree.text_ref('\r');
            }
            rest = &rest[p + 1..];
        }
        self.text_body(rest, at)
    }

    fn content_text(&mut self, text: &[u8], at: u64) -> Result<(), Fail> {
        let depth = self.stack.len();
        let mut reader = Reader::from_reader(text);
        super::configure(reader.config_mut());
        // The buffered reader, unlike the borrowing one the main loop uses, is a separate
        // instantiation: sharing that one would stop it being inlined into the hot loop.
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let event = reader
                .read_event_into(&mut buf)
                .map_err(|e| super::quick_xml_fail(&e, at))?;
            match event {
                Event::Eof => break,
                Event::Start(e) => self.start(&e, false, at)?,
                Event::Empty(e) => self.start(&e, true, at)?,
                Event::End(e) => {
                    if self.stack.len() <= depth {
                        return Err(fail(
                            at,
                            ErrorCode::MismatchedTag,
                            "an end tag in an entity's replacement text closes an element opened outside it",
                        ));
                    }
                    self.end(e.name().as_ref(), at)?
                }
                Event::Text(t) => self.entity_text(&t, at)?,
                Event::GeneralRef(r) => self.reference(&r, at)?,
                Event::CData(c) => self.cdata(&c, at)?,
                Event::Comment(_) => {}
                Event::PI(pi) => self.pi(&pi, at)?,
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(fail(
                        at,
                        ErrorCode::Syntax,
                        "an entity's replacement text cannot hold an XML declaration or a DOCTYPE",
                    ))
                }
            }
        }
        if self.stack.len() != depth {
            return Err(fail(
                at,
                ErrorCode::UnexpectedEof,
                "an element opened in an entity's replacement text is not closed in it",
            ));
        }
        Ok(())
    }
}
