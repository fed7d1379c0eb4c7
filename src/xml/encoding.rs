//! Input encodings. The engine only ever parses UTF-8, so this module finds out what a document
//! is encoded in (byte order mark, then the XML declaration's `encoding=`) and turns every
//! chunk into UTF-8 before the engine sees it. UTF-8 input is handed on as it came: no copy.
//!
//! Users seek in the original bytes, so decoded offsets are mapped back to source offsets by
//! summing the source width of each decoded character: exact for UTF-8, US-ASCII, ISO-8859-1,
//! every single-byte encoding and UTF-16, whose widths follow from the character alone, and
//! for the multi-byte legacy encodings wherever a character has one byte form (see
//! `legacy_width`).

use std::collections::VecDeque;

use bytes::BytesMut;
use encoding_rs::{
    CoderResult, Decoder, DecoderResult, EncoderResult, Encoding, EUC_JP, GB18030, GBK,
    ISO_2022_JP, SHIFT_JIS, UTF_16BE, UTF_16LE, UTF_8,
};

use crate::error::{Error, ErrorCode, Position};
use crate::pool::Pool;

/// What to do with bytes the document's encoding does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncodingErrors {
    /// Stop with `ERR_SLUICE_XML_ENCODING`.
    #[default]
    Fatal,
    /// Put U+FFFD in their place and go on.
    Replace,
}

/// The encoding a document was found to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    Utf8,
    /// Strict 7-bit ASCII: WHATWG reads the label as windows-1252, XML means ASCII.
    Ascii,
    /// True ISO-8859-1 (0x80–0x9F are C1 controls), not WHATWG's windows-1252 alias.
    Latin1,
    Utf16(&'static Encoding),
    Other(&'static Encoding),
}

impl Chosen {
    pub fn name(self) -> &'static str {
        match self {
            Chosen::Utf8 => "UTF-8",
            Chosen::Ascii => "US-ASCII",
            Chosen::Latin1 => "ISO-8859-1",
            Chosen::Utf16(e) | Chosen::Other(e) => e.name(),
        }
    }
}

/// What a declared label stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Utf8,
    /// `UTF-16` (`None`: either byte order) or an explicit `UTF-16LE`/`UTF-16BE`.
    Utf16(Option<&'static Encoding>),
    Ascii,
    Latin1,
    Other(&'static Encoding),
}

fn resolve(label: &str) -> Option<Label> {
    let l = label.trim().to_ascii_lowercase();
    const ASCII: &[&str] = &[
        "us-ascii",
        "ascii",
        "iso-ir-6",
        "ansi_x3.4-1968",
        "ansi_x3.4-1986",
        "iso_646.irv:1991",
        "iso646-us",
        "us",
        "ibm367",
        "cp367",
        "csascii",
    ];
    const LATIN1: &[&str] = &[
        "iso-8859-1",
        "iso8859-1",
        "iso_8859-1",
        "iso_8859-1:1987",
        "iso88591",
        "latin1",
        "l1",
        "iso-ir-100",
        "cp819",
        "ibm819",
        "csisolatin1",
    ];
    if ASCII.contains(&l.as_str()) {
        return Some(Label::Ascii);
    }
    if LATIN1.contains(&l.as_str()) {
        return Some(Label::Latin1);
    }
    if matches!(
        l.as_str(),
        "utf-16" | "utf16" | "unicode" | "ucs-2" | "iso-10646-ucs-2"
    ) {
        return Some(Label::Utf16(None));
    }
    // The replacement encoding stands for ISO-2022-KR, HZ and friends: nothing to decode with.
    let e = Encoding::for_label_no_replacement(l.as_bytes())?;
    Some(if e == UTF_8 {
        Label::Utf8
    } else if e == UTF_16LE || e == UTF_16BE {
        Label::Utf16(Some(e))
    } else {
        Label::Other(e)
    })
}

/// Checks a declared encoding against the one the document was decoded with. Sniffing has
/// normally settled this already; this catches declarations it could not read (over-long ones).
pub fn check_declared(label: &str, chosen: Chosen) -> Result<(), String> {
    let ok = match (resolve(label), chosen) {
        (None, _) => return Err(unsupported(label)),
        (Some(Label::Utf8 | Label::Ascii), Chosen::Utf8) => true,
        (Some(Label::Utf16(None)), Chosen::Utf16(_)) => true,
        (Some(Label::Utf16(Some(a))), Chosen::Utf16(b)) => a == b,
        (Some(Label::Ascii), Chosen::Ascii) | (Some(Label::Latin1), Chosen::Latin1) => true,
        (Some(Label::Other(a)), Chosen::Other(b)) => a == b,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "declared encoding {label:?} differs from the {} the document was read as",
            chosen.name()
        ))
    }
}

fn unsupported(label: &str) -> String {
    format!("declared encoding {label:?} is not supported")
}

/// A problem found while decoding, at an exact decoded and source offset.
#[derive(Debug, Clone)]
struct Undecodable {
    dec: u64,
    src: u64,
    message: String,
}

enum Stage {
    /// Raw bytes held until the BOM and declaration have told the encoding.
    Sniffing(BytesMut),
    Passthrough,
    Decoding(Transcoder),
    /// Decoding stopped at undecodable bytes; later input is only counted.
    Stopped,
}

/// The raw side of the input: sniffs, decodes, and maps decoded offsets back.
pub(crate) struct Source {
    stage: Stage,
    errors: EncodingErrors,
    chosen: Chosen,
    /// Raw bytes fed.
    fed: u64,
    /// Source offset of the first byte fed (non-zero when resuming).
    start: u64,
    /// Raw bytes handed to the decoder.
    consumed: u64,
    finished: bool,
    sniff_error: Option<Error>,
    undecodable: Option<Undecodable>,
    /// The last raw bytes decoded, to name a bad sequence begun in an earlier chunk.
    tail: Vec<u8>,
    /// Exact (decoded, source) offsets of the start of the held decoded input, and of earlier
    /// starts, oldest first, for offsets already dropped.
    sync: (u64, u64),
    history: VecDeque<(u64, u64)>,
}

