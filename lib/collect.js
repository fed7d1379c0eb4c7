'use strict';
// Gathers a stream's records into an array while they fit in `memoryThreshold`, and past it
// spills them to a temp file (NDJSON) read back through a JsonStream. Temp files are named
// with the owning pid, removed when their owner lets go of them or the process ends (exit,
// SIGINT, SIGTERM, uncaught exception), and a process that could not clean up (SIGKILL) has
// its files swept by the next one that spills.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { once } = require('node:events');
const { optionError } = require('./errors');
const { JsonStream, NULL } = require('./json');

const PREFIX = 'sluice-spill-';
const live = new Set(); // paths of this process's temp files
let hooked = false;
let swept = false;

/** Removes this process's temp files now (synchronously: it also runs in 'exit'). */
function removeAll() {
  for (const file of live) {
    try {
      fs.unlinkSync(file);
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

function onSignal(signal) {
  removeAll();
  // Our listener took away Node's default (exit) for this signal; if nobody else handles
  // it, restore the default and re-raise so the process still dies of it.
  process.removeListener(signal, onSignal);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function hook() {
  if (hooked) return;
  hooked = true;
  process.on('exit', removeAll);
  // The monitor variant observes without changing whether the exception is fatal.
  process.on('uncaughtExceptionMonitor', removeAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM'; // exists, owned by someone else
  }
}

/** Removes temp files whose owning process no longer exists. Returns how many. */
function sweep(dir = os.tmpdir()) {
  let removed = 0;
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number.parseInt(name.slice(PREFIX.length), 10);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed++;
    } catch {
      // Raced with another sweeper, or not ours to remove.
    }
  }
  return removed;
}

function sweepOnce(dir) {
  if (swept) return;
  swept = true;
  sweep(dir);
}

/**
 * Records spilled to disk: an async iterable over them (each iteration reads the file
 * again). `dispose()` removes the file; it is also removed when the process ends.
 */
class SpilledRecords {
  #path;
  #count;
  #nullValue;

  constructor(file, count, nullValue) {
    this.#path = file;
    this.#count = count;
    this.#nullValue = nullValue;
  }

  get path() {
    return this.#path;
  }

  /** How many records. */
  get length() {
    return this.#count;
  }

  get spilled() {
    return true;
  }

  async *[Symbol.asyncIterator]() {
    if (!live.has(this.#path)) throw new Error('sluice: these spilled records were already disposed of');
    const stream = fs
      .createReadStream(this.#path, { highWaterMark: 64 * 1024 })
      .pipe(new JsonStream({ format: 'ndjson', select: '$' }));
    try {
      for await (const record of stream) yield record === NULL ? this.#nullValue : record;
    } finally {
      stream.destroy();
    }
  }

  /** Removes the temp file. */
  dispose() {
    if (!live.delete(this.#path)) return;
    fs.unlink(this.#path, () => {});
  }
}

/**
 * Reads `stream` (any async iterable of JSON-serialisable records) to the end. Resolves with
 * an array when the records fit in `memoryThreshold` bytes, else with a SpilledRecords.
 * A stream with `stats()` (sluice's) is measured by input bytes parsed, which costs nothing;
 * any other by the records' JSON length.
 */
async function collect(stream, options = {}) {
  if (options === null || typeof options !== 'object') throw optionError('options must be an object');
  const threshold = options.memoryThreshold ?? 5 * 1024 * 1024;
  if (!(Number.isFinite(threshold) && threshold >= 0)) throw optionError('`memoryThreshold` must be a number of bytes');
  const maxRecords = options.maxRecords ?? Infinity;
  const dir = options.tmpdir ?? os.tmpdir();
  const onTooMany = options.onTooMany ?? ((n) => optionError(`more than ${n} records`));
  const measured = typeof stream.stats === 'function';
  const nullValue = options.nullValue ?? NULL;

  let records = [];
  let size = 0;
  let count = 0;
  let file = null;
  let out = null;
  let pending = '';

  const flush = async () => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    if (!out.write(text)) await once(out, 'drain');
  };

  try {
    for await (const record of stream) {
      if (++count > maxRecords) throw onTooMany(maxRecords);
      if (file === null) {
        records.push(record);
        size = measured ? stream.stats().bytes : size + jsonLength(record);
        if (size <= threshold) continue;
        ({ file, out } = await openSpill(dir));
        for (const r of records) pending += line(r);
        records = null;
      } else {
        pending += line(record);
      }
      if (pending.length >= 64 * 1024) await flush();
    }
    if (file === null) return records;
    await flush();
    out.end();
    await once(out, 'close');
    return new SpilledRecords(file, count, nullValue);
  } catch (err) {
    if (out) out.destroy();
    if (file) {
      live.delete(file);
      fs.unlink(file, () => {});
    }
    if (typeof stream.destroy === 'function') stream.destroy();
    throw err;
  }
}

function jsonLength(record) {
  return typeof record === 'symbol' ? 4 : (JSON.stringify(record) ?? 'null').length;
}

function line(record) {
  return typeof record === 'symbol' ? 'null\n' : `${JSON.stringify(record) ?? 'null'}\n`;
}

async function openSpill(dir) {
  hook();
  sweepOnce(dir);
  const file = path.join(dir, `${PREFIX}${process.pid}-${crypto.randomBytes(6).toString('hex')}.ndjson`);
  live.add(file); // before the open, so an exit in between still removes it
  const out = fs.createWriteStream(file, { flags: 'wx', mode: 0o600 });
  await once(out, 'open');
  return { file, out };
}

module.exports = { collect, sweep, SpilledRecords, liveSpills: () => [...live], PREFIX };
