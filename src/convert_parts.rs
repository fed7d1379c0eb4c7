//! One file to NDJSON (or one JSON array) on several threads, with exactly the bytes, skips
//! and first error of [`crate::convert::convert`] reading it on one.
//!
//! The file comes cut into parts (planned natively by `crate::cut` while the first part
//! already runs). Each part after the first starts from a guessed state; every part is
//! read and converted on a worker thread of its own into an output buffer. The calling thread
//! writes a part's output only once the part before it, having read every byte up to the
//! part's start, reports exactly the guessed state there (its [`Boundary`]). Otherwise the
//! part's speculative output is dropped and the parser before it reads on through the part
//! itself, as one stream would. Only a few parts are in flight at once: a worker does not
//! start a part more than [`AHEAD`] parts per thread ahead of the last one written, the last
//! part of the file excepted, which starts second ([`started_as`]). A worker's free buffers
//! go on from one of its parts to the next.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

use crate::convert::{
    keep_skips, ConvertError, OutputFormat, Progress, RecordWriter, Summary, MAX_SKIP_REPORTS,
};
use crate::cut::read_at;
use crate::engine::Engine;
use crate::engine::Status;
use crate::error::Error;
use crate::pool::Pool;
use crate::split::Boundary;
use crate::xml::{Ancestor, Resume};
use crate::XmlOptions;

/// One byte range of the file, `[start, end)`.
#[derive(Debug, Clone, Default)]
pub struct Part {
    pub start: u64,
    pub end: u64,
    /// The elements guessed open at `start`; `None` for the first part, whose state is known.
    pub guess: Option<Vec<Ancestor>>,
}

impl Part {
    /// `o` for this part's XML parser: resumed in its guessed state, or as given for the first
    /// part, whose state is known.
    pub fn xml_options(&self, o: &XmlOptions) -> XmlOptions {
        let mut o = o.clone();
        if let Some(path) = &self.guess {
            o.resume = Some(Resume {
                offset: self.start,
                path: path.clone(),
                encoding: None,
            });
        }
        o
    }
}

/// Makes the parser of a part: started from its guess, or from the beginning for the first.
pub type MakeEngine<'a> = dyn Fn(&Part) -> Result<Box<dyn Engine>, Error> + Sync + 'a;

/// Parts per thread that may be read ahead of the one being written: one would leave a
/// thread idle whenever the part to write next is late (its thread descheduled on a busy
/// machine, or a longer part); each part held costs only its NDJSON bytes.
const AHEAD: usize = 2;

/// Bytes per read of a part.
const READ_CHUNK: usize = 256 * 1024;

/// What one part's parser produced from its range (and, after a wrong guess, the next's).
struct PartOut {
    engine: Box<dyn Engine>,
    /// The part's records, laid out for the output (a JSON array's records each preceded by
    /// `,\n`: the caller fixes the first).
    out: Vec<u8>,
    records: u64,
    skips: Vec<(Error, u64)>,
    skipped: u64,
    /// The parse error the range ended in.
    error: Option<Error>,
    /// `Boundary::path` of the guess, as the parser reports a state; `None` when the part's
    /// state is known or its guess cannot be checked.
    guess_path: Option<String>,
}

impl PartOut {
    /// `part`'s parser, made with the worker's free buffers (`pool`, swapped in), and nothing
    /// converted yet; `None` if the parser refuses the part's state (a wrong guess).
    fn start(make: &MakeEngine, part: &Part, out: Vec<u8>, pool: &mut Pool) -> Option<PartOut> {
        let mut engine = make(part).ok()?;
        std::mem::swap(engine.pool(), pool);
        Some(PartOut {
            engine,
            out,
            records: 0,
            skips: Vec::new(),
            skipped: 0,
            error: None,
            guess_path: None,
        })
    }
}

/// A part's outcome: converted, or a failure that is not the input's (read error, cancel).
type Outcome = Result<PartOut, ConvertError>;

