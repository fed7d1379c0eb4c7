//! The boundary report of the XML engine (see `crate::split`).

use super::XmlParser;
use crate::split::Boundary;

impl XmlParser {
    /// Where the fed input ends, and whether a parser resumed there with the open path
    /// reported would continue exactly as this one. It would if and only if:
    /// - nothing failed and no malformed record is being skipped;
    /// - every fed byte has been parsed into finished events and checked (characters, UTF-8),
    ///   so no comment, CDATA section, PI, DOCTYPE, tag, attribute value, reference or `]]>`
    ///   is open;
    /// - no record is open, inside the root element (a resumed parser assumes both);
    /// - the input is UTF-8 (offsets are exact and no decoder holds state);
    /// - there was no DOCTYPE (its entities change what references mean, and a resumed
    ///   parser never saw it).
    ///
    /// Everything else a parser carries across that point either is in the path (elements
    /// and namespace bindings in scope) or cannot affect what follows a start tag.
    pub fn boundary(&self) -> Boundary {
        let len = self.input.buf.len();
        let end = self.input.base() + len as u64;
        let at = self.input.position(end);
        let st = &self.st;
        let between = self.failed.is_none()
            && self.resync.is_none()
            && self.started
            && self.source.settled()
            && self.source.chosen() == super::Chosen::Utf8
            && self.source.undecodable().is_none()
            && self.pending.is_none()
            && self.input.pos == len
            && self.scanned == len
            && self.bad.is_none()
            && st.record.is_none()
            && st.failed_tag.is_none()
            && st.seen_root
            && !st.root_closed
            && !st.stack.is_empty()
            && !st.seen_doctype
            && st.entities.dtd.is_none();
        Boundary {
            offset: self.source_offset(end),
            line: at.line,
            column: at.column,
            between,
            path: if between {
                st.context_json()
            } else {
                String::new()
            },
            opened: if between {
                st.stack
                    .iter()
                    .map(|o| {
                        if o.at == super::checkpoint::RESTORED {
                            u64::MAX
                        } else {
                            self.source_offset(o.at)
                        }
                    })
                    .collect()
            } else {
                Vec::new()
            },
            index: st.records + self.skipped,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::Status;
    use crate::xml::{XmlOptions, XmlParser};

    fn state_after(doc: &str, upto: usize) -> crate::split::Boundary {
        let mut p = XmlParser::new(XmlOptions {
            select: vec!["Release".into()],
            ..XmlOptions::default()
        })
        .expect("valid options");
        p.feed(&doc.as_bytes()[..upto]);
        loop {
            match p.run() {
                Ok(Status::BatchReady) => {
                    let _ = p.take_batch();
                }
                Ok(_) => break,
                Err(e) => panic!("unexpected error {e:?}"),
            }
        }
        p.boundary()
    }

    #[test]
    fn between_records_only_at_a_clean_point() {
        let doc = "<m xmlns:e=\"u\"><L>\n<e:Release a=\"x>y\"><T>1</T></e:Release>\n\
                   <!-- <e:Release> --><e:Release><![CDATA[<e:Release>]]></e:Release></L></m>";
        // After the first record, in front of the comment.
        let second = doc.find("<!--").unwrap_or(0);
        let b = state_after(doc, second);
        assert!(b.between);
        assert_eq!(b.offset, second as u64);
        assert_eq!(
            b.path,
            r#"{"path":[{"name":"m","ns":[["e","u"]]},{"name":"L","ns":[]}]}"#
        );
        assert_eq!(b.index, 1, "{b:?}");
        assert_eq!((b.line, b.column), (3, 1));
        // Inside the record, an attribute value, a comment or a CDATA section: never.
        for needle in ["<T>", "y\"", "<e:Release> -->", "<e:Release>]]>"] {
            let at = doc.find(needle).map(|i| i + 1).unwrap_or(0);
            assert!(!state_after(doc, at).between, "at {needle}");
        }
    }

    #[test]
    fn a_doctype_is_never_a_clean_point() {
        let doc = "<!DOCTYPE m><m><L>\n<Release/>\n<Release/></L></m>";
        let at = doc.rfind("<Release").unwrap_or(0);
        assert!(!state_after(doc, at).between);
    }
}
