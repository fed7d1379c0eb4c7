//! Well-formedness of the DOCTYPE declaration and its internal subset (XML 1.0, 5th edition,
//! productions 28-83), and the table of general entities it declares. Nothing external is
//! ever read: external entities are recorded as such so that references to them can be
//! refused, and an unread external parameter entity stops the processing of later
//! declarations, as section 5.1 asks of a non-validating processor.

use std::collections::HashMap;
use std::sync::Arc;

use super::chars::{is_xml_space, resolve, Ref};
use super::name_chars::{name_len, nmtoken_len};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    Internal,
    External,
    Unparsed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub kind: EntityKind,
    /// Replacement text (internal entities only): the literal with character references
    /// expanded and entity references kept, as section 4.5 defines it.
    pub text: Arc<[u8]>,
}

#[derive(Debug, Default)]
pub struct Dtd {
    pub general: HashMap<Vec<u8>, Entity>,
    /// Declarations may exist that were not read (external subset or parameter entities).
    pub incomplete: bool,
    /// The internal subset references a parameter entity. Then, unless the document is
    /// standalone, an undeclared general entity is only a validity error (WFC: Entity
    /// Declared), even when every parameter entity was read.
    pub parameter_references: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtdError {
    /// Byte offset in the DOCTYPE declaration.
    pub at: usize,
    pub message: String,
}

/// Nesting of parameter entity references in the internal subset.
const MAX_PE_DEPTH: usize = 16;

/// Checks `raw`, the whole `<!DOCTYPE ...>` declaration, and collects its entities.
pub fn parse(raw: &[u8], namespaces: bool) -> Result<Dtd, DtdError> {
    let mut d = Decls {
        dtd: Dtd::default(),
        params: HashMap::new(),
        open_pes: Vec::new(),
        namespaces,
        stop: false,
    };
    let mut c = Cursor { s: raw, i: 0 };
    doctype(&mut c, &mut d)?;
    Ok(d.dtd)
}

struct Decls {
    dtd: Dtd,
    params: HashMap<Vec<u8>, Entity>,
    open_pes: Vec<Vec<u8>>,
    namespaces: bool,
    /// Set after an unread parameter entity: later declarations are checked, not used.
    stop: bool,
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

type R<T> = Result<T, DtdError>;

fn err<T>(at: usize, message: impl Into<String>) -> R<T> {
    Err(DtdError {
        at,
        message: message.into(),
    })
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn rest(&self) -> &'a [u8] {
        self.s.get(self.i..).unwrap_or(&[])
    }
    fn at(&self, lit: &[u8]) -> bool {
        self.rest().starts_with(lit)
    }
    fn ws(&mut self) -> bool {
        let start = self.i;
        while self.peek().is_some_and(is_xml_space) {
            self.i += 1;
        }
        self.i > start
    }
    fn req_ws(&mut self, after: &str) -> R<()> {
        if self.ws() {
            Ok(())
        } else {
            err(self.i, format!("white space is required after {after}"))
        }
    }
    fn expect(&mut self, lit: &[u8], what: &str) -> R<()> {
        if self.at(lit) {
            self.i += lit.len();
            Ok(())
        } else {
            err(self.i, format!("expected {what}"))
        }
    }
    fn name(&mut self, what: &str) -> R<&'a [u8]> {
        let n = name_len(self.rest());
        if n == 0 {
            return err(self.i, format!("expected {what} (an XML name)"));
        }
        let s = self.s;
        let name = &s[self.i..self.i + n];
        self.i += n;
        Ok(name)
    }
    fn nmtoken(&mut self) -> R<()> {
        let n = nmtoken_len(self.rest());
        if n == 0 {
            return err(self.i, "expected a name token");
        }
        self.i += n;
        Ok(())
    }
    /// A quoted literal; returns its content.
    fn literal(&mut self, what: &str) -> R<&'a [u8]> {
        let Some(q @ (b'"' | b'\'')) = self.peek() else {
            return err(self.i, format!("expected {what} in quotes"));
        };
        let start = self.i + 1;
        let Some(n) = memchr::memchr(q, self.s.get(start..).unwrap_or(&[])) else {
            return err(self.i, format!("unterminated {what}"));
        };
        self.i = start + n + 1;
        Ok(&self.s[start..start + n])
    }
}