/// Reads `[from, to)` through `p.engine`, then ends the input if `last`. A parse error ends
/// the range early and is kept in `p.error`.
fn feed_range(
    p: &mut PartOut,
    writer: &mut RecordWriter,
    file: &File,
    from: u64,
    to: u64,
    last: bool,
    cancel: &AtomicBool,
) -> Result<(), ConvertError> {
    let mut pos = from;
    let mut at_end = pos >= to;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(ConvertError::Cancelled);
        }
        if !at_end {
            let want = (to - pos).min(READ_CHUNK as u64) as usize;
            let mut chunk = p.engine.pool().take(want);
            chunk.resize(want, 0);
            let n = read_at(file, &mut chunk, pos).map_err(ConvertError::Read)?;
            if n == 0 {
                return Err(ConvertError::Read(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file is shorter than when it was planned",
                )));
            }
            chunk.truncate(n);
            pos += n as u64;
            p.engine.feed_owned(chunk);
        }
        let finishing = at_end && last;
        if at_end && !last {
            return Ok(());
        }
        loop {
            let status = if finishing {
                p.engine.finish()
            } else {
                p.engine.run()
            };
            while let Some(batch) = p.engine.take_batch() {
                p.records += writer.batch(&batch, &mut p.out)?;
                p.engine.recycle(batch);
            }
            for skip in p.engine.take_skips() {
                p.skipped += 1;
                if p.skips.len() < MAX_SKIP_REPORTS {
                    p.skips.push(skip);
                }
            }
            match status {
                Ok(Status::BatchReady) => continue,
                Ok(_) => break,
                Err(e) => {
                    p.error = Some(e);
                    return Ok(());
                }
            }
        }
        if finishing {
            return Ok(());
        }
        at_end = pos >= to;
    }
}

fn writer_for(format: OutputFormat, engine: &dyn Engine) -> RecordWriter {
    RecordWriter::continuing(format).layout(engine.layout())
}

/// Parses one part from its (guessed) start state to its end.
#[allow(clippy::too_many_arguments)]
fn run_part(
    make: &MakeEngine,
    file: &File,
    part: &Part,
    last: bool,
    format: OutputFormat,
    json: bool,
    cancel: &AtomicBool,
    out: Vec<u8>,
    pool: &mut Pool,
) -> Option<Outcome> {
    // A guess the parser refuses (a bad name) is simply a wrong guess.
    let mut p = PartOut::start(make, part, out, pool)?;
    p.guess_path = match (&part.guess, p.engine.boundary()) {
        // The state the parser starts in, as a verdict reports it (XML, a JSON document).
        (Some(_), Some(b)) if b.between => Some(b.path),
        // An NDJSON part guesses only that a line starts there: the verdict's `between`.
        (Some(_), _) if json => Some(String::new()),
        _ => None,
    };
    let mut writer = writer_for(format, &*p.engine);
    Some(
        feed_range(
            &mut p,
            &mut writer,
            file,
            part.start,
            part.end,
            last,
            cancel,
        )
        .map(|()| p),
    )
}

/// Parses the first part: its first `head` bytes at once, the rest once the plan, made
/// meanwhile on the calling thread, says where the part ends (`planned` waits for it; `None`
/// when the conversion stopped first).
#[allow(clippy::too_many_arguments)]
fn run_first<'p>(
    make: &MakeEngine,
    file: &File,
    head: u64,
    planned: impl FnOnce() -> Option<&'p [Part]>,
    format: OutputFormat,
    cancel: &AtomicBool,
    out: Vec<u8>,
    pool: &mut Pool,
) -> Option<Outcome> {
    let first = Part {
        start: 0,
        end: head,
        guess: None,
    };
    let mut p = PartOut::start(make, &first, out, pool)?;
    let mut writer = writer_for(format, &*p.engine);
    let run = || -> Result<(), ConvertError> {
        feed_range(&mut p, &mut writer, file, 0, head, false, cancel)?;
        if p.error.is_some() {
            return Ok(());
        }
        let parts = planned().ok_or(ConvertError::Cancelled)?;
        let end = parts.first().map_or(head, |f| f.end);
        feed_range(
            &mut p,
            &mut writer,
            file,
            head,
            end,
            parts.len() == 1,
            cancel,
        )
    };
    Some(run().map(|()| p))
}

/// Whether the part that starts where `verdict` was taken may keep what it parsed.
fn accepts(verdict: &Boundary, part: &Part, guess_path: Option<&str>) -> bool {
    verdict.between && verdict.offset == part.start && guess_path == Some(verdict.path.as_str())
}

/// Where a part's output is counted from: line and column of its start in the file, the
/// index of its first record, where the elements open at its start were opened.
#[derive(Clone)]
struct Origin {
    line: u64,
    column: u64,
    index: u64,
    opened: Vec<u64>,
    /// Whether this parser started at the file's start (its positions need no fixing).
    first: bool,
    /// Added to the parser's byte offsets: the JSON engine counts them from its first byte.
    base: u64,
}

