'use strict';
// One part of a file: a byte range parsed by a native parser of its own, started either at a
// verified state (the file start, or a checkpoint) or at a guessed one. The parser stays open
// after its range, so that when the part after it turns out to have guessed wrong, the same
// parser simply reads on through that part's range: the fallback is the single stream itself.
const { NativeParser } = require('../native');
const { createNative } = require('../options');
const xml = require('../xml');
const json = require('../json');
const { VERSION } = require('../checkpoint');
const { internalError } = require('../errors');

// Run outcomes, mirrored in src/binding.rs.
const FAILED = 3;
const PANICKED = 4;
// Bytes per read: large enough that per-run overhead vanishes, small enough that a part's
// first records arrive soon.
const CHUNK = 128 * 1024;
// Chunks queued in the parser at once: the next is read while one is parsed.
const QUEUED = 2;

/** The native parser for `part`, resumed from its guess when it has one. */
function nativeFor(part) {
  const { format, options } = part;
  if (format === 'xml') {
    let o = options;
    if (part.guess) {
      o = {
        ...options,
        resumeFrom: {
          version: VERSION,
          select: options.select ?? '/*',
          encoding: 'UTF-8',
          offset: part.start,
          records: 0,
          path: part.guess.path,
        },
      };
    }
    return createNative((n) => NativeParser.xml(n), xml.nativeOptions, o);
  }
  // A JSON part after the first starts between two elements of the selected array, guessed,
  // as does the first of a resumed document (`element`), known; offsets named in messages
  // are the file's.
  const at = format === 'json' && (part.guess || part.element) ? { resumeElement: true } : {};
  return createNative((n) => NativeParser.json({ ...n, ...at, origin: part.start }), json.nativeOptions, { ...options, format });
}

class PartRun {
  /** Items in file order: `{ batch, meta }` (JSON array text, XML batch meta) or `{ skips }`. */
  items = [];
  /** The parse error (native record), once the parser failed. */
  error = null;
  /** An I/O or internal failure: not a property of the input, so never speculative. */
  fatal = null;
  /** Bytes read so far, up to this offset. */
  fedTo;
  /** Most items held before reading pauses (the reader sets it once it consumes them). */
  limit = Infinity;
  /**
   * Leave finished batches in the native parser until `release()`: a part parsed ahead may
   * hold a whole part's records, and held there they are outside the JavaScript heap (as
   * strings they would be promoted to the old generation and collected in long pauses).
   */
  holding = false;
  // Batches a released part still holds in the parser: taken as items are read, so that a
  // whole part's parse is not turned into strings in one turn. (Otherwise a run's batches
  // are taken all at once: leaving them in the parser too slowed threads 1 by ~15%.)
  #backlog = false;
  #waiters = [];
  #disposed = false;
  #fh;
  #nativeReads = false;
  #named = 0; // batches in the parser that items name (LazyBatch)

  /**
   * `file`: the local path `fh` was opened from, for the parser to read itself on its own
   * thread (`fh` then only plans); without it the chunks are read through `fh`. `id`: `fh`'s
   * `[dev, ino]` as decimal strings, which the file the parser opens must have.
   */
  constructor(part, fh, { file, id } = {}) {
    this.part = part;
    this.#fh = fh;
    this.fedTo = part.start;
    this.native = nativeFor(part);
    if (file !== undefined) {
      try {
        this.native.openFile(file, id);
      } catch (err) {
        this.native.dispose().catch(() => {});
        throw err;
      }
      this.#nativeReads = true;
    }
  }

