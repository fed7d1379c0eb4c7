'use strict';
// The stream shell shared by every input format: bytes in, records out. The native side
// parses each chunk on libuv's pool; this side only parses finished batches (one JSON.parse
// each) and pushes the records, honouring backpressure in both directions.
const fs = require('node:fs');
const { Transform } = require('node:stream');
const { performance } = require('node:perf_hooks');
const { parseError, internalError, optionError } = require('./errors');

// Run outcomes, mirrored in src/binding.rs.
const NEED_INPUT = 0;
const BATCH_READY = 1;
const DONE = 2;
const FAILED = 3;

class RecordStream extends Transform {
  #native;
  #waiting = null; // a write callback held back until the reader catches up
  #failure = null; // an error held back until the records before it have been read
  #progressInterval;
  #lastProgress = 0;
  #started = 0;
  #totalBytes;
  #nullValue;
  #reportSkips;
  #skipped = 0;

  constructor(native, options = {}) {
    super({
      readableObjectMode: true,
      // Enough room for a whole batch, so that parsing the next chunk overlaps with the
      // consumer reading this one.
      readableHighWaterMark: options.highWaterMark ?? 1024,
      writableHighWaterMark: 256 * 1024,
      signal: options.signal,
    });
    this.#native = native;
    this.#progressInterval = options.progressInterval ?? 250;
    if (!(this.#progressInterval >= 0)) throw optionError('`progressInterval` must be a number of milliseconds');
    this.#totalBytes = options.totalBytes;
    this.#nullValue = options.nullValue;
    this.#reportSkips = options.onError === 'skip';
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

  _transform(chunk, encoding, callback) {
    if (!this.#started) this.#started = performance.now();
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this.#settle(this.#native.push(buf), callback, false);
  }

  _writev(entries, callback) {
    if (!this.#started) this.#started = performance.now();
    const bufs = entries.map(({ chunk, encoding }) => (typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk));
    this.#settle(this.#native.pushMany(bufs), callback, false);
  }

  _flush(callback) {
    this.#settle(this.#native.finish(), callback, true);
  }

  // Records pushed before an error must reach the reader: destroying the stream would drop
  // them from the buffer. So the error waits until the buffer has been read empty.
  read(n) {
    const chunk = super.read(n);
    if (this.#failure && this.readableLength === 0) process.nextTick(() => this.#fail());
    return chunk;
  }

  #fail() {
    const failure = this.#failure;
    if (!failure) return;
    this.#failure = null;
    failure.callback(failure.error);
  }

  _read(size) {
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = null;
      waiting();
    }
    super._read(size);
  }

  #settle(run, callback, finishing) {
    run.then(
      (outcome) => {
        if (this.destroyed) return;
        const batch = this.#native.takeBatch();
        if (this.#reportSkips) this.#emitSkips();
        if (outcome === BATCH_READY) {
          const more = () => this.#native[finishing ? 'finish' : 'resume']();
          if (this.#hasRoom()) {
            // Start the next native run before materialising this batch, so both overlap.
            const next = more();
            this.#emit(batch);
            this.#settle(next, callback, finishing);
          } else {
            this.#emit(batch);
            this.#whenRoom(() => this.#settle(more(), callback, finishing));
          }
          return;
        }
        if (outcome === NEED_INPUT || outcome === DONE) {
          if (finishing) {
            this.#emit(batch);
            this.#progress(true);
            callback();
          } else if (this.#hasRoom()) {
            // Ask for the next chunk first: its parse then runs while we push this batch.
            callback();
            this.#emit(batch);
            this.#progress(false);
          } else {
            this.#emit(batch);
            this.#progress(false);
            this.#whenRoom(callback);
          }
          return;
        }
        // Records that ended before the error go out first.
        this.#emit(batch);
        const info = outcome === FAILED ? this.#native.takeError() : null;
        this.#failure = { error: info ? parseError(info) : internalError(), callback };
        if (this.readableLength === 0) this.#fail();
      },
      (err) => callback(err),
    );
  }

  #hasRoom() {
    return this.readableLength < this.readableHighWaterMark;
  }

  /** Runs `fn` once the reader has taken enough records (see `_read`). */
  #whenRoom(fn) {
    if (this.#hasRoom()) fn();
    else this.#waiting = fn;
  }

  #emitSkips() {
    for (const { error, recordIndex } of this.#native.takeSkips()) {
      this.#skipped++;
      this.emit('skip', { ...error, recordIndex });
    }
  }

  #emit(batch) {
    if (batch === null || this.destroyed) return;
    const records = JSON.parse(batch);
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      this.push(r === null ? this.#nullValue : r);
    }
  }

  #progress(force) {
    if (this.listenerCount('progress') === 0) return;
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
    this.emit('progress', p);
  }
}

module.exports = { RecordStream, NEED_INPUT, BATCH_READY, DONE };