impl Origin {
    fn at(&self, line: u64, column: u64) -> (u64, u64) {
        if line <= 1 {
            (self.line, self.column + column.saturating_sub(1))
        } else {
            (self.line + line - 1, column)
        }
    }

    /// An error of a parser started here, positioned in the file as one stream would.
    fn fix(&self, mut e: Error, guess: Option<&[Ancestor]>) -> Error {
        let (line, column) = self.at(e.position.line, e.position.column);
        e.position.line = line;
        e.position.column = column;
        e.position.offset += self.base;
        if !self.first {
            e.message = self.fix_message(&e.message, guess);
        }
        e
    }

    fn fix_message(&self, message: &str, guess: Option<&[Ancestor]>) -> String {
        const AT_LINE: &str = "(opened at line ";
        if let Some(i) = message.find(AT_LINE) {
            let rest = &message[i + AT_LINE.len()..];
            let parsed = rest.split_once(", column ").and_then(|(l, r)| {
                let (c, tail) = r.split_once(')')?;
                Some((l.parse::<u64>().ok()?, c.parse::<u64>().ok()?, tail))
            });
            if let Some((l, c, tail)) = parsed {
                let (line, column) = self.at(l, c);
                return format!("{}{AT_LINE}{line}, column {column}){tail}", &message[..i]);
            }
        }
        // An element open since before this part: named where it was opened, as one stream
        // does for an element whose start it no longer holds.
        const HEAD: &str = "input ended before </";
        const TAIL: &str = "> (opened before the checkpoint resumed from)";
        if let Some(name) = message
            .strip_prefix(HEAD)
            .and_then(|m| m.strip_suffix(TAIL))
        {
            if let Some(path) = guess {
                if let Some(d) = path.iter().rposition(|a| a.name == name) {
                    if let Some(&at) = self.opened.get(d).filter(|&&o| o != u64::MAX) {
                        return format!("{HEAD}{name}> (opened at byte {at})");
                    }
                }
            }
        }
        message.to_string()
    }
}

/// The part started `k`-th of `n`: the first, then the last, then the others in file order.
/// The last part runs on to the end of the file, past where the records end and no cut can
/// be made (a DDEX message's DealList after its releases), so it is often the longest:
/// started last, it would end the run on one thread. Started early, its output waits for
/// the parts before it: one part more held than the window of parts in flight.
fn started_as(k: usize, n: usize) -> usize {
    match k {
        0 => 0,
        _ if n <= 2 => k,
        1 => n - 1,
        _ => k - 1,
    }
}

struct Schedule {
    /// How many parts workers have started (in the order of [`started_as`]).
    next: usize,
    /// The part whose output was written last: workers stay within `ahead` parts of it.
    written: usize,
    done: BTreeMap<usize, Option<Outcome>>,
    /// Output buffers written out, for the next parts: reused, their pages are not faulted
    /// in again for every part.
    spare: Vec<Vec<u8>>,
    stop: bool,
}

/// The parts of a file, in file order, each ending where the next starts, the first starting
/// at 0 with no guess and ending at or after `head`, the last ending at the end of the file.
pub type Plan<'a> = dyn FnOnce() -> Result<Vec<Part>, ConvertError> + Send + 'a;

