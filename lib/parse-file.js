'use strict';
// parseFile: one file, parsed in parts on several threads, with exactly the records (and
// order, skips and first error) of one stream reading it from start to end.
//
// How it stays exact (see docs/parse-file.md): the parts in flight run at once, but output
// only ever comes from the "owner", a parser whose start state is known. When the owner has
// read every byte of its part it reports its state at that byte (its verdict). If that is
// exactly the state the next part guessed, the next part, which parsed the same bytes from
// the same state, becomes the owner and its records are emitted; otherwise its records are
// dropped and the owner reads on through that part itself, as one stream would.
const fs = require('node:fs');
const { Readable } = require('node:stream');
const { performance } = require('node:perf_hooks');
const { PartRun, accepts, nativeFor } = require('./split/part');
const { planOpen, formatOf, partBytesOf, parserOptions, splitNames } = require('./split/plan');
const { parseError, internalError, optionError } = require('./errors');
const { NULL } = require('./json');
const { FileCheckpoints } = require('./file-checkpoint');
const { SLICE_MS } = require('./stream');

// Items (batches) the owner may hold unread before it stops reading: the consumer's
// backpressure reaches the file through this.
const OWNER_ITEMS = 4;
// The owner's records go out in slices of lib/stream.js's length, one per event-loop turn: an
// accepted part brings a whole part's parsed batches at once, and emitting them in one turn
// held the loop for all their parses (measured: 85-156 ms on 16 MiB parts).
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Maps a position counted from a part's start to one counted from the file's start. */
function fromOrigin(origin, line, column) {
  if (line <= 1) return { line: origin.line, column: origin.column + column - 1 };
  return { line: origin.line + line - 1, column };
}

class FileRecords extends Readable {
  #failure = null;
  #waiting = null;
  aborted = false;
  onDestroy = null;
  /** Parts planned, parts whose guess was confirmed, parts read again by the part before. */
  split = { parts: 0, accepted: 0, redone: 0 };
  /** What `stats()` reports, kept by `drive`; `pool` gives the parsers' buffer pool counts. */
  counters = { bytes: 0, records: 0, batches: 0, skipped: 0, pool: () => ({ hits: 0, misses: 0 }) };
  /** A FileCheckpoints, set by `parseFile`. */
  checkpoints = null;

  /** Counters: bytes, records, batches, poolHits, poolMisses, skipped (as a stream's). */
  stats() {
    const c = this.counters;
    const pool = c.pool();
    return { bytes: c.bytes, records: c.records, batches: c.batches, poolHits: pool.hits, poolMisses: pool.misses, skipped: c.skipped };
  }

  /**
   * Where a new `parseFile(path, { ...options, resumeFrom })` picks up after the records read
   * from this one so far (handed to the reader, not merely buffered): see lib/file-checkpoint.js.
   */
  checkpoint() {
    return this.checkpoints.at(this.counters.records - this.readableLength);
  }

