//! Property tests: random well-formed XML and JSON / NDJSON documents, cut at random points,
//! give exactly the records (and no error) of the unsplit parse; random corruptions of them
//! give the same outcome, error code and position included, split or unsplit. The checks are
//! the fuzz targets' (`tests/harness`), so batches are also validated as JSON arrays and
//! single JSON documents compared with serde_json.

mod harness;

use proptest::prelude::*;
use proptest::sample::{select, Index};
use sluice::{JsonFormat, JsonOptions, Limits, XmlOptions};

use harness::{json, xml, Chunking};

// ---------------------------------------------------------------------------------------
// XML documents

#[derive(Debug, Clone)]
enum Node {
    Elem(Elem),
    Text(String),
    CData(String),
    Comment(String),
    Pi(String),
}

#[derive(Debug, Clone)]
struct Elem {
    name: &'static str,
    attrs: Vec<(&'static str, String)>,
    children: Vec<Node>,
    /// Written `<a/>` when it has no children.
    short: bool,
}

const NAMES: &[&str] = &[
    "a", "b", "c", "item", "p:a", "p:b", "q:item", "Release", "é", "日本", "_x.y-z", "n2",
];
const ATTR_NAMES: &[&str] = &["id", "k", "p:id", "q:id", "xml:lang", "n-1", "ü"];

/// Text pieces: entities, character references (4-byte ones too), non-ASCII, values
/// `parseTagValue` turns into numbers and booleans, and white space to trim.
fn text_piece() -> impl Strategy<Value = &'static str> {
    select(
        &[
            "a",
            "x y",
            " ",
            "\n",
            "\t",
            "\r\n",
            "é",
            "😀",
            "日本",
            "&amp;",
            "&lt;",
            "&gt;",
            "&quot;",
            "&apos;",
            "&#233;",
            "&#x1F600;",
            "&#10;",
            "&#xD;",
            "0",
            "42",
            "-1.5",
            "true",
            "1e3",
            "]",
            ">",
        ][..],
    )
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(text_piece(), 1..6).prop_map(|v| v.concat())
}

fn attrs() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let value = prop::collection::vec(prop_oneof![text_piece(), Just("'"), Just("\t")], 0..4)
        .prop_map(|v| v.concat().replace(']', ""));
    prop::collection::vec((select(ATTR_NAMES), value), 0..4).prop_map(|mut v| {
        let mut seen = Vec::new();
        v.retain(|(k, _)| {
            let fresh = !seen.contains(k);
            seen.push(*k);
            fresh
        });
        v
    })
}

fn leaf() -> impl Strategy<Value = Node> {
    // `]]>` may not appear in text; `]` alone and `>` alone may.
    let safe_text = text().prop_map(|t| t.replace("]>", "] >").replace("]]", "] ]"));
    prop_oneof![
        4 => safe_text.prop_map(Node::Text),
        1 => prop::collection::vec(select(&["x", "<a>", "&amp;", "]", "]]", " ", "é", "😀"][..]), 0..5)
            .prop_map(|v| Node::CData(v.concat().replace("]]>", "]] >"))),
        1 => prop::collection::vec(select(&["x", " ", "é", "<a>", "&", "- "][..]), 0..5)
            .prop_map(|v| Node::Comment(v.concat())),
        1 => (select(&["t", "pi", "x-y"][..]), prop::collection::vec(select(&["d", " ", "é", "?", "a=1"][..]), 0..4))
            .prop_map(|(t, d)| Node::Pi(format!("{t} {}", d.concat()))),
        2 => (select(NAMES), attrs(), any::<bool>()).prop_map(|(name, attrs, short)| Node::Elem(Elem {
            name, attrs, children: Vec::new(), short,
        })),
    ]
}

fn node() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(6, 48, 5, |inner| {
        (select(NAMES), attrs(), prop::collection::vec(inner, 0..5)).prop_map(
            |(name, attrs, children)| {
                Node::Elem(Elem {
                    name,
                    attrs,
                    children,
                    short: false,
                })
            },
        )
    })
}

fn write(node: &Node, out: &mut String) {
    match node {
        Node::Text(t) => out.push_str(t),
        Node::CData(t) => {
            out.push_str("<![CDATA[");
            out.push_str(t);
            out.push_str("]]>");
        }
        Node::Comment(t) => {
            out.push_str("<!--");
            out.push_str(t);
            out.push_str("-->");
        }
        Node::Pi(t) => {
            out.push_str("<?");
            out.push_str(t);
            out.push_str("?>");
        }
        Node::Elem(e) => write_elem(e, "", out),
    }
}

