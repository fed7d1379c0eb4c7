//! The core's skip-and-continue and resume on real DDEX messages, byte by byte: a corrupted
//! record is dropped in 1-byte chunks exactly as when the message arrives whole, and a parser
//! resumed after any record (from the end offset and open path reported with its batch)
//! gives exactly the records that followed.

use std::path::PathBuf;

use sluice::xml::{Ancestor, BatchMeta, Resume};
use sluice::{Error, ErrorCode, Status, XmlOptions, XmlParser};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/ddex");
    dir.join("MANIFEST.tsv").exists().then_some(dir)
}

fn opts() -> XmlOptions {
    let mut o = XmlOptions {
        select: vec!["Release".into(), "SoundRecording".into(), "Deal".into()],
        tagged: true,
        ..XmlOptions::default()
    };
    // Several records per batch, many batches.
    o.limits.batch_bytes = 1024;
    o
}

struct Run {
    records: Vec<serde_json::Value>,
    metas: Vec<BatchMeta>,
    skips: Vec<(Error, u64)>,
    error: Option<Error>,
}

fn parse(o: XmlOptions, doc: &[u8], chunk: usize) -> Run {
    let mut p = XmlParser::new(o).unwrap();
    let mut run = Run {
        records: Vec::new(),
        metas: Vec::new(),
        skips: Vec::new(),
        error: None,
    };
    let drain = |p: &mut XmlParser, run: &mut Run| {
        while let Some(b) = p.take_batch() {
            let v: Vec<serde_json::Value> = serde_json::from_slice(&b).unwrap();
            let meta = p.take_batch_meta();
            assert_eq!(meta.ends.len(), v.len(), "one end offset per record");
            run.records.extend(v);
            run.metas.push(meta);
        }
        run.skips.extend(p.take_skips());
    };
    let mut pieces = doc.chunks(chunk.max(1)).peekable();
    loop {
        let last = pieces.peek().is_none();
        if let Some(c) = pieces.next() {
            p.feed(c);
        }
        loop {
            let status = if last { p.finish() } else { p.run() };
            drain(&mut p, &mut run);
            match status {
                Ok(Status::BatchReady) => {}
                Ok(_) => break,
                Err(e) => {
                    run.error = Some(e);
                    return run;
                }
            }
        }
        if last {
            return run;
        }
    }
}

/// Every record's end offset and the open path there, from the batch metadata.
fn checkpoints(run: &Run) -> Vec<Resume> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    for meta in &run.metas {
        let mut contexts = meta.contexts.iter().peekable();
        for (i, &end) in meta.ends.iter().enumerate() {
            while let Some((_, json)) = contexts.next_if(|(k, _)| *k as usize == i) {
                let v: serde_json::Value = serde_json::from_str(json).unwrap();
                path = v["path"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| Ancestor {
                        name: a["name"].as_str().unwrap().into(),
                        ns: a["ns"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
                            .collect(),
                    })
                    .collect();
            }
            out.push(Resume {
                offset: end,
                path: path.clone(),
                encoding: None,
            });
        }
    }
    out
}

#[test]
#[cfg_attr(
    not(sluice_corpora),
    ignore = "needs ../shared/corpora, absent at build time (`touch build.rs` after adding it)"
)]
fn resumed_after_any_record_gives_the_records_that_followed() {
    let dir = corpus().expect("shared/corpora/ddex not found beside the project");
    for file in [
        "ern-3.8.2/dedex_1199119911991_utf8bom.xml",
        "ern-4.3/1_Audio.xml",
        "ern-3.7/UMG_00602557190298.xml",
    ] {
        let doc = std::fs::read(dir.join(file)).unwrap();
        let full = parse(opts(), &doc, doc.len());
        assert!(full.error.is_none(), "{file}: {:?}", full.error);
        let cps = checkpoints(&full);
        assert_eq!(cps.len(), full.records.len());
        for (n, cp) in cps.iter().enumerate() {
            let rest = &doc[cp.offset as usize..];
            let o = XmlOptions {
                resume: Some(cp.clone()),
                ..opts()
            };
            // Whole, and for a few, byte by byte.
            let sizes: &[usize] = if n % 8 == 0 {
                &[usize::MAX, 1]
            } else {
                &[usize::MAX]
            };
            for &size in sizes {
                let resumed = parse(o.clone(), rest, size);
                assert!(
                    resumed.error.is_none(),
                    "{file} after {n}: {:?}",
                    resumed.error
                );
                assert!(
                    resumed.records == full.records[n + 1..],
                    "{file} resumed after record {n} in {size}-byte chunks"
                );
                // Offsets continue from the checkpoint.
                let ends: Vec<u64> = resumed.metas.iter().flat_map(|m| m.ends.clone()).collect();
                let want: Vec<u64> = cps[n + 1..].iter().map(|c| c.offset).collect();
                assert_eq!(ends, want, "{file} after {n}");
            }
        }
    }
}