fn no_colon(d: &Decls, name: &[u8], at: usize, what: &str) -> R<()> {
    if d.namespaces && name.contains(&b':') {
        return err(
            at,
            format!(
                "{what} `{}` contains a colon, which namespaces forbid",
                String::from_utf8_lossy(name)
            ),
        );
    }
    Ok(())
}

fn doctype(c: &mut Cursor, d: &mut Decls) -> R<()> {
    c.expect(b"<!DOCTYPE", "`<!DOCTYPE` (in upper case)")?;
    c.req_ws("`<!DOCTYPE`")?;
    c.name("the document element's name")?;
    let mut spaced = c.ws();
    if matches!(c.peek(), Some(b'S' | b'P')) {
        if !spaced {
            return err(c.i, "white space is required before the external ID");
        }
        external_id(c, false)?;
        d.dtd.incomplete = true;
        spaced = c.ws();
    }
    let _ = spaced;
    if c.peek() == Some(b'[') {
        c.i += 1;
        int_subset(c, d, false)?;
        c.expect(b"]", "`]` closing the internal subset")?;
        c.ws();
    }
    c.expect(b">", "`>` closing the DOCTYPE")?;
    if c.i != c.s.len() {
        return err(c.i, "unexpected content after the DOCTYPE");
    }
    Ok(())
}

/// `intSubset`; inside a parameter entity's replacement text it runs to the end of the text.
fn int_subset(c: &mut Cursor, d: &mut Decls, in_pe: bool) -> R<()> {
    loop {
        c.ws();
        match c.peek() {
            None if in_pe => return Ok(()),
            None => return err(c.i, "the internal subset is not closed by `]`"),
            Some(b']') if !in_pe => return Ok(()),
            Some(b'%') => pe_reference(c, d)?,
            Some(b'<') => markup_decl(c, d)?,
            Some(_) => return err(c.i, "expected a markup declaration in the internal subset"),
        }
    }
}

fn markup_decl(c: &mut Cursor, d: &mut Decls) -> R<()> {
    if c.at(b"<!--") {
        comment(c)
    } else if c.at(b"<?") {
        pi(c, d)
    } else if c.at(b"<!ELEMENT") {
        c.i += 9;
        element_decl(c)
    } else if c.at(b"<!ATTLIST") {
        c.i += 9;
        attlist_decl(c, d)
    } else if c.at(b"<!ENTITY") {
        c.i += 8;
        entity_decl(c, d)
    } else if c.at(b"<!NOTATION") {
        c.i += 10;
        notation_decl(c, d)
    } else if c.at(b"<![") {
        err(
            c.i,
            "conditional sections are not allowed in the internal subset",
        )
    } else {
        err(c.i, "unknown markup declaration")
    }
}

/// `<!--`...`-->` at the cursor, with no `--` inside.
fn comment_len(s: &[u8]) -> Result<usize, (usize, &'static str)> {
    let body = s.get(4..).unwrap_or(&[]);
    let Some(end) = memchr::memmem::find(body, b"-->") else {
        return Err((0, "unterminated comment"));
    };
    if let Some(p) = memchr::memmem::find(&body[..end], b"--") {
        return Err((4 + p, "`--` is not allowed inside a comment"));
    }
    if body[..end].ends_with(b"-") {
        return Err((4 + end - 1, "a comment may not end with `--->`"));
    }
    Ok(4 + end + 3)
}

fn comment(c: &mut Cursor) -> R<()> {
    match comment_len(c.rest()) {
        Ok(n) => {
            c.i += n;
            Ok(())
        }
        Err((at, why)) => err(c.i + at, why),
    }
}

