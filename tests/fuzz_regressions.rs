//! Every input the fuzzers ever crashed on (`tests/fixtures/fuzz/<target>/*`, kept byte for
//! byte as libFuzzer wrote them) replays through the same checks as the fuzz targets, with the
//! chunking its header asks for and also one byte at a time.

mod harness;

use std::path::PathBuf;

use harness::{json, xml, Chunking, Header};
use sluice::{Limits, XmlOptions};

fn fixtures(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_none_or(|x| x != "md"))
                .map(|p| {
                    let name = p
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned();
                    let bytes = std::fs::read(&p).expect("fixture readable");
                    (name, bytes)
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Runs `check` on each fixture, naming the one that fails.
fn replay(target: &str, check: impl Fn(&[u8])) -> usize {
    let files = fixtures(target);
    for (name, data) in &files {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(data)));
        if let Err(e) = caught {
            eprintln!("tests/fixtures/fuzz/{target}/{name} failed");
            std::panic::resume_unwind(e);
        }
    }
    files.len()
}

#[test]
fn xml_fuzz_findings_stay_fixed() {
    replay("xml", |data| {
        xml::check(data);
        let (h, doc) = Header::split(data, xml::HEADER);
        let opts = xml::options(&h, doc);
        xml::check_with(
            &opts,
            doc,
            &Chunking::at(&(1..doc.len()).collect::<Vec<_>>(), doc.len()),
        );
    });
}

#[test]
fn json_fuzz_findings_stay_fixed() {
    replay("json", |data| {
        json::check(data);
        let (h, doc) = Header::split(data, json::HEADER);
        let opts = json::options(&h, doc);
        json::check_with(
            &opts,
            doc,
            &Chunking::at(&(1..doc.len()).collect::<Vec<_>>(), doc.len()),
        );
    });
}

/// Documents the property tests (`tests/proptest_chunks.rs`) found giving a different outcome
/// in pieces, kept as `tests/fixtures/fuzz/proptest/*.xml` with the options they failed under.
#[test]
fn property_test_findings_stay_fixed() {
    let opts = XmlOptions {
        select: vec!["{urn:p}*".into()],
        limits: Limits {
            max_depth: 3,
            max_record_bytes: 64,
            ..Limits::default()
        },
        ..XmlOptions::default()
    };
    let n = replay("proptest", |doc| {
        for size in [1, 2, 7, 64] {
            let cuts: Vec<usize> = (size..doc.len()).step_by(size).collect();
            xml::check_with(&opts, doc, &Chunking::at(&cuts, doc.len()));
        }
    });
    assert!(n >= 2, "fixtures missing");
}

/// A tag still waiting for the retry threshold when the input ends (on a cut UTF-8
/// sequence) is parsed before the end is judged, as it is when the input comes whole.
#[test]
fn end_of_input_does_not_wait_for_the_retry_threshold() {
    let mut doc = format!("<a><b c=\"{}\"/>", "x".repeat(40)).into_bytes();
    doc.push(0xC3);
    let opts = XmlOptions::default();
    let every_byte: Vec<usize> = (1..doc.len()).collect();
    let whole =
        xml::check_with(&opts, &doc, &Chunking::at(&every_byte, doc.len())).expect("valid options");
    let e = whole.error.expect("an error");
    assert_eq!(e.position.offset, doc.len() as u64 - 1, "{e:?}");
}

/// Small documents from the findings above, split in two at every byte and fed byte by byte.
#[test]
fn findings_split_everywhere() {
    let docs: &[&[u8]] = &[
        // A reference read across `>` (whole) or cut at it (in pieces).
        b"<a>x&>amp;</a>",
        b"<a/>&>x;",
        // `<!` markup no `>` can rescue.
        b"<a><!ENTITY x 'y'",
        b"<a></a>\n<!E",
        b"<!<!-- c -->",
        // A forbidden character before a control character.
        b"<a>\xEF\xBF\xBE\x01</a>",
        // A comment too large for maxRecordBytes with `--` in it.
        b"<a><!-- ------------------------------------------ --></a>",
    ];
    let small = XmlOptions {
        select: vec!["a".into()],
        limits: Limits {
            max_record_bytes: 16,
            ..Limits::default()
        },
        ..XmlOptions::default()
    };
    for opts in [XmlOptions::default(), small] {
        for doc in docs {
            let whole = xml::check_with(&opts, doc, &Chunking::whole(doc.len())).expect("options");
            assert!(whole.error.is_some(), "{:?}", String::from_utf8_lossy(doc));
            let every_byte: Vec<usize> = (1..doc.len()).collect();
            xml::check_with(&opts, doc, &Chunking::at(&every_byte, doc.len()));
            for at in 1..doc.len() {
                xml::check_with(&opts, doc, &Chunking::at(&[at], doc.len()));
            }
        }
    }
}
