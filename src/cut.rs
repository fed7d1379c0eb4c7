//! Cutting a file into parts for [`crate::convert_parts`], natively and before any part
//! starts: the command's plan (lib/split/plan.js makes parseFile's). A cut is only a guess,
//! checked by the parser of the part before it, so this only has to be right often.
//!
//! XML parts start at a start tag a record could have, about `part_bytes` apart, each from
//! the same guessed path. The guess is exact when the first record comes early: the head is
//! scanned forward up to it ([`crate::guess::PathGuess`]). When the first record is far into
//! the file (a catalog with megabytes of other lists first), scanning all that would delay
//! every part; the path is then read backwards from the first cut ([`open_before`]) under
//! the root the forward scan saw.

use std::fs::File;
use std::io;

use memchr::memmem::Finder;
use memchr::{memchr, memchr_iter};

use crate::convert_parts::Part;
use crate::guess::{open_before, PathGuess};
use crate::json::candidates::{learn, Separator};
use crate::xml::Ancestor;

/// Bytes of the head scanned forward for the exact path: at a few hundred MB/s, about a
/// millisecond.
const HEAD_BUDGET: u64 = 512 * 1024;
/// Bytes before the first cut read backwards for the path.
const BACK_WINDOW: u64 = 256 * 1024;
/// Blocks read while looking for a cut: they grow while nothing is found, since the first
/// record may come after megabytes of other elements.
const SCAN_BLOCK: usize = 64 * 1024;
const MAX_SCAN_BLOCK: usize = 256 * 1024;
/// The longest name considered at a cut.
const MAX_NAME: usize = 1024;

/// Reads at `at` without moving a shared cursor, so several threads may read one file.
#[cfg(unix)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    loop {
        match file.read_at(buf, at) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(windows)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    use std::os::windows::fs::FileExt;
    file.seek_read(buf, at)
}

/// Fills `buf` from `at` (less only at the end of the file).
pub(crate) fn read_full(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let k = read_at(file, &mut buf[n..], at + n as u64)?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(n)
}

fn ends_name(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/' | b'<')
}

/// Where a start tag with one of `names` as its local name (any when `None`) begins in
/// `view`, at a `<` before `limit`. `whole_at_end`: a name running to the end of `view` is
/// complete (the file ends there).
fn start_tag(
    view: &[u8],
    limit: usize,
    names: Option<&[Finder]>,
    whole_at_end: bool,
) -> Option<usize> {
    let name_ok = |i: usize, j: usize| {
        j - i <= MAX_NAME
            && match view.get(j) {
                Some(&b) => ends_name(b),
                None => whole_at_end,
            }
    };
    let Some(names) = names else {
        for i in memchr_iter(b'<', &view[..limit]) {
            let Some(&first) = view.get(i + 1) else {
                continue;
            };
            if matches!(first, b'!' | b'?' | b'/') || ends_name(first) {
                continue;
            }
            let j = view[i + 1..]
                .iter()
                .position(|&b| ends_name(b))
                .map_or(view.len(), |k| i + 1 + k);
            if name_ok(i, j) {
                return Some(i);
            }
        }
        return None;
    };
    let mut best: Option<usize> = None;
    for finder in names {
        let len = finder.needle().len();
        for h in finder.find_iter(view) {
            if h == 0 {
                continue;
            }
            // Back to the `<` over a prefix, if any.
            let i = if view[h - 1] == b':' {
                let mut i = h - 1;
                while i > 0 && h - i <= MAX_NAME && !ends_name(view[i - 1]) {
                    i -= 1;
                }
                if i == 0 || view[i - 1] != b'<' || i == h - 1 {
                    continue;
                }
                i - 1
            } else if view[h - 1] == b'<' {
                h - 1
            } else {
                continue;
            };
            if i >= limit || best.is_some_and(|b| i >= b) {
                break;
            }
            let first = view[i + 1];
            if matches!(first, b'!' | b'?' | b'/') || ends_name(first) {
                continue;
            }
            if name_ok(i, h + len) {
                best = Some(i);
                break;
            }
        }
    }
    best
}

