'use strict';
// A part's records written as NDJSON to a file of its own, named from the task, written to a
// temporary file and renamed over the final name when whole: a part run twice (a retry, a
// stalled job taken over by another worker) leaves the same file, never a longer one.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { PartRun } = require('./part');
const { openSource } = require('./source');

// Batches held unwritten before the parser waits.
const HELD = 4;

/** The output file name of a task: the same task, the same name. */
function partName(task) {
  const key = JSON.stringify([task.format, task.path, task.start, task.end, task.guess, task.options]);
  const hash = crypto.createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `part-${task.start}-${task.end}-${hash}.ndjson`;
}

/**
 * One part's parser writing to a temporary file, fed range after range (a part re-read past
 * its end runs on through the next part's bytes, as one stream would).
 */
class PartWriter {
  records = 0;
  skips = [];
  #run;
  #src;
  #out;
  #tmp;
  #dir;
  #size;
  #onProgress;

  static async open(task, dir, { onProgress } = {}) {
    const w = new PartWriter();
    w.task = task;
    w.#dir = dir;
    w.#onProgress = onProgress;
    w.#src = await openSource(task.path);
    try {
      w.#size = (await w.#src.stat()).size;
      w.#run = new PartRun(task, w.#src);
      w.#run.limit = HELD;
      w.#tmp = path.join(dir, `${partName(task)}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`);
      w.#out = await fs.promises.open(w.#tmp, 'w');
    } catch (err) {
      await w.dispose();
      throw err;
    }
    return w;
  }

  get end() {
    return this.#run.fedTo;
  }

  get bytesRead() {
    return this.#src.bytesRead;
  }

  get error() {
    return this.#run.error;
  }

  /** Parses up to `to` (to the file's end: and ends the input), writing what it finds. */
  async feed(to) {
    const run = this.#run;
    let over = false;
    const feeding = (async () => {
      await run.feed(run.fedTo, to);
      if (to >= this.#size) await run.finish();
    })().then(() => {
      over = true;
      run.poke();
    });
    try {
      for (;;) {
        const item = run.items.shift();
        if (item) {
          run.poke();
          await this.#write(item);
          continue;
        }
        if (over || run.fatal) break;
        await run.changed();
      }
    } finally {
      await feeding;
    }
    if (run.fatal) throw run.fatal;
  }

  async #write(item) {
    if (item.batch === undefined) {
      this.skips.push(...item.skips);
      return;
    }
    const records = JSON.parse(item.batch);
    let text = '';
    for (const r of records) text += `${JSON.stringify(r)}\n`;
    await this.#out.write(text);
    this.records += records.length;
    if (this.#onProgress) this.#onProgress({ bytes: this.#run.fedTo - this.task.start, records: this.records });
  }

  /** The state where the input fed so far ends, as `runPart` reports it (null past the end or an error). */
  verdict() {
    const run = this.#run;
    if (run.error || run.fedTo >= this.#size) return null;
    return run.boundary();
  }

  /** Closes the file under the name of `task` (the task actually parsed) and returns the result. */
  async commit(task = this.task) {
    const verdict = this.verdict();
    const file = path.join(this.#dir, partName(task));
    await this.#out.close();
    this.#out = null;
    await fs.promises.rename(this.#tmp, file);
    const result = {
      task,
      path: file,
      records: this.records,
      bytes: task.end - task.start,
      bytesRead: this.#src.bytesRead,
      error: this.#run.error,
      skips: this.skips,
      verdict,
    };
    await this.dispose();
    return result;
  }

  async dispose() {
    if (this.#run) this.#run.dispose();
    if (this.#out) {
      await this.#out.close().catch(() => {});
      await fs.promises.rm(this.#tmp, { force: true });
      this.#out = null;
    }
    if (this.#src) await this.#src.close().catch(() => {});
  }
}

/**
 * Runs `task` and writes its records to `dir` as NDJSON: `{ task, path, records, bytes,
 * bytesRead, error, skips, verdict }`, the verdict being `runPart`'s (positions in `error` and
 * `skips` count from the part's start, as runPart's do).
 */
async function writePart(task, dir, options) {
  const w = await PartWriter.open(task, dir, options);
  try {
    await w.feed(task.end);
    return await w.commit();
  } finally {
    await w.dispose();
  }
}

module.exports = { writePart, PartWriter, partName };
