use super::*;

fn opts(select: &str) -> XmlOptions {
    XmlOptions {
        select: vec![select.into()],
        ..XmlOptions::default()
    }
}

/// Feeds `doc` in chunks of `size`, collecting all batches and the final error.
fn parse_chunked(
    o: &XmlOptions,
    doc: &[u8],
    size: usize,
) -> (Vec<serde_json::Value>, Option<Error>) {
    let mut p = XmlParser::new(o.clone()).unwrap();
    let mut records = Vec::new();
    let mut drain = |p: &mut XmlParser| {
        while let Some(b) = p.take_batch() {
            let v: Vec<serde_json::Value> = serde_json::from_slice(&b).unwrap();
            records.extend(v);
        }
    };
    for chunk in doc.chunks(size.max(1)) {
        p.feed(chunk);
        loop {
            match p.run() {
                Ok(Status::BatchReady) => drain(&mut p),
                Ok(_) => break,
                Err(e) => {
                    drain(&mut p);
                    return (records, Some(e));
                }
            }
        }
    }
    loop {
        match p.finish() {
            Ok(Status::BatchReady) => drain(&mut p),
            Ok(_) => break,
            Err(e) => {
                drain(&mut p);
                return (records, Some(e));
            }
        }
    }
    drain(&mut p);
    (records, None)
}

fn records(select: &str, doc: &str) -> Vec<serde_json::Value> {
    let (r, e) = parse_chunked(&opts(select), doc.as_bytes(), usize::MAX);
    assert!(e.is_none(), "{e:?}");
    r
}

fn error(doc: &str) -> Error {
    parse_chunked(&opts("/*"), doc.as_bytes(), usize::MAX)
        .1
        .expect("an error")
}

#[test]
fn selects_records_with_fast_xml_parser_shape() {
    let doc = r#"<?xml version="1.0" encoding="UTF-8"?>
<ern:M xmlns:ern="http://ddex.net/xml/ern/43"><L>
  <Release id="1"><Title>A &amp; B</Title><Artist>x</Artist><Artist>y</Artist></Release>
  <Release id='2'><Title><![CDATA[<raw>]]></Title></Release>
</L></ern:M>"#;
    let got = records("Release", doc);
    assert_eq!(
        serde_json::Value::Array(got),
        serde_json::json!([
            {"@_id": "1", "Title": "A & B", "Artist": ["x", "y"]},
            {"@_id": "2", "Title": "<raw>"}
        ])
    );
}

#[test]
fn every_split_gives_the_same_records() {
    let doc = "\u{feff}<?xml version='1.0'?><!-- c --><r><a x=\"é\">t&#x1F3B5;<![CDATA[]]>z</a>\
               <a>日本 &lt; <!--x--> Ж</a><b/></r>";
    let whole = parse_chunked(&opts("a"), doc.as_bytes(), usize::MAX);
    assert!(whole.1.is_none(), "{:?}", whole.1);
    assert_eq!(whole.0.len(), 2);
    for size in 1..8 {
        assert_eq!(
            parse_chunked(&opts("a"), doc.as_bytes(), size),
            whole,
            "chunk {size}"
        );
    }
}

#[test]
fn positioned_errors() {
    let e = error("<r>\n  <a></b></r>");
    assert_eq!(e.code, ErrorCode::MismatchedTag);
    assert_eq!(
        (e.position.line, e.position.column, e.position.offset),
        (2, 6, 9)
    );
    assert_eq!(error("<r><a>").code, ErrorCode::UnexpectedEof);
    assert_eq!(error("<r/><r/>").code, ErrorCode::MultipleRoots);
    assert_eq!(error("<r/>x").code, ErrorCode::TextOutsideRoot);
    assert_eq!(error("x<r/>").code, ErrorCode::TextOutsideRoot);
    assert_eq!(
        error("<r a='1' a='2'/>").code,
        ErrorCode::DuplicateAttribute
    );
    assert_eq!(error("<r>\u{1}</r>").code, ErrorCode::InvalidChar);
    assert_eq!(error("<p:r/>").code, ErrorCode::UnboundPrefix);
    assert_eq!(error("<r>&nbsp;</r>").code, ErrorCode::UndefinedEntity);
    assert_eq!(error("<r a='&foo;'/>").code, ErrorCode::UndefinedEntity);
    assert_eq!(
        error("<?xml version='1.0' encoding='x-unknown'?><r/>").code,
        ErrorCode::UnsupportedEncoding
    );
    assert_eq!(error("").code, ErrorCode::NoRoot);
    assert_eq!(error("<r><!-- a -- b --></r>").code, ErrorCode::Syntax);
}