/// Longest malformed sequence encoding_rs reports, with the bytes read after it.
const TAIL: usize = 8;
/// Sync points kept for offsets before the held input.
const HISTORY: usize = 4096;
/// A declaration longer than this is not read by the sniffer (the parser still checks it).
const MAX_DECL_UNITS: usize = 1024;

impl Source {
    pub(crate) fn new(errors: EncodingErrors) -> Self {
        Source {
            stage: Stage::Sniffing(BytesMut::new()),
            errors,
            chosen: Chosen::Utf8,
            fed: 0,
            start: 0,
            consumed: 0,
            finished: false,
            sniff_error: None,
            undecodable: None,
            tail: Vec::new(),
            sync: (0, 0),
            history: VecDeque::new(),
        }
    }

    /// A source that starts at `offset` of an input already known to be in `label`
    /// (resuming from a checkpoint): no BOM or declaration to sniff.
    pub(crate) fn resumed(
        label: Option<&str>,
        errors: EncodingErrors,
        offset: u64,
    ) -> Result<Self, String> {
        let label = label.unwrap_or("UTF-8");
        let chosen = match resolve(label) {
            None => {
                return Err(format!(
                    "was taken on {label} input, which sluice cannot decode"
                ))
            }
            Some(Label::Utf8) => Chosen::Utf8,
            Some(Label::Ascii) => Chosen::Ascii,
            Some(Label::Latin1) => Chosen::Latin1,
            Some(Label::Utf16(Some(e))) => Chosen::Utf16(e),
            Some(Label::Other(e)) if e != ISO_2022_JP => Chosen::Other(e),
            Some(_) => {
                return Err(format!(
                    "was taken on {label} input, which cannot be resumed mid-document \
                     (a stateful encoding, or UTF-16 without its byte order)"
                ))
            }
        };
        let mut source = Source::new(errors);
        source.chosen = chosen;
        source.stage = match chosen {
            Chosen::Utf8 => Stage::Passthrough,
            _ => Stage::Decoding(Transcoder::new(chosen)),
        };
        source.start = offset;
        source.consumed = offset;
        source.sync = (offset, offset);
        Ok(source)
    }

    /// Takes one raw chunk. Returns UTF-8 to append to the input, if any; `dec_end` is the
    /// decoded offset that text will start at.
    pub(crate) fn push(
        &mut self,
        chunk: BytesMut,
        pool: &mut Pool,
        dec_end: u64,
    ) -> Option<BytesMut> {
        self.fed += chunk.len() as u64;
        match &mut self.stage {
            Stage::Passthrough => Some(chunk),
            Stage::Decoding(_) => self.decode(chunk, false, pool, dec_end),
            Stage::Stopped => {
                pool.give(chunk);
                None
            }
            Stage::Sniffing(held) => {
                if held.is_empty() {
                    pool.give(std::mem::replace(held, chunk));
                } else {
                    held.extend_from_slice(&chunk);
                    pool.give(chunk);
                }
                self.sniff(false, pool, dec_end)
            }
        }
    }

    /// End of input: whatever sniffing or a decoder still holds. Only acts once.
    pub(crate) fn finish(&mut self, pool: &mut Pool, dec_end: u64) -> Option<BytesMut> {
        if self.finished {
            return None;
        }
        self.finished = true;
        match self.stage {
            Stage::Sniffing(_) => self.sniff(true, pool, dec_end),
            Stage::Decoding(_) => self.decode(BytesMut::new(), true, pool, dec_end),
            Stage::Passthrough | Stage::Stopped => None,
        }
    }

    /// Whether the encoding is known (and the engine may start).
    pub(crate) fn settled(&self) -> bool {
        !matches!(self.stage, Stage::Sniffing(_))
    }

    pub(crate) fn chosen(&self) -> Chosen {
        self.chosen
    }

    pub(crate) fn fed(&self) -> u64 {
        self.fed
    }

    /// An unusable declared encoding, positioned in the source.
    pub(crate) fn sniff_error(&self) -> Option<&Error> {
        self.sniff_error.as_ref()
    }

    /// The decoded offset at which undecodable bytes stopped decoding, and why.
    pub(crate) fn undecodable(&self) -> Option<(u64, &str)> {
        self.undecodable
            .as_ref()
            .map(|u| (u.dec, u.message.as_str()))
    }

    /// Accounts for decoded input about to be dropped from the front of the held input.
    pub(crate) fn dropping(&mut self, dropped: &[u8]) {
        if self.is_identity() || dropped.is_empty() {
            return;
        }
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(self.sync);
        self.sync.0 += dropped.len() as u64;
        self.sync.1 += self.width(dropped);
    }

    /// The source offset of decoded offset `dec`; `held` is the decoded input from the last
    /// sync point (`sync.0`) on.
    pub(crate) fn to_source(&self, dec: u64, held: &[u8]) -> u64 {
        if self.is_identity() {
            return dec;
        }
        if let Some(u) = &self.undecodable {
            if u.dec == dec {
                return u.src;
            }
        }
        let (d0, s0) = self.sync;
        if dec >= d0 {
            let rel = usize::try_from(dec - d0)
                .unwrap_or(usize::MAX)
                .min(held.len());
            // Once all input is decoded its end is known exactly, whatever the estimates
            // (or a U+FFFD for a lone odd byte) say.
            let end = self.start + self.fed;
            if rel == held.len() && self.finished && !matches!(self.stage, Stage::Stopped) {
                return end;
            }
            return (s0 + self.width(&held[..rel])).min(end);
        }
        // Dropped already: exact at the sync points, proportional between them.
        let next = self.history.iter().position(|&(d, _)| d > dec);
        let (a, b) = match next {
            Some(0) => return self.history.front().map_or(dec, |&(_, s)| s),
            Some(i) => (self.history[i - 1], self.history[i]),
            None => (self.history.back().copied().unwrap_or((0, 0)), self.sync),
        };
        let span = u128::from((b.0 - a.0).max(1));
        let part = u128::from(dec - a.0) * u128::from(b.1 - a.1) / span;
        a.1 + u64::try_from(part).unwrap_or(b.1 - a.1)
    }

