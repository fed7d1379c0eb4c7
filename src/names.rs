//! Interned element and attribute names, each with its JSON key pre-rendered, so writing a key
//! is one copy and grouping repeated children compares integers.

use std::collections::HashMap;

use bytes::BytesMut;

use crate::escape;

/// Beyond this many distinct names the table is cleared between records, so a hostile stream
/// of unique names cannot grow it without bound.
const MAX_SYMBOLS: usize = 1 << 16;
/// The same for the bytes the names and their keys take: names may be long (up to
/// `maxNameLength`), so a count alone would let a stream of unique long names pile up.
const MAX_SYMBOL_BYTES: usize = 8 << 20;

pub struct Symbols {
    /// Keyed with std's default (randomly seeded) hasher: names are chosen by the input, and
    /// an unkeyed fast hash let names that differ only in their last bytes share a bucket,
    /// which made tags with thousands of attributes cost quadratic time.
    ids: HashMap<Box<[u8]>, u32>,
    /// Ids of recently interned names, by a cheap slot of the name: a document repeats a few
    /// names, and a hit (checked against the entry's name) skips the keyed hash, which cost 4%
    /// of the XML core. Input can only make it miss, never make a miss costly.
    cache: Box<[u32; CACHE_SLOTS]>,
    entries: Vec<Entry>,
    /// Output keys (unrendered: attribute prefix included), each with an id, so that two
    /// different things written under one key of an object (`b:v` and `v` with
    /// `removeNSPrefix`, an attribute and a child with `attributeNamePrefix: ''`, a child named
    /// like `textNodeName`) are found to collide by comparing integers.
    keys: HashMap<Box<[u8]>, u32>,
    text_name: Vec<u8>,
    /// Bytes held for the names and keys in `entries` and `ids`.
    bytes: usize,
    attr_prefix: Vec<u8>,
    remove_ns_prefix: bool,
    /// Keys rendered as `JSON.stringify` writes them (see `XmlOptions::utf8_lines`).
    utf8: bool,
}

struct Entry {
    /// The name as written in the input, for the cache in front of `ids`.
    qname: Box<[u8]>,
    /// The name as written in output (prefix removed when `removeNSPrefix`).
    out: Box<[u8]>,
    /// `"out":` for elements.
    elem_key: Box<[u8]>,
    /// `"<prefix>out":` for attributes.
    attr_key: Box<[u8]>,
    /// Ids in `keys` of the element key and the attribute key.
    elem_key_id: u32,
    attr_key_id: u32,
    always_array: bool,
    /// Offset of the local name in `qname` (after its first colon), found once per name.
    local: u32,
    /// Facts the parser has established about the name (see [`Symbols::flags`]).
    flags: u8,
}

const CACHE_SLOTS: usize = 1024;

/// A slot for `qname` in `Symbols::cache`.
fn cache_slot(qname: &[u8]) -> usize {
    name_hash(qname) % CACHE_SLOTS
}

/// A cheap, unkeyed hash of a name for the caches in front of keyed tables: its first and last
/// eight bytes (all of a shorter one) and its length, multiplied through, so that names sharing
/// their first, middle and last bytes (`PartyId`, `PartyName`...) land apart.
#[inline]
pub fn name_hash(s: &[u8]) -> usize {
    let n = s.len();
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let half = |at: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&s[at..at + 4]);
        u64::from(u32::from_le_bytes(w))
    };
    // Fixed-size loads only: a copy of a variable length was a `memcpy` call per name.
    let key = if n >= 8 {
        word(0) ^ word(n - 8).rotate_left(29)
    } else if n >= 4 {
        half(0) | half(n - 4) << 32
    } else {
        s.iter().fold(0, |k, &b| k << 8 | u64::from(b))
    } ^ (n as u64);
    // The slot is taken from bits 40-49 of the product, which only the key's bits 0-49 reach:
    // fold the high half down first. (The length once sat in the top byte and never reached
    // the slot, so `ReleaseReference` and `ReleaseResourceReference`, alike in their first
    // and last eight bytes, shared one.)
    let key = key ^ (key >> 32);
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize
}

