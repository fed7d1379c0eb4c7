//! The XML 1.0 (5th edition) `Name` and `Nmtoken` productions. Element and attribute names are
//! checked on every tag, so ASCII goes through a table and only non-ASCII names decode.

const START: u8 = 1;
const CHAR: u8 = 2;

static ASCII: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        if b.is_ascii_alphabetic() || b == b'_' || b == b':' {
            t[i] = START | CHAR;
        } else if b.is_ascii_digit() || b == b'-' || b == b'.' {
            t[i] = CHAR;
        }
        i += 1;
    }
    t
};

pub fn is_name_start(c: char) -> bool {
    let c = c as u32;
    if c < 0x80 {
        return ASCII[c as usize] & START != 0;
    }
    matches!(c,
        0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x2FF | 0x370..=0x37D | 0x37F..=0x1FFF
        | 0x200C..=0x200D | 0x2070..=0x218F | 0x2C00..=0x2FEF | 0x3001..=0xD7FF
        | 0xF900..=0xFDCF | 0xFDF0..=0xFFFD | 0x10000..=0xEFFFF)
}

pub fn is_name_char(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return ASCII[u as usize] & CHAR != 0;
    }
    is_name_start(c) || matches!(u, 0xB7 | 0x300..=0x36F | 0x203F..=0x2040)
}

/// Length in bytes of the longest `Name` at the start of `s` (0 if none).
pub fn name_len(s: &[u8]) -> usize {
    token_len(s, true)
}

/// Length in bytes of the longest `Nmtoken` at the start of `s` (0 if none).
pub fn nmtoken_len(s: &[u8]) -> usize {
    token_len(s, false)
}

fn token_len(s: &[u8], name: bool) -> usize {
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b < 0x80 {
            let class = ASCII[b as usize];
            let ok = if i == 0 && name {
                class & START != 0
            } else {
                class & CHAR != 0
            };
            if !ok {
                break;
            }
            i += 1;
            continue;
        }
        let Some(c) = decode(&s[i..]) else { break };
        let ok = if i == 0 && name {
            is_name_start(c)
        } else {
            is_name_char(c)
        };
        if !ok {
            break;
        }
        i += c.len_utf8();
    }
    i
}

/// The character at the start of `s`, if `s` starts with a complete UTF-8 sequence.
fn decode(s: &[u8]) -> Option<char> {
    let n = match s.first()? {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    };
    std::str::from_utf8(s.get(..n)?).ok()?.chars().next()
}

/// Whether all of `s` is one `Name`. ASCII names, nearly all of them, never decode.
pub fn is_name(s: &[u8]) -> bool {
    let Some((&first, rest)) = s.split_first() else {
        return false;
    };
    let ascii = first < 0x80 && rest.iter().all(|&b| b < 0x80);
    if ascii {
        return ASCII[first as usize] & START != 0
            && rest.iter().all(|&b| ASCII[b as usize & 0x7F] & CHAR != 0);
    }
    name_len(s) == s.len()
}

/// Whether `s` is a namespace `QName`: a `Name` with at most one colon, not at either end.
/// Runs on every element and attribute name, so ASCII names take one pass over a table.
pub fn is_qname(s: &[u8]) -> bool {
    let Some((&first, rest)) = s.split_first() else {
        return false;
    };
    if first < 0x80 {
        if ASCII[first as usize] & START == 0 || first == b':' {
            return false;
        }
        let mut colons = 0u32;
        let mut ascii = true;
        for &b in rest {
            if b >= 0x80 {
                ascii = false;
                break;
            }
            if ASCII[b as usize] & CHAR == 0 {
                return false;
            }
            colons += (b == b':') as u32;
        }
        if ascii {
            return colons == 0 || (colons == 1 && rest.last() != Some(&b':'));
        }
    }
    if !is_name(s) {
        return false;
    }
    match memchr::memchr(b':', s) {
        None => true,
        Some(i) => i > 0 && i + 1 < s.len() && memchr::memchr(b':', &s[i + 1..]).is_none(),
    }
}

/// Names already found valid. Documents repeat a small set of names, so one slice comparison
/// usually replaces the character-by-character check.
pub struct NameCache {
    slots: Vec<Vec<u8>>,
    namespaces: bool,
}

impl NameCache {
    const SLOTS: usize = 1024;

    pub fn new(namespaces: bool) -> Self {
        NameCache {
            slots: vec![Vec::new(); Self::SLOTS],
            namespaces,
        }
    }

    /// Whether `s` is a `QName` (with namespaces) or a `Name` (without). The hit, nearly
    /// every call (once per attribute), is inline at the caller.
    #[inline]
    pub fn check(&mut self, s: &[u8]) -> bool {
        if s.is_empty() {
            return false;
        }
        let slot = crate::names::name_hash(s) % Self::SLOTS;
        if self
            .slots
            .get(slot)
            .is_some_and(|cached| crate::names::same_name(cached, s))
        {
            return true;
        }
        self.check_uncached(s, slot)
    }

    #[inline(never)]
    fn check_uncached(&mut self, s: &[u8], slot: usize) -> bool {
        let Some(cached) = self.slots.get_mut(slot) else {
            return false;
        };
        let ok = if self.namespaces {
            is_qname(s)
        } else {
            is_name(s)
        };
        if ok && s.len() <= 64 {
            cached.clear();
            cached.extend_from_slice(s);
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_fifth_edition() {
        for ok in [
            "a",
            "_x",
            ":a",
            "a-b.c",
            "é",
            "a·b",
            "x\u{300}",
            "\u{10000}",
            "日本",
        ] {
            assert!(is_name(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "", "1a", "-a", ".a", "\u{300}x", "·a", "a b", "a\u{D7}", "\u{2000}",
        ] {
            assert!(!is_name(bad.as_bytes()), "{bad}");
        }
        assert_eq!(name_len(b"abc def"), 3);
        assert_eq!(nmtoken_len(b"1a-b>"), 4);
    }

    #[test]
    fn qnames_have_at_most_one_inner_colon() {
        assert!(is_qname(b"a:b"));
        assert!(is_qname(b"ab"));
        assert!(!is_qname(b":ab"));
        assert!(!is_qname(b"ab:"));
        assert!(!is_qname(b"a:b:c"));
        let mut cache = NameCache::new(true);
        for _ in 0..2 {
            assert!(cache.check(b"a:b"));
            assert!(!cache.check(b"a:b:c"));
            assert!(!cache.check(b"1a"));
        }
        assert!(NameCache::new(false).check(b"a:b:c"));
    }
}