    /// [`Source::to_source`] on each offset, for offsets within `held`.
    pub(crate) fn map_in_place(&self, offsets: &mut [u64], held: &[u8]) {
        if !self.is_identity() {
            for o in offsets {
                *o = self.to_source(*o, held);
            }
        }
    }

    fn is_identity(&self) -> bool {
        matches!(self.chosen, Chosen::Utf8)
    }

    /// Source bytes taken by the decoded text `s`.
    fn width(&self, s: &[u8]) -> u64 {
        match self.chosen {
            Chosen::Utf8 => s.len() as u64,
            Chosen::Ascii | Chosen::Latin1 => lead_bytes(s),
            Chosen::Other(e) if e.is_single_byte() => lead_bytes(s),
            Chosen::Utf16(_) => {
                // Characters beyond the BMP take four UTF-8 bytes and a surrogate pair.
                s.iter()
                    .map(|&b| match b {
                        0xF0.. => 4,
                        0x80..=0xBF => 0,
                        _ => 2,
                    })
                    .sum()
            }
            Chosen::Other(e) => valid_prefix(s).chars().map(|c| legacy_width(e, c)).sum(),
        }
    }

    fn sniff(&mut self, at_eof: bool, pool: &mut Pool, dec_end: u64) -> Option<BytesMut> {
        let Stage::Sniffing(held) = &self.stage else {
            return None;
        };
        let decision = match sniff(held, at_eof) {
            Sniff::Wait => return None,
            Sniff::Decided(d) => d,
        };
        let held = match std::mem::replace(&mut self.stage, Stage::Passthrough) {
            Stage::Sniffing(h) => h,
            _ => BytesMut::new(),
        };
        match decision {
            Err(e) => {
                self.sniff_error = Some(e);
                self.stage = Stage::Stopped;
                pool.give(held);
                None
            }
            Ok(Chosen::Utf8) => Some(held),
            Ok(chosen) => {
                self.chosen = chosen;
                self.stage = Stage::Decoding(Transcoder::new(chosen));
                self.decode(held, at_eof, pool, dec_end)
            }
        }
    }

    fn decode(
        &mut self,
        chunk: BytesMut,
        last: bool,
        pool: &mut Pool,
        dec_end: u64,
    ) -> Option<BytesMut> {
        let Stage::Decoding(t) = &mut self.stage else {
            pool.give(chunk);
            return None;
        };
        let (out, fault) = t.decode(&chunk, last, self.errors, pool);
        if let Some(f) = fault {
            // The bad sequence, and the bytes read after it, may have begun in earlier chunks.
            let mut seen = self.tail.clone();
            seen.extend_from_slice(chunk.get(..f.read).unwrap_or_default());
            let end = seen.len().saturating_sub(f.extra);
            let start = end.saturating_sub(f.bad);
            let seen_at = self.consumed.saturating_sub(self.tail.len() as u64);
            self.undecodable = Some(Undecodable {
                dec: dec_end + out.len() as u64,
                src: seen_at + start as u64,
                message: undecodable_message(seen.get(start..end).unwrap_or_default(), self.chosen),
            });
            self.stage = Stage::Stopped;
        }
        self.consumed += chunk.len() as u64;
        // Keep the last TAIL raw bytes seen, across chunks of any size.
        self.tail
            .extend_from_slice(&chunk[chunk.len().saturating_sub(TAIL)..]);
        let excess = self.tail.len().saturating_sub(TAIL);
        self.tail.drain(..excess);
        pool.give(chunk);
        Some(out)
    }
}

fn undecodable_message(bytes: &[u8], chosen: Chosen) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("0x{b:02X}")).collect();
    let name = chosen.name();
    match hex.len() {
        1 => format!("byte {} is not valid {name}", hex.join(" ")),
        _ => format!("bytes {} are not valid {name}", hex.join(" ")),
    }
}

/// Counts characters by their UTF-8 lead bytes.
fn lead_bytes(s: &[u8]) -> u64 {
    s.iter().filter(|&&b| (b as i8) >= -0x40).count() as u64
}

fn valid_prefix(s: &[u8]) -> &str {
    match std::str::from_utf8(s) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&s[..e.valid_up_to()]).unwrap_or_default(),
    }
}

