'use strict';
// The stream shell shared by every input format: bytes in, records out. The native side
// parses each chunk on its own threads; this side only parses finished batches (one JSON.parse
// each) and pushes the records, honouring backpressure in both directions.
const fs = require('node:fs');
const { Transform } = require('node:stream');
const { performance } = require('node:perf_hooks');
const { parseError, internalError, optionError } = require('./errors');

// Run outcomes, mirrored in src/binding.rs.
const FAILED = 3;
const PANICKED = 4;

// Runs queued at once: the next chunks are read and parsed while the main thread turns the
// previous batches into objects. Each run holds a chunk, so this is also how far the source
// is read ahead: a read stream has one read outstanding at a time, and the main thread was
// idle between chunks (gaps ending on a chunk's arrival with 0-1 runs in flight: 80-130 ms of
// a 0.6-0.8 s run). Measured on 100 MiB, ten runs each, alternating: 5 rather than 3 gives XML
// 230.8 against 198.5 MB/s (medians), JSON and NDJSON +3% and +6%, event-loop p99 and peak
// RSS unchanged. Before slices were cut to 0.25 ms, 4 rather than 3 had added nothing.
const MAX_IN_FLIGHT = 5;

// The main thread turns batches into records in slices of about this long, then lets the event
// loop run other callbacks before the next slice: several runs often finish together, and
// emitting all their records in one turn held the loop for all their parses at once. A batch
// takes 0.3-0.6 ms to parse, so this is in effect one batch per turn. parseFile slices with the
// same length. Measured against 1 ms (100 MiB, six to eight runs each, alternating):
// event-loop p99 of the streams 2.34 -> 1.86 ms (XML) and 2.42 -> 1.83 (JSON); of parseFile,
// one thread, 3.94 -> 3.07 (XML), 3.34 -> 2.11 (JSON) and 3.12 -> 2.08 (NDJSON); throughput
// within the runs' spread.
const SLICE_MS = 0.25;

class RecordStream extends Transform {
  #native;
  #inFlight = 0;
  #held = null; // a write callback held back until a run finishes or the reader catches up
  #wanted = false; // the reader asked for more (`_read`) while the callback was held
  #failure = null; // an error held back until the records before it have been read
  #progressInterval;
  #lastProgress = 0;
  #started = 0;
  #totalBytes;
  #nullValue;
  #reportSkips;
  #skipped = 0;
  #checkpoints; // a Checkpoints, for formats that have them
  #pushed = 0;
  #settled = []; // finished runs whose records are not all emitted yet: { outcome, then }
  #sliceScheduled = false;

  #slice = () => this.#emitSlice();

  constructor(native, options = {}) {
    super({
      readableObjectMode: true,
      // Enough room for the records of a few batches, so parsing overlaps with reading.
      readableHighWaterMark: options.highWaterMark ?? 1024,
      // One file chunk: the native side already holds the next runs' copies. Chunks waiting
      // here longer outlive young-generation collections, and their dead buffers then pile
      // up until a full one (measured: higher peak RSS and event-loop p99, no faster).
      writableHighWaterMark: 64 * 1024,
      signal: options.signal,
    });
    this.#native = native;
    this.#progressInterval = options.progressInterval ?? 250;
    if (!(this.#progressInterval >= 0)) throw optionError('`progressInterval` must be a number of milliseconds');
    this.#totalBytes = options.totalBytes;
    this.#nullValue = options.nullValue;
    this.#reportSkips = options.onError === 'skip';
    this.#checkpoints = options.checkpoints;
    this.on('pipe', (src) => {
      if (this.#totalBytes === undefined && src instanceof fs.ReadStream && typeof src.path === 'string') {
        fs.stat(src.path, (err, st) => {
          if (err || this.#totalBytes !== undefined) return;
          const start = src.start ?? 0;
          const end = src.end === undefined || src.end === Infinity ? st.size - 1 : Math.min(src.end, st.size - 1);
          this.#totalBytes = Math.max(0, end - start + 1);
        });
      }
    });
  }

  /** Counters: bytes, records, batches, poolHits, poolMisses, skipped. */
  stats() {
    return { ...this.#native.stats(), skipped: this.#skipped };
  }

  /**
   * Where to resume after the records read so far (handed to the consumer, not merely
   * buffered): see lib/checkpoint.js.
   */
  checkpoint() {
    if (!this.#checkpoints) throw new TypeError('this stream does not support checkpoints');
    return this.#checkpoints.at(this.#pushed - this.readableLength);
  }

  _transform(chunk, encoding, callback) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this.#queue(this.#native.push(buf), callback);
  }

  _writev(entries, callback) {
    const bufs = entries.map(({ chunk, encoding }) => (typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk));
    this.#queue(this.#native.pushMany(bufs), callback);
  }

  _flush(callback) {
    this.#inFlight++;
    this.#native.finish().then(
      (outcome) =>
        this.#finished(outcome, () => {
          if (!this.#failure && !this.destroyed) {
            this.#progress(true);
            callback();
          }
        }),
      (err) => this.destroy(err),
    );
  }

  _destroy(err, callback) {
    // Frees the native buffers once the runs in flight are over, instead of when this object
    // is collected: V8 does not see that memory, so it may keep thousands of dead streams.
    this.#native.dispose().catch(() => {});
    callback(err);
  }

  // Records pushed before an error must reach the reader: destroying the stream would drop
  // them from the buffer. So the error waits until the buffer has been read empty.
  read(n) {
    const chunk = super.read(n);
    if (this.#failure && this.readableLength === 0) process.nextTick(() => this.#fail());
    return chunk;
  }

  _read(size) {
    // The reader wants data now, whatever the buffer level: honour that, or it never asks
    // again until something is pushed.
    this.#wanted = true;
    this.#release();
    super._read(size);
  }

  #queue(run, callback) {
    if (!this.#started) this.#started = performance.now();
    this.#inFlight++;
    run.then(
      (outcome) =>
        this.#finished(outcome, () => {
          this.#progress(false);
          this.#release();
        }),
      (err) => this.destroy(err),
    );
    // Ask for the next chunk at once while there is room: its parse then overlaps with
    // turning this one's batches into objects.
    this.#held = callback;
    this.#release();
  }

