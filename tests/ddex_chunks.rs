//! Every DDEX message in the shared corpus gives the same records and the same error whether
//! it arrives whole, one byte at a time, or in 64 KiB chunks.

use std::path::PathBuf;

use sluice::{Error, Status, XmlOptions, XmlParser};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/ddex");
    dir.join("MANIFEST.tsv").exists().then_some(dir)
}

fn parse(doc: &[u8], chunk: usize) -> (Vec<serde_json::Value>, Option<Error>) {
    let opts = XmlOptions {
        select: vec!["Release".into(), "SoundRecording".into(), "Deal".into()],
        tagged: true,
        ..XmlOptions::default()
    };
    let cuts: Vec<usize> = (chunk..doc.len()).step_by(chunk.max(1)).collect();
    parse_split(opts, doc, &cuts)
}

#[test]
#[cfg_attr(
    not(sluice_corpora),
    ignore = "needs ../shared/corpora, absent at build time (`touch build.rs` after adding it)"
)]
fn ddex_corpus_is_chunk_invariant() {
    let dir = corpus().expect("shared/corpora/ddex not found beside the project");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut checked = 0;
    for line in manifest.lines().skip(1) {
        let file = line.split('\t').next().unwrap();
        let doc = std::fs::read(dir.join(file)).unwrap();
        let whole = parse(&doc, doc.len().max(1));
        let negative = file.contains("NOT-WELL-FORMED") || file.contains("xmlns_ern_missing");
        assert_eq!(whole.1.is_some(), negative, "{file}: {:?}", whole.1);
        assert!(
            negative || !whole.0.is_empty() || file.contains("mead") || file.contains("purged"),
            "{file}: no records"
        );
        for size in [1, 7, 64 << 10] {
            let (records, err) = parse(&doc, size);
            assert_eq!(err, whole.1, "{file} in {size}-byte chunks");
            assert_eq!(records.len(), whole.0.len(), "{file} in {size}-byte chunks");
            if let Some(i) = (0..records.len()).find(|&i| records[i] != whole.0[i]) {
                panic!("{file} in {size}-byte chunks: record {i} differs");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 59);
}

/// Two chunks split at every byte of the smaller real messages: every UTF-8 sequence, tag,
/// attribute, reference and line break of them gets cut once.
#[test]
#[cfg_attr(
    not(sluice_corpora),
    ignore = "needs ../shared/corpora, absent at build time (`touch build.rs` after adding it)"
)]
fn small_ddex_messages_split_at_every_byte() {
    let dir = corpus().expect("shared/corpora/ddex not found beside the project");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut files = 0;
    for line in manifest.lines().skip(1) {
        let file = line.split('\t').next().unwrap();
        let doc = std::fs::read(dir.join(file)).unwrap();
        if doc.len() > 6000
            || file.contains("NOT-WELL-FORMED")
            || file.contains("xmlns_ern_missing")
        {
            continue;
        }
        let root = || XmlOptions {
            select: vec!["/*".into()],
            ..XmlOptions::default()
        };
        let whole = parse_split(root(), &doc, &[]);
        assert!(whole.1.is_none(), "{file}: {:?}", whole.1);
        for at in 1..doc.len() {
            let split = parse_split(root(), &doc, &[at]);
            assert_eq!(split.1, None, "{file} split at {at}");
            assert!(split.0 == whole.0, "{file} split at {at}: records differ");
        }
        files += 1;
    }
    assert!(files >= 8, "only {files} small files");
}

/// Feeds `doc` cut at `cuts`, draining batches as the binding does; records and error.
fn parse_split(
    opts: XmlOptions,
    doc: &[u8],
    cuts: &[usize],
) -> (Vec<serde_json::Value>, Option<Error>) {
    let mut p = XmlParser::new(opts).unwrap();
    let mut out = Vec::new();
    let mut last = 0;
    let mut err = None;
    for &at in cuts.iter().chain(std::iter::once(&doc.len())) {
        p.feed(&doc[last..at]);
        last = at;
        err = err.or(settle(&mut p, &mut out, XmlParser::run));
    }
    if err.is_none() {
        err = settle(&mut p, &mut out, XmlParser::finish);
    }
    (out, err)
}

/// Runs `step` until it needs input (or fails), taking every batch as it fills, as the
/// binding does.
fn settle(
    p: &mut XmlParser,
    out: &mut Vec<serde_json::Value>,
    step: fn(&mut XmlParser) -> Result<Status, Error>,
) -> Option<Error> {
    loop {
        let status = step(p);
        while let Some(b) = p.take_batch() {
            out.extend(serde_json::from_slice::<Vec<serde_json::Value>>(&b).unwrap());
        }
        match status {
            Ok(Status::BatchReady) => {}
            Ok(_) => return None,
            Err(e) => return Some(e),
        }
    }
}
