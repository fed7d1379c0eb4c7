'use strict';
// Checkpoints of parseFile: where a new parseFile can pick up after the records read so far.
//
// XML: exactly what XmlStream gives (the byte after the last record read and the elements open
// there, lib/checkpoint.js), from the record ends and open paths the native side reports per
// batch. The owner's parser is always one whose state is known (the file start, a checkpoint,
// or a part whose guessed state was confirmed), so its paths are the file's.
//
// In skip mode a record may be read before the 'skip' of a record before it is reported (the
// native side reports a run's skips after its records). A checkpoint must not pass over such a
// record, or its 'skip' would never be reported: it then names the end of the last record
// after which every skip was reported, plus `drop`, the records read after that, which a
// resumed parseFile reads again and passes over. `lastSkip` is the offset of the last 'skip'
// reported and `lastSkips` how many were reported at that offset (two records' errors may
// share one): a resumed parseFile does not report those again.
//
// JSON and NDJSON: the engine reports no per-record offsets, so a checkpoint names the last
// place known to be a clean start and, as `drop`, the records after it already read, which a
// resumed parseFile reads again and passes over. Clean starts are where a part ended in a
// state a fresh parser can take: an NDJSON line start with no line open, or, in a JSON
// document whose one selector names an array's elements (`$.a[*]`), a place right after a
// `,` between two elements, confirmed by the parser that read up to it (lib/split: the
// verdict). Parts are at most `partBytes` apart on any number of threads, so that is all a
// resume reads again. A resumed JSON document starts in that known element state; its
// positions count from the file's `line` and `column` at `offset`, which the checkpoint
// carries, so its errors are one stream's. Other JSON selections and 'concatenated' have no
// such place: their checkpoints name offset 0 and drop every record read.
const { Checkpoints, VERSION } = require('./checkpoint');
const { optionError } = require('./errors');
const { nativeFor } = require('./split/part');
const { parserOptions } = require('./split/plan');

const sameSelect = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Validates a JSON / NDJSON `resumeFrom`: `{ offset, drop, records, line, column, lastSkip }`, or undefined. */
function jsonResume(checkpoint, options, select, format) {
  if (checkpoint === undefined) return undefined;
  const bad = (why) => optionError(`\`resumeFrom\` ${why}`);
  if (checkpoint === null || typeof checkpoint !== 'object') throw bad('must be a checkpoint object');
  if (checkpoint.version !== VERSION) throw bad(`has version ${checkpoint.version}; this sluice reads version ${VERSION}`);
  if (checkpoint.format !== format) {
    throw bad(`was taken from ${checkpoint.format ?? 'XML'} input but this file is read as ${format}`);
  }
  if (!sameSelect(checkpoint.select, select)) {
    throw bad(
      `was taken with select ${JSON.stringify(checkpoint.select)} but this stream has select ${JSON.stringify(select)}: ` +
        'a checkpoint only resumes the same selection',
    );
  }
  const count = (k) => Number.isSafeInteger(checkpoint[k]) && checkpoint[k] >= 0;
  for (const k of ['offset', 'drop', 'records', 'line']) if (!count(k)) throw bad(`has an invalid ${k}`);
  if (format === 'ndjson' || checkpoint.offset === 0) return checkpoint;
  if (format !== 'json') throw bad(`of ${format} input must have offset 0`);
  // A JSON document resumes between two elements of the array its one selector names: the
  // state a part of it starts in, which the parser refuses for any other selection.
  if (!(checkpoint.line >= 1 && Number.isSafeInteger(checkpoint.column) && checkpoint.column >= 1)) {
    throw bad('of a JSON document with an offset must have a line and column');
  }
  const part = { format, options: parserOptions(options), start: checkpoint.offset, guess: null };
  nativeFor(part).dispose().catch(() => {}); // other bad options throw their own error
  try {
    nativeFor({ ...part, element: true }).dispose().catch(() => {});
  } catch {
    throw bad('of a JSON document with an offset needs a select naming the elements of an array (such as `$.items[*]`)');
  }
  return checkpoint;
}

class FileCheckpoints {
  #format;
  #select;
  #xml = null; // a Checkpoints, for XML
  #from; // the checkpoint resumed from (JSON formats), or a start
  // JSON formats: clean starts met, oldest first: { offset, line, column, before, drop }, where
  // `before` records had been pushed when it was met and `drop` were still to be passed over
  // (`line`: NDJSON lines before it; a JSON document's line and column there).
  #anchors;
  #lastSkip;
  #lastSkips;
  // The same, of the checkpoint resumed from, and the skips at that offset met again.
  #resumedSkip;
  #resumedSkips;
  #metAgain = 0;
  #pushed = 0;
  #skipMode;
  // XML: records pushed once every skip before them was reported.
  #confirmed = 0;

