//! The resumable JSON scanner. It validates the whole input against the RFC 8259 grammar (as
//! `JSON.parse` accepts it) one chunk at a time, tracks the path of every value so selectors
//! can pick records, and copies each record's text into the batch as it goes: verbatim, except
//! that whitespace between tokens is dropped and non-ASCII characters become `\uXXXX` escapes.
//!
//! Every piece of state lives in [`Core`], so a chunk may end on any byte (inside a string,
//! an escape, a number, a literal or a UTF-8 sequence) and the next chunk carries on. Nothing
//! recurses: nesting is an explicit stack bounded by `max_depth`.

use bytes::BytesMut;

use super::path::{Path, Step};
use crate::error::ErrorCode;
use crate::escape;
use crate::limits::Limits;

/// A failure at an absolute byte offset; the caller turns it into a positioned error.
#[derive(Debug)]
pub(crate) struct Fail {
    pub(crate) at: u64,
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

fn fail(at: u64, code: ErrorCode, message: impl Into<String>) -> Fail {
    Fail {
        at,
        code,
        message: message.into(),
    }
}

/// How a scan of the held input ended.
pub(crate) enum Scan {
    /// Every byte was processed.
    Consumed,
    /// The batch is full; scanning stopped at this index, on a record boundary.
    Full(usize),
    /// Scanning stopped at this index until more input comes (or it ends): the bytes from
    /// here on must stay, so that an error about them can still be positioned.
    Wait(usize),
}

/// What the bytes from a UTF-8 lead byte on are.
enum Utf8Check {
    Valid,
    /// Not UTF-8: the byte at this index cannot continue the character.
    Bad(usize),
    /// Valid so far, but the input ends inside the character.
    Short,
}

/// Checks the character whose lead byte, one that may start a character, is `inp[j]`.
fn check_utf8(inp: &[u8], j: usize) -> Utf8Check {
    let Some((need, lo, hi, _)) = utf8_lead(inp[j]) else {
        return Utf8Check::Valid;
    };
    for k in 1..=usize::from(need) {
        let Some(&b) = inp.get(j + k) else {
            return Utf8Check::Short;
        };
        let (l, h) = if k == 1 { (lo, hi) } else { (0x80, 0xBF) };
        if b < l || b > h {
            return Utf8Check::Bad(j + k);
        }
    }
    Utf8Check::Valid
}

/// Where [`Core::follow`] left off.
enum Flow {
    Go(usize),
    Full(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    /// Nothing seen yet: a byte order mark may come.
    Begin,
    Bom1,
    Bom2,
    /// The input began with this byte, 0xFE or 0xFF: with its pair it is a UTF-16 byte order
    /// mark, otherwise invalid UTF-8 (the next byte tells which).
    Utf16Bom(u8),
    /// Top level (JSON format): a value may start (the first, or one after whitespace).
    TopBetween,
    /// Right after a top-level value: only whitespace or the end of input may follow.
    TopAfter,
    /// NDJSON: the line is blank so far.
    LineStart,
    /// NDJSON: the line's value is complete; only whitespace until the line break.
    LineEnd,
    /// NDJSON with `skip_errors`: dropping the rest of a bad line.
    SkipLine,
    /// A value must come: after `:`, or after `,` in an array.
    Value,
    /// After `[`: a value or `]`.
    ArrayFirst,
    /// After `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a value in a container: `,` or the closing bracket.
    After,
    Str,
    /// After `\` in a string.
    Esc,
    /// Inside the four hex digits of `\u`.
    Hex,
    /// Inside a multi-byte UTF-8 character of a string.
    Utf8,
    /// Number states, named after what was read last.
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    Exp,
    ExpSign,
    ExpDigits,
    /// Inside `true`, `false` or `null`.
    Lit,
    /// At a byte that may start a UTF-8 character where JSON allows none, waiting for the
    /// rest of it to tell an encoding error from a syntax error (`Core::stray`).
    Stray,
}

/// Selection state of one container whose members may still match a selector.
#[derive(Debug, Clone, Copy)]
struct Level {
    /// Selectors whose steps so far match the path to this container.
    alive: u64,
    /// Index of the next array element.
    next: u64,
    /// Whether some alive selector names a key at the next step (only then are keys decoded).
    need_key: bool,
}

pub(crate) struct Core {
    ndjson: bool,
    single: bool,
    paths: Vec<Path>,
    /// `{"selector":"...","value":` per selector, when records are tagged.
    tags: Vec<Vec<u8>>,
    limits: Limits,
    /// All selectors, as a bit set.
    all: u64,
    /// `eq[d]`: selectors with exactly `d` steps; `gt[d]`: with more than `d`.
    eq: Vec<u64>,
    gt: Vec<u64>,
    /// Longest key any selector names: longer keys cannot match and are not kept.
    max_key: usize,

    st: St,
    /// Open containers, `{` or `[`, outermost first.
    kinds: Vec<u8>,
    /// One entry per open container, from the outside in, while selectors can match inside.
    track: Vec<Level>,
    seen_value: bool,

    /// The string being read is an object key.
    in_key: bool,
    /// The key being read is decoded into `key` for matching.
    cap: bool,
    key: Vec<u8>,
    key_ok: bool,
    /// A `\u` high surrogate waiting for its low half, in a captured key.
    hi_sur: u32,
    hex: u32,
    hex_n: u8,
    utf_cp: u32,
    utf_need: u8,
    utf_lo: u8,
    utf_hi: u8,
    /// `unexpected` was given a byte that may start a UTF-8 character.
    stray_lead: bool,
    /// The syntax error held while the character is incomplete (`St::Stray`).
    stray: Option<Fail>,
    lit: &'static [u8],
    lit_i: usize,

    /// A record is being copied.
    rec: bool,
    /// `kinds.len()` where the record started.
    rec_depth: usize,
    /// Absolute offset where the record started.
    rec_start: u64,
    /// Start of the held input not yet copied into `out`, while in a record.
    copy_from: usize,

