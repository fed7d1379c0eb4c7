//! Interned element and attribute names, each with its JSON key pre-rendered, so writing a key
//! is one copy and grouping repeated children compares integers.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use bytes::BytesMut;

use crate::escape;

/// FxHash-style multiply-rotate: names are short and attacker-chosen names only cost us a
/// bounded table (see `Symbols::should_reset`), so a keyed hash buys nothing here.
#[derive(Default)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxBuild = BuildHasherDefault<FxHasher>;

/// Beyond this many distinct names the table is cleared between records, so a hostile stream
/// of unique names cannot grow it without bound.
const MAX_SYMBOLS: usize = 1 << 16;
/// The same for the bytes the names and their keys take: names may be long (up to
/// `maxNameLength`), so a count alone would let a stream of unique long names pile up.
const MAX_SYMBOL_BYTES: usize = 8 << 20;

pub struct Symbols {
    ids: HashMap<Box<[u8]>, u32, FxBuild>,
    entries: Vec<Entry>,
    /// Bytes held for the names and keys in `entries` and `ids`.
    bytes: usize,
    attr_prefix: Vec<u8>,
    remove_ns_prefix: bool,
}

struct Entry {
    /// The name as written in output (prefix removed when `removeNSPrefix`).
    out: Box<[u8]>,
    /// `"out":` for elements.
    elem_key: Box<[u8]>,
    /// `"<prefix>out":` for attributes.
    attr_key: Box<[u8]>,
    always_array: bool,
}

impl Symbols {
    pub fn new(attr_prefix: &str, remove_ns_prefix: bool) -> Self {
        Symbols {
            ids: HashMap::default(),
            entries: Vec::new(),
            bytes: 0,
            attr_prefix: attr_prefix.as_bytes().to_vec(),
            remove_ns_prefix,
        }
    }

    pub fn intern(&mut self, qname: &[u8], always_array: impl FnOnce(&[u8]) -> bool) -> u32 {
        if let Some(&id) = self.ids.get(qname) {
            return id;
        }
        let out: &[u8] = if self.remove_ns_prefix {
            local_name(qname)
        } else {
            qname
        };
        let render = |prefix: &[u8]| {
            let mut key = BytesMut::with_capacity(out.len() + prefix.len() + 3);
            key.extend_from_slice(b"\"");
            escape::write_str_body(&mut key, prefix);
            escape::write_str_body(&mut key, out);
            key.extend_from_slice(b"\":");
            key.to_vec().into_boxed_slice()
        };
        let id = self.entries.len() as u32;
        let entry = Entry {
            out: out.into(),
            elem_key: render(b""),
            attr_key: render(&self.attr_prefix),
            always_array: always_array(out),
        };
        self.bytes += qname.len() + entry.out.len() + entry.elem_key.len() + entry.attr_key.len();
        self.entries.push(entry);
        self.ids.insert(qname.into(), id);
        id
    }

    pub fn out_name(&self, id: u32) -> &[u8] {
        &self.entries[id as usize].out
    }

    pub fn elem_key(&self, id: u32) -> &[u8] {
        &self.entries[id as usize].elem_key
    }

    pub fn attr_key(&self, id: u32) -> &[u8] {
        &self.entries[id as usize].attr_key
    }

    pub fn always_array(&self, id: u32) -> bool {
        self.entries[id as usize].always_array
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Only called between records, when no id is held anywhere.
    pub fn reset_if_large(&mut self) {
        if self.entries.len() > MAX_SYMBOLS || self.bytes > MAX_SYMBOL_BYTES {
            self.ids.clear();
            self.entries.clear();
            self.bytes = 0;
        }
    }
}

pub fn local_name(qname: &[u8]) -> &[u8] {
    match qname.iter().position(|&b| b == b':') {
        Some(i) => &qname[i + 1..],
        None => qname,
    }
}

pub fn prefix(qname: &[u8]) -> Option<&[u8]> {
    qname.iter().position(|&b| b == b':').map(|i| &qname[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_and_renders_keys() {
        let mut s = Symbols::new("@_", true);
        let a = s.intern(b"ern:Release", |n| n == b"Release");
        assert_eq!(s.intern(b"ern:Release", |_| false), a);
        assert_eq!(s.elem_key(a), b"\"Release\":");
        assert_eq!(s.attr_key(a), b"\"@_Release\":");
        assert!(s.always_array(a));
        let q = s.intern(b"a\"b", |_| false);
        assert_eq!(s.elem_key(q), b"\"a\\\"b\":");
    }

    #[test]
    fn long_names_are_dropped_between_records_once_they_take_too_much() {
        let mut s = Symbols::new("@_", false);
        let long = vec![b'n'; 40_000];
        for i in 0..100u8 {
            let mut name = long.clone();
            name.push(b'a' + i % 26);
            name.push(b'a' + i / 26);
            s.intern(&name, |_| false);
            s.reset_if_large();
            assert!(s.bytes <= MAX_SYMBOL_BYTES + 4 * name.len() + 64);
        }
        assert!(s.len() < 100);
    }
}
