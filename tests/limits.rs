//! Hostile-input limits: each one accepts input exactly at the limit, rejects one byte (or
//! one attribute, or one level) more with its own code at the same byte however the input is
//! chunked, and stops unfinished giant constructs long before `maxRecordBytes`.

use sluice::{Error, ErrorCode, Limits, Status, XmlOptions, XmlParser};

/// Feeds `doc` in `chunk`-byte pieces; returns the records seen, the error, and how many
/// bytes had been fed when the error came.
fn parse(opts: &XmlOptions, doc: &[u8], chunk: usize) -> (usize, Option<Error>, usize) {
    let mut p = XmlParser::new(opts.clone()).unwrap();
    let mut fed = 0;
    // Batches are dropped unread: nesting thousands deep is beyond serde_json's recursion.
    let drain = |p: &mut XmlParser| while p.take_batch().is_some() {};
    for piece in doc.chunks(chunk.max(1)) {
        p.feed(piece);
        fed += piece.len();
        loop {
            match p.run() {
                Ok(Status::BatchReady) => drain(&mut p),
                Ok(_) => break,
                Err(e) => {
                    drain(&mut p);
                    return (p.stats().records as usize, Some(e), fed);
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
                return (p.stats().records as usize, Some(e), fed);
            }
        }
    }
    drain(&mut p);
    (p.stats().records as usize, None, fed)
}

fn small() -> XmlOptions {
    XmlOptions {
        select: vec!["x".into()],
        limits: Limits {
            max_name_length: 8,
            max_attributes: 4,
            max_text_length: 16,
            ..Limits::default()
        },
        ..XmlOptions::default()
    }
}

/// Parses `doc` whole and in 1-, 2-, 3- and 7-byte chunks; all must agree.
fn outcome(opts: &XmlOptions, doc: &str) -> Result<usize, (ErrorCode, u64)> {
    let whole = parse(opts, doc.as_bytes(), usize::MAX);
    for size in [1, 2, 3, 7] {
        let (records, err, _) = parse(opts, doc.as_bytes(), size);
        assert_eq!(err, whole.1, "{doc:?} in {size}-byte chunks");
        assert_eq!(records, whole.0, "{doc:?} in {size}-byte chunks");
    }
    match whole.1 {
        None => Ok(whole.0),
        Some(e) => Err((e.code, e.position.offset)),
    }
}

fn offset_of(doc: &str, needle: &str) -> u64 {
    doc.find(needle).unwrap() as u64
}

#[test]
fn names_are_limited_wherever_they_appear() {
    let o = small();
    use ErrorCode::NameTooLong;
    assert_eq!(outcome(&o, "<r><x/><abcdefgh/></r>"), Ok(1));
    let doc = "<r><x/><abcdefghi/></r>";
    assert_eq!(outcome(&o, doc), Err((NameTooLong, offset_of(doc, "abc"))));
    // An end tag is measured before it is matched, so its message stays short.
    let doc = "<r><x/></abcdefghi></r>";
    assert_eq!(outcome(&o, doc), Err((NameTooLong, offset_of(doc, "abc"))));
    assert_eq!(outcome(&o, "<r><x abcdefgh='1'/></r>"), Ok(1));
    let doc = "<r><x abcdefghi='1'/></r>";
    assert_eq!(outcome(&o, doc), Err((NameTooLong, offset_of(doc, "abc"))));
    assert_eq!(outcome(&o, "<r><?abcdefgh?><x/></r>"), Ok(1));
    let doc = "<r><?abcdefghi?><x/></r>";
    assert_eq!(outcome(&o, doc), Err((NameTooLong, offset_of(doc, "abc"))));
    // Entity names, in text and in attribute values: at the limit the name is merely
    // undefined; beyond it, too long.
    let e = outcome(&o, "<r><x>&abcdefgh;</x></r>").unwrap_err();
    assert_eq!(e.0, ErrorCode::UndefinedEntity);
    let doc = "<r><x>&abcdefghi;</x></r>";
    assert_eq!(outcome(&o, doc), Err((NameTooLong, offset_of(doc, "abc"))));
    let doc = "<r><x a='&abcdefghi;'/></r>";
    assert_eq!(outcome(&o, doc), Err((NameTooLong, offset_of(doc, "abc"))));
}

#[test]
fn attributes_per_element_are_limited() {
    let o = small();
    assert_eq!(outcome(&o, "<r><x a='1' b='2' c='3' d='4'/></r>"), Ok(1));
    let doc = "<r a='1' b='2' c='3' d='4' e='5'><x/></r>";
    assert_eq!(
        outcome(&o, doc),
        Err((ErrorCode::TooManyAttributes, offset_of(doc, "e=")))
    );
    // Namespace declarations are attributes too.
    let doc = "<r xmlns:a='u' xmlns:b='u' xmlns:c='u' xmlns:d='u' xmlns:e='u'/>";
    assert_eq!(
        outcome(&o, doc).unwrap_err().0,
        ErrorCode::TooManyAttributes
    );
}

#[test]
fn text_like_content_is_limited_and_reported_at_the_first_byte_over() {
    use ErrorCode::TextTooLong;
    let o = small();
    let sixteen = "0123456789abcdef";
    let cases = [
        ("<r><x a='", "'/></r>"),
        ("<r><x>", "</x></r>"),
        ("<r><x><![CDATA[", "]]></x></r>"),
        ("<r><x><!--", "--></x></r>"),
        ("<r><x/><?pi ", "?></r>"),
    ];
    for (open, close) in cases {
        let at_limit = if open.ends_with("<?pi ") {
            format!("{open}{}{close}", &sixteen[3..])
        } else {
            format!("{open}{sixteen}{close}")
        };
        assert_eq!(outcome(&o, &at_limit), Ok(1), "{at_limit}");
        let over = at_limit.replacen(sixteen, &format!("{sixteen}!"), 1);
        let over = if over == at_limit {
            at_limit.replacen(&sixteen[3..], &format!("{}!", &sixteen[3..]), 1)
        } else {
            over
        };
        let content = if open.ends_with("<?pi ") {
            open.len() as u64 - 3
        } else {
            open.len() as u64
        };
        assert_eq!(
            outcome(&o, &over),
            Err((TextTooLong, content + 16)),
            "{over}"
        );
    }
}

#[test]
fn a_text_node_is_counted_whole_across_references_and_outside_records() {
    use ErrorCode::TextTooLong;
    let o = small();
    // 16 bytes of input, references included, then one more.
    assert_eq!(outcome(&o, "<r><x>ab&amp;cd&#65;ef</x></r>"), Ok(1));
    let doc = "<r><x>ab&amp;cd&#65;efg</x></r>";
    assert_eq!(outcome(&o, doc), Err((TextTooLong, 6 + 16)));
    // Not selected, so never kept, but still one text node too long.
    let doc = "<r>  0123456789abcdef <x/></r>";
    assert_eq!(outcome(&o, doc), Err((TextTooLong, 3 + 16)));
    // Markup ends a text node; comments too.
    assert_eq!(
        outcome(&o, "<r>0123456789abcdef<!---->0123456789abcdef<x/></r>"),
        Ok(1)
    );
}

#[test]
fn nesting_is_limited_and_the_limit_can_be_raised() {
    let o = XmlOptions::default();
    let nest = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
    assert_eq!(parse(&o, nest(256).as_bytes(), usize::MAX).1, None);
    let e = parse(&o, nest(257).as_bytes(), 1).1.unwrap();
    assert_eq!((e.code, e.position.offset), (ErrorCode::TooDeep, 256 * 3));
    let raised = XmlOptions {
        limits: Limits {
            max_depth: 5000,
            ..Limits::default()
        },
        ..XmlOptions::default()
    };
    let (records, err, _) = parse(&raised, nest(5000).as_bytes(), 7);
    assert_eq!((records, err), (1, None));
    // Beyond this, writing the record could overflow a worker thread's stack.
    let too_deep = XmlOptions {
        limits: Limits {
            max_depth: sluice::limits::MAX_XML_DEPTH + 1,
            ..Limits::default()
        },
        ..XmlOptions::default()
    };
    let e = XmlParser::new(too_deep).err().unwrap();
    assert_eq!(e.code, ErrorCode::InvalidOption);
}

#[test]
fn defaults_accept_the_limit_and_reject_one_more() {
    let o = XmlOptions::default();
    let check = |doc: &[u8], want: Option<ErrorCode>, at: usize| {
        for chunk in [64 << 10, usize::MAX] {
            let (_, err, _) = parse(&o, doc, chunk);
            assert_eq!(err.as_ref().map(|e| e.code), want, "{chunk}-byte chunks");
            if let Some(e) = err {
                assert_eq!(e.position.offset, at as u64);
            }
        }
    };
    let name = "n".repeat(50_000);
    check(format!("<{name}/>").as_bytes(), None, 0);
    check(
        format!("<{name}x/>").as_bytes(),
        Some(ErrorCode::NameTooLong),
        1,
    );

    let attrs: String = (0..10_000).map(|i| format!(" a{i}=''")).collect();
    check(format!("<r{attrs}/>").as_bytes(), None, 0);
    let doc = format!("<r{attrs} z=''/>");
    check(
        doc.as_bytes(),
        Some(ErrorCode::TooManyAttributes),
        doc.len() - 6,
    );
    // A duplicate among thousands is still found, at its own position.
    let doc = format!("<r{attrs} a0=''/>");
    let (_, err, _) = parse(
        &XmlOptions {
            limits: Limits {
                max_attributes: 20_000,
                ..Limits::default()
            },
            ..XmlOptions::default()
        },
        doc.as_bytes(),
        usize::MAX,
    );
    let e = err.unwrap();
    assert_eq!(
        (e.code, e.position.offset),
        (ErrorCode::DuplicateAttribute, doc.len() as u64 - 7)
    );

    let text = "t".repeat(16 << 20);
    check(format!("<r>{text}</r>").as_bytes(), None, 0);
    check(
        format!("<r>{text}t</r>").as_bytes(),
        Some(ErrorCode::TextTooLong),
        3 + (16 << 20),
    );
    check(format!("<r a='{text}'/>").as_bytes(), None, 0);
    check(
        format!("<r><![CDATA[{text}t]]></r>").as_bytes(),
        Some(ErrorCode::TextTooLong),
        12 + (16 << 20),
    );
}

/// Giant constructs that never end fail once past their limit, not when the pending input
/// reaches `maxRecordBytes` (64 MiB) or the input ends.
#[test]
fn unfinished_giant_constructs_fail_early() {
    let o = XmlOptions::default();
    let mib = 1 << 20;
    let cases: [(&[u8], &[u8], ErrorCode); 5] = [
        (b"<r><!--", b"c", ErrorCode::TextTooLong),
        (b"<r><![CDATA[", b"c", ErrorCode::TextTooLong),
        (b"<r><?pi ", b"c", ErrorCode::TextTooLong),
        (b"<r><", b"n", ErrorCode::NameTooLong),
        (b"<r>&", b"n", ErrorCode::NameTooLong),
    ];
    for (open, fill, code) in cases {
        let mut doc = open.to_vec();
        doc.resize(48 * mib, fill[0]);
        let (_, err, fed) = parse(&o, &doc, mib);
        let e = err.unwrap();
        assert_eq!(e.code, code, "{}", String::from_utf8_lossy(open));
        // Found within twice the limit, well before the 48 MiB end or maxRecordBytes.
        assert!(fed <= 34 * mib, "{} fed", fed);
    }
    // A text node outside any record is never held, but is still stopped.
    let mut doc = b"<r>".to_vec();
    doc.resize(20 * mib, b't');
    let (_, err, fed) = parse(&o, &doc, mib);
    assert_eq!(err.map(|e| e.code), Some(ErrorCode::TextTooLong));
    assert!(fed <= 17 * mib + mib);
}

/// Where a construct is broken twice over, the error reported while it is unfinished is the
/// one the finished construct gives, so chunking still never changes it.
#[test]
fn early_checks_agree_with_the_finished_construct() {
    let o = small();
    let doc = "<?xml version='1.0' aaaaaaaaaaaaaa?><r><x/></r>";
    assert_eq!(outcome(&o, doc), Err((ErrorCode::TextTooLong, 2 + 16)));
    let doc = "<r><!--ab--cdefghijklmnopqrstu--><x/></r>";
    assert_eq!(outcome(&o, doc).unwrap_err().0, ErrorCode::Syntax);
    let doc = "<r><ab\"cdefghijkl\"/><x/></r>";
    assert_eq!(outcome(&o, doc), Err((ErrorCode::NameTooLong, 4)));
    // `]]` without `>` inside a CDATA section is content.
    let doc = "<r><x/><![CDATA[a]]b]]c]]d]]eeee]]></r>";
    assert_eq!(outcome(&o, doc), Ok(1));
    let doc = "<r><x/><![CDATA[a]]b]]c]]d]]eeeee]]></r>";
    assert_eq!(outcome(&o, doc), Err((ErrorCode::TextTooLong, 16 + 16)));
}

/// Input that ends inside a construct already over a limit reports the limit, as it would
/// have had the input arrived in pieces, even when it is all handed over at the end.
#[test]
fn input_ending_inside_an_oversized_construct_reports_the_limit() {
    let o = small();
    for doc in [
        "<r><!--0123456789abcdefg",
        "<r><abcdefghi",
        "<r><![CDATA[0123456789abcdefg",
    ] {
        let mut p = XmlParser::new(o.clone()).unwrap();
        p.feed(doc.as_bytes());
        let at_once = p.finish().unwrap_err();
        let (_, piecemeal, _) = parse(&o, doc.as_bytes(), 1);
        assert_eq!(Some(at_once), piecemeal, "{doc}");
    }
}