#[test]
fn a_bare_lt_in_text_says_to_escape_it() {
    for doc in ["<r>a < b</r>", "<r>1<2</r>", "<r>a <= b</r>"] {
        let e = error(doc);
        assert_eq!(e.code, ErrorCode::Syntax, "{doc}");
        assert!(
            e.message.contains("must be escaped as `&lt;`"),
            "{doc}: {}",
            e.message
        );
        // Reported where the name should start, just after the second `<` of the document.
        let lt = doc.match_indices('<').nth(1).map(|(i, _)| i as u64 + 1);
        assert_eq!(Some(e.position.offset), lt, "{doc}");
    }
    // A name that starts well but goes wrong is still reported as a name.
    assert!(error("<r><a%b/></r>")
        .message
        .contains("invalid element name"));
}

#[test]
fn errors_come_after_every_earlier_record() {
    let doc = "<r><a>1</a><a>2</a><a>3</b></r>";
    for size in [1, 3, 100] {
        let (recs, err) = parse_chunked(&opts("a"), doc.as_bytes(), size);
        assert_eq!(recs.len(), 2, "chunk {size}");
        assert_eq!(err.unwrap().code, ErrorCode::MismatchedTag);
    }
}

#[test]
fn malformed_input_is_reported_before_the_end() {
    let mut p = XmlParser::new(opts("a")).unwrap();
    p.feed(b"<r><a>1</b>");
    assert_eq!(p.run().unwrap_err().code, ErrorCode::MismatchedTag);
}

#[test]
fn records_never_nest_and_tagging_names_the_selector() {
    let o = XmlOptions {
        select: vec!["a".into(), "b".into()],
        tagged: true,
        ..XmlOptions::default()
    };
    let (recs, e) = parse_chunked(&o, b"<r><a><a>1</a></a><b>2</b></r>", 5);
    assert!(e.is_none());
    assert_eq!(
        serde_json::Value::Array(recs),
        serde_json::json!([
            {"selector": "a", "value": {"a": "1"}},
            {"selector": "b", "value": "2"}
        ])
    );
}

#[test]
fn limits_turn_into_errors() {
    let mut o = opts("a");
    o.limits.max_record_bytes = 64;
    let doc = format!("<r><a>{}</a></r>", "x".repeat(200));
    assert_eq!(
        parse_chunked(&o, doc.as_bytes(), 16).1.unwrap().code,
        ErrorCode::RecordTooLarge
    );
    let deep = "<a>".repeat(300);
    assert_eq!(error(&deep).code, ErrorCode::TooDeep);
}

mod entities {
    use super::*;
    use serde_json::json;

    fn expanding(select: &str) -> XmlOptions {
        XmlOptions {
            expand_internal_entities: true,
            ..opts(select)
        }
    }

    fn laughs(levels: usize) -> String {
        let mut d = String::from("<!DOCTYPE r [<!ENTITY l0 \"lol\">");
        for i in 1..=levels {
            let refs = format!("&l{};", i - 1).repeat(10);
            d.push_str(&format!("<!ENTITY l{i} \"{refs}\">"));
        }
        d.push_str(&format!("]><r>&l{levels};</r>"));
        d
    }

