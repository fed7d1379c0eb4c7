'use strict';
// Checkpoints for XmlStream: which byte follows each record handed to the reader, and which
// elements (with their namespace declarations) are open there. The native side reports, per
// batch, every record's end offset and the open path wherever it differs from the previous
// record's; this side keeps them for the records not yet read, so a checkpoint is exact per
// record whatever the batching.
const { optionError } = require('./errors');

const VERSION = 1;
// Offsets are byte offsets of the original input, whatever its encoding (the native side maps
// offsets in the decoded text back). Checkpoints name the encoding the native side found, since
// the input resumed from has no BOM or declaration left to tell it; the native side refuses
// encodings whose offsets are estimates.
const ENCODING = 'UTF-8';

class Checkpoints {
  #select;
  #from;
  #ends = []; // end offsets of records pushed, from record #first on
  #first = 0; // index (since this stream started) of #ends[0]
  #paths = []; // { index, path }, ascending: the open path from record `index` on
  #pushed = 0;
  #encoding = ENCODING;

  /** `select` as given to the stream; `from` the checkpoint resumed from, if any. */
  constructor(select, from) {
    this.#select = Array.isArray(select) ? [...select] : select;
    this.#from = from ?? { offset: 0, records: 0, path: null };
  }

  /** Notes a batch of records just pushed, with the native side's meta for it. */
  add(meta) {
    if (meta.encoding) this.#encoding = meta.encoding;
    for (const { index, json } of meta.contexts) {
      this.#paths.push({ index: this.#pushed + index, path: JSON.parse(json).path });
    }
    for (const end of meta.ends) this.#ends.push(end);
    this.#pushed += meta.ends.length;
  }

  /** Forgets records older than the last of the first `delivered`. */
  trim(delivered) {
    const keep = Math.max(0, delivered - 1);
    const drop = keep - this.#first;
    if (drop > 4096 || (drop > 0 && drop * 2 > this.#ends.length)) {
      this.#ends.splice(0, drop);
      this.#first = keep;
      let p = 0;
      while (p + 1 < this.#paths.length && this.#paths[p + 1].index <= keep) p++;
      if (p > 0) this.#paths.splice(0, p);
    }
  }

  /** The checkpoint after the first `delivered` records pushed. */
  at(delivered) {
    const select = this.#select;
    if (delivered === 0) {
      const { offset, records, path } = this.#from;
      return { version: VERSION, select, encoding: ENCODING, offset, records, path };
    }
    const i = delivered - 1;
    let path = this.#from.path;
    for (const p of this.#paths) {
      if (p.index > i) break;
      path = p.path;
    }
    return {
      version: VERSION,
      select,
      encoding: this.#encoding,
      offset: this.#ends[i - this.#first],
      records: this.#from.records + delivered,
      path,
    };
  }
}

const sameSelect = (a, b) =>
  Array.isArray(a) === Array.isArray(b) &&
  (Array.isArray(a) ? a.length === b.length && a.every((s, i) => s === b[i]) : a === b);

/** Validates `resumeFrom` against `select`; the native resume options, or undefined. */
function resumeOptions(checkpoint, select) {
  if (checkpoint === undefined) return undefined;
  const bad = (why) => optionError(`\`resumeFrom\` ${why}`);
  if (checkpoint === null || typeof checkpoint !== 'object') throw bad('must be a checkpoint object');
  if (checkpoint.version !== VERSION) throw bad(`has version ${checkpoint.version}; this sluice reads version ${VERSION}`);
  if (!sameSelect(checkpoint.select, select)) {
    throw bad(
      `was taken with select ${JSON.stringify(checkpoint.select)} but this stream has select ${JSON.stringify(select)}: ` +
        'a checkpoint only resumes the same selection',
    );
  }
  if (typeof checkpoint.encoding !== 'string') throw bad('has no encoding');
  // parseFile's, naming an earlier place and records after it to pass over: only it can.
  if (checkpoint.drop) throw bad('passes over records read after its offset: resume it with parseFile');
  const { offset, records, path } = checkpoint;
  if (!Number.isSafeInteger(offset) || offset < 0) throw bad('has an invalid offset');
  if (!Number.isSafeInteger(records) || records < 0) throw bad('has an invalid record count');
  if (path === null) {
    if (offset !== 0) throw bad('has no open path but a non-zero offset');
    return undefined;
  }
  const pair = (p) => Array.isArray(p) && p.length === 2 && p.every((s) => typeof s === 'string');
  const ok =
    Array.isArray(path) &&
    path.every((a) => a && typeof a.name === 'string' && Array.isArray(a.ns) && a.ns.every(pair));
  if (!ok) throw bad('has an invalid path');
  return {
    offset,
    encoding: checkpoint.encoding,
    path: path.map((a) => ({ name: a.name, ns: a.ns.map((p) => [...p]) })),
  };
}

module.exports = { Checkpoints, resumeOptions, VERSION };
