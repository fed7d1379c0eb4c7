//! The boundary report of the JSON engine (see `crate::split`).
//!
//! * NDJSON: a part starts at a line start, where a fresh parser is right.
//! * One JSON document whose one selector names the elements of an array under object keys
//!   (`$[*]`, `$.releases[*]`, `$['a b'].c[*]`): a part starts between two elements of that
//!   array, right after a `,` (and white space), from a parser resumed there
//!   ([`super::JsonOptions::resume_element`]). That state is the whole of what the scanner
//!   carries across such a point: the containers open (the selector's objects, then the
//!   array), no record, string, number or literal open, the document's value begun. The
//!   element's index is not part of it: a `[*]` step matches any, and record counts come
//!   from the verdict of the part before.

use super::JsonParser;
use crate::split::Boundary;

impl JsonParser {
    /// Where the fed input ends (offsets and lines counted from this parser's first byte),
    /// and whether a new parser started there as a part would continue exactly as this one:
    /// it would if nothing failed, every fed byte is scanned and the parser waits at an NDJSON
    /// line start with no value open, or between two elements of the selected array.
    pub fn boundary(&self) -> Boundary {
        let len = self.input.buf.len();
        let end = self.input.base() + len as u64;
        let at = self.input.position(end);
        let clean = self.failed.is_none() && !self.done && self.input.pos == len;
        let element = clean && self.core.at_element();
        Boundary {
            offset: end,
            line: at.line,
            column: at.column,
            between: clean && (self.core.at_line_start() || element),
            path: if element {
                self.element_path()
            } else {
                String::new()
            },
            opened: Vec::new(),
            index: if self.core.ndjson() {
                self.core.lines_seen
            } else {
                self.core.records
            },
        }
    }

    /// `{"path":[key,..]}`: the keys of the objects open around the selected array, as a
    /// part's guess names them.
    fn element_path(&self) -> String {
        let mut out = bytes::BytesMut::from(&b"{\"path\":["[..]);
        for (i, k) in self.core.element_keys.iter().flatten().enumerate() {
            if i > 0 {
                out.extend_from_slice(b",");
            }
            crate::escape::write_str(&mut out, k);
        }
        out.extend_from_slice(b"]}");
        String::from_utf8_lossy(&out).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{JsonFormat, JsonOptions, JsonParser};
    use crate::engine::Status;
    use crate::error::Error;

    fn options(select: &str) -> JsonOptions {
        JsonOptions {
            select: vec![select.to_string()],
            format: JsonFormat::Json,
            ..JsonOptions::default()
        }
    }

    /// Feeds `doc` in one piece: the records' text and the error; `end` declares the end.
    fn feed(p: &mut JsonParser, doc: &[u8], end: bool) -> (Vec<String>, Option<Error>) {
        let mut records = Vec::new();
        p.feed(doc);
        let mut error = None;
        loop {
            let r = if end { p.finish() } else { p.run() };
            while let Some(b) = p.take_batch() {
                let text = String::from_utf8(b.to_vec()).unwrap();
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                records.extend(v.as_array().unwrap().iter().map(|r| r.to_string()));
            }
            match r {
                Ok(Status::BatchReady) => continue,
                Ok(_) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        (records, error)
    }

    /// At every byte of `doc`: if the parser that read up to there says a part may start
    /// there, a part resumed there gives the rest of one parser's records and its error
    /// (at the same offset); the number of such points is returned.
    fn every_cut(select: &str, doc: &[u8]) -> usize {
        let o = options(select);
        let want = feed(&mut JsonParser::new(o.clone()).unwrap(), doc, true);
        let mut cuts = 0;
        for k in 0..=doc.len() {
            let mut head = JsonParser::new(o.clone()).unwrap();
            let (mut got, error) = feed(&mut head, &doc[..k], false);
            let b = head.boundary();
            if error.is_some() || !b.between {
                continue;
            }
            assert_eq!(b.offset, k as u64);
            assert_eq!(b.index, got.len() as u64);
            cuts += 1;
            let mut part = JsonParser::new(JsonOptions {
                resume_element: true,
                origin: k as u64,
                ..o.clone()
            })
            .unwrap();
            let fresh = part.boundary();
            assert!(fresh.between, "a resumed part is at an element");
            assert_eq!(fresh.path, b.path);
            let (rest, error) = feed(&mut part, &doc[k..], true);
            got.extend(rest);
            let error = error.map(|mut e| {
                e.position.offset += k as u64;
                e
            });
            let same = |e: &Option<Error>| {
                e.as_ref()
                    .map(|e| (e.code, e.position.offset, e.message.clone()))
            };
            assert_eq!(got, want.0, "cut at {k}");
            assert_eq!(same(&error), same(&want.1), "cut at {k}");
        }
        cuts
    }

    #[test]
    fn a_part_starts_only_between_elements_of_the_selected_array() {
        let doc = br#"{"x":[1,2],"a":{"b":[ {"s":"a\",{\"b","n":[1,{"c":2}]} ,
  "caf\u00e9 \u00e9",[3,[4]],-1.5e3,true,null,{"b":[5,6]} ] ,"b":[7,8]},"a":{"b":[9]}}"#;
        let n = every_cut("$.a.b[*]", doc);
        // After each `,` of the three arrays at a.b (a duplicate key is the same path),
        // before and after white space: 4 + 5 in the first, 1 in `[7,8]`, none in `[9]`.
        assert_eq!(n, 10, "{n}");
        // Not a candidate at all: other arrays, other selectors.
        assert!(JsonParser::new(JsonOptions {
            resume_element: true,
            ..options("$.a.b")
        })
        .is_err());
        assert!(JsonParser::new(JsonOptions {
            resume_element: true,
            ..options("$.a[0]")
        })
        .is_err());
        assert_eq!(every_cut("$.a.b", doc), 0);
    }

    #[test]
    fn a_top_level_array_and_bad_documents() {
        let good =
            "\u{feff}[{\"a\":[1,2]}, {\"a\":\"\u{e9}\u{1F600}\"},\n\t3 ,[\"]\",\"\\\\\"]]  \n";
        assert!(every_cut("$[*]", good.as_bytes()) >= 4);
        for bad in [
            "[1,2,3,}",
            "[1,2,3]]",
            "[1,2,3] 4",
            "[1,2,[3,4]",
            "[1,2,\"\u{e9}\"\u{e9}]",
            "[1,2, 3,",
            "[1,2,0x]",
            "[1,2,{\"a\":1,}]",
            "[1,2,\u{1}]",
        ] {
            every_cut("$[*]", bad.as_bytes());
        }
        let mut invalid = b"[1,2,\"".to_vec();
        invalid.extend_from_slice(&[0xC3, b'"', b']']);
        every_cut("$[*]", &invalid);
    }
}