  /** Resolves at the next change: an item added or taken, a feed over. */
  changed() {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  poke() {
    const w = this.#waiters;
    this.#waiters = [];
    for (const resolve of w) resolve();
  }

  get stopped() {
    return this.#disposed || this.error !== null || this.fatal !== null;
  }

  /** Reads and parses `[from, to)` (which must follow what was fed). Never rejects. */
  async feed(from, to) {
    try {
      const queued = [];
      if (from !== this.fedTo) throw new Error(`sluice: part fed out of order (${from} after ${this.fedTo})`);
      const buf = this.#nativeReads ? null : Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, to - from)));
      let pos = from;
      while (pos < to && !this.stopped) {
        while ((this.items.length >= this.limit || this.#backlog) && !this.stopped) {
          await this.changed();
          this.refill();
        }
        if (this.stopped) break;
        const n = Math.min(CHUNK, to - pos);
        if (this.#nativeReads) {
          // Read and parsed on the parse thread; rejects if the file no longer holds them.
          pos += n;
          this.fedTo = pos;
          const run = this.native.pushFromFile(pos - n, n);
          // Awaited in turn below; until then a failed read must not count as unhandled.
          run.catch(() => {});
          queued.push(run);
          if (queued.length >= QUEUED) this.#settled(await queued.shift());
          continue;
        }
        const { bytesRead } = await this.#fh.read(buf, 0, n, pos);
        if (bytesRead === 0) throw new Error('sluice: the file is shorter than when it was planned');
        if (this.#disposed) break;
        pos += bytesRead;
        this.fedTo = pos;
        // The native side copies the chunk before `push` returns, so `buf` is free again.
        queued.push(this.native.push(buf.subarray(0, bytesRead)));
        if (queued.length >= QUEUED) this.#settled(await queued.shift());
      }
      while (queued.length) this.#settled(await queued.shift());
      await this.#drain();
    } catch (err) {
      if (!this.#disposed) this.fatal = err;
    }
    this.poke();
  }

  // A feed is over only once its batches are all items: its reader stops at the end of a feed.
  async #drain() {
    while (this.#backlog && !this.#disposed) {
      await this.changed();
      this.refill();
    }
  }

  /** Ends the input (the part reaches the end of the file). Never rejects. */
  async finish() {
    try {
      if (!this.stopped) this.#settled(await this.native.finish());
      await this.#drain();
    } catch (err) {
      if (!this.#disposed) this.fatal = err;
    }
    this.poke();
  }

  #settled(outcome) {
    if (this.#disposed || this.error) return;
    // Behind a backlog, new batches queue in the parser too, so it is never taken at once.
    this.#take(this.#backlog ? this.limit : Infinity);
    if (outcome === FAILED) this.error = this.native.takeError() ?? { internal: true };
    else if (outcome === PANICKED) this.fatal = internalError();
    this.poke();
  }

  /** Tops `items` up to `limit` from a released part's backlog. */
  refill() {
    if (this.#backlog) this.#take(this.limit);
  }

  #take(max) {
    if (this.#disposed || this.holding) return;
    if (this.#nativeReads) {
      this.#backlog = this.#count(max);
    } else {
      let batch;
      while (this.items.length < max) {
        batch = this.native.takeBatch();
        if (batch === null) break;
        this.items.push(this.#item(batch));
      }
      this.#backlog = batch !== null;
    }
    // Skips follow every batch taken so far: only once none is left.
    if (this.#backlog) return;
    const skips = this.native.takeSkips();
    // In skip mode even none is news: every record taken so far has had its skips reported
    // (parseFile's checkpoints may then name a place after them).
    if (skips.length > 0 || this.part.options.onError === 'skip') this.items.push({ skips });
  }

  /**
   * parseFile's items name batches still in the parser, taken as strings only when read: held
   * as strings, the few waiting outlived young-generation collections, and V8 then doubled
   * the young generation (peak RSS +8 MiB at 100 MiB, +15 at 1 GiB). True if some are left.
   */
  #count(max) {
    const waiting = this.native.readyBatches() - this.#named;
    const n = Math.max(0, Math.min(waiting, max - this.items.length));
    for (let i = 0; i < n; i++) this.items.push(new LazyBatch(this));
    this.#named += n;
    return n < waiting;
  }

  /** The oldest batch a LazyBatch names, out of the parser (items are read in order). */
  takeNamed() {
    this.#named--;
    const batch = this.native.takeBatch();
    if (batch === null) throw internalError();
    return this.#item(batch);
  }

  /** A batch just taken, with (XML) its records' end offsets and open paths, for parseFile's checkpoints. */
  #item(batch) {
    return { batch, meta: this.part.format === 'xml' ? this.native.takeBatchMeta() : null };
  }

  /** Stops holding: what the parser finished so far becomes items, as they are read. */
  release() {
    this.holding = false;
    this.#take(this.limit);
    this.poke();
  }

  /**
   * The state where the fed input ends: `{ offset, line, column, between, path, index }`.
   * Offsets are the file's; line and column count from this part's start.
   */
  boundary() {
    const b = this.native.boundary();
    if (!b) return null;
    return {
      // The JSON engine counts offsets from its first byte, the XML one from the file start.
      offset: this.part.format === 'xml' ? b.offset : this.part.start + b.offset,
      line: b.line,
      column: b.column,
      between: b.between,
      // XML: the open elements; a JSON document: the keys around the array.
      path: b.between && b.path ? JSON.parse(b.path).path : null,
      opened: b.between ? b.opened : null,
      index: b.index,
    };
  }

  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.items = [];
    this.native.dispose().catch(() => {});
    this.poke();
  }
}

/** An item whose batch stays in the parser until `batch` or `meta` is first read. */
class LazyBatch {
  #run;
  #taken = null;

  constructor(run) {
    this.#run = run;
  }

  get batch() {
    this.#taken ??= this.#run.takeNamed();
    return this.#taken.batch;
  }

  get meta() {
    this.#taken ??= this.#run.takeNamed();
    return this.#taken.meta;
  }
}

const canonPath = (path) => JSON.stringify((path ?? []).map((a) => [a.name, a.ns]));

/**
 * Whether the part that starts where `verdict` was taken may keep what it parsed from its
 * guess: the parser before it, having read every byte up to there, is in exactly the state
 * guessed.
 */
function accepts(verdict, part) {
  if (!verdict || !verdict.between || verdict.offset !== part.start) return false;
  if (part.format === 'ndjson') return true;
  if (!part.guess) return false;
  // A JSON document: between two elements of the array under the same keys.
  if (part.format === 'json') return JSON.stringify(verdict.path) === JSON.stringify(part.guess.path);
  if (part.format !== 'xml') return false;
  return canonPath(verdict.path) === canonPath(part.guess.path);
}

module.exports = { PartRun, accepts, nativeFor };
