//! JSON conformance and real-world input, through the public `JsonParser` API.
//!
//! * JSONTestSuite (`shared/corpora/jsontestsuite/test_parsing`): every `y_` file is accepted
//!   (and its record equals serde_json's parse where serde_json can parse it), every `n_` file
//!   is rejected with a positioned error, and every `i_` file gives the outcome recorded in
//!   `tests/fixtures/jsontestsuite_i_outcomes.tsv`, all the same whole, in 1-byte and in
//!   7-byte chunks. Rewrite the fixture with `SLUICE_BLESS=1 cargo test --test json_suite`.
//! * `shared/corpora/json-real`: the JSON Feed sample and the NDJSON streams parse with the
//!   expected record counts.

use std::path::{Path, PathBuf};

use sluice::json::Skip;
use sluice::{Error, JsonFormat, JsonOptions, JsonParser, Status};

fn corpora() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora")
}

#[derive(Debug, PartialEq)]
struct Outcome {
    /// Records' text joined by `,`, whatever the batches were.
    records: String,
    error: Option<Error>,
    skips: Vec<Skip>,
}

fn parse(opts: &JsonOptions, doc: &[u8], chunk: usize) -> Outcome {
    let mut p = JsonParser::new(opts.clone()).expect("options");
    let mut records = String::new();
    let mut drain = |p: &mut JsonParser| {
        while let Some(b) = p.take_batch() {
            assert!(b.is_ascii(), "batches are ASCII");
            assert!(b.len() >= 3 && b[0] == b'[' && b[b.len() - 1] == b']');
            if !records.is_empty() {
                records.push(',');
            }
            records.push_str(std::str::from_utf8(&b[1..b.len() - 1]).expect("ASCII"));
            p.recycle(b);
        }
    };
    let mut run = |p: &mut JsonParser, fin: bool| -> Result<(), Error> {
        loop {
            let r = if fin { p.finish() } else { p.run() };
            drain(p);
            match r? {
                Status::BatchReady => continue,
                _ => return Ok(()),
            }
        }
    };
    let mut error = None;
    for c in doc.chunks(chunk.max(1)) {
        p.feed(c);
        if let Err(e) = run(&mut p, false) {
            error = Some(e);
            break;
        }
    }
    if error.is_none() {
        error = run(&mut p, true).err();
    }
    Outcome {
        records,
        error,
        skips: p.take_skips(),
    }
}

/// Parses whole, in 1-byte and in 7-byte chunks, and checks all three agree.
fn parse_every_way(opts: &JsonOptions, doc: &[u8], name: &str) -> Outcome {
    let whole = parse(opts, doc, doc.len());
    for size in [1, 7] {
        assert_eq!(
            parse(opts, doc, size),
            whole,
            "{name} in {size}-byte chunks"
        );
    }
    whole
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).expect("read");
            (name, bytes)
        })
        .collect();
    out.sort();
    out
}

const FIXTURE: &str = "tests/fixtures/jsontestsuite_i_outcomes.tsv";