  /** Resolves when the reader wants more. */
  wanted() {
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  _read() {
    const w = this.#waiting;
    this.#waiting = null;
    if (w) w();
  }

  // Records pushed before an error must reach the reader first (as in lib/stream.js).
  read(n) {
    const chunk = super.read(n);
    if (this.#failure && this.readableLength === 0) process.nextTick(() => this.#fail());
    return chunk;
  }

  fail(error) {
    this.#failure = error;
    if (this.readableLength === 0) this.#fail();
  }

  #fail() {
    if (this.destroyed) return;
    this.destroy(this.#failure);
  }

  _destroy(err, callback) {
    this.aborted = true;
    this._read();
    if (this.onDestroy) this.onDestroy();
    callback(err);
  }
}

/**
 * `parseFile(path, options)`: an object-mode Readable of the file's records. Takes every
 * XmlStream / JsonStream option, plus `format`, `threads` and `partBytes`.
 */
function parseFile(path, options = {}) {
  if (options === null || typeof options !== 'object') throw optionError('options must be an object');
  const format = formatOf(path, options);
  partBytesOf(options);
  splitNames(options);
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw optionError('`threads` must be an integer from 1 to 64');
  }
  if (format !== 'xml' && options.nullValue === null) {
    throw optionError('`nullValue` cannot be null: it would end the stream');
  }
  // What to pass over after the place a checkpoint names is parseFile's business: the
  // parsers resume at the place.
  const checkpoints = new FileCheckpoints(format, options);
  if (options.resumeFrom?.drop) options = { ...options, resumeFrom: { ...options.resumeFrom, drop: 0 } };
  // Bad options fail here, as the stream constructors do, not later on the stream.
  nativeFor({ format, options: parserOptions(options), start: 0, guess: null }).dispose().catch(() => {});
  const progressInterval = options.progressInterval ?? 250;
  if (!(progressInterval >= 0)) throw optionError('`progressInterval` must be a number of milliseconds');

  const out = new FileRecords({
    objectMode: true,
    highWaterMark: options.highWaterMark ?? 1024,
    signal: options.signal,
  });
  out.checkpoints = checkpoints;
  const nullValue = format === 'xml' ? options.nullValue : 'nullValue' in options ? options.nullValue : NULL;
  drive(out, path, options, { format, threads, nullValue, progressInterval }).catch((err) => out.destroy(err));
  return out;
}

async function drive(out, path, options, { format, threads, nullValue, progressInterval }) {
  const fh = await fs.promises.open(path, 'r');
  // Parts open the path again to read on their own threads: they must find this same file.
  const id = await fh.stat({ bigint: true }).then(
    (st) => [String(st.dev), String(st.ino)],
    () => undefined,
  );
  const runs = new Set();
  out.onDestroy = () => {
    for (const r of runs) r.dispose();
  };
  const checkpoints = out.checkpoints;
  const counters = out.counters;
  // Buffer pool counts of the parsers whose output was used, before the current owner.
  const pooled = { hits: 0, misses: 0 };
  const poolOf = (run) => {
    try {
      const s = run.native.stats();
      return { hits: s.poolHits, misses: s.poolMisses };
    } catch {
      return { hits: 0, misses: 0 };
    }
  };
  // Records a JSON checkpoint resumed from told to pass over.
  let toDrop = checkpoints.drop;
  try {
    if (out.aborted) return;
    // NDJSON and JSON documents are cut into parts on one thread too: a part's end is a line
    // start, or a place between two elements, where a checkpoint may resume, so a resume
    // reads at most a part again. (A resumed XML file guesses the open path at its parts
    // from the checkpoint's.)
    const guessed = format === 'xml' && options.resumeFrom?.path?.length ? { path: options.resumeFrom.path } : null;
    const split = threads > 1 || format === 'ndjson' || format === 'json';
    const parts = await planOpen(fh, path, options, { split, guessed });
    if (out.aborted) return;
    out.split.parts = parts.length;
    const first = parts[0];
    const total = parts[parts.length - 1].end - first.start;
    const started = performance.now();
    let lastProgress = 0;
    let emitted = 0;

    // Called as batches go out and, between them, as the owner reads on (pump): a stretch
    // of the file with no selected record (a DDEX DealList before the deals) still moves
    // stats() and the progress events.
    const progress = (force) => {
      const bytes = owner.fedTo - first.start;
      counters.bytes = bytes;
      if (out.listenerCount('progress') === 0) return;
      const now = performance.now();
      if (!force && now - lastProgress < progressInterval) return;
      lastProgress = now;
      const seconds = Math.max((now - started) / 1000, 1e-9);
      const mem = process.memoryUsage();
      const rate = bytes / seconds;
      out.emit('progress', {
        bytesRead: bytes,
        records: emitted,
        mbPerSec: bytes / 1e6 / seconds,
        rss: mem.rss,
        heapUsed: mem.heapUsed,
        totalBytes: total,
        percent: total > 0 ? Math.min(100, (bytes / total) * 100) : 100,
        etaSeconds: rate > 0 ? Math.max(0, (total - bytes) / rate) : null,
        checkpoint: out.checkpoint(),
      });
    };

    const start = (part) => {
      let run;
      try {
        run = new PartRun(part, fh, { file: path, id });
      } catch (err) {
        // The first part's state is known: its failure (the file gone or replaced) is the
        // stream's. For a later part it is a guess the parser refuses, or a file it cannot
        // open, and the part before reads on through it.
        if (part === first) throw err;
        return null;
      }
      runs.add(run);
      run.holding = part !== first;
      run.feeding = run.feed(part.start, part.end);
      return run;
    };
    const drop = (run) => {
      if (!run) return;
      run.dispose();
      runs.delete(run);
    };

    // Positions and record indexes of a part count from its own start; `origin` and
    // `indexBase` are the file's at that start.
    const fix = (run, e) => {
      const at = fromOrigin(run.origin, e.line, e.column);
      let message = e.message;
      if (run.part.start > 0) {
        message = message.replace(/\(opened at line (\d+), column (\d+)\)/, (_, l, c) => {
          const o = fromOrigin(run.origin, Number(l), Number(c));
          return `(opened at line ${o.line}, column ${o.column})`;
        });
        // An element open since before this part: name where it was opened, as one stream
        // does for an element whose start it no longer holds.
        const open = /^input ended before <\/(.+)> \(opened before the checkpoint resumed from\)$/.exec(message);
        const guessed = run.part.guess?.path;
        if (open && guessed && run.opened) {
          let d = guessed.length - 1;
          while (d >= 0 && guessed[d].name !== open[1]) d--;
          if (d >= 0 && run.opened[d] >= 0) {
            message = `input ended before </${open[1]}> (opened at byte ${run.opened[d]})`;
          }
        }
      }
      const offset = format === 'xml' ? e.offset : e.offset + run.part.start;
      return { ...e, message, line: at.line, column: at.column, offset };
    };

    // A wait on the reader or a part may resolve within the same turn, so a slice ends only
    // when an immediate scheduled at its start has run (`turned`); yielding just when a wait
    // already crossed a turn cost threads 1 a turn per batch.
    let sliceEnd = 0;
    let turned = true;
    const onTurn = () => {
      turned = true;
    };
    const emit = async (run, item) => {
      if (!turned && performance.now() >= sliceEnd) {
        await nextTurn(); // onTurn, scheduled before, runs first
        if (out.aborted) return;
      }
      if (turned) {
        turned = false;
        sliceEnd = performance.now() + SLICE_MS;
        setImmediate(onTurn);
      }
      if (item.batch !== undefined) {
        const records = JSON.parse(item.batch);
        let i = 0;
        if (toDrop > 0) {
          i = Math.min(toDrop, records.length);
          toDrop -= i;
        }
        counters.batches++;
        // Before pushing: a 'data' listener may ask for a checkpoint while a record is pushed.
        checkpoints.add(records.length - i, item.meta);
        for (; i < records.length; i++) {
          const r = records[i];
          emitted++;
          counters.records = emitted;
          if (!out.push(r === null ? nullValue : r)) await out.wanted();
          if (out.aborted) return;
        }
        checkpoints.trim(emitted - out.readableLength);
      } else {
        for (const s of item.skips) {
          const skip = { ...fix(run, s.error), recordIndex: run.indexBase + s.recordIndex };
          // Reported before the checkpoint this file was resumed from.
          if (checkpoints.reported(skip.offset)) continue;
          checkpoints.skipped(skip.offset);
          counters.skipped++;
          out.emit('skip', skip);
        }
        checkpoints.confirm();
      }
      progress(false);
    };

    // Emits the owner's items until its current feed is over and they are all out.
    const pump = async (run) => {
      let over = false;
      run.feeding.then(() => {
        over = true;
        run.poke();
      });
      for (;;) {
        if (out.aborted) return;
        run.refill();
        const item = run.items.shift();
        if (item) {
          run.poke();
          await emit(run, item);
          continue;
        }
        if (over) return;
        await run.changed();
        progress(false);
      }
    };

    const learned = new Map(); // start tag name -> the state found before it
    const guessFor = (part) => {
      if (part.format !== 'xml' || !learned.has(part.name)) return part;
      return { ...part, guess: { path: learned.get(part.name) } };
    };

    // Pumps the owner through its current feed; false once the stream is over (aborted, or
    // failed with the owner's error, the first error one stream would give).
    const drained = async () => {
      await pump(owner);
      if (out.aborted) return false;
      if (owner.fatal) throw owner.fatal;
      if (owner.error) {
        out.fail(owner.error.internal ? internalError() : parseError(fix(owner, owner.error)));
        return false;
      }
      return true;
    };

    const specs = new Map();
    let i = 0;
    let owner = start(first);
    if (!owner) throw internalError();
    owner.origin = checkpoints.origin;
    owner.indexBase = checkpoints.line;
    counters.pool = () => {
      const live = poolOf(owner);
      return { hits: pooled.hits + live.hits, misses: pooled.misses + live.misses };
    };
    owner.limit = OWNER_ITEMS;
    for (;;) {
      for (let j = i + 1; j < Math.min(parts.length, i + threads); j++) {
        if (!specs.has(j)) specs.set(j, start(guessFor(parts[j])));
      }
      if (!(await drained())) return;
      if (i === parts.length - 1) {
        owner.feeding = owner.finish();
        if (!(await drained())) return;
        progress(true); // at the file's end, after its last record
        out.push(null);
        return;
      }
      const verdict = owner.boundary();
      const next = parts[i + 1];
      if (!verdict || verdict.offset !== next.start) throw internalError();
      if (verdict.between && next.format === 'xml') learned.set(next.name, verdict.path);
      // Every record before `next.start` has been emitted (or passed over).
      checkpoints.confirm();
      if (verdict.between) {
        const at = fromOrigin(owner.origin, verdict.line, verdict.column);
        checkpoints.anchor(verdict.offset, owner.indexBase + verdict.index, at, toDrop);
      }
      const spec = specs.get(i + 1);
      specs.delete(i + 1);
      if (spec && !spec.fatal && accepts(verdict, spec.part)) {
        spec.origin = fromOrigin(owner.origin, verdict.line, verdict.column);
        spec.indexBase = owner.indexBase + verdict.index;
        // Where the open elements started, for messages: the owner knows those it saw.
        spec.opened = (verdict.opened ?? []).map((o, d) => (o >= 0 ? o : (owner.opened?.[d] ?? -1)));
        spec.limit = OWNER_ITEMS;
        spec.release();
        const p = poolOf(owner);
        pooled.hits += p.hits;
        pooled.misses += p.misses;
        drop(owner);
        owner = spec;
        out.split.accepted++;
      } else {
        drop(spec);
        out.split.redone++;
        owner.feeding = owner.feed(next.start, next.end);
      }
      i++;
    }
  } finally {
    for (const r of runs) r.dispose();
    await fh.close().catch(() => {});
  }
}

module.exports = { parseFile };
