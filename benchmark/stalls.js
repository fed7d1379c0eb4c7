'use strict';
// Where a parseFile run's event-loop stalls come from:
//   node benchmark/stalls.js <file.xml|.json|.ndjson> [min-ms]
// A 1 ms timer chain stands in for perf_hooks.monitorEventLoopDelay and lists every interval
// over `min-ms` (default 2.5) with what happened meanwhile: how long the main thread waited
// for a core (Linux /proc/thread-self/schedstat: runnable, not running) and V8's malloced
// memory before and after (its string table, which JSON.parse fills with short values, grows
// and shrinks there). Run node with --trace-gc beside it to line stalls up with collections.
const fs = require('node:fs');
const v8 = require('node:v8');
const { Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const sluice = require('..');

const file = process.argv[2];
if (!file) {
  console.error('usage: node benchmark/stalls.js <file.xml|file.json|file.ndjson> [min-ms]');
  process.exit(2);
}
const minMs = Number(process.argv[3] ?? 2.5);
const options = file.endsWith('.xml') ? { select: 'Release', threads: 1 }
  : file.endsWith('.ndjson') ? { threads: 1 } : { select: '$.releases[*]', threads: 1 };

let schedstat = null;
try {
  fs.readFileSync('/proc/thread-self/schedstat', 'utf8');
  schedstat = () => Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
} catch {
  // not Linux, or no schedstat: waits are reported as unknown
}
const mallocMiB = () => v8.getHeapStatistics().malloced_memory / 2 ** 20;

const intervals = [];
let done = false;
let t0;
let last;
let lastWait;
let lastMalloc;
function tick() {
  const now = performance.now();
  const wait = schedstat ? schedstat() : NaN;
  const malloc = mallocMiB();
  intervals.push({ at: last - t0, ms: now - last, wait: wait - lastWait, from: lastMalloc, to: malloc });
  last = now;
  lastWait = wait;
  lastMalloc = malloc;
  if (!done) setTimeout(tick, 1);
}

(async () => {
  t0 = performance.now();
  last = t0;
  lastWait = schedstat ? schedstat() : NaN;
  lastMalloc = mallocMiB();
  setTimeout(tick, 1);
  let records = 0;
  await pipeline(
    sluice.parseFile(file, options),
    new Writable({
      objectMode: true,
      write(record, _enc, cb) {
        records++;
        cb();
      },
    }),
  );
  done = true;
  const wall = performance.now() - t0;
  const sorted = intervals.map((i) => i.ms).sort((a, b) => a - b);
  const q = (p) => sorted[Math.floor(p * (sorted.length - 1))].toFixed(2);
  console.log(
    `${records} records in ${wall.toFixed(0)} ms; ${sorted.length} intervals, p50 ${q(0.5)} p90 ${q(0.9)} ` +
      `p99 ${q(0.99)} max ${q(1)} ms`,
  );
  console.log(`intervals over ${minMs} ms (at ms: length, of it waiting for a core, V8 malloc MiB before -> after):`);
  for (const i of intervals.filter((x) => x.ms > minMs)) {
    const wait = Number.isNaN(i.wait) ? '?' : i.wait.toFixed(1);
    console.log(`  ${i.at.toFixed(0)}: ${i.ms.toFixed(1)} ms, waiting ${wait}, malloc ${i.from.toFixed(1)} -> ${i.to.toFixed(1)}`);
  }
})();