#[test]
#[cfg_attr(
    not(sluice_corpora),
    ignore = "needs ../shared/corpora, absent at build time (`touch build.rs` after adding it)"
)]
fn jsontestsuite() {
    let dir = corpora().join("jsontestsuite/test_parsing");
    assert!(dir.is_dir(), "{} not found (JSONTestSuite)", dir.display());
    let opts = JsonOptions::default();
    let (mut y, mut n, mut compared) = (0, 0, 0);
    let mut i_outcomes = String::from("file\toutcome\tcode\n");
    for (name, doc) in files(&dir) {
        let out = parse_every_way(&opts, &doc, &name);
        if name.starts_with("y_") {
            y += 1;
            assert!(out.error.is_none(), "{name} rejected: {:?}", out.error);
            assert!(!out.records.is_empty(), "{name}: no record");
            if let Ok(expect) = serde_json::from_slice::<serde_json::Value>(&doc) {
                let got: serde_json::Value = serde_json::from_str(&out.records)
                    .unwrap_or_else(|e| panic!("{name}: record {:?}: {e}", out.records));
                assert_eq!(got, expect, "{name}");
                compared += 1;
            }
        } else if name.starts_with("n_") {
            n += 1;
            let e = out
                .error
                .unwrap_or_else(|| panic!("{name} accepted as {:?}", out.records));
            assert!(
                e.position.line >= 1 && e.position.column >= 1,
                "{name}: unpositioned {e:?}"
            );
            assert!(e.position.offset <= doc.len() as u64, "{name}: {e:?}");
        } else if name.starts_with("i_") {
            let (outcome, code) = match &out.error {
                None => ("accepted", "-"),
                Some(e) => ("rejected", e.code.as_str()),
            };
            i_outcomes.push_str(&format!("{name}\t{outcome}\t{code}\n"));
        }
    }
    assert_eq!((y, n), (95, 188), "files in the suite");
    assert!(
        compared >= 90,
        "only {compared} y_ records compared with serde_json"
    );

    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    if std::env::var_os("SLUICE_BLESS").is_some() {
        std::fs::create_dir_all(fixture.parent().unwrap()).unwrap();
        std::fs::write(&fixture, &i_outcomes).unwrap();
        eprintln!("wrote {}", fixture.display());
    }
    let expected = std::fs::read_to_string(&fixture).unwrap_or_else(|_| {
        panic!("{FIXTURE} is missing; write it with SLUICE_BLESS=1 and review it")
    });
    assert_eq!(i_outcomes, expected, "i_ outcomes changed (see {FIXTURE})");
    assert_eq!(expected.lines().count(), 36, "35 i_ files");
}

#[test]
#[cfg_attr(
    not(sluice_corpora),
    ignore = "needs ../shared/corpora, absent at build time (`touch build.rs` after adding it)"
)]
fn real_world_json_and_ndjson() {
    let dir = corpora().join("json-real");
    assert!(
        dir.is_dir(),
        "{} not found (real-world JSON)",
        dir.display()
    );
    let mut checked = 0;

    for (name, doc) in files(&dir) {
        if !name.ends_with(".json") {
            continue;
        }
        let all: serde_json::Value = serde_json::from_slice(&doc).expect("serde_json");
        let whole = parse_every_way(&JsonOptions::default(), &doc, &name);
        assert_eq!(whole.error, None, "{name}");
        let got: serde_json::Value = serde_json::from_str(&whole.records).unwrap();
        assert_eq!(got, all, "{name}");
        if let Some(items) = all.get("items").and_then(|v| v.as_array()) {
            let opts = JsonOptions {
                select: vec!["$.items[*]".into()],
                ..JsonOptions::default()
            };
            let out = parse_every_way(&opts, &doc, &name);
            assert_eq!(out.error, None, "{name}");
            let got: Vec<serde_json::Value> =
                serde_json::from_str(&format!("[{}]", out.records)).unwrap();
            assert_eq!(got.len(), items.len(), "{name}: items");
            assert_eq!(&got, items, "{name}: items");
            assert!(!items.is_empty());
        }
        checked += 1;
    }

    let ndjson = JsonOptions {
        format: JsonFormat::Ndjson,
        ..JsonOptions::default()
    };
    for (name, doc) in files(&dir.join("ndjson")) {
        let text = std::str::from_utf8(&doc).expect("UTF-8");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("serde_json line"))
            .collect();
        let out = parse_every_way(&ndjson, &doc, &name);
        assert_eq!(out.error, None, "{name}");
        assert!(out.skips.is_empty());
        let got: Vec<serde_json::Value> =
            serde_json::from_str(&format!("[{}]", out.records)).unwrap();
        assert_eq!(
            got.len(),
            lines.len(),
            "{name}: one record per non-blank line"
        );
        assert_eq!(got, lines, "{name}");
        // Skip mode changes nothing on clean input.
        let skipping = JsonOptions {
            skip_errors: true,
            ..ndjson.clone()
        };
        assert_eq!(parse(&skipping, &doc, 4096), out, "{name} with skipErrors");
        checked += 1;
    }
    assert_eq!(checked, 5, "jsonfeed_sample.json and 4 NDJSON streams");
}