/// Checks the content of a processing instruction (between `<?` and `?>`): a target name
/// other than `xml`, then white space before any data. Offsets are in `content`.
pub(super) fn check_pi(content: &[u8], namespaces: bool) -> Result<(), (usize, String)> {
    let n = name_len(content);
    if n == 0 {
        return Err((0, "a processing instruction needs a target name".into()));
    }
    let target = &content[..n];
    if target.eq_ignore_ascii_case(b"xml") {
        return Err((
            0,
            "the XML declaration is only allowed at the very start of the document".into(),
        ));
    }
    if namespaces && target.contains(&b':') {
        return Err((
            0,
            "a processing instruction target may not contain a colon".into(),
        ));
    }
    match content.get(n) {
        None => Ok(()),
        Some(&b) if is_xml_space(b) => Ok(()),
        Some(_) => Err((
            n,
            "white space is required between a processing instruction's target and its data".into(),
        )),
    }
}

/// Checks a processing instruction `<?`...`?>` starting `s`; returns its length.
fn pi_len(s: &[u8], namespaces: bool) -> Result<usize, (usize, String)> {
    let Some(e) = memchr::memmem::find(s.get(2..).unwrap_or(&[]), b"?>") else {
        return Err((0, "unterminated processing instruction".into()));
    };
    check_pi(&s[2..2 + e], namespaces).map_err(|(at, m)| (at + 2, m))?;
    Ok(2 + e + 2)
}

fn pi(c: &mut Cursor, d: &Decls) -> R<()> {
    match pi_len(c.rest(), d.namespaces) {
        Ok(n) => {
            c.i += n;
            Ok(())
        }
        Err((at, why)) => err(c.i + at, why),
    }
}

fn element_decl(c: &mut Cursor) -> R<()> {
    c.req_ws("`<!ELEMENT`")?;
    c.name("an element name")?;
    c.req_ws("the element name")?;
    if c.at(b"EMPTY") {
        c.i += 5;
    } else if c.at(b"ANY") {
        c.i += 3;
    } else if c.peek() == Some(b'(') {
        c.i += 1;
        c.ws();
        if c.at(b"#PCDATA") {
            c.i += 7;
            mixed(c)?;
        } else {
            children(c)?;
        }
    } else {
        return err(c.i, "expected EMPTY, ANY or a content model");
    }
    c.ws();
    c.expect(b">", "`>` closing the element declaration")
}

/// After `(#PCDATA`: `)`, `)*`, or `|`-separated names then `)*`.
fn mixed(c: &mut Cursor) -> R<()> {
    let mut names = false;
    loop {
        c.ws();
        match c.peek() {
            Some(b')') => {
                c.i += 1;
                if c.peek() == Some(b'*') {
                    c.i += 1;
                } else if names {
                    return err(c.i, "mixed content with element names must end in `)*`");
                }
                return Ok(());
            }
            Some(b'|') => {
                c.i += 1;
                c.ws();
                c.name("an element name")?;
                names = true;
            }
            _ => return err(c.i, "expected `|` or `)` in mixed content"),
        }
    }
}

/// After a group's `(` and white space: `cp ((S? sep S? cp)*) S? )` and an occurrence.
fn children(c: &mut Cursor) -> R<()> {
    cp(c)?;
    let mut sep = None;
    loop {
        c.ws();
        match c.peek() {
            Some(b')') => {
                c.i += 1;
                break;
            }
            Some(s @ (b'|' | b',')) => {
                if sep.is_some_and(|p| p != s) {
                    return err(c.i, "`|` and `,` cannot be mixed in one group");
                }
                sep = Some(s);
                c.i += 1;
                c.ws();
                cp(c)?;
            }
            _ => return err(c.i, "expected `|`, `,` or `)` in a content model"),
        }
    }
    occurrence(c);
    Ok(())
}