/// Source width of `c` in a multi-byte legacy encoding, which is what that encoding's encoder
/// writes for it wherever the decoder has one byte sequence per character: ASCII is one byte
/// everywhere; Shift_JIS's half-width katakana and U+0080 are one, its other characters two;
/// EUC-KR and Big5 two; EUC-JP two, or three for JIS X 0212 (which its encoder leaves out);
/// gb18030/GBK two or four, as the encoder says, and `€` one byte (0x80) in GBK, two in
/// gb18030. Not modelled: `€` written the other way; Big5 byte pairs that decode to two characters; ISO-2022-JP's
/// escape sequences (its characters are counted two bytes); U+FFFD from `'replace'`.
fn legacy_width(e: &'static Encoding, c: char) -> u64 {
    let cp = c as u32;
    if cp < 0x80 {
        return 1;
    }
    if e == SHIFT_JIS {
        return if cp == 0x80 || (0xFF61..=0xFF9F).contains(&cp) {
            1
        } else {
            2
        };
    }
    if e == EUC_JP && (0xFF61..=0xFF9F).contains(&cp) {
        return 2;
    }
    if cp == 0x20AC && (e == GBK || e == GB18030) {
        // Both decode 0x80 and A2 E3 to `€`; each encoder writes one of them.
        return if e == GBK { 1 } else { 2 };
    }
    if (e == EUC_JP || e == GB18030 || e == GBK) && cp != 0xFFFD {
        let (mut utf8, mut out) = ([0u8; 4], [0u8; 8]);
        let s = c.encode_utf8(&mut utf8);
        let encoder = if e == GBK { GB18030 } else { e };
        let (result, _, written) = encoder
            .new_encoder()
            .encode_from_utf8_without_replacement(s, &mut out, true);
        return match result {
            EncoderResult::InputEmpty => written as u64,
            // EUC-JP decodes JIS X 0212 from three bytes but never encodes it.
            _ if e == EUC_JP => 3,
            _ => 4,
        };
    }
    2
}