fn write_elem(e: &Elem, extra: &str, out: &mut String) {
    out.push('<');
    out.push_str(e.name);
    out.push_str(extra);
    for (k, v) in &e.attrs {
        out.push_str(&format!(" {k}=\"{}\"", v.replace('"', "&quot;")));
    }
    if e.children.is_empty() && e.short {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for c in &e.children {
        write(c, out);
    }
    out.push_str("</");
    out.push_str(e.name);
    out.push('>');
}

/// A whole document: optional BOM and declaration, comments and PIs around the root, and a
/// root that binds the prefixes `p` and `q` (and sometimes a default namespace).
fn xml_doc() -> impl Strategy<Value = String> {
    let misc = prop::collection::vec(
        prop_oneof![
            Just("\n".to_string()),
            Just("<!-- c -->".to_string()),
            Just("<?pi é?>".to_string())
        ],
        0..3,
    );
    (
        any::<bool>(),
        any::<bool>(),
        misc.clone(),
        select(NAMES),
        attrs(),
        prop::collection::vec(node(), 0..6),
        any::<bool>(),
        misc,
    )
        .prop_map(
            |(bom, decl, before, name, attrs, children, default_ns, after)| {
                let mut out = String::new();
                if bom {
                    out.push('\u{FEFF}');
                }
                if decl {
                    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
                }
                out.push_str(&before.concat());
                let mut ns = String::from(" xmlns:p=\"urn:p\" xmlns:q=\"urn:q\"");
                if default_ns {
                    ns.push_str(" xmlns=\"urn:d\"");
                }
                let root = Elem {
                    name,
                    attrs,
                    children,
                    short: false,
                };
                write_elem(&root, &ns, &mut out);
                out.push_str(&after.concat());
                out
            },
        )
}

fn xml_options() -> impl Strategy<Value = XmlOptions> {
    (0..6usize, any::<bool>(), any::<bool>()).prop_map(|(which, trim, small_batches)| {
        let mut o = XmlOptions {
            trim_values: trim,
            ..XmlOptions::default()
        };
        if small_batches {
            o.limits.batch_bytes = 1;
        }
        match which {
            0 => {}
            1 => {
                o.select = vec!["a".into()];
                o.parse_tag_value = true;
                o.parse_attribute_value = true;
            }
            2 => {
                o.select = vec!["a".into(), "item".into(), "é".into()];
                o.tagged = true;
            }
            3 => {
                o.select = vec!["{urn:p}*".into()];
                o.ignore_attributes = true;
                o.cdata_prop_name = Some("#cdata".into());
            }
            4 => {
                o.select = vec!["*/*".into()];
                o.remove_ns_prefix = true;
                o.always_array = vec!["a".into(), "b/c".into()];
            }
            _ => {
                o.select = vec!["/*/*/*".into()];
                o.namespaces = false;
                o.attribute_name_prefix = String::new();
                o.text_node_name = "_".into();
            }
        }
        o
    })
}

/// Cut points: a few random ones, or every byte.
fn cuts(len: usize, picks: &[Index], every_byte: bool) -> Vec<usize> {
    if every_byte {
        return (1..len).collect();
    }
    let mut c: Vec<usize> = picks.iter().map(|i| i.index(len + 1)).collect();
    c.sort_unstable();
    c.dedup();
    c
}

/// A corruption of a document: delete, duplicate or insert around a random position, or
/// truncate.
#[derive(Debug, Clone)]
enum Mutation {
    Delete(Index, usize),
    Duplicate(Index, usize),
    Insert(Index, &'static str),
    Truncate(Index),
}

fn mutation(inserts: &'static [&'static str]) -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1..4usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<Index>(), 1..12usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        (any::<Index>(), select(inserts)).prop_map(|(i, s)| Mutation::Insert(i, s)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(doc: &[u8], m: &Mutation) -> Vec<u8> {
    let mut d = doc.to_vec();
    match m {
        Mutation::Delete(i, n) => {
            let at = i.index(d.len() + 1);
            d.drain(at..(at + n).min(d.len()));
        }
        Mutation::Duplicate(i, n) => {
            let at = i.index(d.len() + 1);
            let piece = d[at..(at + n).min(d.len())].to_vec();
            d.splice(at..at, piece);
        }
        Mutation::Insert(i, s) => {
            let at = i.index(d.len() + 1);
            d.splice(at..at, s.bytes());
        }
        Mutation::Truncate(i) => d.truncate(i.index(d.len() + 1)),
    }
    d
}

const XML_INSERTS: &[&str] = &[
    "<",
    ">",
    "&",
    "&bogus;",
    "&#0;",
    "\"",
    "</a>",
    "<a>",
    "<!--",
    "]]>",
    "\0",
    "\u{1}",
    "\u{FFFE}",
    "\u{FEFF}",
    "<?xml version=\"1.0\"?>",
    "<!DOCTYPE a>",
    "x:y",
    " a=\"1\"",
    "\u{80}",
    "=",
    "<!",
    "<!E",
    "<![",
];

const JSON_INSERTS: &[&str] = &[
    "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u12", "\\ud800", "-", "0", "01", ".", "e", "nul",
    "tru", " ", "\n", "\r\n", "\u{1}", "\u{FEFF}", "\u{80}", "é",
];

fn raw_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(select(&[0x80u8, 0xC3, 0xFF, 0xED, 0xF0, 0x00][..]), 1..3)
}

/// `cases` per property, unless `PROPTEST_CASES` asks for another number (for long runs).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn xml_any_split_gives_the_unsplit_records(
        doc in xml_doc(),
        opts in xml_options(),
        picks in prop::collection::vec(any::<Index>(), 1..8),
        every_byte in prop::bool::weighted(0.15),
    ) {
        let bytes = doc.as_bytes();
        let chunking = Chunking::at(&cuts(bytes.len(), &picks, every_byte), bytes.len());
        let whole = xml::check_with(&opts, bytes, &chunking).expect("options are valid");
        prop_assert!(whole.error.is_none(), "well-formed document rejected: {:?}\n{doc}", whole.error);
        prop_assert!(opts.select != ["/*"] || whole.count == 1, "the root is one record");
    }

    #[test]
    fn xml_corruption_fails_alike_split_or_unsplit(
        doc in xml_doc(),
        opts in xml_options(),
        m in mutation(XML_INSERTS),
        raw in prop::option::weighted(0.2, (any::<Index>(), raw_bytes())),
        picks in prop::collection::vec(any::<Index>(), 1..8),
        every_byte in prop::bool::weighted(0.15),
        tight in any::<bool>(),
    ) {
        let mut bad = mutate(doc.as_bytes(), &m);
        if let Some((i, b)) = raw {
            let at = i.index(bad.len() + 1);
            bad.splice(at..at, b);
        }
        let mut opts = opts;
        if tight {
            opts.limits = Limits { max_depth: 3, max_record_bytes: 64, ..opts.limits };
        }
        let chunking = Chunking::at(&cuts(bad.len(), &picks, every_byte), bad.len());
        xml::check_with(&opts, &bad, &chunking).expect("options are valid");
    }
}

