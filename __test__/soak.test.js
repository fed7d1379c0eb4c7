'use strict';
// Lifecycle soak: 10,000 XmlStream/JsonStream instances destroyed at seeded random points
// (before any data, right after a write whose native run is in flight, after partial output,
// after an error, with an error, or never). Runs in a child with --expose-gc so that memory
// readings follow a full collection.
const test = require('node:test');
const assert = require('node:assert/strict');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const MiB = 1024 * 1024;

test('10,000 streams destroyed mid-parse: no late events, every close, no leak', () => {
  const out = execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'soak-child.js'), '10000'], {
    encoding: 'utf8',
  });
  const r = JSON.parse(out);
  assert.deepEqual(r.violations, [], `${r.violationCount} violations`);
  assert.equal(r.closes, r.total, "every stream emits 'close' exactly once");
  for (const n of Object.values(r.byScenario)) assert.ok(n > 1000, JSON.stringify(r.byScenario));
  assert.ok(r.completed > 1000 && r.errors > 1000, `${r.completed} completed, ${r.errors} errors`);
  // destroy() frees every parser's buffers without waiting for a collection, and every
  // native parser is dropped once its stream is gone and collected.
  assert.equal(r.first.held, 0);
  assert.equal(r.all.held, 0);
  assert.equal(r.first.live, 0);
  assert.equal(r.all.live, 0);
  // Parse threads are a fixed pool, one per core at most 8, whatever number of streams came
  // and went (16 at a time here).
  if (r.all.threads !== null) {
    const cores = Math.min(8, os.availableParallelism());
    assert.ok(r.first.threads >= 1 && r.all.threads <= cores, `${r.first.threads} -> ${r.all.threads} threads`);
  }
  // Flat after the first 1,000: leaking even one pooled buffer per stream would add
  // hundreds of MiB; what remains is allocator noise of a few MiB.
  assert.ok(r.all.rss - r.first.rss < 32 * MiB, `RSS ${r.first.rss / MiB} -> ${r.all.rss / MiB} MiB`);
  assert.ok(r.all.heapUsed - r.first.heapUsed < 8 * MiB, `heap ${r.first.heapUsed / MiB} -> ${r.all.heapUsed / MiB} MiB`);
});