/// The first candidate at or after `from`, or `None`.
fn next_start_tag(
    file: &File,
    size: u64,
    from: u64,
    names: Option<&[Finder]>,
    buf: &mut Vec<u8>,
) -> io::Result<Option<u64>> {
    let mut at = from;
    let mut block = SCAN_BLOCK;
    while at < size {
        let want = ((block + MAX_NAME + 2) as u64).min(size - at) as usize;
        // Grown only: zeroing the blocks again for every cut was a fifth of the plan's
        // instructions (callgrind).
        if buf.len() < want {
            buf.resize(want, 0);
        }
        let n = read_full(file, &mut buf[..want], at)?;
        let view = &buf[..n];
        let limit = block.min(n);
        if let Some(i) = start_tag(view, limit, names, at + n as u64 >= size) {
            return Ok(Some(at + i as u64));
        }
        if n == 0 {
            break;
        }
        at += limit as u64;
        block = (block * 2).min(MAX_SCAN_BLOCK);
    }
    Ok(None)
}

/// Bytes from a cut at `at` to where the next is looked for. The last two parts' worth is cut
/// four times finer: the threads then run out of parts within about an eighth of a part of
/// each other, not up to a whole part.
fn step(part_bytes: u64, at: u64, size: u64) -> u64 {
    if size - at.min(size) <= 2 * part_bytes {
        (part_bytes / 4).max(1)
    } else {
        part_bytes
    }
}

/// When the records end well before the file (a trailer of other elements where no cut is
/// made, such as a DDEX message's DealList), `step` never saw the end coming: the last two
/// parts' worth before the last cut is cut four times finer here, as `step` cuts the end of
/// a file whose records run to its end. The trailer itself stays one part.
fn finer_before_trailer(
    file: &File,
    size: u64,
    names: Option<&[Finder]>,
    part_bytes: u64,
    cuts: &mut Vec<u64>,
    buf: &mut Vec<u8>,
) -> io::Result<()> {
    let Some(&last) = cuts.last() else {
        return Ok(());
    };
    if size - last <= 2 * part_bytes {
        return Ok(());
    }
    let fine = (part_bytes / 4).max(1);
    // From the last cut at or before two parts' worth before the last one.
    let start_fine = last.saturating_sub(2 * part_bytes);
    let keep = cuts.partition_point(|&c| c <= start_fine).saturating_sub(1);
    let mut refined = cuts[..=keep].to_vec();
    let mut from = cuts[keep] + fine;
    while from < last {
        match next_start_tag(file, size, from, names, buf)? {
            Some(c) if c < last => {
                refined.push(c);
                from = c + fine;
            }
            _ => break,
        }
    }
    if refined.last() != Some(&last) {
        refined.push(last);
    }
    *cuts = refined;
    Ok(())
}

/// One part covering the whole file, from its known state.
fn whole(size: u64) -> Vec<Part> {
    vec![Part {
        start: 0,
        end: size,
        guess: None,
    }]
}

/// Parts from cut offsets, every one after the first with `guess`.
fn parts_at(size: u64, cuts: &[u64], guess: Option<Vec<Ancestor>>) -> Vec<Part> {
    let mut parts = whole(size);
    for &c in cuts {
        if let Some(last) = parts.last_mut() {
            last.end = c;
        }
        parts.push(Part {
            start: c,
            end: size,
            guess: guess.clone(),
        });
    }
    parts
}