    /// Batch text: `[` + records joined by `,`; `]` is added when the batch is taken.
    pub(crate) out: BytesMut,
    /// Length of `out` that holds only finished records.
    pub(crate) committed: usize,
    pub(crate) records: u64,
    /// NDJSON: records of the current line, committed when the line ends.
    line_records: u64,
    /// NDJSON: where the current line's first record started.
    line_first: Option<u64>,
    /// NDJSON: non-blank lines started so far.
    pub(crate) lines_seen: u64,
    /// A JSON document whose one selector names the elements of an array under object keys
    /// (`$.a.b[*]`): those keys, the depth of the array being their count. Only then can a
    /// part of the document start between two elements (see `super::split`).
    pub(crate) element_keys: Option<Vec<Vec<u8>>>,
    /// Offset of this parser's first byte in the whole input, for the offsets messages name
    /// (a part of a file counts its positions from its own first byte).
    origin: u64,
}

pub(crate) struct Config {
    pub(crate) ndjson: bool,
    /// One document only: a second top-level value is an error.
    pub(crate) single: bool,
    pub(crate) paths: Vec<Path>,
    pub(crate) tagged: bool,
    pub(crate) limits: Limits,
    /// See [`Core::origin`].
    pub(crate) origin: u64,
}

impl Core {
    pub(crate) fn ndjson(&self) -> bool {
        self.ndjson
    }

    /// NDJSON, waiting at a line start with nothing open (see `crate::split`).
    pub(crate) fn at_line_start(&self) -> bool {
        self.ndjson && matches!(self.st, St::LineStart) && !self.rec && self.kinds.is_empty()
    }

