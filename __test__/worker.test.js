'use strict';
// sluice in worker threads: each worker loads the addon and streams records as the main
// thread does, several workers at once, and ends cleanly.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Worker } = require('node:worker_threads');

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { XmlStream, JsonStream } = require(workerData.sluice);

async function main() {
  const ids = [];
  const xml = '<List>' + Array.from({ length: 500 }, (_, i) => '<Item id="' + (workerData.base + i) + '"/>').join('') + '</List>';
  await pipeline(Readable.from([Buffer.from(xml)]), new XmlStream({ select: 'Item' }), async (items) => {
    for await (const it of items) ids.push(Number(it['@_id']));
  });
  const json = [];
  const stream = new JsonStream({ format: 'ndjson' });
  stream.on('data', (v) => json.push(v.n));
  await pipeline(Readable.from(['{"n":1}\\n{"n":2}\\n']), stream);
  parentPort.postMessage({ ids, json });
}
main();
`;

function run(base) {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { sluice: require.resolve('..'), base } });
    let result;
    w.on('message', (m) => (result = m));
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 ? resolve(result) : reject(new Error(`worker exited with ${code}`))));
  });
}

test('XmlStream and JsonStream work in worker threads, several at once', async () => {
  const results = await Promise.all([0, 1000, 2000, 3000].map(run));
  results.forEach((r, k) => {
    assert.deepEqual(r.ids, Array.from({ length: 500 }, (_, i) => k * 1000 + i));
    assert.deepEqual(r.json, [1, 2]);
  });
  // The main thread still loads and uses the addon after the workers are gone.
  const { XmlStream } = require('..');
  const xml = new XmlStream({ select: 'a' });
  const got = [];
  xml.on('data', (v) => got.push(v));
  await new Promise((resolve, reject) => xml.on('end', resolve).on('error', reject).end('<r><a>1</a></r>'));
  assert.deepEqual(got, ['1']);
});