    #[test]
    fn expands_text_markup_and_attributes_whatever_the_chunking() {
        let doc = br#"<!DOCTYPE r [
            <!ENTITY who "World">
            <!ENTITY greet "Hello, &who;!">
            <!ENTITY item "<i n='&who;'>x</i>">
            <!ENTITY ws "a&#9;b
c">
        ]><r a="&greet;" b="&ws;">&greet; &item;&item;</r>"#;
        let o = expanding("/*");
        let (want, err) = parse_chunked(&o, doc, doc.len());
        assert_eq!(err, None);
        assert_eq!(
            want,
            vec![
                json!({"@_a": "Hello, World!", "@_b": "a b c", "#text": "Hello, World!",
                        "i": [{"@_n": "World", "#text": "x"}, {"@_n": "World", "#text": "x"}]})
            ]
        );
        for size in [1, 2, 7] {
            assert_eq!(parse_chunked(&o, doc, size), (want.clone(), None), "{size}");
        }
    }

    #[test]
    fn undeclared_entities_stay_literal_only_where_declarations_may_be_unread() {
        // A parameter entity reference, even an internal one, or an external subset makes an
        // undeclared entity a validity error, not a well-formedness one (4.1).
        let unread = [
            "<!DOCTYPE r [<!ENTITY % p \"<!ENTITY a 'x'>\">%p;]><r b=\"1&u;2\">&a;&u;</r>",
            "<!DOCTYPE r SYSTEM \"r.dtd\"><r b=\"1&u;2\">x&u;</r>",
        ];
        for doc in unread {
            let (recs, err) = parse_chunked(&expanding("/*"), doc.as_bytes(), doc.len());
            assert_eq!(err, None, "{doc}");
            assert_eq!(
                recs,
                vec![json!({"@_b": "1&u;2", "#text": "x&u;"})],
                "{doc}"
            );
            let (_, err) = parse_chunked(&opts("/*"), doc.as_bytes(), doc.len());
            assert_eq!(err.unwrap().code, ErrorCode::UndefinedEntity, "{doc}");
        }
        let refused = [
            "<?xml version='1.0' standalone='yes'?><!DOCTYPE r [<!ENTITY % p ''>%p;]><r>&u;</r>",
            "<!DOCTYPE r [<!ENTITY a 'x'>]><r>&u;</r>",
            "<r>&u;</r>",
        ];
        for doc in refused {
            let (_, err) = parse_chunked(&expanding("/*"), doc.as_bytes(), doc.len());
            assert_eq!(err.unwrap().code, ErrorCode::UndefinedEntity, "{doc}");
        }
    }

    #[test]
    fn without_the_option_declared_entities_stay_errors() {
        let doc = b"<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>";
        let (_, err) = parse_chunked(&opts("/*"), doc, doc.len());
        let err = err.unwrap();
        assert_eq!(err.code, ErrorCode::UndefinedEntity);
        assert!(
            err.message.contains("expandInternalEntities"),
            "{}",
            err.message
        );
        assert_eq!(err.position.offset, 33);
    }

    #[test]
    fn billion_laughs_stops_at_the_budget() {
        let doc = laughs(9);
        for size in [doc.len(), 1] {
            let (recs, err) = parse_chunked(&expanding("/*"), doc.as_bytes(), size);
            let err = err.unwrap();
            assert!(recs.is_empty());
            assert_eq!(err.code, ErrorCode::EntityExpansion, "{}", err.message);
            assert_eq!(err.position.offset as usize, doc.find("<r>").unwrap() + 3);
        }
        // A small expansion under the same rules is fine.
        let (recs, err) = parse_chunked(&expanding("/*"), laughs(2).as_bytes(), 5);
        assert_eq!(err, None);
        assert_eq!(recs, vec![json!("lol".repeat(100))]);
    }

    #[test]
    fn the_absolute_cap_is_an_option() {
        let o = XmlOptions {
            max_entity_expansion: 1000,
            ..expanding("/*")
        };
        let (_, err) = parse_chunked(&o, laughs(3).as_bytes(), 64);
        let err = err.unwrap();
        assert_eq!(err.code, ErrorCode::EntityExpansion);
        assert!(err.message.contains("maxEntityExpansion (1000 bytes)"));
    }

    #[test]
    fn quadratic_blowup_hits_the_amplification_ratio() {
        let big = "x".repeat(100_000);
        let mut doc = format!("<!DOCTYPE r [<!ENTITY a \"{big}\">]><r>");
        doc.push_str(&"&a;".repeat(2_000));
        doc.push_str("</r>");
        let (_, err) = parse_chunked(&expanding("/*"), doc.as_bytes(), 4096);
        let err = err.unwrap();
        assert_eq!(err.code, ErrorCode::EntityExpansion);
        assert!(err.message.contains("times the input"), "{}", err.message);
    }

    #[test]
    fn recursion_external_and_unbalanced_entities_are_errors() {
        let cases: [(&[u8], ErrorCode); 6] = [
            (
                b"<!DOCTYPE r [<!ENTITY a \"&b;\"><!ENTITY b \"&a;\">]><r>&a;</r>",
                ErrorCode::EntityExpansion,
            ),
            (
                b"<!DOCTYPE r [<!ENTITY a \"&a;\">]><r x='&a;'/>",
                ErrorCode::EntityExpansion,
            ),
            (
                b"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>",
                ErrorCode::ExternalEntity,
            ),
            (
                b"<!DOCTYPE r [<!ENTITY e \"<a>\">]><r>&e;</a></r>",
                ErrorCode::UnexpectedEof,
            ),
            (
                b"<!DOCTYPE r [<!ENTITY e \"</r>\">]><r>&e;",
                ErrorCode::MismatchedTag,
            ),
            (
                b"<!DOCTYPE r [<!ENTITY e \"&#60;\">]><r a='&e;'/>",
                ErrorCode::InvalidAttribute,
            ),
        ];
        for (doc, code) in cases {
            let (_, err) = parse_chunked(&expanding("/*"), doc, 3);
            assert_eq!(
                err.map(|e| e.code),
                Some(code),
                "{}",
                String::from_utf8_lossy(doc)
            );
        }
    }

    #[test]
    #[cfg_attr(
        not(sluice_corpora),
        ignore = "needs ../shared/corpora, absent at build time (`touch build.rs` after adding it)"
    )]
    fn hostile_billion_laughs_file_is_refused() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpora/xml-real/hostile/billion-laughs.xml");
        let doc = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (_, err) = parse_chunked(&expanding("/*"), &doc, 4096);
        assert_eq!(err.map(|e| e.code), Some(ErrorCode::EntityExpansion));
        let (_, err) = parse_chunked(&opts("/*"), &doc, 4096);
        assert_eq!(err.map(|e| e.code), Some(ErrorCode::UndefinedEntity));
    }
}