// ---------------------------------------------------------------------------------------
// JSON documents

#[derive(Debug, Clone)]
enum Json {
    Lit(&'static str),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

fn json_string() -> impl Strategy<Value = String> {
    prop::collection::vec(
        select(
            &[
                "a",
                "é",
                "😀",
                "日本",
                " ",
                "\\n",
                "\\\"",
                "\\\\",
                "\\/",
                "\\u00e9",
                "\\ud83d\\ude00",
                "\\u0000",
                "\\ud800",
                "\\t",
                "__proto__",
            ][..],
        ),
        0..5,
    )
    .prop_map(|v| v.concat())
}

fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        select(
            &[
                "null",
                "true",
                "false",
                "0",
                "-0",
                "1",
                "-1",
                "12.5",
                "1e3",
                "1E-3",
                "-0.0e+0",
                "123456789012345678901234567890",
                "1e400",
                "3.141592653589793",
            ][..]
        )
        .prop_map(Json::Lit),
        json_string().prop_map(Json::Str),
    ];
    leaf.prop_recursive(6, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Arr),
            prop::collection::vec(
                (
                    select(&["a", "b", "é", "a"][..]).prop_map(String::from),
                    inner
                ),
                0..5
            )
            .prop_map(Json::Obj),
        ]
    })
}