enum Sniff {
    Wait,
    Decided(Result<Chosen, Error>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Utf8Bom,
    Utf16(&'static Encoding),
    Bytes,
}

/// Reads the BOM and declaration from the first bytes, in their own code units (bytes, or
/// 16-bit units for UTF-16), which is all the declaration needs: it is ASCII.
fn sniff(h: &[u8], at_eof: bool) -> Sniff {
    if h.len() < 4 && !at_eof {
        return Sniff::Wait;
    }
    let (family, bom) = match h {
        [0xEF, 0xBB, 0xBF, ..] => (Family::Utf8Bom, 3),
        [0xFF, 0xFE, ..] => (Family::Utf16(UTF_16LE), 2),
        [0xFE, 0xFF, ..] => (Family::Utf16(UTF_16BE), 2),
        // `<?` as XML's appendix F has it, or any other `<` and ASCII character: NUL is never
        // valid XML, so no UTF-8 document starts like this.
        [b'<', 0, c, 0, ..] if *c != 0 => (Family::Utf16(UTF_16LE), 0),
        [0, b'<', 0, c, ..] if *c != 0 => (Family::Utf16(UTF_16BE), 0),
        _ => (Family::Bytes, 0),
    };
    let unit_len = if matches!(family, Family::Utf16(_)) {
        2
    } else {
        1
    };
    let body = h.get(bom..).unwrap_or_default();
    let units: Vec<u8> = body
        .chunks_exact(unit_len)
        .map(|u| match (family, u) {
            (Family::Utf16(e), &[a, b]) => {
                let v = if e == UTF_16LE {
                    u16::from_le_bytes([a, b])
                } else {
                    u16::from_be_bytes([a, b])
                };
                u8::try_from(v).ok().filter(u8::is_ascii).unwrap_or(0xFF)
            }
            (_, u) => u.first().copied().unwrap_or(0),
        })
        .take(MAX_DECL_UNITS)
        .collect();
    let label = match read_label(&units, at_eof || units.len() >= MAX_DECL_UNITS) {
        None => return Sniff::Wait,
        Some(label) => label,
    };
    let chosen = decide(family, label.as_ref().map(|(l, _)| l.as_str()));
    Sniff::Decided(chosen.map_err(|why| {
        let at = label.as_ref().map_or(0, |(_, at)| *at);
        let before = units.get(..at).unwrap_or_default();
        // XML's line breaks: CR, LF or CRLF.
        let line_start = before
            .iter()
            .rposition(|&u| u == b'\n' || u == b'\r')
            .map(|i| i + 1);
        let bom_column = u64::from(bom > 0 && line_start.is_none());
        // Columns count as everywhere else: every unit but a UTF-8 continuation byte.
        let columns = crate::position::chars(&before[line_start.unwrap_or(0)..]);
        let position = Position {
            offset: (bom + at * unit_len) as u64,
            line: 1 + before
                .iter()
                .enumerate()
                .filter(|&(i, &u)| u == b'\r' || (u == b'\n' && (i == 0 || before[i - 1] != b'\r')))
                .count() as u64,
            column: 1 + bom_column + columns,
        };
        Error::new(ErrorCode::UnsupportedEncoding, why, position)
    }))
}

/// The `encoding=` value of a declaration at the start of `units`, with its unit index:
/// `Some(None)` when there is no declaration or it has no encoding, `None` until the
/// declaration has arrived (unless `give_up`).
fn read_label(units: &[u8], give_up: bool) -> Option<Option<(String, usize)>> {
    const OPEN: &[u8] = b"<?xml";
    let n = units.len().min(OPEN.len());
    if units[..n] != OPEN[..n] {
        return Some(None);
    }
    match units.get(OPEN.len()) {
        None => return if give_up { Some(None) } else { None },
        Some(b' ' | b'\t' | b'\r' | b'\n') => {}
        Some(_) => return Some(None),
    }
    let Some(end) = memchr::memmem::find(units, b"?>") else {
        return if give_up { Some(None) } else { None };
    };
    let decl = &units[..end];
    let Some(k) = memchr::memmem::find(decl, b"encoding") else {
        return Some(None);
    };
    let mut i = k + b"encoding".len();
    let skip_space = |i: &mut usize| {
        while matches!(decl.get(*i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            *i += 1;
        }
    };
    skip_space(&mut i);
    if decl.get(i) != Some(&b'=') {
        return Some(None);
    }
    i += 1;
    skip_space(&mut i);
    let Some(&quote @ (b'"' | b'\'')) = decl.get(i) else {
        return Some(None);
    };
    let start = i + 1;
    let Some(len) = decl
        .get(start..)
        .and_then(|r| r.iter().position(|&u| u == quote))
    else {
        return Some(None);
    };
    let label = String::from_utf8_lossy(&decl[start..start + len]).into_owned();
    Some(Some((label, start)))
}

fn decide(family: Family, label: Option<&str>) -> Result<Chosen, String> {
    let resolved = match label {
        None => None,
        Some(l) => Some(resolve(l).ok_or_else(|| unsupported(l))?),
    };
    let contradiction = |what: &str| {
        format!(
            "declared encoding {:?} contradicts the {what}",
            label.unwrap_or_default()
        )
    };
    match (family, resolved) {
        (Family::Utf8Bom, None | Some(Label::Utf8 | Label::Ascii)) => Ok(Chosen::Utf8),
        (Family::Utf8Bom, Some(_)) => Err(contradiction("UTF-8 byte order mark")),
        (Family::Utf16(e), None | Some(Label::Utf16(None))) => Ok(Chosen::Utf16(e)),
        (Family::Utf16(e), Some(Label::Utf16(Some(d)))) if d == e => Ok(Chosen::Utf16(e)),
        (Family::Utf16(e), Some(_)) => Err(contradiction(&format!("{} byte order", e.name()))),
        (Family::Bytes, None | Some(Label::Utf8)) => Ok(Chosen::Utf8),
        (Family::Bytes, Some(Label::Utf16(_))) => Err(contradiction("bytes, which are not UTF-16")),
        (Family::Bytes, Some(Label::Ascii)) => Ok(Chosen::Ascii),
        (Family::Bytes, Some(Label::Latin1)) => Ok(Chosen::Latin1),
        (Family::Bytes, Some(Label::Other(e))) => Ok(Chosen::Other(e)),
    }
}

/// Undecodable bytes: the decoder stopped after reading `read` bytes of the chunk; the bad
/// sequence is `bad` bytes long (possibly begun in an earlier chunk) and `extra` bytes
/// after it were read too.
struct Fault {
    read: usize,
    bad: usize,
    extra: usize,
}

enum Transcoder {
    Ascii,
    Latin1,
    Rs(Decoder),
    /// A decoder given its last input must not be called again.
    Done,
}

impl Transcoder {
    fn new(chosen: Chosen) -> Self {
        match chosen {
            Chosen::Ascii => Transcoder::Ascii,
            Chosen::Latin1 => Transcoder::Latin1,
            Chosen::Utf16(e) | Chosen::Other(e) => {
                Transcoder::Rs(e.new_decoder_without_bom_handling())
            }
            Chosen::Utf8 => Transcoder::Done,
        }
    }

    fn decode(
        &mut self,
        src: &[u8],
        last: bool,
        errors: EncodingErrors,
        pool: &mut Pool,
    ) -> (BytesMut, Option<Fault>) {
        match self {
            Transcoder::Ascii => {
                let mut out = pool.take(src.len());
                let mut rest = src;
                while let Some(i) = rest.iter().position(|&b| b >= 0x80) {
                    out.extend_from_slice(&rest[..i]);
                    if errors == EncodingErrors::Fatal {
                        let read = src.len() - rest.len() + i + 1;
                        return (
                            out,
                            Some(Fault {
                                read,
                                bad: 1,
                                extra: 0,
                            }),
                        );
                    }
                    out.extend_from_slice("\u{FFFD}".as_bytes());
                    rest = &rest[i + 1..];
                }
                out.extend_from_slice(rest);
                (out, None)
            }
            Transcoder::Latin1 => {
                let mut out = pool.take(src.len() * 2);
                for &b in src {
                    if b < 0x80 {
                        out.extend_from_slice(&[b]);
                    } else {
                        out.extend_from_slice(&[0xC0 | (b >> 6), 0x80 | (b & 0x3F)]);
                    }
                }
                (out, None)
            }
            Transcoder::Rs(d) => {
                let result = decode_rs(d, src, last, errors, pool);
                if last {
                    *self = Transcoder::Done;
                }
                result
            }
            Transcoder::Done => (pool.take(0), None),
        }
    }
}

fn decode_rs(
    d: &mut Decoder,
    src: &[u8],
    last: bool,
    errors: EncodingErrors,
    pool: &mut Pool,
) -> (BytesMut, Option<Fault>) {
    let room = |d: &Decoder, n: usize| {
        let max = match errors {
            EncodingErrors::Fatal => d.max_utf8_buffer_length_without_replacement(n),
            EncodingErrors::Replace => d.max_utf8_buffer_length(n),
        };
        max.unwrap_or(n.saturating_mul(3)).max(16)
    };
    let mut out = pool.take(room(d, src.len()));
    let (mut read, mut written) = (0, 0);
    loop {
        let want = written + room(d, src.len() - read);
        if out.len() < want {
            out.resize(want, 0);
        }
        let (src_rest, dst_rest) = (&src[read..], &mut out[written..]);
        let (result, r, w) = match errors {
            EncodingErrors::Fatal => d.decode_to_utf8_without_replacement(src_rest, dst_rest, last),
            EncodingErrors::Replace => {
                let (res, r, w, _) = d.decode_to_utf8(src_rest, dst_rest, last);
                let res = match res {
                    CoderResult::InputEmpty => DecoderResult::InputEmpty,
                    CoderResult::OutputFull => DecoderResult::OutputFull,
                };
                (res, r, w)
            }
        };
        read += r;
        written += w;
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => continue,
            DecoderResult::Malformed(bad, extra) => {
                out.truncate(written);
                let (bad, extra) = (usize::from(bad), usize::from(extra));
                return (out, Some(Fault { read, bad, extra }));
            }
        }
    }
    out.truncate(written);
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Status;
    use crate::xml::{XmlOptions, XmlParser};
    use serde_json::{json, Value};

    fn opts(errors: EncodingErrors) -> XmlOptions {
        XmlOptions {
            select: vec!["a".into()],
            encoding_errors: errors,
            ..XmlOptions::default()
        }
    }

    /// Feeds `doc` in chunks of `size`; the records and the error, if any.
    fn parse(doc: &[u8], size: usize, errors: EncodingErrors) -> (Vec<Value>, Option<Error>) {
        let mut p = XmlParser::new(opts(errors)).unwrap();
        let mut records = Vec::new();
        let mut result = Ok(Status::NeedInput);
        for chunk in doc.chunks(size.max(1)) {
            p.feed(chunk);
            result = drain(&mut p, false, &mut records);
            if result.is_err() {
                break;
            }
        }
        if result.is_ok() {
            result = drain(&mut p, true, &mut records);
        }
        (records, result.err())
    }

    fn drain(p: &mut XmlParser, eof: bool, records: &mut Vec<Value>) -> Result<Status, Error> {
        loop {
            let r = if eof { p.finish() } else { p.run() };
            while let Some(b) = p.take_batch() {
                let v: Vec<Value> = serde_json::from_slice(&b).unwrap();
                records.extend(v);
            }
            if r != Ok(Status::BatchReady) {
                return r;
            }
        }
    }

    /// Records of `doc`, checked to be the same for every chunking.
    fn records(doc: &[u8]) -> Vec<Value> {
        let (whole, e) = parse(doc, usize::MAX, EncodingErrors::Fatal);
        assert!(e.is_none(), "{e:?}");
        for size in [1, 2, 3, 5, 7] {
            let (r, e) = parse(doc, size, EncodingErrors::Fatal);
            assert!(e.is_none(), "chunks of {size}: {e:?}");
            assert_eq!(r, whole, "chunks of {size}");
        }
        whole
    }

    fn error(doc: &[u8], errors: EncodingErrors) -> (Vec<Value>, Error) {
        let (r, e) = parse(doc, usize::MAX, errors);
        let e = e.expect("an error");
        for size in [1, 2, 3] {
            let (r2, e2) = parse(doc, size, errors);
            assert_eq!(e2.as_ref(), Some(&e), "chunks of {size}");
            assert_eq!(r2, r, "chunks of {size}");
        }
        (r, e)
    }

    fn utf16(s: &str, le: bool, bom: bool) -> Vec<u8> {
        let bom = bom.then_some('\u{FEFF}');
        bom.into_iter()
            .collect::<String>()
            .encode_utf16()
            .chain(s.encode_utf16())
            .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() })
            .collect()
    }