fn cp(c: &mut Cursor) -> R<()> {
    if c.peek() == Some(b'(') {
        c.i += 1;
        c.ws();
        children(c)
    } else {
        c.name("an element name or `(`")?;
        occurrence(c);
        Ok(())
    }
}

fn occurrence(c: &mut Cursor) {
    if matches!(c.peek(), Some(b'?' | b'*' | b'+')) {
        c.i += 1;
    }
}

fn attlist_decl(c: &mut Cursor, d: &Decls) -> R<()> {
    c.req_ws("`<!ATTLIST`")?;
    c.name("an element name")?;
    loop {
        let spaced = c.ws();
        if c.peek() == Some(b'>') {
            c.i += 1;
            return Ok(());
        }
        if !spaced {
            return err(
                c.i,
                "white space is required before an attribute definition",
            );
        }
        c.name("an attribute name")?;
        c.req_ws("the attribute name")?;
        att_type(c)?;
        c.req_ws("the attribute type")?;
        default_decl(c, d)?;
    }
}

fn att_type(c: &mut Cursor) -> R<()> {
    if c.peek() == Some(b'(') {
        return enumeration(c, false);
    }
    let at = c.i;
    let t = c.name("an attribute type")?;
    match t {
        b"CDATA" | b"ID" | b"IDREF" | b"IDREFS" | b"ENTITY" | b"ENTITIES" | b"NMTOKEN"
        | b"NMTOKENS" => Ok(()),
        b"NOTATION" => {
            c.req_ws("NOTATION")?;
            enumeration(c, true)
        }
        other => err(
            at,
            format!(
                "unknown attribute type `{}`",
                String::from_utf8_lossy(other)
            ),
        ),
    }
}

fn enumeration(c: &mut Cursor, names: bool) -> R<()> {
    c.expect(b"(", "`(`")?;
    loop {
        c.ws();
        if names {
            c.name("a notation name")?;
        } else {
            c.nmtoken()?;
        }
        c.ws();
        match c.peek() {
            Some(b'|') => c.i += 1,
            Some(b')') => {
                c.i += 1;
                return Ok(());
            }
            _ => return err(c.i, "expected `|` or `)` in an enumeration"),
        }
    }
}

fn default_decl(c: &mut Cursor, d: &Decls) -> R<()> {
    if c.at(b"#REQUIRED") {
        c.i += 9;
        return Ok(());
    }
    if c.at(b"#IMPLIED") {
        c.i += 8;
        return Ok(());
    }
    if c.at(b"#FIXED") {
        c.i += 6;
        c.req_ws("#FIXED")?;
    } else if c.peek() == Some(b'#') {
        return err(c.i, "expected #REQUIRED, #IMPLIED or #FIXED");
    }
    let start = c.i + 1;
    let value = c.literal("a default value")?;
    att_value(value, start, d)
}

/// A default attribute value: no `<`, and references well-formed and to declared, parsed,
/// internal entities whose text has no `<` either.
fn att_value(v: &[u8], base: usize, d: &Decls) -> R<()> {
    if let Some(p) = memchr::memchr(b'<', v) {
        return err(base + p, "`<` is not allowed in an attribute value");
    }
    let mut from = 0;
    while let Some(p) = memchr::memchr(b'&', &v[from..]) {
        let amp = from + p;
        let (name, len) = reference(&v[amp..]).map_err(|m| DtdError {
            at: base + amp,
            message: m,
        })?;
        if let Some(name) = name {
            check_attr_entity(name, d, 0).map_err(|m| DtdError {
                at: base + amp,
                message: m,
            })?;
        }
        from = amp + len;
    }
    Ok(())
}

