'use strict';
// XmlStream as a Node stream: pipeline, for await, pipe, destroy, backpressure, progress,
// stats, tagged selectors, and splits at every byte of a multi-byte document.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Readable, Writable, Transform } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { once } = require('node:events');
const sluice = require('..');
const { XmlStream } = sluice;
const { collect, chunks, linesOf, turnCounter } = require('./helpers');

function catalog(n) {
  let s = '<?xml version="1.0"?>\n<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43"><ReleaseList>\n';
  for (let i = 0; i < n; i++) {
    s += `<Release><ReleaseId><ICPN>${String(i).padStart(13, '0')}</ICPN></ReleaseId><Title lang="ja">夢 ${i} 🎵 &amp; Ж</Title></Release>\n`;
  }
  return `${s}</ReleaseList></ern:NewReleaseMessage>`;
}

test('is a stream.Transform exported from the package root, CommonJS and ESM', async () => {
  assert.ok(new XmlStream({ select: 'a' }) instanceof Transform);
  const esm = await import('../index.mjs');
  assert.equal(esm.XmlStream, XmlStream);
  assert.equal(esm.default, sluice);
});

test('the README example: pipeline with an async consumer', async () => {
  const ids = [];
  await pipeline(
    Readable.from([Buffer.from(catalog(5))]),
    new XmlStream({ select: 'Release' }),
    async function (releases) {
      for await (const r of releases) ids.push(r.ReleaseId.ICPN);
    },
  );
  assert.deepEqual(ids, ['0000000000000', '0000000000001', '0000000000002', '0000000000003', '0000000000004']);
});

test('pipe() into a writable and string chunks', async () => {
  const s = new XmlStream({ select: '/*/ReleaseList/Release' });
  const got = [];
  const sink = new Writable({
    objectMode: true,
    write(r, _e, cb) {
      got.push(r);
      cb();
    },
  });
  s.pipe(sink);
  for (const piece of catalog(3).match(/[\s\S]{1,10}/g)) s.write(piece, 'utf8');
  s.end();
  await once(sink, 'finish');
  assert.equal(got.length, 3);
  assert.equal(got[2].Title['#text'], '夢 2 🎵 & Ж');
  assert.equal(got[2].Title['@_lang'], 'ja');
});

test('output is identical for every split point of a multi-byte document', async () => {
  const buf = Buffer.from(catalog(2).replace('<ReleaseList>', '<ReleaseList><!-- é --><![CDATA[]]>'));
  const whole = await collect([buf], { select: 'Release' });
  assert.equal(whole.error, null);
  for (let at = 1; at < buf.length; at++) {
    const split = await collect([buf.subarray(0, at), buf.subarray(at)], { select: 'Release' });
    assert.deepEqual(split, whole, `split at byte ${at}`);
  }
  const bytes = await collect(chunks(buf, [1]), { select: 'Release' });
  assert.deepEqual(bytes, whole, '1-byte chunks');
});

test('several selectors: records are tagged with the selector that matched', async () => {
  const xml = '<r><a id="1">x</a><b>y</b><c><a>nested</a></c></r>';
  const { records } = await collect([xml], { select: ['a', 'b'] });
  assert.deepEqual(records, [
    { selector: 'a', value: { '@_id': '1', '#text': 'x' } },
    { selector: 'b', value: 'y' },
    { selector: 'a', value: 'nested' },
  ]);
  const single = await collect([xml], { select: 'c' });
  assert.deepEqual(single.records, [{ a: 'nested' }], 'records never nest: inner matches stay inside');
});

test('namespace URI selectors and prefixes that differ', async () => {
  const xml =
    '<x:M xmlns:x="urn:a" xmlns:y="urn:b"><x:R>1</x:R><y:R>2</y:R><R xmlns="urn:a">3</R></x:M>';
  const { records } = await collect([xml], { select: '{urn:a}R' });
  const third = { '@_xmlns': 'urn:a', '#text': '3' };
  assert.deepEqual(records, ['1', third]);
  const local = await collect([xml], { select: 'R' });
  assert.deepEqual(local.records, ['1', '2', third]);
});

