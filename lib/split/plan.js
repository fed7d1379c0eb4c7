'use strict';
// Cutting a file into parts. A cut is only ever a guess: each part after the first starts at
// a candidate (an XML start tag a selector could match, an NDJSON line start) with a guessed
// parser state, and parse-file.js keeps a part's output only once the part before it has
// parsed up to that exact byte and found exactly that state. So nothing here has to be right
// for the output to be; it only has to be right often for the parts to run in parallel.
const { nativeFor } = require('./part');
const { guessOpenPath, jsonCuts } = require('../native');
const { optionError } = require('../errors');
const { openSource, sourcePath, isUrl } = require('./source');

const KiB = 1024;
const MiB = 1024 * KiB;
const DEFAULT_PART_BYTES = 16 * MiB;
const MIN_PART_BYTES = 4 * KiB;
// Bytes read while looking for a candidate, and the longest name considered.
const SCAN_BLOCK = 64 * KiB;
const MAX_NAME = 1024;
const MAX_SCAN_BLOCK = 4 * MiB;
const FAILED = 3;

/** `format` given, or from the file's extension. */
function formatOf(path, options) {
  const f = options.format;
  if (f !== undefined) {
    if (!['xml', 'json', 'ndjson', 'concatenated'].includes(f)) {
      throw optionError("`format` must be 'xml', 'json' or 'ndjson'");
    }
    return f;
  }
  const p = sourcePath(path).toLowerCase();
  if (p.endsWith('.ndjson') || p.endsWith('.jsonl')) return 'ndjson';
  if (p.endsWith('.json')) return 'json';
  return 'xml';
}

/**
 * The options of one part's parser: everything but parseFile's own and the stream's
 * (`signal` cannot cross to another machine, and the rest do not change records).
 */
function parserOptions(options) {
  const {
    threads,
    partBytes,
    splitAt,
    format,
    signal,
    highWaterMark,
    progressInterval,
    totalBytes,
    nullValue,
    ...rest
  } = options;
  return rest;
}

function partBytesOf(options) {
  const v = options.partBytes ?? DEFAULT_PART_BYTES;
  if (!Number.isSafeInteger(v) || v < MIN_PART_BYTES) {
    throw optionError(`\`partBytes\` must be an integer of at least ${MIN_PART_BYTES}`);
  }
  return v;
}

/** The local names records can have, or null for any (a `*` last step). */
function recordNames(select) {
  const names = new Set();
  for (const s of Array.isArray(select) ? select : [select]) {
    // The last step, where `/` inside a `{uri}` does not separate steps.
    let depth = 0;
    let cut = -1;
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '{') depth++;
      else if (s[i] === '}') depth--;
      else if (s[i] === '/' && depth === 0) cut = i;
    }
    let step = s.slice(cut + 1).trim();
    if (step.startsWith('{')) step = step.slice(step.indexOf('}') + 1);
    const local = step.includes(':') ? step.slice(step.lastIndexOf(':') + 1) : step;
    if (local === '*') return null;
    names.add(local);
  }
  return names;
}

/**
 * `splitAt`: the local names of the start tags parts may start at, when the selectors' own
 * names are a poor choice (a `*` step); any name is safe, since every start is checked.
 */
function splitNames(options) {
  const v = options.splitAt;
  if (v === undefined) return null;
  if (!Array.isArray(v) || v.length === 0 || !v.every((n) => typeof n === 'string' && n.length > 0)) {
    throw optionError('`splitAt` must be a non-empty array of element names');
  }
  return new Set(v.map((n) => n.slice(n.lastIndexOf(':') + 1)));
}