#[test]
fn cdata_end_in_text_is_refused_wherever_the_chunks_fall() {
    let ok = b"<r a=']]>'><![CDATA[x]]><!-- ]]> -->t]]<?p ]]>?>]</r>";
    for size in [1, 2, 5, ok.len()] {
        assert_eq!(parse_chunked(&opts("/*"), ok, size).1, None, "{size}");
    }
    let bad = b"<r><![CDATA[x]]><!-- ]]> -->ab]]>c</r>";
    for size in [1, 3, bad.len()] {
        let err = parse_chunked(&opts("/*"), bad, size).1.unwrap();
        assert_eq!(err.code, ErrorCode::Syntax);
        assert_eq!(err.position.offset, 30, "{size}");
    }
}

/// quick-xml 0.39 hands out event bytes without checking UTF-8; sluice's own scan of all input
/// (`chars::scan`) must stop every malformed sequence, in every kind of construct, at its first
/// byte, with the same error however the input is chunked, and keep the records before it.
#[test]
fn invalid_utf8_fails_at_its_byte_in_every_construct() {
    let places: [(&[u8], &[u8]); 9] = [
        (b"<r><a>1</a><a>t", b"t</a></r>"),
        (b"<r><a>1</a><a x='v", b"v'/></r>"),
        (b"<r><a>1</a><a", b"/></r>"),
        (b"<r><a>1</a><a x", b"='1'/></r>"),
        (b"<r><a>1</a><a></a", b"></r>"),
        (b"<r><a>1</a><!-- c", b" --></r>"),
        (b"<r><a>1</a><![CDATA[c", b"]]></r>"),
        (b"<r><a>1</a><?p c", b"?></r>"),
        (b"<r><a>1</a><a>&amp;", b"&#65;</a></r>"),
    ];
    let bad: [&[u8]; 4] = [b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80"];
    for (before, after) in places {
        for b in bad {
            let doc = [before, b, after].concat();
            let whole = parse_chunked(&opts("a"), &doc, usize::MAX);
            let err = whole.1.clone().expect("an error");
            assert_eq!(err.code, ErrorCode::InvalidChar, "{doc:?}");
            assert_eq!(err.position.offset, before.len() as u64, "{doc:?}");
            assert_eq!(whole.0.len(), 1, "{doc:?}");
            for size in [1, 2, 3, 7] {
                assert_eq!(
                    parse_chunked(&opts("a"), &doc, size),
                    whole,
                    "{doc:?} in {size}s"
                );
            }
        }
    }
}

/// The open elements hold their names as symbols: when a stream of distinct names empties
/// the symbol table between records, the names of the elements still open are interned
/// again, so their end tags, the selector's path and prefixes still resolve.
#[test]
fn open_elements_keep_their_names_when_the_symbol_table_is_emptied() {
    // `x` and `y` are interned between the two open names, so that their ids differ from the
    // ones they get again.
    let mut doc = String::from(r#"<p:root xmlns:p="urn:p"><x/><y/><p:list><item><a>1</a></item>"#);
    for i in 0..70_000 {
        doc.push_str(&format!("<n{i}/>"));
    }
    doc.push_str("<item><a>2</a></item><p:item><a>3</a></p:item></p:list></p:root>");
    for size in [usize::MAX, 4096] {
        let (r, e) = parse_chunked(&opts("/root/list/item"), doc.as_bytes(), size);
        assert!(e.is_none(), "{e:?}");
        assert_eq!(
            r,
            vec![
                serde_json::json!({"a": "1"}),
                serde_json::json!({"a": "2"}),
                serde_json::json!({"a": "3"}),
            ]
        );
    }
    // And a wrong end tag after the reset is still found wrong.
    let bad = doc.replace("</p:list>", "</p:lost>");
    let e = parse_chunked(&opts("/root/list/item"), bad.as_bytes(), usize::MAX).1;
    let e = e.expect("an error");
    assert_eq!(e.code, ErrorCode::MismatchedTag);
    assert!(e.message.contains("expected </p:list>"), "{}", e.message);
}

/// Feeds `doc` cut at `cuts`, as `parse_chunked` does.
fn parse_cut(
    o: &XmlOptions,
    doc: &[u8],
    cuts: &[usize],
) -> (Vec<serde_json::Value>, Option<Error>) {
    let mut p = XmlParser::new(o.clone()).unwrap();
    let mut records = Vec::new();
    let mut from = 0;
    let ends = cuts.iter().copied().chain([doc.len()]);
    for (i, to) in ends.enumerate() {
        p.feed(&doc[from..to.max(from)]);
        from = to.max(from);
        loop {
            let status = if i == cuts.len() { p.finish() } else { p.run() };
            while let Some(b) = p.take_batch() {
                let v: Vec<serde_json::Value> = serde_json::from_slice(&b).unwrap();
                records.extend(v);
            }
            match status {
                Ok(Status::BatchReady) => {}
                Ok(_) => break,
                Err(e) => return (records, Some(e)),
            }
        }
    }
    (records, None)
}

/// A long chunk that arrives behind an unfinished tag is not copied behind it: the tag is
/// finished from the chunk's head up to its first `>`, and parsing moves on to the chunk
/// (`XmlParser::bridge_head`). Where that `>` does not end the tag (in an attribute value,
/// a comment, a CDATA section, a processing instruction) or the tag is broken, the records
/// and the error are still those of the whole document, wherever the chunk begins.
#[test]
fn a_chunk_after_an_unfinished_tag_gives_what_the_whole_input_does() {
    let record = "<Release a=\"x>y\" b='>'><!-- a > b --><T>t&amp;\r\n\
                  </T><?pi > ?><![CDATA[ > ]]><U\n  c=\"1\"\n>é 😀 &#x3e;</U></Release>\n";
    let mut doc = String::from("<r xmlns:p=\"urn:p\">");
    while doc.len() < 3 * 4096 {
        doc.push_str(record);
    }
    let head = doc.len();
    doc.push_str(&record.repeat(80));
    doc.push_str("</r>");
    let broken = [
        doc.clone(),
        doc.replace("<U\n  c=\"1\"", "<U\n  c=\"1\" c=\"2\""),
        doc.replace("</T><?pi", "</X><?pi"),
        format!("{}\u{1}{}", &doc[..head + 700], &doc[head + 700..]),
    ];
    let o = opts("Release");
    for d in &broken {
        let whole = parse_cut(&o, d.as_bytes(), &[]);
        for cut in head..head + 2 * record.len() {
            if !d.is_char_boundary(cut) {
                continue;
            }
            for cuts in [vec![cut], vec![cut, cut + 5000], vec![cut - 4096, cut]] {
                assert_eq!(parse_cut(&o, d.as_bytes(), &cuts), whole, "cuts {cuts:?}");
            }
        }
    }
}

/// `alwaysArray` entries that are paths are compared against the path of the object being
/// written, names against the symbol: both make arrays of single children, at any depth.
#[test]
fn always_array_paths_and_names_make_arrays() {
    let doc = "<r><L><Release><A><B>1</B></A><C>2</C><D x='1'><B>3</B></D></Release></L></r>";
    let mut o = opts("Release");
    o.always_array = vec!["Release/A/B".into(), "C".into()];
    let (r, e) = parse_chunked(&o, doc.as_bytes(), usize::MAX);
    assert!(e.is_none(), "{e:?}");
    assert_eq!(
        r,
        vec![serde_json::json!({"A": {"B": ["1"]}, "C": ["2"], "D": {"@_x": "1", "B": "3"}})]
    );
}
