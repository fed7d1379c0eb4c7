'use strict';
// Where a sluice run's peak memory goes: `node benchmark/memory.js <file.xml|.json|.ndjson>`.
// Samples every 20 ms, prints the peak of each part and the number of full GCs. The parts
// overlap in time, so they need not add up to the peak RSS.
const fs = require('node:fs');
const v8 = require('node:v8');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const { pipeline } = require('node:stream/promises');
const { Writable } = require('node:stream');
const sluice = require('..');

const file = process.argv[2];
if (!file) {
  console.error('usage: node benchmark/memory.js <file.xml|file.json|file.ndjson>');
  process.exit(2);
}
const stream = file.endsWith('.xml') ? new sluice.XmlStream({ select: 'Release' })
  : file.endsWith('.ndjson') ? new sluice.JsonStream({ format: 'ndjson' })
    : new sluice.JsonStream({ select: '$.releases[*]' });

const MiB = 2 ** 20;
const peak = { rss: 0, v8Heap: 0, arrayBuffers: 0, v8Malloced: 0 };
function sample() {
  const m = process.memoryUsage();
  const h = v8.getHeapStatistics();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.v8Heap = Math.max(peak.v8Heap, m.heapTotal);
  // Buffers: the file's read chunks, live or dead but not yet collected.
  peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
  // V8's own malloc: mostly the string table, which JSON.parse fills with short values.
  peak.v8Malloced = Math.max(peak.v8Malloced, h.malloced_memory);
}
let fullGcs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.detail && e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullGcs++;
}).observe({ entryTypes: ['gc'] });
const timer = setInterval(sample, 20);

let records = 0;
const t0 = performance.now();
pipeline(fs.createReadStream(file), stream, new Writable({
  objectMode: true,
  write(_record, _enc, done) {
    records++;
    done();
  },
})).then(() => {
  sample();
  clearInterval(timer);
  const seconds = (performance.now() - t0) / 1000;
  const f = (x) => (x / MiB).toFixed(1);
  console.log(`${file}: ${records} records in ${seconds.toFixed(2)} s, ${fullGcs} full GC(s)`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB (sampled ${f(peak.rss)}): ` +
    `V8 heap ${f(peak.v8Heap)}, array buffers ${f(peak.arrayBuffers)}, V8 malloc ${f(peak.v8Malloced)} MiB`);
});