/// The XML file's parts, about `part_bytes` apart at start tags whose local name is one of
/// `names` (any when `None`). One part when the file is too small to cut, has no
/// candidate, or cannot start from a guess (a DOCTYPE, another encoding than UTF-8).
pub fn plan_xml(file: &File, names: Option<&[String]>, part_bytes: u64) -> io::Result<Vec<Part>> {
    let size = file.metadata()?.len();
    let part_bytes = part_bytes.max(1);
    if size < part_bytes.saturating_mul(2) {
        return Ok(whole(size));
    }
    let finders: Option<Vec<Finder>> = names.map(|n| {
        n.iter()
            .map(|s| Finder::new(s.as_bytes()).into_owned())
            .collect()
    });
    let mut buf = Vec::new();
    let mut cuts = Vec::new();
    let mut from = part_bytes;
    while from < size {
        let Some(c) = next_start_tag(file, size, from, finders.as_deref(), &mut buf)? else {
            break;
        };
        cuts.push(c);
        from = c + step(part_bytes, c, size);
    }
    let Some(&first_cut) = cuts.first() else {
        return Ok(whole(size));
    };
    finer_before_trailer(
        file,
        size,
        finders.as_deref(),
        part_bytes,
        &mut cuts,
        &mut buf,
    )?;

    let mut head = PathGuess::new(names.map(<[String]>::to_vec));
    let mut chunk = vec![0u8; 64 * 1024];
    let mut at = 0u64;
    let mut done = false;
    while at < HEAD_BUDGET.min(first_cut) {
        let n = read_at(file, &mut chunk, at)?;
        if n == 0 {
            break;
        }
        at += n as u64;
        if head.feed(&chunk[..n]) {
            done = true;
            break;
        }
    }
    if head.gave_up() {
        return Ok(whole(size));
    }
    let guess = if done {
        head.finish()
    } else {
        let root = head.root();
        let back = first_cut.saturating_sub(BACK_WINDOW);
        buf.resize((first_cut - back) as usize, 0);
        let n = read_full(file, &mut buf, back)?;
        match (open_before(&buf[..n]), root) {
            (Some(path), _) if back == 0 => Some(path),
            (Some(path), Some(root)) => Some(std::iter::once(root).chain(path).collect()),
            _ => None,
        }
    };
    Ok(match guess {
        Some(g) if !g.is_empty() => parts_at(size, &cuts, Some(g)),
        _ => whole(size),
    })
}

/// The NDJSON file's parts, about `part_bytes` apart at line starts. A line starting with a
/// byte order mark's first byte is never a cut: a fresh parser would read it as one.
pub fn plan_ndjson(file: &File, part_bytes: u64) -> io::Result<Vec<Part>> {
    let size = file.metadata()?.len();
    let part_bytes = part_bytes.max(1);
    if size < part_bytes.saturating_mul(2) {
        return Ok(whole(size));
    }
    let mut cuts = Vec::new();
    let mut buf = vec![0u8; SCAN_BLOCK + 1];
    let mut from = part_bytes;
    'cuts: while from < size {
        // A line starts after a `\n`: look from the byte before `from`.
        let mut at = from - 1;
        loop {
            let n = read_full(file, &mut buf, at)?;
            if n == 0 {
                break 'cuts;
            }
            let mut i = 0;
            while let Some(k) = memchr(b'\n', &buf[i..n.min(SCAN_BLOCK)]) {
                let start = at + (i + k) as u64 + 1;
                i += k + 1;
                if start >= size {
                    break 'cuts;
                }
                // The byte after the `\n` is in `buf`: one more than the block was read.
                if i < n && matches!(buf[i], 0xEF | 0xFE | 0xFF) {
                    continue;
                }
                cuts.push(start);
                from = start + step(part_bytes, start, size);
                continue 'cuts;
            }
            if n <= SCAN_BLOCK {
                break 'cuts;
            }
            at += SCAN_BLOCK as u64;
        }
    }
    Ok(parts_at(size, &cuts, Some(Vec::new())))
}

/// Bytes of a JSON document's head read for the separator of its first two elements.
const JSON_HEAD: u64 = 4 * 1024 * 1024;