  /** Hands the held write callback back once a run slot is free and the reader keeps up. */
  #release() {
    if (!this.#held || this.#failure || this.#inFlight >= MAX_IN_FLIGHT) return;
    // With `highWaterMark: 0` an empty buffer is already "full": wait only while it holds
    // something, or a run that yields no record would leave nothing to ask for more.
    if (!this.#wanted && this.readableLength >= Math.max(1, this.readableHighWaterMark)) return;
    const callback = this.#held;
    this.#held = null;
    this.#wanted = false;
    callback();
  }

  /**
   * A run is over: push its records (in order: runs finish in the order queued), then call
   * `then`. The run keeps its slot until its records are out, so a main thread that falls
   * behind holds the native side back.
   */
  #finished(outcome, then) {
    this.#settled.push({ outcome, then });
    // Not at once: runs that finish together are settled in one event-loop turn, and their
    // records would then be emitted in that one turn too.
    if (!this.#sliceScheduled) {
      this.#sliceScheduled = true;
      setImmediate(this.#slice);
    }
  }

  #emitSlice() {
    this.#sliceScheduled = false;
    const deadline = performance.now() + SLICE_MS;
    while (this.#settled.length > 0) {
      if (this.destroyed || this.#failure) {
        this.#inFlight -= this.#settled.length;
        this.#settled = [];
        return;
      }
      let batch;
      while ((batch = this.#native.takeBatch()) !== null) {
        this.#emit(batch);
        if (performance.now() >= deadline) {
          this.#sliceScheduled = true;
          setImmediate(this.#slice);
          return;
        }
      }
      const { outcome, then } = this.#settled.shift();
      this.#inFlight--;
      if (this.destroyed) continue;
      if (this.#reportSkips) this.#emitSkips();
      if (outcome === FAILED || outcome === PANICKED) {
        const info = outcome === FAILED ? this.#native.takeError() : null;
        this.#failure = info ? parseError(info) : internalError();
        if (this.readableLength === 0) this.#fail();
        continue;
      }
      then();
    }
  }

  #fail() {
    const error = this.#failure;
    if (!error || this.destroyed) return;
    this.destroy(error);
  }

  #emitSkips() {
    for (const { error, recordIndex } of this.#native.takeSkips()) {
      if (this.destroyed) return;
      this.#skipped++;
      this.emit('skip', { ...error, recordIndex });
    }
  }

  #emit(batch) {
    if (batch === null || this.destroyed) return;
    const records = JSON.parse(batch);
    const checkpoints = this.#checkpoints;
    // Before pushing: a 'data' listener may ask for a checkpoint while a record is pushed.
    if (checkpoints) checkpoints.add(this.#native.takeBatchMeta());
    for (let i = 0; i < records.length; i++) {
      // A 'data' listener may destroy the stream while a record is pushed: the rest of the
      // batch was never read, so it must not count towards the checkpoint.
      if (this.destroyed) break;
      const r = records[i];
      this.#pushed++;
      this.push(r === null ? this.#nullValue : r);
    }
    if (checkpoints) checkpoints.trim(this.#pushed - this.readableLength);
  }

  #progress(force) {
    if (this.destroyed || this.listenerCount('progress') === 0) return;
    const now = performance.now();
    if (!force && now - this.#lastProgress < this.#progressInterval) return;
    this.#lastProgress = now;
    const s = this.#native.stats();
    const seconds = Math.max((now - this.#started) / 1000, 1e-9);
    const mem = process.memoryUsage();
    const p = {
      bytesRead: s.bytes,
      records: s.records,
      mbPerSec: s.bytes / 1e6 / seconds,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
    };
    const total = this.#totalBytes;
    if (typeof total === 'number' && total > 0) {
      p.totalBytes = total;
      p.percent = Math.min(100, (s.bytes / total) * 100);
      const rate = s.bytes / seconds;
      p.etaSeconds = rate > 0 ? Math.max(0, (total - s.bytes) / rate) : null;
    }
    if (this.#checkpoints) p.checkpoint = this.checkpoint();
    this.emit('progress', p);
  }
}

module.exports = { RecordStream, SLICE_MS };
