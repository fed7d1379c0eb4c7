'use strict';
// The building blocks parseFile is made of, for running parts elsewhere: `plan` cuts a file
// into parts (plain data), `runPart` parses one and reports its verdict, and `accepts` tells
// whether a verdict confirms the part after it.
const { openSource } = require('./source');
const { PartRun, accepts } = require('./part');
const { plan } = require('./plan');

/**
 * Parses one part: `{ batches, skips, error, verdict }`. `batches` are JSON array texts of
 * its records in order; `error` the native error record if it failed (positions counted
 * from the part's start); `verdict` the state where it ended (null for the last part, which
 * is read to the end of the file). A part whose guess the previous verdict does not accept
 * must be parsed again as part of the previous one (its start joined to it). `part.path` may
 * be an http(s) URL serving byte ranges: only the part's range is read.
 */
async function runPart(part) {
  const fh = await openSource(part.path);
  let run;
  try {
    const { size } = await fh.stat();
    run = new PartRun(part, fh);
    await run.feed(part.start, part.end);
    const last = part.end >= size;
    if (last) await run.finish();
    if (run.fatal) throw run.fatal;
    const batches = [];
    const skips = [];
    for (const item of run.items) {
      if (item.batch !== undefined) batches.push(item.batch);
      else skips.push(...item.skips);
    }
    return { batches, skips, error: run.error, verdict: last || run.error ? null : run.boundary() };
  } finally {
    if (run) run.dispose();
    await fh.close();
  }
}

module.exports = { plan, runPart, accepts };
