//! Skip mode on a broken record that holds elements (or other text) named like the record's
//! parent: the record is dropped and reported, the records around it are all emitted, and the
//! file never fails because an end tag inside the record was taken for the parent's.

mod harness;

use harness::{Chunking, Outcome};
use sluice::XmlOptions;

/// `doc` in pieces of `chunk` bytes, through the shared harness (which also checks every
/// error's and skip's position and the engine's invariants).
fn parse(doc: &[u8], chunk: usize, skip: bool) -> Outcome {
    let opts = XmlOptions {
        select: vec!["a".into()],
        skip_errors: skip,
        ..XmlOptions::default()
    };
    let cuts: Vec<usize> = (1..)
        .map(|k| k * chunk.max(1))
        .take_while(|&c| c < doc.len())
        .collect();
    harness::xml::parse(&opts, doc, &Chunking::at(&cuts, doc.len())).expect("options are valid")
}

fn shows(p: &str) -> Vec<String> {
    let other = if p.contains(':') { "L" } else { "p:L" };
    vec![
        format!("<{p}>x</{p}>"),
        format!("<{p}/>"),
        format!("<{p} k=\"/>\"/>"),
        format!("<{p}><b><{p}>y</{p}></b></{p}>"),
        format!("<{other}>x</{other}>"),
        format!("<b k=\"{p}\"/>{p} &lt;/{p}&gt;"),
        format!("<!-- </{p}> --><![CDATA[</{p}><{p}>]]><?pi </{p}> ?>"),
        format!("<{p} k=\"1\" k=\"2\">x</{p}>"),
        format!("<{p} a=\"&bad;\"/>"),
        format!("<{p}\u{1}>x</{p}>"),
        format!("<{p} a=\"</{p}>\">x</{p}>"),
    ]
}

fn breaks(p: &str) -> Vec<String> {
    vec![
        "<c>z</q>".into(),
        "&bad;".into(),
        "<c>z".into(),
        "<c k=\"1\" k=\"2\"/>".into(),
        "a < b".into(),
        format!("<c k=\"</{p}>\"/>"),
        "<zz:c/>".into(),
    ]
}

#[test]
fn a_broken_record_holding_the_parent_name_is_skipped_in_any_chunking() {
    let good = ["<a>0</a>", "<a><b>1</b></a>", "<a/>"];
    let doc = |p: &str, recs: &[String]| {
        format!(
            "<root xmlns:p=\"urn:p\"><{p}>\n{}\n</{p}></root>\n",
            recs.join("\n")
        )
    };
    let mut cases = 0;
    for p in ["L", "p:L"] {
        let clean = doc(p, &good.map(String::from));
        let clean = parse(clean.as_bytes(), usize::MAX, false);
        assert!(clean.error.is_none());
        for show in shows(p) {
            for brk in breaks(p) {
                let inside = show
                    .strip_prefix(&format!("<{p}>"))
                    .map(|rest| format!("<{p}>{brk}{rest}"));
                let inners = [format!("{brk}{show}"), format!("{show}{brk}")]
                    .into_iter()
                    .chain(inside);
                for inner in inners {
                    for wrap in [false, true] {
                        let inner = if wrap {
                            format!("<w><v>{inner}</v></w>")
                        } else {
                            inner.clone()
                        };
                        for end in ["</a>", ""] {
                            for at in [0, 1, 3] {
                                let mut recs: Vec<String> = good.map(String::from).to_vec();
                                recs.insert(at, format!("<a id=\"X\">{inner}{end}"));
                                let xml = doc(p, &recs);
                                let strict = parse(xml.as_bytes(), usize::MAX, false);
                                let whole = parse(xml.as_bytes(), usize::MAX, true);
                                let what = format!("{xml:?}");
                                assert!(whole.error.is_none(), "{what}: {:?}", whole.error);
                                assert_eq!(whole.values, clean.values, "{what}");
                                assert_eq!(whole.skips.len(), 1, "{what}");
                                let (error, index) = &whole.skips[0];
                                assert_eq!(*index, at as u64, "{what}");
                                let thrown = strict.error.as_ref().expect("strict parsing fails");
                                assert_eq!(error.code, thrown.code, "{what}");
                                assert_eq!(error.position, thrown.position, "{what}");
                                for chunk in [1, 2, 3, 7] {
                                    let run = parse(xml.as_bytes(), chunk, true);
                                    assert_eq!(run.values, whole.values, "{what} in {chunk}s");
                                    assert_eq!(run.skips, whole.skips, "{what} in {chunk}s");
                                    assert!(run.error.is_none(), "{what} in {chunk}s");
                                }
                                cases += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(cases > 1000, "{cases}");
}

#[test]
fn an_unclosed_parent_named_element_that_takes_the_parent_end_fails_clearly() {
    let xml = b"<root><L><a>0</a><a><c></q><L>x</L></root>";
    for chunk in [1, 3, usize::MAX] {
        let run = parse(xml, chunk, true);
        assert_eq!(run.values, vec![serde_json::json!("0")]);
        assert!(run.skips.is_empty());
        let e = run.error.expect("fails");
        assert!(e.message.contains("could not be skipped"), "{}", e.message);
        assert_eq!(e.position.offset, 23);
    }
}