/// Serialises with white space picked by `ws` at every token boundary (`newlines` allowed or
/// not: NDJSON values stay on one line).
fn write_json(v: &Json, ws: &mut impl Iterator<Item = u8>, newlines: bool, out: &mut String) {
    match v {
        Json::Lit(l) => out.push_str(l),
        Json::Str(s) => {
            out.push('"');
            out.push_str(s);
            out.push('"');
        }
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(ws, newlines, out);
                write_json(item, ws, newlines, out);
                space(ws, newlines, out);
            }
            out.push(']');
        }
        Json::Obj(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(ws, newlines, out);
                out.push_str(&format!("\"{k}\""));
                space(ws, newlines, out);
                out.push(':');
                space(ws, newlines, out);
                write_json(item, ws, newlines, out);
            }
            space(ws, newlines, out);
            out.push('}');
        }
    }
}

fn space(ws: &mut impl Iterator<Item = u8>, newlines: bool, out: &mut String) {
    let choices: &[&str] = if newlines {
        &["", "", "", " ", "\n", "\t", "\r\n"]
    } else {
        &["", "", "", " ", "\t"]
    };
    let pick = ws.next().unwrap_or(0) as usize % choices.len();
    out.push_str(choices[pick]);
}

/// A document in `format`: one value, several separated by white space, or NDJSON lines
/// (blank lines and CRLF among them).
fn json_doc(format: JsonFormat) -> impl Strategy<Value = String> {
    let count = match format {
        JsonFormat::Json => 1..2,
        JsonFormat::Concatenated => 1..6,
        JsonFormat::Ndjson => 0..6,
    };
    (
        prop::collection::vec(json_value(), count),
        prop::collection::vec(any::<u8>(), 64),
        any::<bool>(),
    )
        .prop_map(move |(values, ws, bom)| {
            let mut ws = ws.into_iter().cycle();
            let mut out = String::new();
            if bom {
                out.push('\u{FEFF}');
            }
            for v in &values {
                let pick = ws.next().unwrap_or(0);
                match format {
                    JsonFormat::Ndjson => {
                        write_json(v, &mut ws, false, &mut out);
                        out.push_str(["\n", "\r\n", "\n\n", " \n"][pick as usize % 4]);
                    }
                    _ => {
                        out.push_str([" ", "\n", "\t", "\r\n"][pick as usize % 4]);
                        write_json(v, &mut ws, true, &mut out);
                    }
                }
            }
            out
        })
}

fn json_options(format: JsonFormat) -> impl Strategy<Value = JsonOptions> {
    (0..5usize, any::<bool>()).prop_map(move |(which, small_batches)| {
        let mut o = JsonOptions {
            format,
            ..JsonOptions::default()
        };
        if small_batches {
            o.limits.batch_bytes = 1;
        }
        match which {
            0 | 1 => {}
            2 => o.select = vec!["$[*]".into()],
            3 => o.select = vec!["$.*".into(), "$.a[*]".into()],
            _ => {
                o.select = vec!["$.a".into(), "$['é']".into()];
                o.tagged = true;
            }
        }
        o
    })
}

fn any_format() -> impl Strategy<Value = JsonFormat> {
    select(
        &[
            JsonFormat::Json,
            JsonFormat::Concatenated,
            JsonFormat::Ndjson,
        ][..],
    )
}

fn json_case() -> impl Strategy<Value = (String, JsonOptions)> {
    any_format().prop_flat_map(|f| (json_doc(f), json_options(f)))
}

proptest! {
    #![proptest_config(config(1500))]

    #[test]
    fn json_any_split_gives_the_unsplit_records(
        (doc, opts) in json_case(),
        picks in prop::collection::vec(any::<Index>(), 1..8),
        every_byte in prop::bool::weighted(0.15),
    ) {
        let bytes = doc.as_bytes();
        let chunking = Chunking::at(&cuts(bytes.len(), &picks, every_byte), bytes.len());
        let whole = json::check_with(&opts, bytes, &chunking).expect("options are valid");
        prop_assert!(whole.error.is_none(), "well-formed input rejected: {:?}\n{doc:?}", whole.error);
    }

    #[test]
    fn json_corruption_fails_alike_split_or_unsplit(
        (doc, opts) in json_case(),
        m in mutation(JSON_INSERTS),
        raw in prop::option::weighted(0.2, (any::<Index>(), raw_bytes())),
        picks in prop::collection::vec(any::<Index>(), 1..8),
        every_byte in prop::bool::weighted(0.15),
        skip in any::<bool>(),
        tight in any::<bool>(),
    ) {
        let mut bad = mutate(doc.as_bytes(), &m);
        if let Some((i, b)) = raw {
            let at = i.index(bad.len() + 1);
            bad.splice(at..at, b);
        }
        let mut opts = opts;
        opts.skip_errors = skip && opts.format == JsonFormat::Ndjson;
        if tight {
            opts.limits = Limits { max_depth: 3, max_record_bytes: 24, ..opts.limits };
        }
        let chunking = Chunking::at(&cuts(bad.len(), &picks, every_byte), bad.len());
        json::check_with(&opts, &bad, &chunking).expect("options are valid");
    }
}

