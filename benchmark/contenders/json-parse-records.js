'use strict';
// The ceiling for building JSON records on the main thread: `JSON.parse` of each record's
// text alone, plus the checksum every contender computes. Not a streaming parser.
//
// How it is measured: the file is read in blocks of 4 MiB, each block is split into its
// records' texts (generate.js writes one record per line; the document's first line
// `{"releases":[`, its `]}` and its padding are dropped, and so is each line's trailing comma),
// and every text is decoded to a JS string. None of that is timed. The clock then runs only
// around the loop that JSON.parses the block's strings and sums the checksum, and the
// throughput is the file's size over the sum of those times. So reading, splitting and
// decoding cost it nothing, and the figure is what the objects alone cost on this machine.
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const { runContender, jsonReleaseChecksum } = require('./common');

const BLOCK = 4 * 1024 * 1024;
const NL = 0x0a;

/** The record texts among `buf`'s complete lines [0, end). */
function recordTexts(buf, end) {
  const texts = [];
  let start = 0;
  while (start < end) {
    let nl = buf.indexOf(NL, start);
    if (nl < 0 || nl > end) nl = end;
    let s = start;
    let e = nl;
    start = nl + 1;
    while (s < e && buf[s] === 0x20) s++;
    while (e > s && (buf[e - 1] === 0x20 || buf[e - 1] === 0x0d)) e--;
    if (e > s && buf[e - 1] === 0x2c) e--; // the document's `,` between records
    if (e === s || buf[s] !== 0x7b || buf[e - 1] !== 0x7d) continue; // `{"releases":[`, `]}`
    texts.push(buf.toString('utf8', s, e));
  }
  return texts;
}

runContender('json-parse-records', async (ctx) => {
  const fd = fs.openSync(ctx.file, 'r');
  const buf = Buffer.allocUnsafe(BLOCK);
  let held = 0; // bytes of an unfinished line carried over to the next block
  let parseMs = 0;
  let records = 0;
  let checksum = 0;
  for (;;) {
    const n = fs.readSync(fd, buf, held, BLOCK - held, null);
    const filled = held + n;
    const last = n === 0 ? filled : buf.lastIndexOf(NL, filled - 1) + 1;
    if (last === 0 && n !== 0) throw new Error('a record longer than the block');
    const texts = recordTexts(buf, last);
    const t0 = performance.now();
    for (let i = 0; i < texts.length; i++) checksum += jsonReleaseChecksum(JSON.parse(texts[i]));
    parseMs += performance.now() - t0;
    records += texts.length;
    if (n === 0) break;
    buf.copy(buf, 0, last, filled);
    held = filled - last;
  }
  fs.closeSync(fd);
  const mb = ctx.size / 1e6;
  return {
    records,
    checksum,
    // Only the parse loop counts (see above); the event loop was never given a turn.
    extra: {
      seconds: Math.round(parseMs) / 1000,
      mbPerSec: Math.round((mb / (parseMs / 1000)) * 100) / 100,
      busyMsPerMB: Math.round((parseMs / mb) * 100) / 100,
      elDelayP99Ms: null,
      elDelayMaxMs: null,
    },
  };
});
