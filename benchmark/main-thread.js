'use strict';
// The main thread's share alone: `node benchmark/main-thread.js <file.json|file.ndjson> [lib dir ...]`
//
// Parses the file natively once, keeps every batch, then replays the batches through
// RecordStream (lib/stream.js) with a stand-in for the native side that hands them over at
// once. So no parse thread, read stream or scheduler takes part: what is timed is the main
// thread turning batches into records and a consumer summing the checksum, read three ways
// (a pipeline into a Writable, 'data' events, `for await`), beside the ceiling
// (contenders/json-parse-records.js: JSON.parse of each record's text alone). Rounds are
// interleaved and medians printed. Several lib directories (say, a copy of an older
// lib/) are compared in the same process.
const fs = require('node:fs');
const path = require('node:path');
const { Readable, Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { performance } = require('node:perf_hooks');
const { jsonReleaseChecksum } = require('./contenders/common');
const { NativeParser } = require('../lib/native');
const { nativeOptions } = require('../lib/json');

const ROUNDS = 5;
const CHUNK = 64 * 1024;

async function nativeBatches(buf, ndjson) {
  const native = NativeParser.json(nativeOptions(ndjson ? { format: 'ndjson' } : { select: '$.releases[*]' }));
  const perChunk = [];
  const take = () => {
    const batches = [];
    let b;
    while ((b = native.takeBatch()) !== null) batches.push(b);
    return batches;
  };
  for (let off = 0; off < buf.length; off += CHUNK) {
    await native.push(buf.subarray(off, off + CHUNK));
    perChunk.push(take());
  }
  await native.finish();
  perChunk.push(take());
  return perChunk;
}

/** A native side whose every run is over at once, handing over the batches recorded for it. */
function replayNative(perChunk) {
  let next = 0;
  const ready = [];
  const run = (n) => {
    for (let k = 0; k < n; k++) for (const b of perChunk[next++] || []) ready.push(b);
    return Promise.resolve(0);
  };
  return {
    push: () => run(1),
    pushMany: (bufs) => run(bufs.length),
    finish: () => run(perChunk.length).then(() => 2),
    takeBatch: () => (ready.length ? ready.shift() : null),
    takeBatchMeta: () => ({ ends: [], contexts: [] }),
    takeSkips: () => [],
    stats: () => ({}),
    dispose: () => Promise.resolve(2),
  };
}

async function main() {
  const [file, ...dirs] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node benchmark/main-thread.js <file.json|file.ndjson> [lib dir ...]');
    process.exit(2);
  }
  const libs = dirs.length ? dirs.map((d) => path.resolve(d)) : [path.join(__dirname, '..', 'lib')];
  const buf = fs.readFileSync(file);
  const perChunk = await nativeBatches(buf, file.endsWith('.ndjson'));
  const texts = buf.toString('utf8').split('\n').map((l) => l.trim().replace(/,$/, ''))
    .filter((l) => l.startsWith('{') && l.endsWith('}'));
  // The chunks only count runs here: the batches come from the replay.
  const source = () => Readable.from(perChunk.slice(1).map(() => Buffer.alloc(1)), { objectMode: false });
  const consumers = {
    async pipeline(s) {
      let sum = 0;
      const sink = new Writable({ objectMode: true, write(r, _e, cb) { sum += jsonReleaseChecksum(r); cb(); } });
      await pipeline(source(), s, sink);
      return sum;
    },
    async data(s) {
      let sum = 0;
      s.on('data', (r) => { sum += jsonReleaseChecksum(r); });
      await pipeline(source(), s);
      return sum;
    },
    async 'for await'(s) {
      let sum = 0;
      const done = pipeline(source(), s);
      done.catch(() => {}); // the loop throws the same error
      for await (const r of s) sum += jsonReleaseChecksum(r);
      await done;
      return sum;
    },
  };
  const times = new Map();
  const note = (key, ms, sum) => {
    if (!times.has(key)) times.set(key, { ms: [], sum });
    times.get(key).ms.push(ms);
  };
  for (let round = 0; round < ROUNDS; round++) {
    let t = performance.now();
    let sum = 0;
    for (let i = 0; i < texts.length; i++) sum += jsonReleaseChecksum(JSON.parse(texts[i]));
    note('ceiling: JSON.parse per record', performance.now() - t, sum);
    for (const lib of libs) {
      const { RecordStream } = require(path.join(lib, 'stream.js'));
      for (const [name, consume] of Object.entries(consumers)) {
        const s = new RecordStream(replayNative(perChunk), { nullValue: Symbol('null') });
        t = performance.now();
        sum = await consume(s);
        note(`${libs.length > 1 ? `${lib} ` : ''}${name}`, performance.now() - t, sum);
      }
    }
  }
  const mb = buf.length / 1e6;
  for (const [key, { ms, sum }] of times) {
    ms.sort((a, b) => a - b);
    const median = ms[ms.length >> 1];
    console.log(`${key.padEnd(40)} ${(mb / (median / 1000)).toFixed(1).padStart(7)} MB/s  median ${median.toFixed(0)} ms ` +
      `(min ${ms[0].toFixed(0)}, max ${ms[ms.length - 1].toFixed(0)})  checksum ${sum}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