const isSpace = (b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

const endsName = (b) => isSpace(b) || b === 0x3e || b === 0x2f || b === 0x3c;

/**
 * The first start tag in `view` (one block, `<` before `limit`) whose local name is in
 * `names`, as the loop in findStartTag finds it, but looking for the names themselves
 * (Buffer#indexOf) rather than at every `<`: a file may hold megabytes of other elements
 * before its records.
 */
function findNamed(view, limit, at, size, names) {
  let best = null;
  for (const name of names) {
    const needle = Buffer.from(name);
    for (let h = view.indexOf(needle, 1); h !== -1; h = view.indexOf(needle, h + 1)) {
      // Back to the `<` over the prefix, if any; the local name starts right after `:`.
      const before = view[h - 1];
      let i = h - 1;
      if (before === 0x3a) {
        while (i > 0 && h - i <= MAX_NAME && !endsName(view[i - 1])) i--;
        i--;
        if (i < 0 || view[i] !== 0x3c || h - 1 === i + 1) continue;
      } else if (before !== 0x3c) continue;
      if (i >= limit || (best && i >= best.i)) break;
      const first = view[i + 1];
      if (first === 0x21 || first === 0x3f || first === 0x2f || isSpace(first)) continue;
      const j = h + needle.length;
      // A name running to the end of what was read is only whole at the end of the file.
      if (j === view.length ? at + j < size : !endsName(view[j])) continue;
      if (j - i > MAX_NAME) continue;
      // A `:` inside the prefix would make the local name start later than `h`.
      const qname = view.toString('utf8', i + 1, j);
      if (qname.slice(qname.lastIndexOf(':') + 1) !== name) continue;
      best = { i, offset: at + i, name: qname };
      break;
    }
  }
  return best && { offset: best.offset, name: best.name };
}

/** Offset of the first `<name` at or after `from` whose local name is in `names`, or -1. */
async function findStartTag(fh, from, size, names, maxBlock = MAX_SCAN_BLOCK) {
  let buf = Buffer.allocUnsafe(SCAN_BLOCK + MAX_NAME + 2);
  // Blocks grow while nothing is found: the first record may come after megabytes of other
  // elements, and a read per 64 KiB of those cost more than the search.
  for (let at = from, block = SCAN_BLOCK; at < size; at += block, block = Math.min(2 * block, maxBlock)) {
    if (buf.length < block + MAX_NAME + 2) buf = Buffer.allocUnsafe(block + MAX_NAME + 2);
    const { bytesRead } = await fh.read(buf, 0, Math.min(block + MAX_NAME + 2, size - at), at);
    const view = buf.subarray(0, bytesRead);
    const limit = Math.min(block, bytesRead);
    if (names !== null) {
      const found = findNamed(view, limit, at, size, names);
      if (found) return found;
      continue;
    }
    for (let i = view.indexOf(0x3c); i !== -1 && i < limit; i = view.indexOf(0x3c, i + 1)) {
      const first = view[i + 1];
      if (first === undefined || first === 0x21 || first === 0x3f || first === 0x2f || isSpace(first)) continue;
      let j = i + 1;
      while (j < view.length && j - i <= MAX_NAME) {
        const b = view[j];
        if (isSpace(b) || b === 0x3e || b === 0x2f || b === 0x3c) break;
        j++;
      }
      // A name running to the end of what was read is only whole at the end of the file.
      if (j === view.length && at + j < size) continue;
      if (j - i > MAX_NAME) continue;
      const qname = view.toString('utf8', i + 1, j);
      const local = qname.slice(qname.lastIndexOf(':') + 1);
      if (names === null || names.has(local)) return { offset: at + i, name: qname };
    }
  }
  return null;
}

/** Offset of the first NDJSON line start at or after `from`, or -1. */
async function findLineStart(fh, from, size) {
  const buf = Buffer.allocUnsafe(SCAN_BLOCK);
  // A line starts after a `\n`: look from the byte before `from`.
  for (let at = Math.max(0, from - 1); at < size; at += SCAN_BLOCK) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - at), at);
    for (let i = buf.indexOf(0x0a); i !== -1 && i < bytesRead; i = buf.indexOf(0x0a, i + 1)) {
      const start = at + i + 1;
      if (start < from) continue;
      if (start >= size) return -1;
      // A fresh parser reads a byte order mark at its first byte; the one before it would
      // not: such a line is never a part start.
      const b = i + 1 < bytesRead ? buf[i + 1] : (await fh.read(Buffer.alloc(1), 0, 1, start)).buffer[0];
      if (b === 0xef || b === 0xfe || b === 0xff) continue;
      return start;
    }
  }
  return -1;
}

/**
 * The state XML records are found in, from the head of the file: the open path when the
 * first record ends (its ancestors and their namespace declarations), or null when there is
 * nothing to guess from (no record early on, a DOCTYPE, another encoding than UTF-8).
 */
async function headGuess(fh, part, size, budget) {
  const native = nativeFor(part);
  const buf = Buffer.allocUnsafe(64 * KiB);
  try {
    for (let pos = part.start; pos < Math.min(size, part.start + budget); ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
      if (bytesRead === 0) return null;
      pos += bytesRead;
      const outcome = await native.push(buf.subarray(0, bytesRead));
      if (native.takeBatch() !== null) {
        const meta = native.takeBatchMeta();
        if (meta.encoding !== 'UTF-8' || meta.contexts.length === 0) return null;
        const { path } = JSON.parse(meta.contexts[0].json);
        return path.length > 0 ? { path } : null;
      }
      if (outcome === FAILED) return null;
    }
    return null;
  } finally {
    native.dispose().catch(() => {});
  }
}

/**
 * The same guess, made natively by matching the tags of the head of the file up to the first
 * start tag with a record's name (src/guess.rs): a DOCTYPE, another encoding than UTF-8 or no
 * such tag within `budget` bytes give null. Several times faster than parsing the head, which
 * for a catalog whose records come after 20 MB of other lists took longer than a part.
 */
async function quickGuess(path, start, names, budget) {
  const found = await guessOpenPath(String(path), start, names === null ? undefined : [...names], budget);
  return found && found.length > 0 ? { path: found } : null;
}

