'use strict';
// The check that makes parts run anywhere exact (what parseFile's owner does on one machine):
// walk the parts' results in file order; a part is kept only if the verdict of the part before
// it (whose own start is known) accepts its guess. A part that guessed wrong is parsed again
// from the true state: from the previous part's verdict when that is a resumable state, or
// else by re-reading the previous part and running on through the rejected ones, as one
// stream would. Each is re-read once at most, so the check costs what the wrong guesses do.
const fs = require('node:fs');
const { accepts } = require('./part');
const { PartWriter } = require('./output');
const { parseError, internalError } = require('../errors');

/** Maps a position counted from a part's start to one counted from the file's start. */
function fromOrigin(origin, line, column) {
  if (line <= 1) return { line: origin.line, column: origin.column + column - 1 };
  return { line: origin.line + line - 1, column };
}

/** An error record of a kept part, with the file's positions (as one stream gives them). */
function inFile(kept, e) {
  const at = fromOrigin(kept.origin, e.line, e.column);
  const offset = kept.task.format === 'xml' ? e.offset : e.offset + kept.task.start;
  const message = e.message.replace(/\(opened at line (\d+), column (\d+)\)/, (_, l, c) => {
    const o = fromOrigin(kept.origin, Number(l), Number(c));
    return `(opened at line ${o.line}, column ${o.column})`;
  });
  return { ...e, message, line: at.line, column: at.column, offset };
}

/** The first error one stream would give, from a kept part's error record. */
function fileError(kept, e) {
  if (e.internal) return internalError();
  return parseError(inFile(kept, e));
}

const unlink = (file) => fs.promises.rm(file, { force: true });

/**
 * `results[i]` is `writePart(tasks[i], dir)`'s. Resolves to the manifest `{ records, skips,
 * parts: [{ path, records, start, end }] }` in file order (`skips`: skip mode's dropped records,
 * as one stream's 'skip' events), or rejects with the first parse error.
 * `onProgress({ bytes, records })` follows re-reads.
 */
async function settle(tasks, results, dir, { onProgress } = {}) {
  const kept = [];
  const fail = async (k, e) => {
    for (const p of kept) await unlink(p.path);
    for (const r of results) await unlink(r.path);
    throw fileError(k, e);
  };
  let origin = { line: 1, column: 1 };
  let indexBase = 0;
  const keep = (result) => {
    kept.push({ ...result, origin, indexBase });
    if (result.verdict) {
      origin = fromOrigin(origin, result.verdict.line, result.verdict.column);
      indexBase += result.verdict.index;
    }
  };
  const redone = [];
  for (let i = 0; i < tasks.length; ) {
    const prev = kept.at(-1);
    const result = results[i];
    if (!prev || accepts(prev.verdict, result.task)) {
      if (result.error) await fail({ ...result, origin }, result.error);
      keep(result);
      i++;
      continue;
    }
    // A wrong guess: parse from the true state.
    await unlink(result.path);
    const v = prev.verdict;
    let from;
    if (v && v.between && ['ndjson', 'xml', 'json'].includes(result.task.format)) {
      from = { ...result.task, guess: result.task.format === 'ndjson' ? {} : { path: v.path } };
    } else {
      // No state to resume from at that byte: the previous part is read again and on.
      kept.pop();
      origin = prev.origin;
      indexBase = prev.indexBase;
      await unlink(prev.path);
      from = prev.task;
    }
    const w = await PartWriter.open(from, dir, {
      onProgress: onProgress && ((p) => onProgress({ bytes: from.start - tasks[0].start + p.bytes })),
    });
    try {
      let k = i;
      await w.feed(tasks[k].end);
      while (k + 1 < tasks.length && !w.error && !accepts(w.verdict(), results[k + 1].task)) {
        k++;
        await unlink(results[k].path);
        await w.feed(tasks[k].end);
      }
      const j = k + 1;
      const end = tasks[j - 1].end;
      const result2 = await w.commit({ ...from, end });
      redone.push({ start: from.start, end });
      if (result2.error) await fail({ ...result2, origin }, result2.error);
      keep(result2);
      i = j;
    } finally {
      await w.dispose();
    }
  }
  const skips = [];
  for (const k of kept) {
    for (const s of k.skips ?? []) skips.push({ ...inFile(k, s.error), recordIndex: k.indexBase + s.recordIndex });
  }
  return {
    records: kept.reduce((n, p) => n + p.records, 0),
    skips,
    parts: kept.map((p) => ({ path: p.path, records: p.records, start: p.task.start, end: p.task.end })),
    redone,
  };
}

module.exports = { settle, fromOrigin };
