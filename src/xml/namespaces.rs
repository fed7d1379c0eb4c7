//! In-scope namespace bindings, so unbound prefixes are caught and `{uri}` selectors can match.

use std::collections::HashMap;

const XML_URI: &[u8] = b"http://www.w3.org/XML/1998/namespace";
const XMLNS_URI: &[u8] = b"http://www.w3.org/2000/xmlns/";

/// Up to this many bindings in scope, a prefix is looked up by scanning them; beyond, through
/// `by_prefix`, so that an element with thousands of declarations and thousands of prefixed
/// attributes costs thousands of lookups, not millions of comparisons.
const SCAN_MAX: usize = 16;

#[derive(Default)]
pub struct Namespaces {
    /// (prefix, uri) ranges into `buf`; an empty prefix is the default namespace.
    bindings: Vec<((u32, u32), (u32, u32))>,
    buf: Vec<u8>,
    /// Indexes into `bindings` per prefix, oldest first. Keyed with the default (random)
    /// hasher: prefixes are chosen by the input.
    by_prefix: HashMap<Vec<u8>, Vec<u32>>,
}

/// Why a declaration is not allowed.
pub enum DeclError {
    EmptyPrefixedUri,
    Reserved,
}

impl Namespaces {
    /// Bytes of prefixes and URIs held for the open elements.
    pub fn held_bytes(&self) -> usize {
        self.buf.len()
    }

    pub fn mark(&self) -> usize {
        self.bindings.len()
    }

    /// Drops the bindings from `mark` on; called at every end tag, so the common case of
    /// nothing to drop stays inline.
    #[inline]
    pub fn truncate(&mut self, mark: usize) {
        if mark < self.bindings.len() {
            self.drop_from(mark);
        }
    }

    fn drop_from(&mut self, mark: usize) {
        for &(p, _) in &self.bindings[mark..] {
            let prefix = &self.buf[p.0 as usize..p.1 as usize];
            if let Some(ids) = self.by_prefix.get_mut(prefix) {
                ids.pop();
                if ids.is_empty() {
                    self.by_prefix.remove(prefix);
                }
            }
        }
        let cut = self.bindings[mark].0 .0 as usize;
        self.bindings.truncate(mark);
        self.buf.truncate(cut);
    }

    /// Records `xmlns="uri"` (empty `prefix`) or `xmlns:prefix="uri"`.
    pub fn declare(&mut self, prefix: &[u8], uri: &[u8]) -> Result<(), DeclError> {
        if !prefix.is_empty() && uri.is_empty() {
            return Err(DeclError::EmptyPrefixedUri);
        }
        let reserved = match prefix {
            b"xml" => uri != XML_URI,
            b"xmlns" => true,
            _ => uri == XML_URI || uri == XMLNS_URI,
        };
        if reserved {
            return Err(DeclError::Reserved);
        }
        let id = self.bindings.len() as u32;
        match self.by_prefix.get_mut(prefix) {
            Some(ids) => ids.push(id),
            None => {
                self.by_prefix.insert(prefix.to_vec(), vec![id]);
            }
        }
        let p = self.push(prefix);
        let u = self.push(uri);
        self.bindings.push((p, u));
        Ok(())
    }

    /// Binding `i` as (prefix, URI), for checkpoints.
    pub fn binding(&self, i: usize) -> Option<(&[u8], &[u8])> {
        let get = |r: (u32, u32)| self.buf.get(r.0 as usize..r.1 as usize);
        let (p, u) = self.bindings.get(i)?;
        Some((get(*p)?, get(*u)?))
    }

    fn push(&mut self, s: &[u8]) -> (u32, u32) {
        let start = self.buf.len() as u32;
        self.buf.extend_from_slice(s);
        (start, self.buf.len() as u32)
    }

    /// The URI bound to `prefix` among the first `upto` bindings; `None` when unbound (or,
    /// for the default namespace, undeclared or reset with `xmlns=""`).
    pub fn resolve(&self, prefix: &[u8], upto: usize) -> Option<&[u8]> {
        if prefix == b"xml" {
            return Some(XML_URI);
        }
        let get = |r: (u32, u32)| &self.buf[r.0 as usize..r.1 as usize];
        let upto = upto.min(self.bindings.len());
        let found = if self.bindings.len() <= SCAN_MAX {
            self.bindings[..upto]
                .iter()
                .rev()
                .find(|(p, _)| get(*p) == prefix)
        } else {
            let ids = self.by_prefix.get(prefix)?;
            ids.iter()
                .rev()
                .find(|&&i| (i as usize) < upto)
                .and_then(|&i| self.bindings.get(i as usize))
        };
        found.map(|(_, u)| get(*u)).filter(|u| !u.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoping_and_reserved_prefixes() {
        let mut ns = Namespaces::default();
        ns.declare(b"ern", b"http://ddex.net/xml/ern/43")
            .ok()
            .unwrap();
        let outer = ns.mark();
        ns.declare(b"ern", b"urn:inner").ok().unwrap();
        assert_eq!(ns.resolve(b"ern", ns.mark()), Some(&b"urn:inner"[..]));
        ns.truncate(outer);
        assert_eq!(
            ns.resolve(b"ern", ns.mark()),
            Some(&b"http://ddex.net/xml/ern/43"[..])
        );
        assert_eq!(ns.resolve(b"x", ns.mark()), None);
        assert!(ns.resolve(b"xml", 0).is_some());
        assert!(ns.declare(b"p", b"").is_err());
        // Past the scanned few, lookups go through the index, scoping included.
        let base = ns.mark();
        for i in 0..100 {
            ns.declare(format!("p{i}").as_bytes(), format!("urn:{i}").as_bytes())
                .ok()
                .unwrap();
        }
        let middle = ns.mark();
        ns.declare(b"p7", b"urn:inner").ok().unwrap();
        assert_eq!(ns.resolve(b"p7", ns.mark()), Some(&b"urn:inner"[..]));
        assert_eq!(ns.resolve(b"p7", middle), Some(&b"urn:7"[..]));
        assert_eq!(ns.resolve(b"p7", base), None);
        assert_eq!(
            ns.resolve(b"ern", ns.mark()),
            Some(&b"http://ddex.net/xml/ern/43"[..])
        );
        ns.truncate(base);
        assert_eq!(ns.resolve(b"p7", ns.mark()), None);
        assert!(!ns.by_prefix.contains_key(&b"p7"[..]));
        assert!(ns.declare(b"xmlns", b"urn:x").is_err());
    }
}