/// Converts `file` cut into parts by `plan` on `threads` worker threads, writing exactly what
/// [`crate::convert::convert`] writes for the whole file. The plan is made by the worker
/// that would otherwise wait for it (the calling thread when there is one worker), while the
/// first part's first `head` bytes are already being parsed. `json`: the
/// parsers are the JSON engine's, whose records are reparsed (as `convert`'s `reparse`) and
/// whose offsets count from where each started.
#[allow(clippy::too_many_arguments)]
pub fn convert_parts<W: Write>(
    make: &MakeEngine,
    file: &File,
    plan: Box<Plan>,
    head: u64,
    threads: usize,
    mut output: W,
    format: OutputFormat,
    json: bool,
    progress: &Progress,
    cancel: &AtomicBool,
) -> Result<Summary, ConvertError> {
    let threads = threads.max(1);
    let planned: OnceLock<Vec<Part>> = OnceLock::new();
    let unplanned: Mutex<Option<Box<Plan>>> = Mutex::new(Some(plan));
    let plan_failed: Mutex<Option<ConvertError>> = Mutex::new(None);
    let ahead = threads * AHEAD;
    let sched = Mutex::new(Schedule {
        next: 0,
        written: 0,
        done: BTreeMap::new(),
        spare: Vec::new(),
        stop: false,
    });
    let changed = Condvar::new();
    let lock = || {
        sched
            .lock()
            .map_err(|_| ConvertError::Internal("a worker panicked"))
    };

    // Makes the plan unless another thread has taken it on: its parts, or its failure (which
    // stops the conversion), are published under the schedule's lock.
    let make_plan = || {
        let Some(plan) = unplanned.lock().ok().and_then(|mut p| p.take()) else {
            return;
        };
        let result = plan().and_then(|parts| {
            if parts.is_empty() || parts[0].start != 0 || parts[0].end < head {
                return Err(ConvertError::Internal(
                    "a plan that does not start the file",
                ));
            }
            Ok(parts)
        });
        let Ok(mut s) = sched.lock() else { return };
        match result {
            Ok(parts) => {
                let _ = planned.set(parts);
            }
            Err(e) => {
                if let Ok(mut failed) = plan_failed.lock() {
                    *failed = Some(e);
                }
                s.stop = true;
            }
        }
        drop(s);
        changed.notify_all();
    };

    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut pool = Pool::new();
                loop {
                    let (i, out) = {
                        let Ok(mut s) = sched.lock() else { return };
                        loop {
                            if s.stop {
                                return;
                            }
                            // The first part starts before the plan is made; the others
                            // wait for it.
                            match planned.get() {
                                _ if s.next == 0 => break,
                                Some(parts) if s.next >= parts.len() => return,
                                Some(parts) => {
                                    let i = started_as(s.next, parts.len());
                                    if i + 1 == parts.len() || i <= s.written + ahead {
                                        break;
                                    }
                                }
                                None => {
                                    drop(s);
                                    make_plan();
                                    s = match sched.lock() {
                                        Ok(s) => s,
                                        Err(_) => return,
                                    };
                                    if planned.get().is_some() || s.stop {
                                        continue;
                                    }
                                }
                            }
                            s = match changed.wait(s) {
                                Ok(s) => s,
                                Err(_) => return,
                            };
                        }
                        let i = planned.get().map_or(0, |p| started_as(s.next, p.len()));
                        s.next += 1;
                        (i, s.spare.pop().unwrap_or_default())
                    };
                    let mut outcome =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            if i == 0 {
                                let wait = || {
                                    let mut s = sched.lock().ok()?;
                                    loop {
                                        if let Some(parts) = planned.get() {
                                            return Some(parts.as_slice());
                                        }
                                        if s.stop {
                                            return None;
                                        }
                                        s = changed.wait(s).ok()?;
                                    }
                                };
                                return run_first(
                                    make, file, head, wait, format, cancel, out, &mut pool,
                                );
                            }
                            let parts = planned.get()?;
                            let last = i + 1 == parts.len();
                            run_part(
                                make, file, &parts[i], last, format, json, cancel, out, &mut pool,
                            )
                        }))
                        .unwrap_or(Some(Err(ConvertError::Internal("a panic in a part"))));
                    // The part's free buffers go on to this thread's next part: a fresh parser's
                    // would be allocated, and their pages faulted in, again for every part.
                    if let Some(Ok(p)) = &mut outcome {
                        pool = std::mem::take(p.engine.pool());
                    }
                    let Ok(mut s) = sched.lock() else { return };
                    s.done.insert(i, outcome);
                    changed.notify_all();
                }
            });
        }

        let result = (|| {
            // Waits for part `i`'s outcome.
            let take = |i: usize| -> Result<Option<Outcome>, ConvertError> {
                wait_until(&sched, &changed, cancel, |s| s.done.remove(&i).map(Ok))
            };

            let spare = |mut out: Vec<u8>| -> Result<(), ConvertError> {
                out.clear();
                let mut s = lock()?;
                if s.spare.len() < ahead + threads {
                    s.spare.push(out);
                }
                Ok(())
            };

            if threads == 1 {
                make_plan();
            }
            let parts: &[Part] = wait_until(&sched, &changed, cancel, |s| {
                if let Some(parts) = planned.get() {
                    return Some(Ok(parts.as_slice()));
                }
                s.stop.then(|| {
                    let failed = plan_failed.lock().ok().and_then(|mut f| f.take());
                    Err(failed.unwrap_or(ConvertError::Cancelled))
                })
            })?;

            let mut owner = match take(0)? {
                Some(o) => o?,
                None => return Err(ConvertError::Internal("the first part has no parser")),
            };
            let mut origin = Origin {
                line: 1,
                column: 1,
                index: 0,
                opened: Vec::new(),
                first: true,
                base: 0,
            };
            let mut owner_guess: Option<&[Ancestor]> = None;
            let mut summary = Summary::default();
            let mut written_records = 0u64;
            let mut i = 0;
            loop {
                // Part `i`'s output is confirmed: out it goes.
                write_out(&mut output, &mut owner.out, format, written_records)?;
                written_records += owner.records;
                summary.skipped += std::mem::take(&mut owner.skipped);
                for (e, index) in owner.skips.drain(..) {
                    if summary.skips.len() < MAX_SKIP_REPORTS {
                        summary
                            .skips
                            .push((origin.fix(e, owner_guess), origin.index + index));
                    }
                }
                progress.records.store(written_records, Ordering::Relaxed);
                progress.skipped.store(summary.skipped, Ordering::Relaxed);
                progress
                    .bytes_read
                    .store(parts[i].end - parts[0].start, Ordering::Relaxed);
                if let Some(e) = owner.error.take() {
                    output.flush().map_err(ConvertError::Write)?;
                    keep_skips(progress, std::mem::take(&mut summary.skips));
                    return Err(ConvertError::Parse(origin.fix(e, owner_guess)));
                }
                if i + 1 == parts.len() {
                    break;
                }
                {
                    let mut s = lock()?;
                    s.written = i;
                    changed.notify_all();
                }
                let next = &parts[i + 1];
                let mut verdict = owner
                    .engine
                    .boundary()
                    .ok_or(ConvertError::Internal("a parser without boundaries"))?;
                verdict.offset += origin.base;
                if verdict.offset != next.start {
                    return Err(ConvertError::Internal("a part ended off its boundary"));
                }
                let spec = take(i + 1)?;
                let ok = match &spec {
                    Some(Ok(p)) => accepts(&verdict, next, p.guess_path.as_deref()),
                    // A read error in a speculative part is met again by the owner.
                    _ => false,
                };
                let accepted = match spec {
                    Some(Ok(p)) if ok => Some(p),
                    Some(Ok(p)) => {
                        spare(p.out)?;
                        None
                    }
                    _ => None,
                };
                if let Some(p) = accepted {
                    let (line, column) = origin.at(verdict.line, verdict.column);
                    let opened = verdict
                        .opened
                        .iter()
                        .enumerate()
                        .map(|(d, &o)| {
                            if o != u64::MAX {
                                o
                            } else {
                                origin.opened.get(d).copied().unwrap_or(u64::MAX)
                            }
                        })
                        .collect();
                    origin = Origin {
                        line,
                        column,
                        index: origin.index + verdict.index,
                        opened,
                        first: false,
                        base: if json { next.start } else { 0 },
                    };
                    owner_guess = next.guess.as_deref();
                    let done = std::mem::replace(&mut owner, p);
                    spare(done.out)?;
                } else {
                    // Redone by the owner, from the true state: its records count from the
                    // owner's origin, as they always did.
                    owner.out.clear();
                    owner.records = 0;
                    let mut writer = writer_for(format, &*owner.engine);
                    let last = i + 2 == parts.len();
                    feed_range(
                        &mut owner,
                        &mut writer,
                        file,
                        next.start,
                        next.end,
                        last,
                        cancel,
                    )?;
                }
                i += 1;
            }
            // Only a complete input gets the closing `]`: a cut-off array must not look whole.
            let mut end = Vec::new();
            let mut w = RecordWriter::new(format);
            if written_records > 0 {
                w = RecordWriter::continuing(format);
            }
            w.end(&mut end);
            output.write_all(&end).map_err(ConvertError::Write)?;
            output.flush().map_err(ConvertError::Write)?;
            summary.records = written_records;
            summary.bytes = parts[parts.len() - 1].end - parts[0].start;
            summary.parts = parts.len() as u64;
            Ok(summary)
        })();

        if let Ok(mut s) = sched.lock() {
            s.stop = true;
        }
        changed.notify_all();
        result
    })
}