/// The JSON document's cuts, about `part_bytes` apart between two elements of the array at
/// `keys` (see [`crate::json::candidates`]). Empty when the file is too small to cut or its
/// head shows no two elements of that array.
pub fn json_cuts(file: &File, keys: &[Vec<u8>], part_bytes: u64) -> io::Result<Vec<u64>> {
    let size = file.metadata()?.len();
    let part_bytes = part_bytes.max(1);
    if size < part_bytes.saturating_mul(2) {
        return Ok(Vec::new());
    }
    // The first two elements usually come within a few KiB: the head is read in growing
    // pieces, not all 4 MiB at once.
    let mut head = Vec::new();
    let mut want = SCAN_BLOCK as u64;
    let sep = loop {
        let had = head.len();
        let to = want.min(JSON_HEAD).min(size) as usize;
        head.resize(to, 0);
        let n = read_full(file, &mut head[had..], had as u64)?;
        head.truncate(had + n);
        if let Some(sep) = learn(&head, keys) {
            break sep;
        }
        if n == 0 || head.len() as u64 >= JSON_HEAD.min(size) {
            return Ok(Vec::new());
        }
        want *= 4;
    };
    drop(head);
    // The first two elements' separator; where it is not found within two parts' worth (the
    // elements are not all alike), the same without the next element's first key, then any
    // `,` with the white space after it.
    let comma = Separator {
        needle: b",".to_vec(),
        at: 1,
    };
    let tries = [sep.clone(), sep.short(), comma];
    let mut buf = Vec::new();
    let mut cuts = Vec::new();
    let mut from = part_bytes;
    'cuts: while from < size {
        for t in &tries {
            let window = 2 * part_bytes.max(SCAN_BLOCK as u64);
            if let Some(c) = separated(file, size, t, from, window, &mut buf)? {
                cuts.push(c);
                from = c + step(part_bytes, c, size);
                continue 'cuts;
            }
        }
        break;
    }
    Ok(cuts)
}

/// The first cut at `sep` at or after `from` and before `from + window` (white space after a
/// bare `,` is passed over: a part starts at the element's first byte).
fn separated(
    file: &File,
    size: u64,
    sep: &Separator,
    from: u64,
    window: u64,
    buf: &mut Vec<u8>,
) -> io::Result<Option<u64>> {
    let finder = Finder::new(&sep.needle);
    let len = sep.needle.len();
    // The separator starts before the element, up to `at` bytes before `from`.
    let mut at = from.saturating_sub(sep.at as u64);
    let mut block = SCAN_BLOCK;
    while at < size && at < from + window {
        let want = ((block + len + 64) as u64).min(size - at) as usize;
        if buf.len() < want {
            buf.resize(want, 0);
        }
        let n = read_full(file, &mut buf[..want], at)?;
        let view = &buf[..n];
        if let Some(i) = finder.find(view).filter(|&i| i < block) {
            let mut c = i + sep.at;
            if sep.needle == b"," {
                while c < n && matches!(view[c], b' ' | b'\t' | b'\n' | b'\r') {
                    c += 1;
                }
            }
            let c = at + c as u64;
            return Ok((c < size && c >= from).then_some(c));
        }
        if n < want || n <= len {
            break;
        }
        at += block as u64;
        block = (block * 2).min(MAX_SCAN_BLOCK);
    }
    Ok(None)
}