    fn encoded(label: &str, body: &str) -> Vec<u8> {
        let e = Encoding::for_label(label.as_bytes()).unwrap();
        let doc = format!("<?xml version=\"1.0\" encoding=\"{label}\"?>\n{body}");
        let (bytes, _, unmappable) = e.encode(&doc);
        assert!(!unmappable, "{label} cannot encode {body}");
        bytes.into_owned()
    }

    const BODY: &str = "<r>\n<a k=\"é€ж\">x😀y</a><a>Ωж</a></r>";

    fn expected() -> Vec<Value> {
        vec![json!({"@_k": "é€ж", "#text": "x😀y"}), json!("Ωж")]
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let decl = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>";
        for le in [true, false] {
            for bom in [true, false] {
                let doc = utf16(&format!("{decl}{BODY}"), le, bom);
                assert_eq!(records(&doc), expected(), "le {le} bom {bom}");
            }
            // A BOM alone is enough, and so is `<` then an ASCII character.
            assert_eq!(records(&utf16(BODY, le, true)), expected());
            assert_eq!(records(&utf16(BODY, le, false)), expected());
            // A declaration naming the byte order must agree with the BOM.
            let named = if le { "UTF-16LE" } else { "UTF-16BE" };
            let doc = utf16(
                &format!("<?xml version='1.0' encoding='{named}'?>{BODY}"),
                le,
                true,
            );
            assert_eq!(records(&doc), expected());
        }
    }

    #[test]
    fn legacy_encodings_by_declaration() {
        let cases = [
            (
                "windows-1252",
                "<r><a k=\"é€\">Œ‰</a></r>",
                json!({"@_k": "é€", "#text": "Œ‰"}),
            ),
            ("KOI8-R", "<r><a>Привет</a></r>", json!("Привет")),
            ("ISO-8859-2", "<r><a>Łódź</a></r>", json!("Łódź")),
            ("windows-1251", "<r><a>Ёж</a></r>", json!("Ёж")),
            (
                "Shift_JIS",
                "<r><a k=\"ｶﾀｶﾅ\">日本語</a></r>",
                json!({"@_k": "ｶﾀｶﾅ", "#text": "日本語"}),
            ),
            ("EUC-JP", "<r><a>日本語</a></r>", json!("日本語")),
            ("ISO-2022-JP", "<r><a>日本語</a></r>", json!("日本語")),
            ("GBK", "<r><a>中文</a></r>", json!("中文")),
            ("gb18030", "<r><a>中文😀</a></r>", json!("中文😀")),
            ("Big5", "<r><a>繁體</a></r>", json!("繁體")),
            ("EUC-KR", "<r><a>한국어</a></r>", json!("한국어")),
        ];
        for (label, body, want) in cases {
            assert_eq!(records(&encoded(label, body)), vec![want], "{label}");
        }
    }