/// Writes a part's records; a JSON array's first record gets the array's opening.
fn write_out<W: Write>(
    output: &mut W,
    out: &mut Vec<u8>,
    format: OutputFormat,
    written_before: u64,
) -> Result<(), ConvertError> {
    let mut bytes = &out[..];
    if format == OutputFormat::JsonArray && written_before == 0 && !bytes.is_empty() {
        output.write_all(b"[\n").map_err(ConvertError::Write)?;
        bytes = bytes.strip_prefix(b",\n").unwrap_or(bytes);
    }
    output.write_all(bytes).map_err(ConvertError::Write)?;
    out.clear();
    Ok(())
}

/// Waits on `changed` until `ready` gives a result (checked first, and after every wake), or
/// the conversion is cancelled. The timeout lets a cancel that no one signals be seen.
fn wait_until<S, T>(
    state: &Mutex<S>,
    changed: &Condvar,
    cancel: &AtomicBool,
    mut ready: impl FnMut(&mut S) -> Option<Result<T, ConvertError>>,
) -> Result<T, ConvertError> {
    fn panicked<E>(_: E) -> ConvertError {
        ConvertError::Internal("a worker panicked")
    }
    let mut s = state.lock().map_err(panicked)?;
    loop {
        if let Some(result) = ready(&mut s) {
            return result;
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(ConvertError::Cancelled);
        }
        s = changed
            .wait_timeout(s, Duration::from_millis(50))
            .map_err(panicked)?
            .0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::convert;
    use crate::{XmlOptions, XmlParser};

    fn options(select: &str, skip: bool) -> XmlOptions {
        XmlOptions {
            select: vec![select.to_string()],
            skip_errors: skip,
            ..XmlOptions::default()
        }
    }

    fn make(o: XmlOptions) -> impl Fn(&Part) -> Result<Box<dyn Engine>, Error> + Sync {
        move |p: &Part| Ok(Box::new(XmlParser::new(p.xml_options(&o))?) as Box<dyn Engine>)
    }

    /// Parts starting at every `<name` after each `step` bytes, guessing `guess` open.
    fn cut(doc: &str, name: &str, step: usize, guess: &[Ancestor]) -> Vec<Part> {
        let mut parts = vec![Part {
            start: 0,
            end: doc.len() as u64,
            guess: None,
        }];
        let mut from = step;
        while from < doc.len() {
            let Some(at) = doc[from..].find(&format!("<{name}")).map(|i| i + from) else {
                break;
            };
            parts.last_mut().unwrap().end = at as u64;
            parts.push(Part {
                start: at as u64,
                end: doc.len() as u64,
                guess: Some(guess.to_vec()),
            });
            from = at + step;
        }
        parts
    }

    type Run = (Vec<u8>, Result<Summary, String>);

    fn one(doc: &str, o: &XmlOptions, format: OutputFormat) -> Run {
        one_with(&mut XmlParser::new(o.clone()).unwrap(), doc, format)
    }

    /// The whole `doc` through `engine` on one thread.
    fn one_with(engine: &mut dyn Engine, doc: &str, format: OutputFormat) -> Run {
        let mut out = Vec::new();
        let progress = Progress::default();
        let r = convert(
            engine,
            std::io::Cursor::new(doc.as_bytes().to_vec()),
            &mut out,
            format,
            &progress,
            &AtomicBool::new(false),
        );
        (out, r.map_err(|e| failed(e, &progress)))
    }

    /// On parts after the first's `head` bytes were parsed, each writing its own NDJSON lines
    /// as the command's parsers do (`utf8_lines`; `one` has its arrays rewritten).
    fn many(doc: &str, o: &XmlOptions, parts: &[Part], head: u64, format: OutputFormat) -> Run {
        let lines = XmlOptions {
            utf8_lines: true,
            ..o.clone()
        };
        run_many(&make(lines), false, doc, parts, head, format)
    }

    fn run_many(
        make: &MakeEngine,
        json: bool,
        doc: &str,
        parts: &[Part],
        head: u64,
        format: OutputFormat,
    ) -> Run {
        let dir = std::env::temp_dir().join(format!(
            "sluice-parts-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&dir, doc).unwrap();
        let file = File::open(&dir).unwrap();
        let mut out = Vec::new();
        let progress = Progress::default();
        let plan = parts.to_vec();
        let r = convert_parts(
            make,
            &file,
            Box::new(move || Ok(plan)),
            head,
            2,
            &mut out,
            format,
            json,
            &progress,
            &AtomicBool::new(false),
        );
        let _ = std::fs::remove_file(&dir);
        (out, r.map_err(|e| failed(e, &progress)))
    }

    /// The error, and the skips reported before it.
    fn failed(e: ConvertError, progress: &Progress) -> String {
        format!(
            "{e:?} after {:?}",
            progress.skips_before_error.lock().unwrap()
        )
    }

    fn same(a: &Run, b: &Run) {
        assert_eq!(String::from_utf8_lossy(&a.0), String::from_utf8_lossy(&b.0));
        match (&a.1, &b.1) {
            (Ok(x), Ok(y)) => {
                assert_eq!(x.records, y.records);
                assert_eq!(x.skipped, y.skipped);
                let k = |s: &Summary| {
                    s.skips
                        .iter()
                        .map(|(e, i)| format!("{e:?} #{i}"))
                        .collect::<Vec<_>>()
                };
                assert_eq!(k(x), k(y));
            }
            (x, y) => assert_eq!(format!("{x:?}"), format!("{y:?}")),
        }
    }

    fn path(names: &[&str]) -> Vec<Ancestor> {
        names
            .iter()
            .map(|n| Ancestor {
                name: n.to_string(),
                ns: Vec::new(),
            })
            .collect()
    }

    fn catalog(n: usize) -> String {
        let mut doc = String::from("<c><L>\n");
        for i in 0..n {
            doc.push_str(&format!(
                "<R id=\"{i}\"><t>caf\u{e9} {i}</t><!-- <R> --><x><![CDATA[<R>]]></x></R>\n"
            ));
        }
        doc.push_str("</L></c>\n");
        doc
    }

    #[test]
    fn every_part_is_started_once() {
        for n in 1..12 {
            let mut order: Vec<usize> = (0..n).map(|k| started_as(k, n)).collect();
            assert_eq!(order[0], 0);
            if n > 2 {
                assert_eq!(order[1], n - 1);
            }
            order.sort_unstable();
            assert_eq!(order, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_long_last_part_as_one_thread() {
        // The last part holds a trailer with no record (read early, written last), and an
        // error in it comes after every record, as on one thread.
        let doc = catalog(400).replace(
            "</L></c>",
            &format!("</L><D>{}</D></c>", "<d><R-ref/></d>\n".repeat(2000)),
        );
        let bad = doc.replacen("<d><R-ref/></d>", "<d><R-ref></d>", 1500);
        let bad = bad.replacen("<d><R-ref></d>", "<d><R-ref/></d>", 1499);
        for d in [&doc, &bad] {
            let o = options("R", false);
            let want = one(d, &o, OutputFormat::Ndjson);
            for step in [333, 4096] {
                let parts = cut(d, "R ", step, &path(&["c", "L"]));
                assert!(parts.len() > 3);
                same(
                    &many(d, &o, &parts, step as u64, OutputFormat::Ndjson),
                    &want,
                );
            }
        }
        assert!(one(&bad, &options("R", false), OutputFormat::Ndjson)
            .1
            .is_err());
    }

    #[test]
    fn a_fresh_guess_reports_its_path() {
        let p = make(options("R", false))(&Part {
            start: 10,
            end: 20,
            guess: Some(path(&["c", "L"])),
        })
        .unwrap();
        let b = p.boundary().unwrap();
        assert!(b.between, "{b:?}");
        assert_eq!(
            b.path,
            r#"{"path":[{"name":"c","ns":[]},{"name":"L","ns":[]}]}"#
        );
    }

    #[test]
    fn the_same_bytes_as_one_thread() {
        let doc = catalog(500);
        for format in [OutputFormat::Ndjson, OutputFormat::JsonArray] {
            let o = options("R", false);
            let want = one(&doc, &o, format);
            for step in [50, 333, 4096] {
                // A right guess, a wrong one, and a guess the parser cannot take.
                for guess in [path(&["c", "L"]), path(&["c"]), path(&["1bad"])] {
                    // The first part parsed from before its end is known, or only after.
                    for head in [0, step as u64 / 2, step as u64] {
                        let parts = cut(&doc, "R", step, &guess);
                        same(&many(&doc, &o, &parts, head, format), &want);
                    }
                }
            }
            // Cuts inside comments and CDATA sections.
            same(
                &many(
                    &doc,
                    &o,
                    &cut(&doc, "R>", 70, &path(&["c", "L"])),
                    70,
                    format,
                ),
                &want,
            );
        }
    }

    #[test]
    fn skips_and_errors_as_one_thread() {
        let mut doc = catalog(300);
        let bad = doc.find("<R id=\"150\"").unwrap();
        doc.insert_str(bad + 14, "<t>x</u>");
        // Cut inside the last record: an element opened far back is named by its line in a
        // small input and by its byte in a large one (whatever the window still holds), so
        // the message of an element opened before the last part is not compared here.
        let end = doc.rfind("</t>").unwrap();
        let mut truncated = doc.clone();
        truncated.truncate(end);
        for d in [&doc, &truncated] {
            for skip in [true, false] {
                let o = options("R", skip);
                let want = one(d, &o, OutputFormat::Ndjson);
                for step in [40, 500, 3000] {
                    let got = many(
                        d,
                        &o,
                        &cut(d, "R", step, &path(&["c", "L"])),
                        step as u64,
                        OutputFormat::Ndjson,
                    );
                    same(&got, &want);
                }
            }
        }
    }

    #[test]
    fn ndjson_as_one_thread() {
        use crate::{JsonFormat, JsonOptions, JsonParser};
        let mut doc = String::new();
        for i in 0..600 {
            match i % 97 {
                13 => doc.push_str("{\"i\":1,\"bad\" 2}\n"),
                40 => doc.push('\n'),
                _ => doc.push_str(&format!(
                    "{{\"i\":{i},\"n\":{i}.50,\"2\":1,\"1\":\"caf\u{e9}\",\"i\":-0}}\n"
                )),
            }
        }
        let truncated = &doc[..doc.len() - 20];
        for d in [doc.as_str(), truncated] {
            for skip in [true, false] {
                let o = JsonOptions {
                    format: JsonFormat::Ndjson,
                    skip_errors: skip,
                    ..JsonOptions::default()
                };
                let make_json = |_: &Part| -> Result<Box<dyn Engine>, Error> {
                    Ok(Box::new(JsonParser::new(o.clone())?))
                };
                let want = one_with(
                    &mut JsonParser::new(o.clone()).unwrap(),
                    d,
                    OutputFormat::Ndjson,
                );
                for step in [30, 700, 5000] {
                    let file = std::env::temp_dir().join(format!(
                        "sluice-nd-cut-{}-{step}-{skip}-{}",
                        std::process::id(),
                        d.len()
                    ));
                    std::fs::write(&file, d).unwrap();
                    let parts = crate::cut::plan_ndjson(&File::open(&file).unwrap(), step).unwrap();
                    let _ = std::fs::remove_file(&file);
                    assert!(parts.len() > 1 || step > d.len() as u64 / 2);
                    for head in [0, step] {
                        let got = run_many(&make_json, true, d, &parts, head, OutputFormat::Ndjson);
                        same(&got, &want);
                    }
                }
            }
        }
    }

    #[test]
    fn json_document_as_one_thread() {
        use crate::{JsonOptions, JsonParser};
        let mut doc = String::from("{\"head\":[{\"i\":0},{\"i\":1}],\"items\":[\n");
        for i in 0..800 {
            if i > 0 {
                doc.push_str(",\n");
            }
            match i % 101 {
                7 => doc.push_str("\"},\\n{\\\"i\\\":\""),
                9 => doc.push_str(&format!("[{{\"i\":{i}}},\n{{\"i\":1}}]")),
                _ => doc.push_str(&format!("{{\"i\":{i},\"s\":\"caf\u{e9} {i}\"}}")),
            }
        }
        doc.push_str("\n],\"tail\":{\"items\":[1,2]}}\n");
        let bad = doc.replacen("{\"i\":600,", "{\"i\":600,,", 1);
        let truncated = &doc[..doc.len() - 30];
        for d in [doc.as_str(), bad.as_str(), truncated] {
            let o = JsonOptions {
                select: vec!["$.items[*]".into()],
                ..JsonOptions::default()
            };
            let make_json = |p: &Part| -> Result<Box<dyn Engine>, Error> {
                Ok(Box::new(JsonParser::new(JsonOptions {
                    resume_element: p.guess.is_some(),
                    origin: p.start,
                    ..o.clone()
                })?))
            };
            let want = one_with(
                &mut JsonParser::new(o.clone()).unwrap(),
                d,
                OutputFormat::Ndjson,
            );
            assert_eq!(want.1.is_ok(), d == doc, "{:?}", want.1);
            for step in [300, 4096] {
                let file = std::env::temp_dir().join(format!(
                    "sluice-json-cut-{}-{step}-{}",
                    std::process::id(),
                    d.len()
                ));
                std::fs::write(&file, d).unwrap();
                let keys = vec![b"items".to_vec()];
                let parts =
                    crate::cut::plan_json(&File::open(&file).unwrap(), &keys, step).unwrap();
                let _ = std::fs::remove_file(&file);
                assert!(parts.len() > 3, "{}", parts.len());
                for head in [0, step] {
                    let got = run_many(&make_json, true, d, &parts, head, OutputFormat::Ndjson);
                    same(&got, &want);
                }
            }
        }
    }
}