/**
 * Cuts the file open as `fh` into parts: `[{ format, path, start, end, guess, name,
 * options }]`, in file order, each ending where the next starts. The first part's `guess`
 * is null (its state is known: a resumed JSON document's first part has `element: true`,
 * starting between two elements); the others' is the guessed state (`{ path }` for XML, the
 * open elements; `{}` for NDJSON; `{ path }` for a JSON document, the keys of the objects
 * around the array, the part starting between two of its elements) and `name` the start
 * tag's name (XML). The first record is looked for in
 * the first `max(4 × partBytes, 64 MiB, guessBytes)` bytes, unless `guessed` (an XML part's
 * `guess` from an earlier plan of the same file and options) says what it found.
 */
async function planOpen(fh, path, options, { split = true, guessBytes = 0, guessed = null } = {}) {
  const format = formatOf(path, options);
  const partBytes = partBytesOf(options);
  const popts = parserOptions(options);
  const { size } = await fh.stat();
  // A resumed file starts at its checkpoint's offset: a JSON document's there is between two
  // elements of the selected array (`element`), a state known, not guessed.
  const start = options.resumeFrom?.offset ?? 0;
  const first = { format, path: String(path), start, end: size, guess: null, name: null, options: popts };
  if (format === 'json' && start > 0) first.element = true;
  const parts = [first];
  if (!split || size - start < 2 * partBytes) return parts;
  if (format === 'json') {
    // One document: cut between two elements of the array one selector names (found
    // natively, src/json/candidates.rs); other selections, and URLs, are one part.
    const select = [options.select ?? '$'].flat();
    const local = !isUrl(path) && select.every((s) => typeof s === 'string');
    const found = local ? await jsonCuts(String(path), select, partBytes) : null;
    if (!found) return parts;
    const guess = { path: found.keys };
    // The cuts are planned from the file's head: a resumed one keeps those after its start.
    for (const c of found.cuts.filter((c) => c > start)) {
      parts[parts.length - 1].end = c;
      parts.push({ format, path: String(path), start: c, end: size, guess, name: null, options: popts });
    }
    return parts;
  }
  if (format !== 'xml' && format !== 'ndjson') return parts;

  // The cuts: each about `partBytes` after the last, at a candidate.
  const cut = async (find) => {
    const starts = [];
    for (let from = start + partBytes; from < size; ) {
      const c = await find(from);
      if (!c || c.offset >= size) break;
      starts.push(c);
      from = c.offset + partBytes;
    }
    return starts;
  };
  let guess = {};
  let starts;
  if (format === 'xml') {
    const names = splitNames(options) ?? recordNames(options.select ?? '/*');
    // The guess is made first, on a native thread. The scan runs at several hundred MB/s, so
    // it may look far: records may come after tens of megabytes of other lists. The head is
    // parsed instead when the source has no path the native scan can open (a URL).
    // Where the scan finds no guess, parsing the head found none worth having either: no
    // record within a budget no larger than the scan's, another encoding (null), or a DOCTYPE,
    // whose parts were then all re-read since none could be confirmed (34 parts, 0 accepted).
    // Only a guess makes parts, so the cuts are looked for after it: looked for beside it,
    // they read on to the first candidate however far (the 1 GiB catalog's first Deal is 934
    // MB in: 1.1 s of planning for one part) and, with small parts, through the whole file.
    const budget = Math.max(4 * partBytes, 64 * MiB, guessBytes);
    const guessing = guessed
      ? Promise.resolve(guessed)
      : isUrl(path)
        ? headGuess(fh, first, size, budget)
        : quickGuess(path, start, names, budget);
    // Over HTTP every byte the plan reads is transferred, so its blocks stay small there.
    const maxBlock = isUrl(path) ? SCAN_BLOCK : MAX_SCAN_BLOCK;
    guess = await guessing;
    if (!guess) return parts;
    starts = await cut((from) => findStartTag(fh, from, size, names, maxBlock));
  } else {
    starts = await cut(async (from) => {
      const s = await findLineStart(fh, from, size);
      return s < 0 ? null : { offset: s, name: null };
    });
  }
  for (const c of starts) {
    parts[parts.length - 1].end = c.offset;
    parts.push({ format, path: String(path), start: c.offset, end: size, guess, name: c.name, options: popts });
  }
  return parts;
}

/** `plan(source, options)`: the parts of a file (a path or an http(s) URL), as `runPart` takes them. */
async function plan(path, options = {}, how = {}) {
  const fh = await openSource(path);
  try {
    return await planOpen(fh, path, options, how);
  } finally {
    await fh.close();
  }
}

module.exports = { plan, planOpen, headGuess, formatOf, parserOptions, partBytesOf, recordNames, splitNames, DEFAULT_PART_BYTES };