/// Slice equality without a `memcmp` call for names: eight bytes at a time, the last word
/// overlapping, bytewise below eight.
#[inline]
pub fn same_name(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        if n < 4 {
            return a.iter().zip(b).all(|(x, y)| x == y);
        }
        // Two overlapping four-byte halves.
        let half = |s: &[u8], at: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&s[at..at + 4]);
            u32::from_ne_bytes(w)
        };
        return half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4);
    }
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(w)
    };
    let mut i = 0;
    while i + 8 < n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// [`Symbols::flags`] the XML parser sets: the name was checked as an element name; whether
/// some selector's last step names it was worked out, and the answer.
pub const VALID_NAME: u8 = 1;
pub const SELECTABLE_KNOWN: u8 = 2;
pub const SELECTABLE: u8 = 4;

/// The key id of the text (`textNodeName`): interned first, whenever the table is (re)built.
pub const TEXT_KEY: u32 = 0;

impl Symbols {
    pub fn new(attr_prefix: &str, remove_ns_prefix: bool, text_name: &str) -> Self {
        let mut s = Symbols {
            ids: HashMap::default(),
            cache: Box::new([u32::MAX; CACHE_SLOTS]),
            entries: Vec::new(),
            keys: HashMap::default(),
            text_name: text_name.as_bytes().to_vec(),
            bytes: 0,
            attr_prefix: attr_prefix.as_bytes().to_vec(),
            remove_ns_prefix,
            utf8: false,
        };
        s.reset_keys();
        s
    }

    /// Keys in UTF-8 as `JSON.stringify` writes them instead of in ASCII.
    pub fn utf8(mut self, utf8: bool) -> Self {
        self.utf8 = utf8;
        self
    }

    fn reset_keys(&mut self) {
        self.keys.clear();
        self.keys.insert(self.text_name.clone().into(), TEXT_KEY);
    }

    fn key_id(&mut self, key: Vec<u8>) -> u32 {
        let next = self.keys.len() as u32;
        let len = key.len();
        let id = *self.keys.entry(key.into()).or_insert(next);
        if id == next {
            self.bytes += len;
        }
        id
    }

    /// The id of `qname`, interned on first sight. The cache hit, nearly every call, is
    /// inline at the caller (once per tag and attribute).
    #[inline(always)]
    pub fn intern(&mut self, qname: &[u8], always_array: impl FnOnce(&[u8]) -> bool) -> u32 {
        let slot = cache_slot(qname);
        if let Some(&id) = self.cache.get(slot) {
            if self
                .entries
                .get(id as usize)
                .is_some_and(|e| same_name(&e.qname, qname))
            {
                return id;
            }
        }
        self.intern_uncached(qname, slot, always_array)
    }

    #[inline(never)]
    fn intern_uncached(
        &mut self,
        qname: &[u8],
        slot: usize,
        always_array: impl FnOnce(&[u8]) -> bool,
    ) -> u32 {
        if let Some(&id) = self.ids.get(qname) {
            self.cache[slot] = id;
            return id;
        }
        let out: &[u8] = if self.remove_ns_prefix {
            local_name(qname)
        } else {
            qname
        };
        let utf8 = self.utf8;
        let render = |prefix: &[u8]| {
            let mut key = BytesMut::with_capacity(out.len() + prefix.len() + 3);
            key.extend_from_slice(b"\"");
            escape::write_str_body_as(&mut key, prefix, utf8);
            escape::write_str_body_as(&mut key, out, utf8);
            key.extend_from_slice(b"\":");
            key.to_vec().into_boxed_slice()
        };
        let id = self.entries.len() as u32;
        let elem_key = render(b"");
        let attr_key = render(&self.attr_prefix);
        let out: Box<[u8]> = out.into();
        let elem_key_id = self.key_id(out.to_vec());
        let attr_key_id = self.key_id([&self.attr_prefix[..], &out[..]].concat());
        let entry = Entry {
            always_array: always_array(&out),
            qname: qname.into(),
            out,
            elem_key,
            attr_key,
            elem_key_id,
            attr_key_id,
            local: (qname.len() - local_name(qname).len()) as u32,
            flags: 0,
        };
        self.bytes +=
            2 * qname.len() + entry.out.len() + entry.elem_key.len() + entry.attr_key.len();
        self.entries.push(entry);
        self.ids.insert(qname.into(), id);
        self.cache[slot] = id;
        id
    }

