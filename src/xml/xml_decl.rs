//! The XML declaration's own grammar (production 23): `version`, then optionally `encoding`,
//! then optionally `standalone`, in that order, each after white space.

use super::chars::is_xml_space;

/// Checks `raw`, the whole `<?xml ... ?>`, and tells whether it says `standalone='yes'`; on
/// failure, the offset in `raw` and why.
pub fn check(raw: &[u8]) -> Result<bool, (usize, String)> {
    let end = raw.len().saturating_sub(2);
    if !raw.starts_with(b"<?xml") || !raw.ends_with(b"?>") || end < 5 {
        return Err((0, "malformed XML declaration".into()));
    }
    let s = &raw[..end];
    let mut i = 5;
    let mut seen = 0;
    let mut standalone = false;
    loop {
        let ws_start = i;
        while s.get(i).is_some_and(|&b| is_xml_space(b)) {
            i += 1;
        }
        if i == s.len() {
            break;
        }
        if i == ws_start {
            return Err((
                i,
                "white space is required between pseudo-attributes".into(),
            ));
        }
        let key_start = i;
        while s.get(i).is_some_and(|b| b.is_ascii_alphabetic()) {
            i += 1;
        }
        let key = &s[key_start..i];
        let order = match key {
            b"version" => 1,
            b"encoding" => 2,
            b"standalone" => 3,
            _ => {
                return Err((
                    key_start,
                    format!(
                        "unknown pseudo-attribute `{}` in the XML declaration",
                        String::from_utf8_lossy(key)
                    ),
                ))
            }
        };
        if order <= seen || (seen == 0 && order != 1) {
            return Err((
                key_start,
                "the XML declaration needs version, then optionally encoding, then standalone"
                    .into(),
            ));
        }
        seen = order;
        while s.get(i).is_some_and(|&b| is_xml_space(b)) {
            i += 1;
        }
        if s.get(i) != Some(&b'=') {
            return Err((i, "expected `=` in the XML declaration".into()));
        }
        i += 1;
        while s.get(i).is_some_and(|&b| is_xml_space(b)) {
            i += 1;
        }
        let Some(&q @ (b'"' | b'\'')) = s.get(i) else {
            return Err((i, "expected a quoted value in the XML declaration".into()));
        };
        let v_start = i + 1;
        let Some(n) = s[v_start..].iter().position(|&b| b == q) else {
            return Err((i, "unterminated value in the XML declaration".into()));
        };
        let v = &s[v_start..v_start + n];
        let ok = match order {
            1 => v.len() > 2 && v.starts_with(b"1.") && v[2..].iter().all(u8::is_ascii_digit),
            2 => {
                v.first().is_some_and(u8::is_ascii_alphabetic)
                    && v.iter()
                        .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            }
            _ => v == b"yes" || v == b"no",
        };
        if !ok {
            return Err((
                v_start,
                format!(
                    "invalid value {:?} in the XML declaration",
                    String::from_utf8_lossy(v)
                ),
            ));
        }
        standalone |= order == 3 && v == b"yes";
        i = v_start + n + 1;
    }
    if seen == 0 {
        return Err((5, "the XML declaration needs a version".into()));
    }
    Ok(standalone)
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn order_spacing_and_values() {
        assert!(check(b"<?xml version='1.0'?>").is_ok());
        assert!(check(b"<?xml version=\"1.0\" encoding='UTF-8' standalone='no' ?>").is_ok());
        assert_eq!(check(b"<?xml encoding='UTF-8'?>").unwrap_err().0, 6);
        assert!(check(b"<?xml version='1.0' standalone='yes' encoding='UTF-8'?>").is_err());
        assert!(check(b"<?xml version='1.0'standalone='yes'?>").is_err());
        assert!(check(b"<?xml version='1.0' standalone='YES'?>").is_err());
        assert!(check(b"<?xml version='1.0' version='1.0'?>").is_err());
        assert!(check(b"<?xml version='1.0' valid='no'?>").is_err());
        assert!(check(b"<?xml version='1.0' encoding='8bit'?>").is_err());
    }
}