fn check_attr_entity(name: &[u8], d: &Decls, depth: usize) -> Result<(), String> {
    if matches!(name, b"lt" | b"gt" | b"amp" | b"apos" | b"quot") {
        return Ok(());
    }
    let shown = String::from_utf8_lossy(name);
    let Some(e) = d.dtd.general.get(name) else {
        if d.dtd.incomplete {
            return Ok(());
        }
        return Err(format!(
            "entity `&{shown};` is not declared before it is used"
        ));
    };
    match e.kind {
        EntityKind::External | EntityKind::Unparsed => {
            return Err(format!(
                "attribute values cannot refer to the external entity `&{shown};`"
            ))
        }
        EntityKind::Internal => {}
    }
    if depth > MAX_PE_DEPTH {
        return Err(format!("entity `&{shown};` refers to itself"));
    }
    if e.text.contains(&b'<') {
        return Err(format!(
            "the replacement text of `&{shown};` contains `<`, which attribute values cannot"
        ));
    }
    let mut from = 0;
    while let Some(p) = memchr::memchr(b'&', &e.text[from..]) {
        let amp = from + p;
        let (inner, len) = reference(&e.text[amp..])?;
        if let Some(inner) = inner {
            check_attr_entity(inner, d, depth + 1)?;
        }
        from = amp + len;
    }
    Ok(())
}

/// A reference at the start of `s` (which starts with `&`): `Some(name)` for an entity
/// reference, `None` for a valid character reference, and its length.
fn reference(s: &[u8]) -> Result<(Option<&[u8]>, usize), String> {
    let Some(semi) = memchr::memchr(b';', s) else {
        return Err("`&` must start a reference ending in `;`".into());
    };
    let body = &s[1..semi];
    if body.first() == Some(&b'#') {
        return match resolve(body) {
            Ref::Char(_) => Ok((None, semi + 1)),
            _ => Err(format!(
                "`&{};` is not a reference to a character XML allows",
                String::from_utf8_lossy(body)
            )),
        };
    }
    if body.is_empty() || name_len(body) != body.len() {
        return Err("`&` must start a reference ending in `;`".into());
    }
    Ok((Some(body), semi + 1))
}

fn entity_decl(c: &mut Cursor, d: &mut Decls) -> R<()> {
    c.req_ws("`<!ENTITY`")?;
    let pe = c.peek() == Some(b'%');
    if pe {
        c.i += 1;
        c.req_ws("`%`")?;
    }
    let name_at = c.i;
    let name = c.name("an entity name")?;
    no_colon(d, name, name_at, "entity name")?;
    c.req_ws("the entity name")?;
    let entity = if matches!(c.peek(), Some(b'"' | b'\'')) {
        let start = c.i + 1;
        let value = c.literal("an entity value")?;
        Entity {
            kind: EntityKind::Internal,
            text: entity_value(value, start)?.into(),
        }
    } else {
        external_id(c, false)?;
        let spaced = c.ws();
        let mut kind = EntityKind::External;
        if c.at(b"NDATA") {
            if pe {
                return err(c.i, "parameter entities cannot be unparsed (NDATA)");
            }
            if !spaced {
                return err(c.i, "white space is required before NDATA");
            }
            c.i += 5;
            c.req_ws("NDATA")?;
            c.name("a notation name")?;
            kind = EntityKind::Unparsed;
        }
        Entity {
            kind,
            text: Arc::from(&b""[..]),
        }
    };
    c.ws();
    c.expect(b">", "`>` closing the entity declaration")?;
    if !d.stop {
        let table = if pe {
            &mut d.params
        } else {
            &mut d.dtd.general
        };
        // The first declaration binds (4.2).
        table.entry(name.to_vec()).or_insert(entity);
    }
    Ok(())
}