    #[test]
    fn iso_8859_1_and_ascii_are_not_windows_1252() {
        // WHATWG reads both labels as windows-1252; XML means the real thing.
        let doc = b"<?xml version='1.0' encoding='ISO-8859-1'?><r><a>\xE9\x80</a></r>";
        assert_eq!(records(doc), vec![json!("é\u{80}")]);
        let doc = b"<?xml version='1.0' encoding='US-ASCII'?><r><a>x</a><a>\x80</a></r>";
        let (before, e) = error(doc, EncodingErrors::Fatal);
        assert_eq!(before, vec![json!("x")]);
        assert_eq!(e.code, ErrorCode::Encoding);
        assert_eq!(e.message, "byte 0x80 is not valid US-ASCII");
        assert_eq!(
            (e.position.offset, e.position.line, e.position.column),
            (55, 1, 56)
        );
        let (r, e) = parse(doc, 1, EncodingErrors::Replace);
        assert!(e.is_none(), "{e:?}");
        assert_eq!(r, vec![json!("x"), json!("\u{FFFD}")]);
    }

    #[test]
    fn undefined_bytes_are_fatal_or_replaced() {
        // 0xA0 is no Shift_JIS byte; 0xA5 is a hole in ISO-8859-3.
        for (label, bad, at) in [("Shift_JIS", 0xA0u8, "0xA0"), ("ISO-8859-3", 0xA5, "0xA5")] {
            let mut doc = encoded(label, "<r>\n<a>ok</a>\n<a>1");
            doc.push(bad);
            doc.extend_from_slice(b"2</a></r>");
            let bad_at = doc.len() as u64 - 10;
            let (before, e) = error(&doc, EncodingErrors::Fatal);
            assert_eq!(before, vec![json!("ok")], "{label}");
            assert_eq!(e.code, ErrorCode::Encoding, "{label}");
            assert!(
                e.message.contains(at) && e.message.contains(label),
                "{}",
                e.message
            );
            assert_eq!(
                (e.position.offset, e.position.line, e.position.column),
                (bad_at, 4, 5)
            );
            let (r, e) = parse(&doc, 3, EncodingErrors::Replace);
            assert!(e.is_none(), "{e:?}");
            assert_eq!(r, vec![json!("ok"), json!("1\u{FFFD}2")], "{label}");
        }
    }

    #[test]
    fn a_lone_surrogate_in_utf16_is_undecodable() {
        let mut doc = utf16("<r><a>x</a><a>", true, true);
        doc.extend_from_slice(&[0x00, 0xD8]);
        doc.extend(utf16("!</a></r>", true, false));
        let (before, e) = error(&doc, EncodingErrors::Fatal);
        assert_eq!(before, vec![json!("x")]);
        assert_eq!(e.code, ErrorCode::Encoding);
        assert_eq!((e.position.offset, e.position.column), (30, 16));
        let (r, _) = parse(&doc, 1, EncodingErrors::Replace);
        assert_eq!(r, vec![json!("x"), json!("\u{FFFD}!")]);
    }

    #[test]
    fn unknown_or_contradicting_labels() {
        let doc = b"<?xml version=\"1.0\"\n  encoding=\"x-klingon\"?><r/>";
        let (_, e) = error(doc, EncodingErrors::Fatal);
        assert_eq!(e.code, ErrorCode::UnsupportedEncoding);
        assert!(e.message.contains("\"x-klingon\""), "{}", e.message);
        assert_eq!(
            (e.position.offset, e.position.line, e.position.column),
            (32, 2, 13)
        );

        let cases: [(Vec<u8>, &str); 4] = [
            (
                b"\xEF\xBB\xBF<?xml version='1.0' encoding='ISO-8859-1'?><r/>".to_vec(),
                "UTF-8 byte order mark",
            ),
            (
                utf16(
                    "<?xml version='1.0' encoding='windows-1252'?><r/>",
                    true,
                    true,
                ),
                "UTF-16LE byte order",
            ),
            (
                utf16(
                    "<?xml version='1.0' encoding='UTF-16LE'?><r/>",
                    false,
                    false,
                ),
                "UTF-16BE byte order",
            ),
            (
                b"<?xml version='1.0' encoding='UTF-16'?><r/>".to_vec(),
                "not UTF-16",
            ),
        ];
        for (doc, why) in cases {
            let (_, e) = error(&doc, EncodingErrors::Fatal);
            assert_eq!(e.code, ErrorCode::UnsupportedEncoding);
            assert!(e.message.contains(why), "{}", e.message);
        }
        // The replacement encoding (ISO-2022-KR and friends) decodes nothing.
        let (_, e) = error(
            b"<?xml version='1.0' encoding='ISO-2022-KR'?><r/>",
            EncodingErrors::Fatal,
        );
        assert_eq!(e.code, ErrorCode::UnsupportedEncoding);
    }

    #[test]
    fn utf8_stays_strict() {
        let doc = b"<?xml version='1.0' encoding='UTF-8'?><r><a>\xFF</a></r>";
        let (_, e) = error(doc, EncodingErrors::Replace);
        assert_eq!(e.code, ErrorCode::InvalidChar);
        assert_eq!(e.position.offset, 44);
        // No declaration, no BOM: UTF-8, even for `<?xml-stylesheet`.
        let doc = b"<?xml-stylesheet href='a'?><r><a>\xC3\xA9</a></r>";
        assert_eq!(records(doc), vec![json!("é")]);
    }

    #[test]
    fn error_offsets_are_source_offsets() {
        // The mismatched `</b>` follows non-ASCII text and an astral character.
        let body = "<r>\n<a>é😀ж</b></r>";
        let want_col = 12;
        let latin = b"<?xml version='1.0' encoding='ISO-8859-1'?><r>\n<a>\xE9\xE9</b></r>";
        let (_, e) = error(latin, EncodingErrors::Fatal);
        assert_eq!(e.code, ErrorCode::MismatchedTag);
        assert_eq!(
            (e.position.offset, e.position.line, e.position.column),
            (52, 2, 6)
        );
        for le in [true, false] {
            let doc = utf16(body, le, true);
            let (_, e) = error(&doc, EncodingErrors::Fatal);
            let end_tag = doc.len() as u64 - 2 * "</b></r>".len() as u64;
            assert_eq!(e.code, ErrorCode::MismatchedTag);
            assert_eq!((e.position.offset, e.position.line), (end_tag, 2));
            assert_eq!(e.position.column, want_col - 5);
        }
    }