  constructor(format, options) {
    this.#format = format;
    const from = options.resumeFrom;
    this.#lastSkip = typeof from?.lastSkip === 'number' ? from.lastSkip : -1;
    this.#lastSkips = typeof from?.lastSkips === 'number' ? from.lastSkips : 0;
    this.#resumedSkip = this.#lastSkip;
    this.#resumedSkips = this.#lastSkips;
    this.#skipMode = options.onError === 'skip';
    if (format === 'xml') {
      this.#select = options.select ?? '/*';
      this.#xml = new Checkpoints(this.#select, from);
      if (from !== undefined && (from.drop !== undefined || from.format !== undefined)) {
        if (!Number.isSafeInteger(from.drop) || from.drop < 0 || from.format !== undefined) {
          throw optionError('`resumeFrom` has an invalid drop, or is not from XML input');
        }
      }
      this.#from = { drop: from?.drop ?? 0, records: from?.records ?? 0 };
      return;
    }
    this.#select = options.select ?? '$';
    const start = { offset: 0, drop: 0, records: 0, line: format === 'json' ? 1 : 0, column: 1 };
    this.#from = jsonResume(from, options, this.#select, format) ?? start;
    // A JSON document's start is line 1, column 1, whatever a checkpoint naming it says.
    if (format === 'json' && this.#from.offset === 0) this.#from = { ...this.#from, line: 1, column: 1 };
    const { offset, line, column, drop } = this.#from;
    this.#anchors = [{ offset, line, column, before: 0, drop }];
  }

  /** Records still to pass over before the first one to emit (JSON formats, when resumed). */
  get drop() {
    return this.#from.drop;
  }

  /** Line index where reading starts (NDJSON `recordIndex` continues the file's count). */
  get line() {
    return this.#format === 'ndjson' ? this.#from.line : 0;
  }

  /** The file's line and column where reading starts (a JSON document's positions count from it). */
  get origin() {
    return this.#format === 'json' ? { line: this.#from.line, column: this.#from.column } : { line: 1, column: 1 };
  }

  /** Whether a 'skip' at `offset` was already reported before the checkpoint resumed from (skips come in file order). */
  reported(offset) {
    if (offset < this.#resumedSkip) return true;
    if (offset > this.#resumedSkip) return false;
    this.#metAgain++;
    return this.#metAgain <= this.#resumedSkips;
  }

  /** A 'skip' at `offset` is reported. */
  skipped(offset) {
    if (offset === this.#lastSkip) this.#lastSkips++;
    else [this.#lastSkip, this.#lastSkips] = [offset, 1];
  }

  /** A batch of `count` records is about to be pushed, with its native meta (XML). */
  add(count, meta) {
    if (this.#xml) this.#xml.add(count < meta.ends.length ? unshift(meta, meta.ends.length - count) : meta);
    this.#pushed += count;
    if (!this.#skipMode) this.#confirmed = this.#pushed;
  }

  /** Every skip before the records pushed so far has been reported. */
  confirm() {
    this.#confirmed = this.#pushed;
  }

  /**
   * The owner parsed up to `offset`, a clean start, with `drop` records still to pass over:
   * after `lines` lines (NDJSON), at the file's `at.line` and `at.column` (a JSON document).
   */
  anchor(offset, lines, at, drop) {
    if (this.#format === 'ndjson') this.#anchors.push({ offset, line: lines, before: this.#pushed, drop });
    else if (this.#format === 'json') this.#anchors.push({ offset, ...at, before: this.#pushed, drop });
  }

  /** Forgets what no checkpoint after the first `delivered` records can need. */
  trim(delivered) {
    if (this.#xml) return this.#xml.trim(Math.min(delivered, this.#confirmed));
    let k = 0;
    while (k + 1 < this.#anchors.length && this.#anchors[k + 1].before <= delivered) k++;
    if (k > 0) this.#anchors.splice(0, k);
  }

  /** Where to resume after the first `delivered` records pushed. */
  at(delivered) {
    if (this.#xml) {
      const c = Math.min(delivered, this.#confirmed);
      const drop = (c === 0 ? this.#from.drop : 0) + delivered - c;
      const skips = { lastSkip: this.#lastSkip, lastSkips: this.#lastSkips };
      return { ...this.#xml.at(c), records: this.#from.records + delivered, drop, ...skips };
    }
    let a = this.#anchors[0];
    for (const b of this.#anchors) if (b.before <= delivered) a = b;
    return {
      version: VERSION,
      format: this.#format,
      select: this.#select,
      encoding: 'UTF-8',
      offset: a.offset,
      line: a.line,
      ...(this.#format === 'json' ? { column: a.column } : {}),
      drop: a.drop + delivered - a.before,
      records: this.#from.records + delivered,
      lastSkip: this.#lastSkip,
      lastSkips: this.#lastSkips,
    };
  }
}

/** `meta` without its first `n` records (passed over by a resumed parseFile). */
function unshift(meta, n) {
  let first = null; // the open path in effect for the first record kept
  const rest = [];
  for (const c of meta.contexts) {
    if (c.index <= n) first = c;
    else rest.push({ ...c, index: c.index - n });
  }
  return { ...meta, ends: meta.ends.slice(n), contexts: first ? [{ ...first, index: 0 }, ...rest] : rest };
}

module.exports = { FileCheckpoints };
