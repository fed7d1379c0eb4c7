'use strict';
// destroy() at every point of a run: in the 'data' handler of record k, or by breaking out of
// `for await` after record k, for every k, with small and default batches, several chunkings,
// and with skipped records in between. After destroy() nothing more may be emitted ('data',
// 'progress', 'skip', 'end', or an error other than for-await's own AbortError), a checkpoint taken right then counts exactly k + 1
// records and stays the same after 'close', and resuming from it on the rest of the input gives
// exactly the records after k.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Readable } = require('node:stream');
const { setTimeout: sleep } = require('node:timers/promises');
const { XmlStream } = require('..');
const { chunks } = require('./helpers');

const N = 30;

/** N records under a namespaced path, each `withBad`-th one broken by an undefined entity. */
function documentOf(withBad) {
  let body = '';
  for (let i = 0; i < N; i++) {
    const bad = withBad && i % withBad === 3 ? '&bad;' : '';
    body += `<p:a n="${i}"><t>${bad}r${i} é 日本</t>${i % 4 === 0 ? '<![CDATA[x]]>' : ''}</p:a>\n`;
  }
  return `<?xml version="1.0"?>\n<root xmlns:p="urn:p"><p:L>\n${body}</p:L></root>\n`;
}

async function readAll(buf, options, sizes) {
  const records = [];
  for await (const r of Readable.from(chunks(buf, sizes), { objectMode: false }).pipe(new XmlStream(options))) records.push(r);
  return records;
}

/**
 * Runs `buf` until record k has been handed over, then destroys the stream the way `mode`
 * says. Returns the records seen, the checkpoint taken at once, the one taken after 'close'
 * and anything emitted after destroy().
 */
async function destroyAfter(k, buf, options, sizes, mode) {
  const s = new XmlStream({ ...options, progressInterval: 0 });
  let destroyed = false;
  const late = [];
  // for-await's break destroys the stream from inside the iterator; this catches that too.
  const destroy = s.destroy.bind(s);
  s.destroy = (...args) => {
    destroyed = true;
    return destroy(...args);
  };
  for (const ev of ['progress', 'skip', 'end']) s.on(ev, () => destroyed && late.push(ev));
  // Breaking out of `for await` destroys any Readable with an AbortError (node does that,
  // a plain PassThrough too): that one is the destroy itself, not an event after it.
  s.on('error', (e) => e.code !== 'ABORT_ERR' && late.push(`error ${e.code}`));
  const closed = new Promise((resolve) => s.on('close', resolve));
  const seen = [];
  let checkpoint;
  const src = Readable.from(chunks(buf, sizes), { objectMode: false });
  if (mode === 'data') {
    s.on('data', (r) => {
      if (destroyed) return late.push('data');
      seen.push(r);
      if (seen.length === k + 1) {
        s.destroy();
        checkpoint = s.checkpoint();
      }
    });
    src.pipe(s);
  } else {
    src.pipe(s);
    for await (const r of s) {
      seen.push(r);
      if (seen.length === k + 1) break;
    }
    checkpoint = s.checkpoint();
  }
  await closed;
  src.destroy();
  // Runs still in flight finish on the parse threads after 'close'.
  await sleep(5);
  return { seen, checkpoint, after: s.checkpoint(), late };
}

const VARIANTS = [
  { name: 'default batches, whole input', options: {}, sizes: (len) => [len], bad: 0 },
  { name: 'batchBytes 64, whole input', options: { batchBytes: 64 }, sizes: (len) => [len], bad: 0 },
  { name: 'batchBytes 64, 61-byte chunks', options: { batchBytes: 64 }, sizes: () => [61], bad: 0 },
  { name: 'default batches, 7-byte chunks', options: {}, sizes: () => [7], bad: 0 },
  { name: 'skip mode, batchBytes 64, 97-byte chunks', options: { batchBytes: 64, onError: 'skip' }, sizes: () => [97], bad: 5 },
  { name: 'skip mode, whole input', options: { onError: 'skip' }, sizes: (len) => [len], bad: 5 },
];

for (const mode of ['data', 'for-await']) {
  for (const v of VARIANTS) {
    test(`destroy after record k (${mode === 'data' ? "in the 'data' handler" : 'for await + break'}), ${v.name}`, { timeout: 120_000 }, async () => {
      const buf = Buffer.from(documentOf(v.bad));
      const options = { select: 'L/a', ...v.options };
      const sizes = v.sizes(buf.length);
      const full = await readAll(buf, options, sizes);
      assert.equal(full.length, v.bad ? N - Math.ceil((N - 3) / v.bad) : N);
      const problems = [];
      for (let k = 0; k < full.length; k++) {
        const got = await destroyAfter(k, buf, options, sizes, mode);
        const say = (what) => problems.push({ k, what });
        if (got.late.length) say(`emitted after destroy(): ${got.late.join(', ')}`);
        assert.deepEqual(got.seen, full.slice(0, k + 1));
        if (got.checkpoint.records !== k + 1) say(`checkpoint at destroy() counts ${got.checkpoint.records} records`);
        if (got.after.records !== got.checkpoint.records || got.after.offset !== got.checkpoint.offset) {
          say(`checkpoint moved after close: ${got.checkpoint.records}@${got.checkpoint.offset} -> ${got.after.records}@${got.after.offset}`);
        }
        // Resume on the rest of the input, as from a file opened at the offset.
        const from = JSON.parse(JSON.stringify(got.checkpoint));
        let rest;
        try {
          rest = await readAll(buf.subarray(from.offset), { ...options, resumeFrom: from }, sizes);
        } catch (e) {
          say(`resuming from ${from.records}@${from.offset} fails: ${e.message}`);
          continue;
        }
        if (JSON.stringify(rest) !== JSON.stringify(full.slice(k + 1))) {
          say(`resuming from ${from.records}@${from.offset} gives ${rest.length} records, expected ${full.length - k - 1}`);
        }
      }
      const kinds = {};
      for (const { what } of problems) {
        const kind = what.replace(/:.*/, '').replace(/ from .*/, '');
        kinds[kind] = (kinds[kind] ?? 0) + 1;
      }
      assert.deepEqual(
        problems.slice(0, 8).map(({ k, what }) => `k=${k}: ${what}`),
        [],
        `${new Set(problems.map((p) => p.k)).size} of ${full.length} destroy points go wrong: ${JSON.stringify(kinds)} (first 8 shown)`,
      );
    });
  }
}

test("a checkpoint is never ahead of the records handed over, even with records buffered", async () => {
  // Records pushed but not read must not count: pause after reading k records.
  const buf = Buffer.from(documentOf(0));
  const options = { select: 'L/a', batchBytes: 64 };
  const full = await readAll(buf, options, [buf.length]);
  for (const k of [0, 1, 5, N - 1]) {
    const s = new XmlStream(options);
    Readable.from([buf], { objectMode: false }).pipe(s);
    const seen = [];
    await new Promise((resolve) => {
      s.on('readable', function onReadable() {
        let r;
        while (seen.length <= k && (r = s.read()) !== null) seen.push(r);
        if (seen.length > k) {
          s.off('readable', onReadable);
          resolve();
        }
      });
    });
    await sleep(20); // let the rest of the input be parsed and buffered
    const cp = s.checkpoint();
    s.destroy();
    await sleep(5);
    assert.equal(cp.records, k + 1);
    assert.deepEqual(s.checkpoint(), cp, 'checkpoint after destroy()');
    const rest = await readAll(buf.subarray(cp.offset), { ...options, resumeFrom: cp }, [buf.length]);
    assert.deepEqual(rest, full.slice(k + 1));
  }
});
