'use strict';
// parseFile on one JSON document cut between array elements (issue 15): against one stream
// over the same file, on documents built to trap splitters, cut every 4 KiB or so and read
// with 1, 2 and 3 threads: the records and the first error must be the same.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const { parseFile, JsonStream, plan } = require('..');
const { tempDocs, corpora, readSlowly } = require('./helpers');
const { rng, jsonDocument, jsonElement, jsonText, malformedJsonDocuments } = require('./traps');

const { write } = tempDocs('sluice-parse-file-json-', test.after);

const errorOf = (e) => e && { code: e.code, offset: e.offset, line: e.line, column: e.column, message: e.message };

async function oneStream(file, options) {
  const records = [];
  let error = null;
  try {
    await pipeline(fs.createReadStream(file), new JsonStream(options), async (src) => {
      for await (const r of src) records.push(r);
    });
  } catch (e) {
    error = e;
  }
  return { records, error: errorOf(error) };
}

async function split(file, options) {
  const records = [];
  let error = null;
  const stream = parseFile(file, options);
  try {
    for await (const r of stream) records.push(r);
  } catch (e) {
    error = e;
  }
  return { records, error: errorOf(error), split: stream.split };
}

/** Every thread count and a few part sizes against one stream; the parts accepted and planned. */
async function same(file, options, { threads = [1, 2, 3], sizes = [4096, 4133] } = {}) {
  const want = await oneStream(file, options);
  let accepted = 0;
  let redone = 0;
  let parts = 0;
  for (const t of threads) {
    for (const partBytes of sizes) {
      const got = await split(file, { ...options, format: 'json', threads: t, partBytes });
      const label = `${path.basename(file)}: threads ${t}, partBytes ${partBytes}`;
      assert.equal(got.records.length, want.records.length, `${label}: record count`);
      assert.deepEqual(got.records, want.records, label);
      assert.deepEqual(got.error, want.error, `${label}: error`);
      accepted += got.split.accepted;
      redone += got.split.redone;
      parts = Math.max(parts, got.split.parts);
    }
  }
  return { want, accepted, redone, parts };
}

test('documents built to trap splitters: separators in strings, nested look-alikes, big elements, BOM', async () => {
  let accepted = 0;
  let redone = 0;
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const doc = jsonDocument(seed);
    JSON.parse(doc.replace(/^\uFEFF/, '')); // the generator makes valid JSON
    const file = write(doc, 'json');
    const { want, parts, accepted: a, redone: r } = await same(file, { select: '$.releases[*]' });
    redone += r;
    assert.equal(want.error, null);
    assert.equal(want.records.length, 400);
    assert.ok(parts > 10, `seed ${seed}: ${parts} parts`);
    accepted += a;
  }
  assert.ok(accepted > 100, `parts accepted: ${accepted}`);
  // Some cuts were wrong guesses (a separator inside a string or a nested array), caught.
  assert.ok(redone > 0, 'no part was redone');
});

test('a top-level array, quoted keys, tagged records', async () => {
  const r = rng(9);
  const els = Array.from({ length: 600 }, (_, i) => jsonElement(r, i));
  const ws = () => '\n';
  const top = write(`${jsonText(els, ws)}\n`, 'json');
  const a = await same(top, { select: '$[*]' });
  assert.ok(a.accepted > 10);
  const nested = write(jsonText({ 'x y': { b: els, c: [1, 2] } }, () => ' '), 'json');
  const b = await same(nested, { select: "$['x y'].b[*]" });
  assert.ok(b.accepted > 10);
  await same(nested, { select: ["$['x y'].b[*]"] }, { threads: [2], sizes: [4096] });
});

test('malformed documents: the same records, then the same first error', async () => {
  const bad = malformedJsonDocuments(11, 300, { cuts: 8, flips: 8 });
  let errors = 0;
  for (const b of bad) {
    const file = write(b, 'json');
    const { want } = await same(file, { select: '$.releases[*]' }, { threads: [2, 3], sizes: [4096] });
    if (want.error) errors++;
  }
  assert.ok(errors >= 14, `${errors} errors`);
  // A record larger than maxRecordBytes: its message names its byte in the file.
  const file = write(jsonDocument(11, 300), 'json');
  const { want } = await same(file, { select: '$.releases[*]', maxRecordBytes: 4000 }, { threads: [2], sizes: [4096] });
  assert.equal(want.error.code, 'ERR_SLUICE_RECORD_TOO_LARGE');
});

test('selections not split at elements are read on one thread, exactly', async () => {
  const doc = jsonDocument(21, 300);
  const file = write(doc, 'json');
  for (const select of ['$.releases', '$.releases[3]', '$.releases[*].id', ['$.releases[*]', '$.after.releases[*]'], '$.*']) {
    const { parts } = await same(file, { select }, { threads: [2], sizes: [4096] });
    assert.equal(parts, 1, JSON.stringify(select));
  }
  const parts = await plan(file, { select: '$.releases[*]', partBytes: 4096 });
  assert.ok(parts.length > 10);
  assert.deepEqual(JSON.parse(JSON.stringify(parts)), parts);
  assert.deepEqual(parts[1].guess, { path: ['releases'] });
});

test('backpressure from a slow reader holds the parts in flight; progress; early destroy', async () => {
  const file = write(jsonDocument(31, 800), 'json');
  const stream = parseFile(file, { select: '$.releases[*]', threads: 2, partBytes: 4096, highWaterMark: 4, progressInterval: 0 });
  assert.equal(await readSlowly(stream, file), 800);
  assert.ok(stream.split.accepted > 0);
  const early = parseFile(file, { select: '$.releases[*]', threads: 3, partBytes: 4096 });
  for await (const _ of early) break;
  assert.ok(early.destroyed);
});

const suiteDir = path.join(corpora, 'jsontestsuite', 'test_parsing');
const suite = fs.existsSync(suiteDir) ? fs.readdirSync(suiteDir).sort() : null;

test('JSONTestSuite: every file, alone and inside a long array cut in parts', { skip: !suite && 'corpora not found' }, async () => {
  // Elements before and after the file's text, so that it lands in a later part.
  const pad = Array.from({ length: 400 }, (_, i) => JSON.stringify({ i, s: 'é pad' })).join(',\n');
  let cut = 0;
  for (const f of suite) {
    const buf = fs.readFileSync(path.join(suiteDir, f));
    const alone = write(buf, 'json');
    await same(alone, { select: '$', nullValue: 'NULL' }, { threads: [2], sizes: [4096] });
    const inside = write(Buffer.concat([Buffer.from(`[${pad},\n`), buf, Buffer.from(`,\n${pad}]\n`)]), 'json');
    const { parts } = await same(inside, { select: '$[*]', nullValue: 'NULL' }, { threads: [2], sizes: [4096] });
    if (parts > 2) cut++;
  }
  assert.ok(cut > 300, `${cut} files cut`);
});