/// The JSON document's parts (see [`json_cuts`]): each after the first starts between two
/// elements, a state the parser takes from the options, so its guess is empty.
pub fn plan_json(file: &File, keys: &[Vec<u8>], part_bytes: u64) -> io::Result<Vec<Part>> {
    let size = file.metadata()?.len();
    let cuts = json_cuts(file, keys, part_bytes)?;
    Ok(parts_at(size, &cuts, Some(Vec::new())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(name: &str, doc: &[u8]) -> (File, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!("sluice-cut-{}-{name}", std::process::id()));
        std::fs::write(&path, doc).unwrap();
        (File::open(&path).unwrap(), path)
    }

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    /// The exact path at the first record, from scanning the whole head.
    fn exact(doc: &[u8], n: &[&str]) -> Option<Vec<Ancestor>> {
        let mut g = PathGuess::new(Some(names(n)));
        g.feed(doc);
        g.finish()
    }

    fn catalog(head_items: usize, records: usize) -> String {
        let mut doc = String::from(
            "<?xml version=\"1.0\"?>\n<ern:M xmlns:ern=\"urn:e\" a='1'>\n<H><Release x=\"no\"/></H>\n<Res>\n",
        );
        for i in 0..head_items {
            doc.push_str(&format!(
                "<Item n=\"{i}\"><ReleaseRef>R{i}</ReleaseRef><!-- </Res> --><b/></Item>\n"
            ));
        }
        doc.push_str("</Res>\n<L xmlns:x=\"urn:x\"><Other/>\n");
        for i in 0..records {
            doc.push_str(&format!("<Release id=\"{i}\"><t>T {i}</t></Release>\n"));
        }
        doc.push_str("</L></ern:M>\n");
        doc
    }

    #[test]
    fn cuts_at_records_about_part_bytes_apart() {
        let doc = catalog(10, 2000);
        let (f, path) = file_of("cuts", doc.as_bytes());
        let parts = plan_xml(&f, Some(&names(&["Release"])), 4096).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(parts.len() > 5, "{}", parts.len());
        assert_eq!(parts[0].start, 0);
        assert_eq!(parts.last().unwrap().end, doc.len() as u64);
        for w in parts.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            let left = doc.len() as u64 - w[0].start;
            assert!(w[1].start - w[0].start >= if left <= 2 * 4096 { 1024 } else { 4096 });
            assert!(doc[w[1].start as usize..].starts_with("<Release id="));
        }
        // The H/Release of the head is the first record, so the exact guess is H's path:
        // wrong for the cuts, which the parts' check catches.
        let want = exact(doc.as_bytes(), &["Release"]);
        assert_eq!(parts[1].guess, want);
    }

    #[test]
    fn cut_finer_before_a_trailer() {
        let mut doc = catalog(10, 2000);
        let trailer: String = (0..3000)
            .map(|i| format!("<Deal><ReleaseRef>R{i}</ReleaseRef><DealRelease/></Deal>\n"))
            .collect();
        doc = doc.replace(
            "</L></ern:M>",
            &format!("</L><Deals>{trailer}</Deals></ern:M>"),
        );
        let (f, path) = file_of("trailer", doc.as_bytes());
        let part = 4096u64;
        let parts = plan_xml(&f, Some(&names(&["Release"])), part).unwrap();
        let _ = std::fs::remove_file(&path);
        let last = parts.last().unwrap();
        // The trailer is one part: no record starts in it.
        assert!(doc[last.start as usize..].starts_with("<Release id="));
        assert!(last.end - last.start > doc.len() as u64 - doc.find("<Deals>").unwrap() as u64);
        let cuts: Vec<u64> = parts[1..].iter().map(|p| p.start).collect();
        let fine = cuts.iter().filter(|&&c| c + 2 * part >= last.start).count();
        // Two parts' worth before the last cut, in quarter parts.
        assert!(fine >= 7, "{fine} cuts near the end: {cuts:?}");
        for w in cuts.windows(2) {
            let gap = w[1] - w[0];
            assert!(gap >= part / 4, "{gap}");
            if w[1] + 2 * part < last.start {
                assert!(gap >= part, "{gap} at {}", w[0]);
            }
        }
    }

    #[test]
    fn a_far_first_record_is_guessed_backwards_under_the_root() {
        let mut doc = catalog(20_000, 3000);
        doc = doc.replace("<H><Release x=\"no\"/></H>\n", "");
        let (f, path) = file_of("far", doc.as_bytes());
        let parts = plan_xml(&f, Some(&names(&["Release"])), 64 * 1024).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(HEAD_BUDGET < doc.find("<L ").unwrap() as u64);
        assert!(parts.len() > 2);
        let want = exact(doc.as_bytes(), &["Release"]).unwrap();
        assert_eq!(want.len(), 2);
        assert_eq!(parts[1].guess.as_ref(), Some(&want));
    }

    #[test]
    fn one_part_where_no_guess_can_hold() {
        for doc in [
            format!("<!DOCTYPE m>{}", catalog(10, 2000)),
            "<m>".to_string() + &"<a/>".repeat(5000) + "</m>",
        ] {
            let (f, path) = file_of("one", doc.as_bytes());
            let parts = plan_xml(&f, Some(&names(&["Release"])), 4096).unwrap();
            let _ = std::fs::remove_file(&path);
            assert_eq!(parts.len(), 1);
            assert_eq!((parts[0].start, parts[0].end), (0, doc.len() as u64));
        }
    }

    #[test]
    fn any_start_tag_without_names() {
        let doc = catalog(10, 2000);
        let (f, path) = file_of("any", doc.as_bytes());
        let parts = plan_xml(&f, None, 4096).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(parts.len() > 5);
        for p in &parts[1..] {
            let at = &doc[p.start as usize..];
            assert!(
                at.starts_with('<') && !at.starts_with("</"),
                "{}",
                &at[..10]
            );
        }
    }

    #[test]
    fn backwards_skips_closed_siblings() {
        let w = br#"<a xmlns:p="u"><b><c x="1>2"/><d>t</d><p:e><f/>"#;
        let got = open_before(w).unwrap();
        let names: Vec<_> = got.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "p:e"]);
        assert_eq!(got[0].ns, vec![("p".to_string(), "u".to_string())]);
    }

    #[test]
    fn ndjson_cuts_at_line_starts() {
        let mut doc = String::new();
        for i in 0..3000 {
            doc.push_str(&format!("{{\"i\":{i},\"s\":\"{}\"}}\n", "x".repeat(i % 50)));
        }
        let (f, path) = file_of("nd", doc.as_bytes());
        let parts = plan_ndjson(&f, 4096).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(parts.len() > 5);
        for w in parts.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            assert_eq!(doc.as_bytes()[w[1].start as usize - 1], b'\n');
        }
        assert_eq!(parts.last().unwrap().end, doc.len() as u64);
    }

    #[test]
    fn json_cuts_at_elements_of_the_selected_array() {
        let keys = vec![b"items".to_vec()];
        // Alike elements: every cut is at one, after the learned separator; look-alike arrays
        // before, inside and after them are not cut.
        let mut doc = String::from("{\"x\":{\"items\":[{\"id\":0},{\"id\":1}]},\"items\": [\n");
        for i in 0..3000 {
            if i > 0 {
                doc.push_str(",\n  ");
            }
            doc.push_str(&format!(
                "{{\"id\":{i},\"n\":[{{\"id\":1}},{{\"id\":2}}],\"s\":\"caf\u{e9}\"}}"
            ));
        }
        doc.push_str("\n], \"after\": {\"items\":[{\"id\":0},{\"id\":1}]}}");
        let (f, path) = file_of("json", doc.as_bytes());
        let cuts = json_cuts(&f, &keys, 4096).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(cuts.len() > 10, "{}", cuts.len());
        for &c in &cuts {
            assert!(doc[..c as usize].ends_with("},\n  "), "{c}");
            assert!(doc[c as usize..].starts_with("{\"id\":"), "{c}");
        }
        // Elements not alike: the looser separators still cut.
        let mut mixed = String::from("[");
        for i in 0..3000 {
            if i > 0 {
                mixed.push(',');
            }
            match i % 3 {
                0 => mixed.push_str(&format!("{{\"a\":{i}}}")),
                1 => mixed.push_str(&format!("[{i},\"x\"]")),
                _ => mixed.push_str(&format!("{{\"b\":\"{i}\"}}")),
            }
        }
        mixed.push(']');
        let (f, path) = file_of("json-mixed", mixed.as_bytes());
        let cuts = json_cuts(&f, &[], 4096).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(cuts.len() > 5, "{}", cuts.len());
        // Too small, or no such array: no cut.
        let (f, path) = file_of("json-none", mixed.as_bytes());
        assert!(json_cuts(&f, &keys, 4096).unwrap().is_empty());
        assert!(json_cuts(&f, &[], 1 << 20).unwrap().is_empty());
        let _ = std::fs::remove_file(&path);
    }
}