test('a slow consumer stops the reading (backpressure) and memory stays bounded', async () => {
  const xml = Buffer.from(catalog(20000));
  let read = 0;
  const source = new Readable({
    read() {
      const at = read;
      read = Math.min(xml.length, at + 16384);
      this.push(at < xml.length ? xml.subarray(at, read) : null);
    },
  });
  const s = new XmlStream({ select: 'Release', highWaterMark: 64, batchBytes: 16384 });
  source.pipe(s);
  await new Promise((r) => setTimeout(r, 200));
  // Bounded by the writable buffer (its high-water mark and the chunk that crossed it), the
  // inputs of the five runs in flight (lib/stream.js's cap) and the source's own buffer (its
  // high-water mark, 16 KiB on node 20 and 64 KiB from node 22, and one chunk).
  const bound = s.writableHighWaterMark + 16384 + 5 * 16384 + source.readableHighWaterMark + 16384;
  assert.ok(read <= bound, `read ${read} of ${xml.length} bytes with nobody consuming (bound ${bound})`);
  // At most five batches beyond the high-water mark (those of the runs in flight, which
  // lib/stream.js caps at five); a record here is > 100 bytes of JSON.
  assert.ok(s.readableLength <= 64 + (5 * 16384) / 100, `buffered ${s.readableLength} records`);
  let n = 0;
  for await (const _ of s) n++;
  assert.equal(n, 20000);
  assert.equal(read, xml.length);
});

test('destroy() mid-parse: nothing is emitted afterwards and no error', async () => {
  const s = new XmlStream({ select: 'Release' });
  let after = 0;
  let destroyed = false;
  s.on('data', () => {
    if (destroyed) after++;
  });
  s.write(catalog(3000));
  await new Promise((r) => setImmediate(r));
  s.destroy();
  destroyed = true;
  await once(s, 'close');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(after, 0);
});

test('progress events with totalBytes read from an fs.ReadStream', async () => {
  const file = path.join(os.tmpdir(), `sluice-progress-${process.pid}.xml`);
  fs.writeFileSync(file, catalog(30000));
  try {
    const s = new XmlStream({ select: 'Release', progressInterval: 0 });
    const events = [];
    s.on('progress', (p) => events.push(p));
    let n = 0;
    await pipeline(fs.createReadStream(file), s, async (src) => {
      for await (const _ of src) n++;
    });
    assert.equal(n, 30000);
    assert.ok(events.length >= 2);
    const last = events.at(-1);
    const size = fs.statSync(file).size;
    assert.equal(last.totalBytes, size);
    assert.equal(last.bytesRead, size);
    assert.equal(last.percent, 100);
    assert.equal(last.records, 30000);
    for (const key of ['mbPerSec', 'rss', 'heapUsed', 'etaSeconds']) assert.equal(typeof last[key], 'number', key);
    const stats = s.stats();
    assert.equal(stats.bytes, size);
    assert.equal(stats.records, 30000);
    assert.ok(stats.batches >= 1);
    assert.ok(stats.poolHits > 0, 'buffers are reused');
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test('totalBytes can be given', async () => {
  const xml = catalog(10);
  const s = new XmlStream({ select: 'Release', totalBytes: xml.length, progressInterval: 0 });
  const events = [];
  s.on('progress', (p) => events.push(p));
  await pipeline(Readable.from([xml]), s, async (src) => {
    for await (const _ of src);
  });
  assert.equal(events.at(-1).percent, 100);
});

test('bad options are rejected with ERR_SLUICE_INVALID_OPTION', () => {
  for (const bad of [{ select: '' }, { select: [] }, { select: 'a//b' }, { trimValues: 'yes' }, { maxRecordBytes: -1 }, { select: '{urn:x}a', namespaces: false }]) {
    assert.throws(() => new XmlStream(bad), { code: 'ERR_SLUICE_INVALID_OPTION' }, JSON.stringify(bad));
  }
});

test('records of one big chunk reach the reader over several event-loop turns, in order', async () => {
  // One chunk of 8 MiB is one native run; its records are turned into objects in slices, so
  // timers and I/O get turns in between instead of waiting for the whole run.
  const line = (i) => JSON.stringify({ i, name: `release ${i}`, tags: ['a', 'b', 'c'], note: 'x'.repeat(40) }) + '\n';
  const lines = linesOf(8 * 1024 * 1024, line);
  const counter = turnCounter();
  const turns = new Set();
  const s = new sluice.JsonStream({ format: 'ndjson', highWaterMark: lines.length });
  let next = 0;
  s.on('data', (r) => {
    assert.equal(r.i, next++);
    turns.add(counter.turn);
  });
  s.end(Buffer.from(lines.join('')));
  await once(s, 'end');
  counter.stop();
  assert.equal(next, lines.length);
  assert.ok(turns.size > 1, `all ${lines.length} records in one turn`);
});