    /// The name as written in the input.
    #[inline]
    pub fn qname(&self, id: u32) -> &[u8] {
        &self.entries[id as usize].qname
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

    pub fn elem_key_id(&self, id: u32) -> u32 {
        self.entries[id as usize].elem_key_id
    }

    pub fn attr_key_id(&self, id: u32) -> u32 {
        self.entries[id as usize].attr_key_id
    }

    /// Ids handed out by `elem_key_id` and `attr_key_id` are below this.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Offset of the local name within the name as written.
    pub fn local_offset(&self, id: u32) -> usize {
        self.entries[id as usize].local as usize
    }

    /// Bits the parser set on this name with [`Symbols::add_flags`], so that what it checks
    /// or works out about a name is done once per name rather than once per tag. A name
    /// dropped by [`Symbols::reset_if_large`] starts again with none.
    pub fn flags(&self, id: u32) -> u8 {
        self.entries[id as usize].flags
    }

    pub fn add_flags(&mut self, id: u32, flags: u8) {
        self.entries[id as usize].flags |= flags;
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
        if self.is_large() {
            self.reset();
        }
    }

    /// Whether the table holds more names or bytes than it may keep from one record to the
    /// next (see [`Symbols::reset`]).
    #[inline]
    pub fn is_large(&self) -> bool {
        self.entries.len() > MAX_SYMBOLS || self.bytes > MAX_SYMBOL_BYTES
    }

    /// Forgets every name: ids handed out before mean nothing after.
    #[cold]
    #[inline(never)]
    pub fn reset(&mut self) {
        self.ids.clear();
        self.cache.fill(u32::MAX);
        self.entries.clear();
        self.reset_keys();
        self.bytes = 0;
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
    fn names_alike_but_for_their_length_spread_over_the_cache() {
        // Same first and last eight bytes, different middles and lengths.
        let slots: std::collections::HashSet<usize> = (0..64)
            .map(|k| {
                let mut name = b"ReleaseR".to_vec();
                name.extend(std::iter::repeat_n(b'x', k));
                name.extend_from_slice(b"eference");
                cache_slot(&name)
            })
            .collect();
        assert!(slots.len() >= 48, "{} slots for 64 names", slots.len());
    }

    #[test]
    fn same_name_is_slice_equality_at_every_length_and_position() {
        let a: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for n in 0..a.len() {
            assert!(same_name(&a[..n], &a[..n]));
            assert!(!same_name(&a[..n], &a[..n + 1]));
            for i in 0..n {
                let mut b = a[..n].to_vec();
                b[i] ^= 0x20;
                assert!(!same_name(&a[..n], &b), "length {n}, byte {i}");
            }
        }
    }

    #[test]
    fn cached_ids_stay_right_for_names_of_every_length() {
        let mut s = Symbols::new("@_", false, "#text");
        let names: Vec<Vec<u8>> = (0..40)
            .flat_map(|n| (0..8u8).map(move |k| [vec![b'a'; n], vec![b'a' + k]].concat()))
            .collect();
        let ids: Vec<u32> = names.iter().map(|q| s.intern(q, |_| false)).collect();
        for _ in 0..2 {
            for (q, &id) in names.iter().zip(&ids) {
                assert_eq!(s.intern(q, |_| false), id);
                assert_eq!(s.out_name(id), &q[..]);
            }
        }
    }

    #[test]
    fn interns_and_renders_keys() {
        let mut s = Symbols::new("@_", true, "#text");
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
        let mut s = Symbols::new("@_", false, "#text");
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