/// The replacement text of an entity value: character references expanded, entity
/// references checked and kept; parameter entity references are not allowed here.
fn entity_value(v: &[u8], base: usize) -> R<Vec<u8>> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        match v[i] {
            b'%' => {
                return err(
                    base + i,
                    "parameter entity references cannot occur inside declarations in the internal subset",
                )
            }
            b'&' => {
                let (name, len) = reference(&v[i..]).map_err(|m| DtdError {
                    at: base + i,
                    message: m,
                })?;
                match name {
                    Some(_) => out.extend_from_slice(&v[i..i + len]),
                    None => {
                        if let Ref::Char(ch) = resolve(&v[i + 1..i + len - 1]) {
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                    }
                }
                i += len;
            }
            // Line ends are normalised here, before character references could add a CR.
            b'\r' => {
                out.push(b'\n');
                i += if v.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn is_pubid_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" \r\n-'()+,./:=?;!*#@$_%".contains(&b)
}

/// `SYSTEM lit` or `PUBLIC lit lit`; with `public_only`, `PUBLIC lit` alone too (notations).
fn external_id(c: &mut Cursor, public_only: bool) -> R<()> {
    if c.at(b"SYSTEM") {
        c.i += 6;
        c.req_ws("SYSTEM")?;
        c.literal("a system literal")?;
        return Ok(());
    }
    if !c.at(b"PUBLIC") {
        return err(c.i, "expected SYSTEM or PUBLIC");
    }
    c.i += 6;
    c.req_ws("PUBLIC")?;
    let start = c.i + 1;
    let id = c.literal("a public ID")?;
    if let Some(p) = id.iter().position(|&b| !is_pubid_char(b)) {
        return err(start + p, "character not allowed in a public ID");
    }
    if public_only {
        let save = c.i;
        let spaced = c.ws();
        if matches!(c.peek(), Some(b'"' | b'\'')) {
            if !spaced {
                return err(
                    c.i,
                    "white space is required between the public and system IDs",
                );
            }
            c.literal("a system literal")?;
        } else {
            c.i = save;
        }
        return Ok(());
    }
    if !c.ws() {
        return err(c.i, "PUBLIC needs a system literal after the public ID");
    }
    c.literal("a system literal")?;
    Ok(())
}

fn notation_decl(c: &mut Cursor, d: &Decls) -> R<()> {
    c.req_ws("`<!NOTATION`")?;
    let at = c.i;
    let name = c.name("a notation name")?;
    no_colon(d, name, at, "notation name")?;
    c.req_ws("the notation name")?;
    external_id(c, true)?;
    c.ws();
    c.expect(b">", "`>` closing the notation declaration")
}

/// `%name;` between declarations: an internal entity's text is parsed as declarations; an
/// external one is not read, and stops the use of later declarations.
fn pe_reference(c: &mut Cursor, d: &mut Decls) -> R<()> {
    let at = c.i;
    c.i += 1;
    let name = c.name("a parameter entity name after `%`")?;
    c.expect(b";", "`;` ending the parameter entity reference")?;
    d.dtd.parameter_references = true;
    let Some(e) = d.params.get(name) else {
        if d.dtd.incomplete {
            d.stop = true;
            return Ok(());
        }
        return err(
            at,
            format!(
                "parameter entity `%{};` is not declared",
                String::from_utf8_lossy(name)
            ),
        );
    };
    if e.kind != EntityKind::Internal {
        d.dtd.incomplete = true;
        d.stop = true;
        return Ok(());
    }
    if d.open_pes.iter().any(|p| p == name) || d.open_pes.len() >= MAX_PE_DEPTH {
        return err(
            at,
            format!(
                "parameter entity `%{};` refers to itself",
                String::from_utf8_lossy(name)
            ),
        );
    }
    let text = e.text.clone();
    d.open_pes.push(name.to_vec());
    let mut inner = Cursor { s: &text, i: 0 };
    let r = int_subset(&mut inner, d, true);
    d.open_pes.pop();
    r.map_err(|e| DtdError {
        at,
        message: format!(
            "{} (in the replacement text of `%{};`)",
            e.message,
            String::from_utf8_lossy(name)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Dtd {
        parse(s.as_bytes(), true).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    fn bad(s: &str) -> DtdError {
        match parse(s.as_bytes(), true) {
            Ok(_) => panic!("accepted {s}"),
            Err(e) => e,
        }
    }

    #[test]
    fn accepts_every_kind_of_declaration() {
        let d = ok(r#"<!DOCTYPE doc [
            <!ELEMENT doc (a | b)*>
            <!ELEMENT a (#PCDATA | b)*>
            <!ELEMENT b (#PCDATA)>
            <!ELEMENT c ((a, b?)+ | EMPTYISH)>
            <!ELEMENT e EMPTY>
            <!ATTLIST doc x CDATA #IMPLIED y (1|2) "1" z NOTATION (gif) #REQUIRED w ID #FIXED "v&amp;">
            <!ENTITY e1 "one &#60;two&#x3E; &e2;">
            <!ENTITY e2 SYSTEM "e2.ent">
            <!ENTITY e3 PUBLIC "-//x//EN" "e3.ent" NDATA gif>
            <!ENTITY % p "<!ELEMENT p ANY>">
            %p;
            <!NOTATION gif PUBLIC "gif">
            <?pi data?>
            <!-- comment -->
        ]>"#);
        let e1 = &d.general[&b"e1"[..]];
        assert_eq!(&*e1.text, b"one <two> &e2;");
        assert_eq!(d.general[&b"e2"[..]].kind, EntityKind::External);
        assert_eq!(d.general[&b"e3"[..]].kind, EntityKind::Unparsed);
        assert!(!d.incomplete);
        assert!(ok("<!DOCTYPE doc SYSTEM 'doc.dtd'>").incomplete);
    }

    #[test]
    fn rejects_malformed_declarations_where_they_go_wrong() {
        assert_eq!(bad("<!DOCTYPE doc [<![INCLUDE[ ]]>]>").at, 15);
        assert_eq!(bad("<!DOCTYPE doc [<!ELEMENT doc (a,b|c)>]>").at, 33);
        assert_eq!(bad("<!DOCTYPE doc [<!ENTITY e \"%p;\">]>").at, 27);
        assert_eq!(bad("<!DOCTYPE doc PUBLIC \"x\">").at, 24);
        for s in [
            "<!doctype doc>",
            "<!DOCTYPE doc [<!ELEMENT doc (#PCDATA|a)>]>",
            "<!DOCTYPE doc [<!ELEMENT doc (a) >x]>",
            "<!DOCTYPE doc [<!ATTLIST doc a NAME #IMPLIED>]>",
            "<!DOCTYPE doc [<!ATTLIST doc a CDATA #FIXED>]>",
            "<!DOCTYPE doc [<!ATTLIST doc a CDATA \"&undeclared;\">]>",
            "<!DOCTYPE doc [<!ENTITY e \"<\"><!ATTLIST doc a CDATA \"&e;\">]>",
            "<!DOCTYPE doc [<!ENTITY e\"x\">]>",
            "<!DOCTYPE doc [<!ENTITY % p SYSTEM 'p' NDATA n>]>",
            "<!DOCTYPE doc [<!ENTITY a:b 'x'>]>",
            "<!DOCTYPE doc [<!NOTATION n SYSTEM>]>",
            "<!DOCTYPE doc [<!-- a -- b -->]>",
            "<!DOCTYPE doc [<?xml version='1.0'?>]>",
            "<!DOCTYPE doc [%undeclared;]>",
            "<!DOCTYPE doc [<!ENTITY % p '%p;'>]>",
            "<!DOCTYPE doc [<!ENTITY % p '&#37;p;'> %p;]>",
            "<!DOCTYPE doc [<!ENTITY e PUBLIC 'a\tb' 'e'>]>",
            "<!DOCTYPE doc [<!ELEMENT doc ANY>",
        ] {
            bad(s);
        }
    }

    #[test]
    fn an_unread_parameter_entity_stops_later_declarations() {
        let d =
            ok("<!DOCTYPE doc [<!ENTITY a 'x'><!ENTITY % ext SYSTEM 'e.pe'>%ext;<!ENTITY b 'y'>]>");
        assert!(d.general.contains_key(&b"a"[..]));
        assert!(!d.general.contains_key(&b"b"[..]));
        assert!(d.incomplete);
    }
}
