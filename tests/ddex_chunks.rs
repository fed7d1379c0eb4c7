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
    let mut p = XmlParser::new(opts).unwrap();
    let mut out = Vec::new();
    let mut drain = |p: &mut XmlParser| {
        while let Some(b) = p.take_batch() {
            let batch: Vec<serde_json::Value> = serde_json::from_slice(&b).unwrap();
            out.extend(batch);
        }
    };
    let mut run = |p: &mut XmlParser, fin: bool| -> Result<(), Error> {
        loop {
            let r = if fin { p.finish() } else { p.run() };
            drain(p);
            match r? {
                Status::BatchReady => continue,
                _ => return Ok(()),
            }
        }
    };
    for c in doc.chunks(chunk) {
        p.feed(c);
        if let Err(e) = run(&mut p, false) {
            return (out, Some(e));
        }
    }
    let err = run(&mut p, true).err();
    (out, err)
}

#[test]
fn ddex_corpus_is_chunk_invariant() {
    let Some(dir) = corpus() else {
        eprintln!("shared/corpora/ddex not found beside the project; skipping");
        return;
    };
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
