//! The file-to-NDJSON converter on every DDEX message of the shared corpus: one line per
//! record, each line the same JSON value as the record in the core's batches, and the same
//! error as the streams give for the broken messages.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use sluice::convert::{convert, ConvertError, OutputFormat, Progress};
use sluice::{Engine, Status, XmlOptions, XmlParser};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/ddex");
    dir.join("MANIFEST.tsv").exists().then_some(dir)
}

/// `lines`: the parser writes NDJSON lines itself (`utf8_lines`, as the command's does).
fn parser(lines: bool) -> XmlParser {
    XmlParser::new(XmlOptions {
        select: vec!["Release".into(), "SoundRecording".into(), "Deal".into()],
        tagged: true,
        utf8_lines: lines,
        ..XmlOptions::default()
    })
    .unwrap()
}

/// The records as the streams receive them: the batches, parsed.
fn batches(doc: &[u8]) -> Vec<serde_json::Value> {
    let mut p = parser(false);
    let mut out = Vec::new();
    p.feed_owned(bytes::BytesMut::from(doc));
    let mut at_end = false;
    loop {
        let status = if at_end { p.finish() } else { p.run() };
        while let Some(b) = Engine::take_batch(&mut p) {
            let v: Vec<serde_json::Value> = serde_json::from_slice(&b).unwrap();
            out.extend(v);
        }
        match status {
            Ok(Status::BatchReady) => {}
            Ok(Status::NeedInput) if !at_end => at_end = true,
            _ => return out,
        }
    }
}

#[test]
fn ddex_corpus_converts_line_for_record() {
    let Some(dir) = corpus() else {
        eprintln!("shared/corpora/ddex not found beside the project; skipping");
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut checked = 0;
    for line in manifest.lines().skip(1) {
        let file = line.split('\t').next().unwrap();
        let doc = std::fs::read(dir.join(file)).unwrap();
        let run = |lines: bool| {
            let mut out = Vec::new();
            let result = convert(
                &mut parser(lines),
                std::fs::File::open(dir.join(file)).unwrap(),
                &mut out,
                OutputFormat::Ndjson,
                &Progress::default(),
                &AtomicBool::new(false),
            );
            (out, result)
        };
        let (out, result) = run(true);
        // The lines the parser writes are what the writer makes of its JSON arrays.
        let (rewritten, again) = run(false);
        assert_eq!(out, rewritten, "{file}");
        assert_eq!(result.is_ok(), again.is_ok(), "{file}");
        let negative = file.contains("NOT-WELL-FORMED") || file.contains("xmlns_ern_missing");
        match result {
            Ok(summary) => {
                assert!(!negative, "{file} converted");
                let text = String::from_utf8(out).expect("UTF-8 output");
                let lines: Vec<serde_json::Value> = text
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
                assert_eq!(lines.len() as u64, summary.records, "{file}");
                assert_eq!(lines, batches(&doc), "{file}");
                assert!(text.is_empty() || text.ends_with('\n'));
            }
            Err(ConvertError::Parse(e)) => assert!(negative, "{file}: {e}"),
            Err(e) => panic!("{file}: {e}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 59);
}