    #[test]
    fn decoded_offsets_map_back() {
        let doc = utf16("<r><a>é😀</a></r>", false, true);
        let mut p = XmlParser::new(opts(EncodingErrors::Fatal)).unwrap();
        p.feed(&doc);
        assert!(p.run().is_ok());
        // Decoded: BOM(3) <r><a>(6) é(2) 😀(4) </a> ...; source: BOM(2) then 2 per unit.
        assert_eq!(p.source_offset(0), 0);
        assert_eq!(p.source_offset(3), 2);
        assert_eq!(p.source_offset(9), 14);
        assert_eq!(p.source_offset(11), 16);
        assert_eq!(p.source_offset(15), 20);
        assert_eq!(p.stats().bytes, doc.len() as u64);
    }

    #[test]
    fn split_declaration_and_bom_in_any_chunking() {
        let doc = encoded("KOI8-R", "<r><a>Привет</a></r>");
        for size in 1..12 {
            let (r, e) = parse(&doc, size, EncodingErrors::Fatal);
            assert!(e.is_none(), "{e:?}");
            assert_eq!(r, vec![json!("Привет")]);
        }
        let doc = utf16(
            "<?xml version='1.0' encoding='utf-16'?><r><a>😀</a></r>",
            true,
            true,
        );
        for size in 1..12 {
            assert_eq!(
                parse(&doc, size, EncodingErrors::Fatal).0,
                vec![json!("😀")]
            );
        }
    }

    #[test]
    fn offsets_already_let_go_map_monotonically() {
        let body: String = (0..200).map(|i| format!("<a>é{i}😀</a>")).collect();
        let doc = utf16(&format!("<r>{body}</r>"), true, true);
        let mut p = XmlParser::new(opts(EncodingErrors::Fatal)).unwrap();
        let mut decoded = 0u64;
        for c in doc.chunks(5) {
            p.feed(c);
            while p.run() == Ok(Status::BatchReady) {
                while p.take_batch().is_some() {}
            }
            decoded = p.input.base() + p.input.buf.len() as u64;
        }
        let mut last = 0;
        for d in 0..=decoded {
            let s = p.source_offset(d);
            assert!(s >= last && s <= doc.len() as u64, "{d} -> {s}");
            last = s;
        }
        assert_eq!(p.source_offset(decoded), doc.len() as u64);
        // Where held input was let go, the mapping is exact.
        for &(d, s) in &p.source.history {
            let text = std::str::from_utf8(
                &[&[0xEF, 0xBB, 0xBF][..], format!("<r>{body}</r>").as_bytes()].concat(),
            )
            .unwrap()
            .to_owned();
            let exact: usize = text.as_bytes()[..d as usize]
                .iter()
                .map(|&b| match b {
                    0xF0.. => 4,
                    0x80..=0xBF => 0,
                    _ => 2,
                })
                .sum();
            assert_eq!(s, exact as u64, "sync point at {d}");
        }
        assert!(p.source.history.len() > 10);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let labels = [
            "UTF-16",
            "Shift_JIS",
            "EUC-JP",
            "ISO-2022-JP",
            "gb18030",
            "Big5",
            "KOI8-R",
            "US-ASCII",
            "ISO-8859-1",
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..300 {
            let label = labels[round % labels.len()];
            let mut doc = if label == "UTF-16" {
                utf16(
                    "<?xml version='1.0' encoding='UTF-16'?><r><a>",
                    round % 2 == 0,
                    round % 3 == 0,
                )
            } else {
                format!("<?xml version='1.0' encoding='{label}'?><r><a>").into_bytes()
            };
            let len = (next() % 64) as usize;
            doc.extend((0..len).map(|_| next() as u8));
            for errors in [EncodingErrors::Fatal, EncodingErrors::Replace] {
                for size in [1, 2, 3, 7, usize::MAX] {
                    let (_, e) = parse(&doc, size, errors);
                    if let Some(e) = e {
                        assert!(
                            e.position.offset <= doc.len() as u64,
                            "{label} {size} {errors:?} {e:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn multi_byte_legacy_offsets_are_exact() {
        let text = "<r>\n<a k='日本'>ｶﾀｶﾅ語€¥😀한국中文繁體</a><a>x</a></x>";
        for label in ["Shift_JIS", "EUC-JP", "EUC-KR", "Big5", "GBK", "gb18030"] {
            let e = Encoding::for_label(label.as_bytes()).unwrap();
            let mut doc = format!("<?xml version='1.0' encoding='{label}'?>").into_bytes();
            for c in text.chars() {
                let mut utf8 = [0; 4];
                let (bytes, _, unmappable) = e.encode(c.encode_utf8(&mut utf8));
                // Characters the encoding lacks are left out.
                if !unmappable {
                    doc.extend_from_slice(&bytes);
                }
            }
            if label == "EUC-JP" {
                // A JIS X 0212 character (three bytes), which the encoder never writes.
                let at = doc.len() - b"</a><a>x</a></x>".len();
                doc.splice(at..at, [0x8F, 0xB0, 0xA1]);
            }
            let (records, e) = error(&doc, EncodingErrors::Fatal);
            assert_eq!(records.len(), 2, "{label}");
            assert_eq!(e.code, ErrorCode::MismatchedTag, "{label}");
            assert_eq!(e.position.offset, doc.len() as u64 - 4, "{label}");
        }
    }
}