    pub(crate) fn new(cfg: Config, out: BytesMut) -> Core {
        let element_keys = match cfg.paths.as_slice() {
            [p] if cfg.single => super::candidates::array_keys(p),
            _ => None,
        };
        let n = cfg.paths.len();
        let all = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
        let max_steps = cfg.paths.iter().map(|p| p.steps().len()).max().unwrap_or(0);
        let mut eq = vec![0u64; max_steps + 1];
        let mut gt = vec![0u64; max_steps + 1];
        for (s, p) in cfg.paths.iter().enumerate() {
            let len = p.steps().len();
            eq[len] |= 1 << s;
            for g in gt.iter_mut().take(len) {
                *g |= 1 << s;
            }
        }
        let max_key = cfg
            .paths
            .iter()
            .flat_map(|p| p.steps())
            .map(|s| match s {
                Step::Key(k) => k.len(),
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        let tags = if cfg.tagged {
            cfg.paths
                .iter()
                .map(|p| {
                    let mut t = BytesMut::new();
                    t.extend_from_slice(b"{\"selector\":");
                    escape::write_str(&mut t, p.source().as_bytes());
                    t.extend_from_slice(b",\"value\":");
                    t.to_vec()
                })
                .collect()
        } else {
            Vec::new()
        };
        Core {
            ndjson: cfg.ndjson,
            single: cfg.single,
            paths: cfg.paths,
            tags,
            limits: cfg.limits,
            all,
            eq,
            gt,
            max_key,
            st: St::Begin,
            kinds: Vec::new(),
            track: Vec::new(),
            seen_value: false,
            in_key: false,
            cap: false,
            key: Vec::new(),
            key_ok: false,
            hi_sur: 0,
            hex: 0,
            hex_n: 0,
            utf_cp: 0,
            utf_need: 0,
            utf_lo: 0,
            utf_hi: 0,
            stray_lead: false,
            stray: None,
            lit: b"",
            lit_i: 0,
            rec: false,
            rec_depth: 0,
            rec_start: 0,
            copy_from: 0,
            out,
            committed: 0,
            records: 0,
            line_records: 0,
            line_first: None,
            lines_seen: 0,
            element_keys,
            origin: cfg.origin,
        }
    }

    /// A JSON document, waiting for an element of the selected array after its `,`: exactly
    /// the state [`Core::resume_element`] starts in (see `super::split`). The array's path
    /// is the selector's, since each of its containers is tracked (a selector matches there).
    pub(crate) fn at_element(&self) -> bool {
        let Some(keys) = &self.element_keys else {
            return false;
        };
        let n = keys.len();
        self.st == St::Value
            && !self.rec
            && self.kinds.len() == n + 1
            && self.track.len() == n + 1
            && self.kinds[n] == b'['
            && self.kinds[..n].iter().all(|&k| k == b'{')
    }

    /// Starts this parser between two elements of the selected array, after the `,` (and
    /// any white space): the objects on the selector's keys and the array are open. False
    /// when the selector names no such array.
    pub(crate) fn resume_element(&mut self) -> bool {
        let Some(n) = self.element_keys.as_ref().map(Vec::len) else {
            return false;
        };
        self.kinds = vec![b'{'; n];
        self.kinds.push(b'[');
        self.track = (0..=n)
            .map(|d| Level {
                alive: 1,
                next: 0,
                need_key: d < n,
            })
            .collect();
        self.seen_value = true;
        self.st = St::Value;
        true
    }

    /// Scans `inp[i..]`; `base` is the absolute offset of `inp[0]`.
    pub(crate) fn scan(&mut self, inp: &[u8], i: usize, base: u64) -> Result<Scan, Fail> {
        match self.scan_bytes(inp, i, base) {
            Err(f) if std::mem::take(&mut self.stray_lead) => self.stray(f, inp, base),
            r => r,
        }
    }

    /// A byte that may start a UTF-8 character came where JSON allows none, and `f` is the
    /// syntax error for it. JSON.parse never sees such input undecoded: invalid UTF-8 is the
    /// error to report then, as in a string, so the character is checked first, however the
    /// input is split (the check goes on in the next chunk if this one ends inside it).
    fn stray(&mut self, f: Fail, inp: &[u8], base: u64) -> Result<Scan, Fail> {
        let j = match f.at.checked_sub(base).map(usize::try_from) {
            Some(Ok(j)) if j < inp.len() => j,
            _ => return Err(f),
        };
        match check_utf8(inp, j) {
            Utf8Check::Valid => Err(f),
            Utf8Check::Bad(k) => Err(bad_continuation(base + k as u64, inp[k])),
            Utf8Check::Short => {
                self.stray = Some(f);
                self.st = St::Stray;
                Ok(Scan::Wait(j))
            }
        }
    }

    fn scan_bytes(&mut self, inp: &[u8], mut i: usize, base: u64) -> Result<Scan, Fail> {
        let n = inp.len();
        self.copy_from = i;
        // While a record is open, scanning stops where it would outgrow maxRecordBytes, so the
        // error lands on the same byte however the input was chunked.
        let mut end = self.window(base, n);
        while i < end {
            match self.st {
                St::Str => {
                    let j = i + find_special(&inp[i..end]);
                    if self.cap {
                        self.capture(&inp[i..j]);
                    }
                    if j >= end {
                        i = end;
                        continue;
                    }
                    let b = inp[j];
                    i = j + 1;
                    match b {
                        b'"' => {
                            if self.in_key {
                                self.end_key();
                                self.st = St::Colon;
                            } else {
                                if self.value_end(inp, i, base)? {
                                    return Ok(Scan::Full(i));
                                }
                                end = self.window(base, n);
                            }
                            match self.follow(inp, i, &mut end, base)? {
                                Flow::Go(j) => i = j,
                                Flow::Full(j) => return Ok(Scan::Full(j)),
                            }
                        }
                        b'\\' => self.st = St::Esc,
                        0..=0x1F => {
                            return Err(fail(
                                base + j as u64,
                                ErrorCode::JsonInvalidString,
                                format!(
                                    "unescaped control character U+{b:04X} in a string; \
                                     write it as an escape such as \\n or \\u{b:04x}"
                                ),
                            ))
                        }
                        _ => i = self.utf8_char(inp, j, end, base)?,
                    }
                }
                St::Esc => {
                    let b = inp[i];
                    let decoded = match b {
                        b'"' | b'\\' | b'/' => b,
                        b'b' => 0x08,
                        b'f' => 0x0C,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            i += 1;
                            self.hex = 0;
                            self.hex_n = 0;
                            self.st = St::Hex;
                            continue;
                        }
                        _ => {
                            return Err(fail(
                                base + i as u64,
                                ErrorCode::JsonInvalidString,
                                format!(
                                    "invalid escape \\{} in a string; expected one of \
                                     \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u",
                                    show_plain(b)
                                ),
                            ))
                        }
                    };
                    if self.cap {
                        self.capture(&[decoded]);
                    }
                    i += 1;
                    self.st = St::Str;
                }
                St::Hex => {
                    let b = inp[i];
                    let Some(d) = hex_value(b) else {
                        return Err(fail(
                            base + i as u64,
                            ErrorCode::JsonInvalidString,
                            format!(
                                "unexpected {} in a \\u escape; expected 4 hex digits",
                                show(b)
                            ),
                        ));
                    };
                    self.hex = (self.hex << 4) | d;
                    self.hex_n += 1;
                    i += 1;
                    if self.hex_n == 4 {
                        if self.cap {
                            self.capture_unit(self.hex);
                        }
                        self.st = St::Str;
                    }
                }
                St::Utf8 => {
                    let b = inp[i];
                    if b < self.utf_lo || b > self.utf_hi {
                        return Err(bad_continuation(base + i as u64, b));
                    }
                    self.utf_cp = (self.utf_cp << 6) | u32::from(b & 0x3F);
                    self.utf_lo = 0x80;
                    self.utf_hi = 0xBF;
                    if self.cap {
                        self.capture(&[b]);
                    }
                    i += 1;
                    self.utf_need -= 1;
                    if self.utf_need == 0 {
                        if self.rec {
                            write_unicode(&mut self.out, self.utf_cp);
                        }
                        self.st = St::Str;
                    }
                    self.copy_from = i;
                }
                // Back at the lead byte `stray` stopped at, with more input after it.
                St::Stray => match check_utf8(inp, i) {
                    Utf8Check::Short => return Ok(Scan::Wait(i)),
                    Utf8Check::Bad(k) => return Err(bad_continuation(base + k as u64, inp[k])),
                    Utf8Check::Valid => {
                        let at = base + i as u64;
                        return Err(self.stray.take().unwrap_or_else(|| {
                            fail(at, ErrorCode::JsonSyntax, "unexpected character")
                        }));
                    }
                },
                St::After => match inp[i] {
                    b',' => {
                        i += 1;
                        if self.kinds.last() == Some(&b'{') {
                            self.st = St::Key;
                        } else {
                            self.st = St::Value;
                        }
                    }
                    b @ (b']' | b'}') if self.kinds.last() == Some(&opener(b)) => {
                        i += 1;
                        if self.close(inp, i, base)? {
                            return Ok(Scan::Full(i));
                        }
                        end = self.window(base, n);
                        match self.follow(inp, i, &mut end, base)? {
                            Flow::Go(j) => i = j,
                            Flow::Full(j) => return Ok(Scan::Full(j)),
                        }
                    }
                    b' ' | b'\t' | b'\r' | b'\n' => i = self.inner_space(inp, i, end, base)?,
                    b => return Err(self.unexpected(base + i as u64, b)),
                },
                St::ObjectFirst | St::Key => match inp[i] {
                    b'"' => {
                        i += 1;
                        self.begin_key();
                        self.st = St::Str;
                    }
                    b'}' if self.st == St::ObjectFirst => {
                        i += 1;
                        if self.close(inp, i, base)? {
                            return Ok(Scan::Full(i));
                        }
                        end = self.window(base, n);
                        match self.follow(inp, i, &mut end, base)? {
                            Flow::Go(j) => i = j,
                            Flow::Full(j) => return Ok(Scan::Full(j)),
                        }
                    }
                    b' ' | b'\t' | b'\r' | b'\n' => i = self.inner_space(inp, i, end, base)?,
                    b => return Err(self.unexpected(base + i as u64, b)),
                },
                St::Colon => match inp[i] {
                    b':' => {
                        i += 1;
                        self.st = St::Value;
                    }
                    b' ' | b'\t' | b'\r' | b'\n' => i = self.inner_space(inp, i, end, base)?,
                    b => return Err(self.unexpected(base + i as u64, b)),
                },
                St::Value | St::ArrayFirst => match inp[i] {
                    b']' if self.st == St::ArrayFirst => {
                        i += 1;
                        if self.close(inp, i, base)? {
                            return Ok(Scan::Full(i));
                        }
                        end = self.window(base, n);
                        match self.follow(inp, i, &mut end, base)? {
                            Flow::Go(j) => i = j,
                            Flow::Full(j) => return Ok(Scan::Full(j)),
                        }
                    }
                    b' ' | b'\t' | b'\r' | b'\n' => i = self.inner_space(inp, i, end, base)?,
                    _ => {
                        i = self.start_value(inp, i, base)?;
                        end = self.window(base, n);
                    }
                },
                St::Minus => match inp[i] {
                    b'0' => {
                        i += 1;
                        self.st = St::Zero;
                    }
                    b'1'..=b'9' => {
                        i += 1;
                        self.st = St::Int;
                    }
                    b => return Err(self.unexpected(base + i as u64, b)),
                },
                St::Zero => match inp[i] {
                    b'.' => {
                        i += 1;
                        self.st = St::Dot;
                    }
                    b'e' | b'E' => {
                        i += 1;
                        self.st = St::Exp;
                    }
                    b'0'..=b'9' => {
                        return Err(fail(
                            base + i as u64,
                            ErrorCode::JsonSyntax,
                            "a number cannot have leading zeros",
                        ))
                    }
                    _ => {
                        if self.value_end(inp, i, base)? {
                            return Ok(Scan::Full(i));
                        }
                        end = self.window(base, n);
                        match self.follow(inp, i, &mut end, base)? {
                            Flow::Go(j) => i = j,
                            Flow::Full(j) => return Ok(Scan::Full(j)),
                        }
                    }
                },
                St::Int | St::Frac | St::ExpDigits => {
                    while i < end && inp[i].is_ascii_digit() {
                        i += 1;
                    }
                    if i == end {
                        continue;
                    }
                    match inp[i] {
                        b'.' if self.st == St::Int => {
                            i += 1;
                            self.st = St::Dot;
                        }
                        b'e' | b'E' if self.st != St::ExpDigits => {
                            i += 1;
                            self.st = St::Exp;
                        }
                        _ => {
                            if self.value_end(inp, i, base)? {
                                return Ok(Scan::Full(i));
                            }
                            end = self.window(base, n);
                            match self.follow(inp, i, &mut end, base)? {
                                Flow::Go(j) => i = j,
                                Flow::Full(j) => return Ok(Scan::Full(j)),
                            }
                        }
                    }
                }
                St::Dot | St::ExpSign => match inp[i] {
                    b'0'..=b'9' => {
                        i += 1;
                        self.st = if self.st == St::Dot {
                            St::Frac
                        } else {
                            St::ExpDigits
                        };
                    }
                    b => return Err(self.unexpected(base + i as u64, b)),
                },
                St::Exp => match inp[i] {
                    b'+' | b'-' => {
                        i += 1;
                        self.st = St::ExpSign;
                    }
                    b'0'..=b'9' => {
                        i += 1;
                        self.st = St::ExpDigits;
                    }
                    b => return Err(self.unexpected(base + i as u64, b)),
                },
                St::Lit => {
                    let lit = self.lit;
                    let mut k = self.lit_i;
                    while k < lit.len() && i < end {
                        if inp[i] != lit[k] {
                            return Err(self.unexpected(base + i as u64, inp[i]));
                        }
                        i += 1;
                        k += 1;
                    }
                    self.lit_i = k;
                    if k == lit.len() {
                        if self.value_end(inp, i, base)? {
                            return Ok(Scan::Full(i));
                        }
                        end = self.window(base, n);
                        match self.follow(inp, i, &mut end, base)? {
                            Flow::Go(j) => i = j,
                            Flow::Full(j) => return Ok(Scan::Full(j)),
                        }
                    }
                }
                St::TopBetween => match inp[i] {
                    b' ' | b'\t' | b'\r' | b'\n' => {
                        i += 1;
                        while i < end && matches!(inp[i], b' ' | b'\t' | b'\r' | b'\n') {
                            i += 1;
                        }
                    }
                    b if self.single && self.seen_value => {
                        return Err(self.unexpected(base + i as u64, b));
                    }
                    _ => {
                        self.seen_value = true;
                        i = self.start_value(inp, i, base)?;
                        end = self.window(base, n);
                    }
                },
                St::TopAfter => match inp[i] {
                    b' ' | b'\t' | b'\r' | b'\n' => {
                        i += 1;
                        self.st = St::TopBetween;
                    }
                    b => return Err(self.unexpected(base + i as u64, b)),
                },
                St::LineStart => match inp[i] {
                    b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                    _ => {
                        self.lines_seen += 1;
                        i = self.start_value(inp, i, base)?;
                        end = self.window(base, n);
                    }
                },
                St::LineEnd => match inp[i] {
                    b' ' | b'\t' | b'\r' => i += 1,
                    b'\n' => {
                        i += 1;
                        self.st = St::LineStart;
                        if self.commit_line() {
                            return Ok(Scan::Full(i));
                        }
                    }
                    b => return Err(self.unexpected(base + i as u64, b)),
                },
                St::SkipLine => match memchr::memchr(b'\n', &inp[i..end]) {
                    Some(k) => {
                        i += k + 1;
                        self.st = St::LineStart;
                    }
                    None => i = end,
                },
                St::Begin => match inp[i] {
                    0xEF => {
                        i += 1;
                        self.st = St::Bom1;
                    }
                    b @ (0xFE | 0xFF) => {
                        i += 1;
                        self.st = St::Utf16Bom(b);
                    }
                    _ => self.st = self.top(),
                },
                St::Utf16Bom(first) => {
                    let at = (base + i as u64).saturating_sub(1);
                    if inp[i] == first ^ 0x01 {
                        return Err(fail(
                            at,
                            ErrorCode::UnsupportedEncoding,
                            "the input starts with a UTF-16 byte order mark; only UTF-8 is supported",
                        ));
                    }
                    // A stray byte on the first line: that line's error, skippable in NDJSON.
                    self.lines_seen += u64::from(self.ndjson);
                    return Err(bad_lead(at, first));
                }
                St::Bom1 | St::Bom2 => {
                    let want = if self.st == St::Bom1 { 0xBB } else { 0xBF };
                    if inp[i] != want {
                        self.lines_seen += u64::from(self.ndjson);
                        if !(0x80..=0xBF).contains(&inp[i]) {
                            return Err(bad_continuation(base + i as u64, inp[i]));
                        }
                        return Err(fail(
                            base + i as u64,
                            ErrorCode::JsonSyntax,
                            format!(
                                "unexpected {} at the start of the input: only a UTF-8 byte order \
                                 mark (EF BB BF) may come before the first value",
                                show(inp[i])
                            ),
                        ));
                    }
                    i += 1;
                    self.st = if self.st == St::Bom1 {
                        St::Bom2
                    } else {
                        self.top()
                    };
                }
            }
        }
        // The record is still open and has taken in more than maxRecordBytes.
        let limit = self
            .rec_start
            .saturating_add(self.limits.max_record_bytes as u64);
        if self.rec && base + i as u64 > limit {
            return Err(self.too_large());
        }
        if self.rec {
            self.flush(inp, n);
            self.copy_from = n;
        }
        Ok(Scan::Consumed)
    }

    /// Fast path over what usually comes right after a token, without whitespace: `:` and
    /// the value's first byte after a key; `,` and the next key or element after a value;
    /// closing brackets. Compact JSON then skips most trips through the state dispatch.
    /// Anything else (whitespace, faults, the end of the chunk) is left to the dispatch,
    /// which gives the precise messages.
    #[inline(always)]
    fn follow(
        &mut self,
        inp: &[u8],
        mut i: usize,
        end: &mut usize,
        base: u64,
    ) -> Result<Flow, Fail> {
        let n = inp.len();
        loop {
            if i >= *end {
                return Ok(Flow::Go(i));
            }
            let b = inp[i];
            match self.st {
                St::Colon if b == b':' => {
                    i += 1;
                    self.st = St::Value;
                    if i < *end && is_space(inp[i]) {
                        i = self.inner_space(inp, i, *end, base)?;
                    }
                    if i < *end && is_value_start(inp[i]) {
                        i = self.start_value(inp, i, base)?;
                        *end = self.window(base, n);
                    }
                    return Ok(Flow::Go(i));
                }
                St::After if b == b',' => {
                    i += 1;
                    if i < *end && is_space(inp[i]) {
                        i = self.inner_space(inp, i, *end, base)?;
                    }
                    let next = if i < *end { inp[i] } else { 0 };
                    if self.kinds.last() == Some(&b'{') {
                        self.st = St::Key;
                        if next == b'"' {
                            i += 1;
                            self.begin_key();
                            self.st = St::Str;
                        }
                    } else {
                        self.st = St::Value;
                        if is_value_start(next) {
                            i = self.start_value(inp, i, base)?;
                            *end = self.window(base, n);
                        }
                    }
                    return Ok(Flow::Go(i));
                }
                St::After if is_space(b) => i = self.inner_space(inp, i, *end, base)?,
                St::After if (b == b']' || b == b'}') && self.kinds.last() == Some(&opener(b)) => {
                    i += 1;
                    if self.close(inp, i, base)? {
                        return Ok(Flow::Full(i));
                    }
                    *end = self.window(base, n);
                }
                _ => return Ok(Flow::Go(i)),
            }
        }
    }

    /// Declares the end of input; `end` is its absolute length.
    pub(crate) fn eof(&mut self, end: u64) -> Result<(), Fail> {
        if matches!(self.st, St::Zero | St::Int | St::Frac | St::ExpDigits) {
            self.value_end(&[], 0, end)?;
        }
        match self.st {
            St::Utf16Bom(first) => {
                self.lines_seen += u64::from(self.ndjson);
                Err(bad_lead(end.saturating_sub(1), first))
            }
            St::TopAfter => Ok(()),
            St::Stray => Err(fail(
                end,
                ErrorCode::JsonInvalidUtf8,
                "invalid UTF-8: the input ends inside a character",
            )),
            St::LineStart | St::SkipLine | St::Begin if self.ndjson => Ok(()),
            St::TopBetween | St::Begin if self.seen_value => Ok(()),
            St::TopBetween | St::Begin => Err(fail(
                end,
                ErrorCode::JsonUnexpectedEof,
                "no JSON value: the input is empty or only whitespace",
            )),
            St::LineEnd => {
                self.commit_line();
                Ok(())
            }
            _ => {
                let inside = match self.st {
                    St::Str | St::Esc | St::Hex | St::Utf8 if self.in_key => {
                        " inside an object key"
                    }
                    St::Str | St::Esc | St::Hex | St::Utf8 => " inside a string",
                    St::Minus | St::Dot | St::Exp | St::ExpSign => " inside a number",
                    St::Lit => " inside a literal",
                    St::Bom1 | St::Bom2 => " inside the byte order mark",
                    _ if self.kinds.last() == Some(&b'{') => " inside an object",
                    _ => " inside an array",
                };
                Err(fail(
                    end,
                    ErrorCode::JsonUnexpectedEof,
                    format!(
                        "unexpected end of input{inside}; expected {}",
                        self.expected()
                    ),
                ))
            }
        }
    }

    /// Truncates the batch to its finished records (after an error).
    pub(crate) fn drop_unfinished(&mut self) {
        self.out.truncate(self.committed);
    }

    /// NDJSON with `skip_errors`: forgets the bad line's value and records, and skips to the
    /// next line break.
    pub(crate) fn abandon_line(&mut self) {
        self.drop_unfinished();
        self.kinds.clear();
        self.track.clear();
        self.rec = false;
        self.cap = false;
        self.in_key = false;
        self.line_records = 0;
        self.line_first = None;
        self.st = St::SkipLine;
    }

    fn top(&self) -> St {
        if self.ndjson {
            St::LineStart
        } else {
            St::TopBetween
        }
    }

    #[inline]
    fn window(&self, base: u64, n: usize) -> usize {
        if !self.rec {
            return n;
        }
        let limit = self
            .rec_start
            .saturating_add(self.limits.max_record_bytes as u64)
            .saturating_add(1)
            .saturating_sub(base);
        usize::try_from(limit).map_or(n, |l| l.min(n))
    }

    fn too_large(&self) -> Fail {
        fail(
            self.rec_start
                .saturating_add(self.limits.max_record_bytes as u64),
            ErrorCode::RecordTooLarge,
            format!(
                "the record starting at byte {} is larger than maxRecordBytes ({} bytes)",
                self.origin + self.rec_start,
                self.limits.max_record_bytes
            ),
        )
    }

    #[inline]
    fn flush(&mut self, inp: &[u8], to: usize) {
        if to > self.copy_from {
            self.out.extend_from_slice(&inp[self.copy_from..to]);
        }
    }

    /// Whitespace between tokens of a value. Inside a record it is left out of the copy.
    #[inline(never)]
    fn inner_space(&mut self, inp: &[u8], i: usize, end: usize, base: u64) -> Result<usize, Fail> {
        if self.rec {
            self.flush(inp, i);
        }
        let mut j = i;
        while j < end {
            match inp[j] {
                b' ' | b'\t' | b'\r' => j += 1,
                b'\n' if !self.ndjson => j += 1,
                b'\n' => {
                    return Err(fail(
                        base + j as u64,
                        ErrorCode::JsonSyntax,
                        format!(
                            "the line ended inside a value; expected {} (an NDJSON value must \
                             fit on one line)",
                            self.expected()
                        ),
                    ))
                }
                _ => break,
            }
        }
        self.copy_from = j;
        Ok(j)
    }

    /// Starts the value whose first byte is `inp[i]`: selects it as a record if a selector
    /// matches its path. Returns the index after the bytes consumed.
    #[inline(always)]
    fn start_value(&mut self, inp: &[u8], i: usize, base: u64) -> Result<usize, Fail> {
        let b = inp[i];
        if !is_value_start(b) {
            return Err(self.unexpected(base + i as u64, b));
        }
        // Inside a record, or below a container no selector reaches, nothing is matched.
        let child = if !self.rec && self.track.len() == self.kinds.len() {
            self.select(i, base)
        } else {
            0
        };
        self.st = match b {
            b'"' => {
                self.in_key = false;
                self.cap = false;
                St::Str
            }
            b'{' | b'[' => {
                if self.kinds.len() >= self.limits.max_depth {
                    return Err(fail(
                        base + i as u64,
                        ErrorCode::TooDeep,
                        format!(
                            "objects and arrays nest deeper than maxDepth ({})",
                            self.limits.max_depth
                        ),
                    ));
                }
                self.kinds.push(b);
                if child != 0 {
                    self.push_level(child);
                }
                if b == b'{' {
                    St::ObjectFirst
                } else {
                    St::ArrayFirst
                }
            }
            b'-' => St::Minus,
            b'0' => St::Zero,
            b't' | b'f' | b'n' => {
                self.lit = match b {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                self.lit_i = 1;
                St::Lit
            }
            _ => St::Int,
        };
        Ok(i + 1)
    }

    /// Matches the value starting at `inp[i]`: begins a record if a selector names its path,
    /// or returns the selectors that may match inside it.
    #[inline(never)]
    fn select(&mut self, i: usize, base: u64) -> u64 {
        let d = self.kinds.len();
        let set = if d == 0 { self.all } else { self.member_set() };
        let hit = set & self.eq.get(d).copied().unwrap_or(0);
        if hit != 0 {
            self.begin_record(i, base, hit.trailing_zeros() as usize);
            0
        } else {
            set & self.gt.get(d).copied().unwrap_or(0)
        }
    }

    /// The selectors still matching after the next member or element of the innermost
    /// (tracked) container.
    fn member_set(&mut self) -> u64 {
        let k = self.kinds.len() - 1;
        let is_array = self.kinds[k] == b'[';
        let Some(level) = self.track.get_mut(k) else {
            return 0;
        };
        let alive = level.alive;
        let index = level.next;
        if is_array {
            level.next += 1;
        }
        let mut set = 0;
        let mut bits = alive;
        while bits != 0 {
            let s = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let seg = if is_array {
                Err(index)
            } else {
                Ok(self.key.as_slice())
            };
            let ok = match self.paths.get(s).and_then(|p| p.steps().get(k)) {
                Some(Step::Key(_)) if !is_array && !self.key_ok => false,
                Some(step) => step.accepts(seg),
                None => false,
            };
            if ok {
                set |= 1 << s;
            }
        }
        set
    }

    fn push_level(&mut self, alive: u64) {
        let d = self.kinds.len() - 1;
        let mut need_key = false;
        let mut bits = alive;
        while bits != 0 {
            let s = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            need_key |= matches!(
                self.paths.get(s).and_then(|p| p.steps().get(d)),
                Some(Step::Key(_))
            );
        }
        self.track.push(Level {
            alive,
            next: 0,
            need_key,
        });
    }

    fn begin_key(&mut self) {
        self.in_key = true;
        self.cap = !self.rec
            && self.track.len() == self.kinds.len()
            && self.track.last().is_some_and(|l| l.need_key);
        if self.cap {
            self.key.clear();
            self.key_ok = true;
            self.hi_sur = 0;
        }
    }

    fn end_key(&mut self) {
        if self.cap && self.hi_sur != 0 {
            self.key_ok = false;
        }
        self.cap = false;
    }

    /// Appends decoded key bytes; a key that cannot match any selector stops being kept.
    fn capture(&mut self, bytes: &[u8]) {
        if bytes.is_empty() || !self.key_ok {
            return;
        }
        if self.hi_sur != 0 || self.key.len() + bytes.len() > self.max_key {
            self.key_ok = false;
            return;
        }
        self.key.extend_from_slice(bytes);
    }

    /// A `\uXXXX` code unit of a captured key. Lone surrogates make the key unmatchable
    /// (selectors are UTF-8 text), but are valid JSON.
    fn capture_unit(&mut self, unit: u32) {
        if !self.key_ok {
            return;
        }
        let cp = if self.hi_sur != 0 {
            let hi = std::mem::take(&mut self.hi_sur);
            if !(0xDC00..0xE000).contains(&unit) {
                self.key_ok = false;
                return;
            }
            0x10000 + ((hi - 0xD800) << 10) + (unit - 0xDC00)
        } else if (0xD800..0xDC00).contains(&unit) {
            self.hi_sur = unit;
            return;
        } else {
            unit
        };
        match char::from_u32(cp) {
            Some(c) => {
                let mut buf = [0u8; 4];
                self.capture(c.encode_utf8(&mut buf).as_bytes());
            }
            None => self.key_ok = false,
        }
    }

    /// A non-ASCII character in a string, starting at `inp[j]`: validates it and, inside a
    /// record, writes it as `\u` escapes. Returns the index after the bytes consumed.
    fn utf8_char(&mut self, inp: &[u8], j: usize, end: usize, base: u64) -> Result<usize, Fail> {
        let lead = inp[j];
        let Some((need, lo, hi, init)) = utf8_lead(lead) else {
            return Err(bad_lead(base + j as u64, lead));
        };
        if self.rec {
            self.flush(inp, j);
        }
        let len = 1 + need as usize;
        if j + len <= end {
            // The whole character is here.
            let mut cp = u32::from(init);
            for (k, &b) in inp[j + 1..j + len].iter().enumerate() {
                let (l, h) = if k == 0 { (lo, hi) } else { (0x80, 0xBF) };
                if b < l || b > h {
                    return Err(bad_continuation(base + (j + 1 + k) as u64, b));
                }
                cp = (cp << 6) | u32::from(b & 0x3F);
            }
            if self.rec {
                write_unicode(&mut self.out, cp);
            }
            if self.cap {
                self.capture(&inp[j..j + len]);
            }
            self.copy_from = j + len;
            return Ok(j + len);
        }
        self.utf_cp = u32::from(init);
        self.utf_need = need;
        self.utf_lo = lo;
        self.utf_hi = hi;
        if self.cap {
            self.capture(&inp[j..j + 1]);
        }
        self.st = St::Utf8;
        self.copy_from = j + 1;
        Ok(j + 1)
    }

    fn begin_record(&mut self, i: usize, base: u64, selector: usize) {
        self.out
            .extend_from_slice(if self.out.is_empty() { b"[" } else { b"," });
        if let Some(tag) = self.tags.get(selector) {
            self.out.extend_from_slice(tag);
        }
        self.rec = true;
        self.rec_depth = self.kinds.len();
        self.rec_start = base + i as u64;
        self.copy_from = i;
    }

    fn close(&mut self, inp: &[u8], after: usize, base: u64) -> Result<bool, Fail> {
        self.kinds.pop();
        if self.track.len() > self.kinds.len() {
            self.track.pop();
        }
        self.value_end(inp, after, base)
    }

    /// A value ended just before `inp[e]`. Returns whether the batch is full.
    #[inline]
    fn value_end(&mut self, inp: &[u8], e: usize, base: u64) -> Result<bool, Fail> {
        self.st = if !self.kinds.is_empty() {
            St::After
        } else if self.ndjson {
            St::LineEnd
        } else {
            St::TopAfter
        };
        if self.rec && self.kinds.len() == self.rec_depth {
            return self.end_record(inp, e, base);
        }
        Ok(false)
    }

    fn end_record(&mut self, inp: &[u8], e: usize, base: u64) -> Result<bool, Fail> {
        if base + e as u64 - self.rec_start > self.limits.max_record_bytes as u64 {
            return Err(self.too_large());
        }
        self.flush(inp, e);
        self.copy_from = e;
        if !self.tags.is_empty() {
            self.out.extend_from_slice(b"}");
        }
        self.rec = false;
        if self.ndjson {
            // A line's records are held until the line ends, so together they count as one.
            let first = *self.line_first.get_or_insert(self.rec_start);
            if base + e as u64 - first > self.limits.max_record_bytes as u64 {
                return Err(fail(
                    base + e as u64,
                    ErrorCode::RecordTooLarge,
                    format!(
                        "the records selected from the line starting at byte {} span more \
                         than maxRecordBytes ({} bytes)",
                        self.origin + first,
                        self.limits.max_record_bytes
                    ),
                ));
            }
            self.line_records += 1;
            return Ok(false);
        }
        self.committed = self.out.len();
        self.records += 1;
        Ok(self.out.len() >= self.limits.batch_bytes)
    }

    /// NDJSON: the line ended cleanly; its records become part of the batch.
    fn commit_line(&mut self) -> bool {
        self.line_first = None;
        self.committed = self.out.len();
        self.records += self.line_records;
        self.line_records = 0;
        self.committed > 0 && self.out.len() >= self.limits.batch_bytes
    }

    /// What the grammar allows next, for messages.
    fn expected(&self) -> &'static str {
        let in_object = self.kinds.last() == Some(&b'{');
        match self.st {
            St::TopBetween | St::TopAfter if self.single && self.seen_value => {
                "the end of the input after the JSON document (several values need format 'concatenated')"
            }
            St::Begin | St::TopBetween | St::LineStart => {
                "a JSON value (object, array, string, number, true, false or null)"
            }
            St::Bom1 | St::Bom2 => "the rest of the UTF-8 byte order mark EF BB BF",
            St::Utf16Bom(_) => "a JSON value in UTF-8",
            St::TopAfter => "whitespace or the end of the input after a complete JSON value",
            St::LineEnd => "the end of the line after a complete JSON value",
            St::SkipLine => "the end of the line",
            St::Value => "a value (object, array, string, number, true, false or null)",
            St::ArrayFirst => "a value or `]`",
            St::ObjectFirst => "a string key in double quotes or `}`",
            St::Key => "a string key in double quotes",
            St::Colon => "`:` after the object key",
            St::After if in_object => "`,` or `}` after the object member",
            St::After => "`,` or `]` after the array element",
            St::Str | St::Esc | St::Hex | St::Utf8 => "the closing `\"` of the string",
            St::Minus => "a digit after `-`",
            St::Zero | St::Int => "a digit, `.`, `e` or the end of the number",
            St::Dot => "a digit after the decimal point",
            St::Frac => "a digit, `e` or the end of the number",
            St::Exp => "a digit or a sign in the exponent",
            St::ExpSign | St::ExpDigits => "a digit in the exponent",
            St::Stray => "a continuation byte of the character",
            St::Lit => match self.lit {
                b"true" => "`true`",
                b"false" => "`false`",
                _ => "`null`",
            },
        }
    }

    fn unexpected(&mut self, at: u64, b: u8) -> Fail {
        self.stray_lead = is_utf8_lead(b);
        let mut message = format!("unexpected {}; expected {}", show(b), self.expected());
        let hint = match (self.st, b) {
            (St::Key, b'}') | (St::Value, b']') => " (trailing commas are not allowed)",
            (_, b'\'') => " (strings need double quotes)",
            (St::TopAfter, b'"' | b'{' | b'[' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n')
                if !self.single =>
            {
                " (concatenated values must be separated by whitespace)"
            }
            _ => "",
        };
        message.push_str(hint);
        let code = if b >= 0x80 && !is_utf8_lead(b) {
            ErrorCode::JsonInvalidUtf8
        } else {
            ErrorCode::JsonSyntax
        };
        fail(at, code, message)
    }
}

fn opener(close: u8) -> u8 {
    if close == b']' {
        b'['
    } else {
        b'{'
    }
}

#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

#[inline]
fn is_value_start(b: u8) -> bool {
    matches!(
        b,
        b'"' | b'{' | b'[' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
    )
}

fn is_utf8_lead(b: u8) -> bool {
    matches!(b, 0xC2..=0xF4)
}

/// For a byte that starts a multi-byte UTF-8 character: how many continuation bytes follow,
/// the range the first of them must be in (the rest are 0x80..=0xBF), and the lead's bits.
fn utf8_lead(lead: u8) -> Option<(u8, u8, u8, u8)> {
    Some(match lead {
        0xC2..=0xDF => (1, 0x80, 0xBF, lead & 0x1F),
        0xE0 => (2, 0xA0, 0xBF, lead & 0x0F),
        0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF, lead & 0x0F),
        0xED => (2, 0x80, 0x9F, lead & 0x0F),
        0xF0 => (3, 0x90, 0xBF, lead & 0x07),
        0xF1..=0xF3 => (3, 0x80, 0xBF, lead & 0x07),
        0xF4 => (3, 0x80, 0x8F, lead & 0x07),
        _ => return None,
    })
}

fn bad_lead(at: u64, b: u8) -> Fail {
    fail(
        at,
        ErrorCode::JsonInvalidUtf8,
        format!("invalid UTF-8: byte 0x{b:02X} cannot start a character"),
    )
}

fn bad_continuation(at: u64, b: u8) -> Fail {
    fail(
        at,
        ErrorCode::JsonInvalidUtf8,
        format!("invalid UTF-8: byte 0x{b:02X} cannot continue the character"),
    )
}

/// A byte, for messages.
fn show(b: u8) -> String {
    match b {
        0x21..=0x7E => format!("`{}`", b as char),
        0x00..=0x7F => format!("U+{b:04X}"),
        _ => format!("byte 0x{b:02X}"),
    }
}

fn show_plain(b: u8) -> String {
    match b {
        0x21..=0x7E => (b as char).to_string(),
        _ => format!("(byte 0x{b:02X})"),
    }
}

fn hex_value(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0')),
        b'a'..=b'f' => Some(u32::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u32::from(b - b'A' + 10)),
        _ => None,
    }
}

/// A scalar value as one `\u` escape, or a surrogate pair above U+FFFF.
fn write_unicode(out: &mut BytesMut, cp: u32) {
    if cp >= 0x10000 {
        let v = cp - 0x10000;
        let (hi, lo) = (
            crate::escape::unicode_escape(0xD800 | (v >> 10)),
            crate::escape::unicode_escape(0xDC00 | (v & 0x3FF)),
        );
        let mut both = [0u8; 12];
        both[..6].copy_from_slice(&hi);
        both[6..].copy_from_slice(&lo);
        out.extend_from_slice(&both);
    } else {
        out.extend_from_slice(&crate::escape::unicode_escape(cp));
    }
}

/// Index of the first byte of `s` that ends a plain run of string text: `"`, `\`, a control
/// character or a non-ASCII byte; `s.len()` if there is none.
#[inline]
fn find_special(s: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= s.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[i..i + 8]);
        let x = u64::from_le_bytes(w);
        let quote = x ^ (ONES * u64::from(b'"'));
        let slash = x ^ (ONES * u64::from(b'\\'));
        // Per byte, the high bit is set for bytes < 0x20, == '"', == '\\' or >= 0x80. A set
        // bit can be spurious only above a genuine one, so the lowest is exact.
        let below_space = x.wrapping_sub(ONES * 0x20);
        let is_quote = quote.wrapping_sub(ONES) & !quote;
        let is_slash = slash.wrapping_sub(ONES) & !slash;
        let hits = (below_space | x | is_quote | is_slash) & HIGH;
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < s.len() {
        let b = s[i];
        if b < 0x20 || b == b'"' || b == b'\\' || b >= 0x80 {
            return i;
        }
        i += 1;
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_special_agrees_with_a_plain_search() {
        let specials = [b'"', b'\\', 0x00, 0x1F, 0x80, 0xFF, 0xC3];
        let plain = [
            b'a', b' ', 0x20, 0x7F, b'!', b'#', b'[', b']', b'~', 0x21, 0x5B, 0x5D,
        ];
        for len in 0..20 {
            for at in 0..=len {
                for &sp in &specials {
                    for &p in &plain {
                        let mut s = vec![p; len];
                        if at < len {
                            s[at] = sp;
                        }
                        // Specials after the first one must not confuse the search.
                        if at + 1 < len {
                            s[at + 1] = b'"';
                        }
                        let expect = s
                            .iter()
                            .position(|&b| b < 0x20 || b == b'"' || b == b'\\' || b >= 0x80)
                            .unwrap_or(len);
                        assert_eq!(find_special(&s), expect, "{s:?}");
                    }
                }
            }
        }
        // Every byte value at every offset of a word.
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut s = vec![b'x'; 8];
                s[at] = b;
                let special = b < 0x20 || b == b'"' || b == b'\\' || b >= 0x80;
                assert_eq!(
                    find_special(&s),
                    if special { at } else { 8 },
                    "{b:#x} at {at}"
                );
            }
        }
    }
}