// ---------------------------------------------------------------------------------------
// One JSON document cut into parts between the elements of the selected array (issue 15)

/// The records' text (batches joined by `,`, so independent of where batches were cut) and
/// the error with its position, of `p` fed `doc` (and told it ends, when `end`).
fn run_part(p: &mut sluice::JsonParser, doc: &[u8], end: bool) -> (String, Option<sluice::Error>) {
    use sluice::Status;
    let mut records = String::new();
    p.feed(doc);
    loop {
        let r = if end { p.finish() } else { p.run() };
        while let Some(b) = p.take_batch() {
            let text = std::str::from_utf8(&b).expect("batches are ASCII");
            if !records.is_empty() {
                records.push(',');
            }
            records.push_str(&text[1..text.len() - 1]);
        }
        match r {
            Ok(Status::BatchReady) => continue,
            Ok(_) => return (records, None),
            Err(e) => return (records, Some(e)),
        }
    }
}

/// A document whose records are the elements of one array: `[..]` or `{..,"a":[..],..}`.
fn element_doc() -> impl Strategy<Value = (String, &'static str)> {
    (
        prop::collection::vec(json_value(), 0..8),
        prop::collection::vec(any::<u8>(), 64),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(values, ws, nested, bom)| {
            let mut ws = ws.into_iter().cycle();
            let mut out = String::new();
            if bom {
                out.push('\u{FEFF}');
            }
            let array = Json::Arr(values);
            if nested {
                let doc = Json::Obj(vec![
                    ("b".into(), Json::Arr(vec![Json::Lit("1"), Json::Lit("2")])),
                    ("a".into(), array),
                    (
                        "é".into(),
                        Json::Obj(vec![(
                            "a".into(),
                            Json::Arr(vec![Json::Lit("3"), Json::Lit("4")]),
                        )]),
                    ),
                ]);
                write_json(&doc, &mut ws, true, &mut out);
                (out, "$.a[*]")
            } else {
                write_json(&array, &mut ws, true, &mut out);
                (out, "$[*]")
            }
        })
}

proptest! {
    #![proptest_config(config(300))]

    /// At every byte where the parser that read up to there reports a part may start, a part
    /// resumed there gives the rest of one parser's records and its first error, at the same
    /// offset, line and column once mapped from the part's start.
    #[test]
    fn json_parts_between_elements_give_one_parsers_records(
        (doc, select) in element_doc(),
        m in prop::option::weighted(0.5, mutation(JSON_INSERTS)),
    ) {
        let bytes = match &m {
            Some(m) => mutate(doc.as_bytes(), m),
            None => doc.into_bytes(),
        };
        let o = JsonOptions { select: vec![select.into()], ..JsonOptions::default() };
        let new = |o: &JsonOptions| sluice::JsonParser::new(o.clone()).expect("valid options");
        let (want, want_error) = run_part(&mut new(&o), &bytes, true);
        let key = |e: &Option<sluice::Error>| {
            e.as_ref().map(|e| (e.code, e.message.clone(), e.position.offset, e.position.line, e.position.column))
        };
        for k in 0..=bytes.len() {
            let mut head = new(&o);
            let (mut got, error) = run_part(&mut head, &bytes[..k], false);
            let b = head.boundary();
            if error.is_some() || !b.between {
                continue;
            }
            let resumed = JsonOptions { resume_element: true, origin: k as u64, ..o.clone() };
            let (rest, error) = run_part(&mut new(&resumed), &bytes[k..], true);
            if !got.is_empty() && !rest.is_empty() {
                got.push(',');
            }
            got.push_str(&rest);
            // Positions count from the part's start: mapped as parseFile maps them.
            let error = error.map(|mut e| {
                e.position.offset += k as u64;
                if e.position.line <= 1 {
                    e.position.column += b.column - 1;
                }
                e.position.line += b.line - 1;
                e
            });
            prop_assert_eq!(&got, &want, "cut at {}", k);
            prop_assert_eq!(key(&error), key(&want_error), "cut at {}", k);
        }
    }
}