#[test]
#[cfg_attr(
    not(sluice_corpora),
    ignore = "needs ../shared/corpora, absent at build time (`touch build.rs` after adding it)"
)]
fn a_corrupted_record_is_skipped_alike_in_any_chunking() {
    let dir = corpus().expect("shared/corpora/ddex not found beside the project");
    let file = "ern-3.7/UMG_00602557190298.xml";
    let doc = std::fs::read(dir.join(file)).unwrap();
    let clean = parse(opts(), &doc, doc.len());
    let text = String::from_utf8(doc.clone()).unwrap();
    // The fifth Deal's first child end tag becomes a mismatch.
    let deal = text.match_indices("<Deal>").nth(4).unwrap().0;
    let inner_end = deal + text[deal..].find("</").unwrap();
    let gt = inner_end + text[inner_end..].find('>').unwrap();
    let bad = [&doc[..gt], b"X", &doc[gt..]].concat();
    let skip = XmlOptions {
        skip_errors: true,
        ..opts()
    };
    let whole = parse(skip.clone(), &bad, bad.len());
    assert!(whole.error.is_none(), "{:?}", whole.error);
    assert_eq!(whole.skips.len(), 1);
    assert_eq!(whole.records.len(), clean.records.len() - 1);
    let dropped = whole.skips[0].1 as usize;
    assert_eq!(clean.records[dropped]["selector"], "Deal");
    let mut want = clean.records.clone();
    want.remove(dropped);
    assert!(whole.records == want);
    for size in [1, 3, 4096] {
        let r = parse(skip.clone(), &bad, size);
        assert!(r.error.is_none(), "{size}: {:?}", r.error);
        assert!(r.records == want, "{size}-byte chunks");
        assert_eq!(r.skips, whole.skips, "{size}-byte chunks");
    }
}

/// Random damage to a real message (bytes overwritten with markup characters, deleted or
/// duplicated): with `skip_errors`, the records, skips and final error are the same whole,
/// in 1-byte and in 5-byte chunks, and nothing panics.
#[test]
#[cfg_attr(
    not(sluice_corpora),
    ignore = "needs ../shared/corpora, absent at build time (`touch build.rs` after adding it)"
)]
fn skipping_is_chunk_invariant_under_random_damage() {
    let dir = corpus().expect("shared/corpora/ddex not found beside the project");
    let doc = std::fs::read(dir.join("ern-4.3/8_DjMix.xml")).unwrap();
    let mut seed = 0x9e37_79b9_u32;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as usize % n
    };
    let o = XmlOptions {
        select: vec!["SoundRecording".into(), "Release".into()],
        tagged: true,
        skip_errors: true,
        ..XmlOptions::default()
    };
    let mut skipped_some = 0;
    for case in 0..120 {
        let mut bad = doc.clone();
        for _ in 0..1 + next(3) {
            let at = next(bad.len());
            match next(3) {
                0 => bad[at] = b"<>/&\"'=x\x01"[next(9)],
                1 => {
                    bad.remove(at);
                }
                _ => {
                    let end = (at + next(40)).min(bad.len());
                    let piece = bad[at..end].to_vec();
                    bad.splice(at..at, piece);
                }
            }
        }
        let whole = parse(o.clone(), &bad, bad.len());
        if whole
            .error
            .as_ref()
            .is_some_and(|e| e.code == sluice::ErrorCode::Internal)
        {
            panic!("case {case}: internal error");
        }
        skipped_some += usize::from(!whole.skips.is_empty());
        for size in [1, 5] {
            let r = parse(o.clone(), &bad, size);
            // Messages may differ: "opened at line…" becomes "opened at byte…" once the
            // start tag's input has been dropped.
            let at = |e: &Option<Error>| e.as_ref().map(|e| (e.code, e.position));
            assert_eq!(
                at(&r.error),
                at(&whole.error),
                "case {case}, {size}-byte chunks"
            );
            assert!(
                r.records == whole.records,
                "case {case}, {size}-byte chunks"
            );
            assert_eq!(r.skips, whole.skips, "case {case}, {size}-byte chunks");
        }
    }
    assert!(
        skipped_some > 10,
        "only {skipped_some} cases skipped a record"
    );
}

#[test]
fn a_record_whose_name_is_too_long_is_skipped_alike_in_any_chunking() {
    let doc = b"<r><WWWWWWWWWWWW a='1'>x</WWWWWWWWWWWW><b>y</b></r>";
    let mut o = XmlOptions {
        select: vec!["/r/*".into()],
        skip_errors: true,
        ..XmlOptions::default()
    };
    o.limits.max_name_length = 8;
    for chunk in [doc.len(), 1, 2, 3, 5, 8] {
        let run = parse(o.clone(), doc, chunk);
        assert_eq!(run.error, None, "chunk {chunk}");
        assert_eq!(run.records, vec![serde_json::json!("y")], "chunk {chunk}");
        assert_eq!(run.skips.len(), 1, "chunk {chunk}");
        let (e, index) = &run.skips[0];
        assert_eq!(
            (e.code, e.position.offset, *index),
            (ErrorCode::NameTooLong, 4, 0)
        );
    }
    // A selector naming what no element may be called is refused up front.
    o.select = vec!["/r/WWWWWWWWWWWW".into()];
    assert_eq!(
        XmlParser::new(o).err().map(|e| e.code),
        Some(ErrorCode::InvalidOption)
    );
}
