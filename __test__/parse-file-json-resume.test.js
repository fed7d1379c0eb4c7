'use strict';
// parseFile resumes a JSON document from a confirmed cut: a checkpoint of a document whose one
// selector names an array's elements names the last place between two elements that the
// parser before it confirmed, and a resumed run starts there, in that state, with exactly the
// records that followed and one stream's first error (code, line, column, byte offset and
// message). Checked against one JsonStream over the whole file, on documents built to trap
// splitters, stopped after every k-th record, on 1, 2 and 3 threads with 4 KiB parts, resumed
// with other thread counts and part sizes than the run that took the checkpoint.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const { parseFile, JsonStream } = require('..');
const { tempDocs, corpora } = require('./helpers');
const { rng, jsonDocument, jsonElement, jsonText, malformedJsonDocuments } = require('./traps');

const { write } = tempDocs('sluice-parse-file-json-resume-', test.after);

const errorOf = (e) => e && { code: e.code, offset: e.offset, line: e.line, column: e.column, message: e.message };

async function oneStream(file, { partBytes, threads, ...options }) {
  const records = [];
  let error = null;
  try {
    await pipeline(fs.createReadStream(file), new JsonStream({ ...options, format: 'json' }), async (src) => {
      for await (const r of src) records.push(r);
    });
  } catch (e) {
    error = e;
  }
  return { records, error: errorOf(error) };
}

/**
 * Reads `file` to its end or first error, taking the checkpoint after each record count in
 * `stops` (0: before any), through JSON text as a saved one would be.
 */
async function readAll(file, options, stops = []) {
  const at = new Set(stops);
  const got = { records: [], checkpoints: new Map(), error: null };
  const stream = parseFile(file, { format: 'json', ...options });
  const take = () => got.checkpoints.set(got.records.length, JSON.parse(JSON.stringify(stream.checkpoint())));
  if (at.has(0)) take();
  try {
    for await (const r of stream) {
      got.records.push(r);
      if (at.has(got.records.length)) take();
    }
  } catch (e) {
    got.error = errorOf(e);
  }
  got.stats = stream.stats();
  got.split = stream.split;
  return got;
}

/** Stops at 0, 1, every `k`-th record for each `k`, the last and the one before. */
const stopsOf = (n, ks) => [...new Set([0, 1, n - 1, n, ...ks.flatMap((k) => Array.from({ length: Math.floor(n / k) }, (_, j) => (j + 1) * k))])];

/**
 * Every checkpoint of a run with `options` resumed with `resume` (options merged over them):
 * what the two read together is one stream's records, then its error. Returns how many
 * resumes started past the file's start.
 */
async function resumes(file, options, want, { ks = [7, 23, 61], resume = {}, label = '' } = {}) {
  const size = fs.statSync(file).size;
  const stops = stopsOf(want.records.length, ks);
  const first = await readAll(file, options, stops);
  assert.deepEqual(first.records, want.records, `${label}: first run`);
  assert.deepEqual(first.error, want.error, `${label}: first run's error`);
  let late = 0;
  for (const [n, checkpoint] of first.checkpoints) {
    const what = `${label} ${JSON.stringify({ ...options, ...resume })}, resumed after ${n}`;
    assert.equal(checkpoint.records, n, what);
    const rest = await readAll(file, { ...options, ...resume, resumeFrom: checkpoint });
    assert.equal(rest.records.length, want.records.length - n, `${what}: count`);
    assert.deepEqual([...want.records.slice(0, n), ...rest.records], want.records, what);
    assert.deepEqual(rest.error, want.error, `${what}: error`);
    assert.equal(rest.stats.records, want.records.length - n, what);
    if (checkpoint.offset > 0) {
      late++;
      assert.ok(checkpoint.line >= 1 && checkpoint.column >= 1, what);
      // Read from the offset on, not from the start.
      if (!want.error) assert.equal(rest.stats.bytes, size - checkpoint.offset, what);
      else assert.ok(rest.stats.bytes <= size - checkpoint.offset, what);
    } else assert.equal(checkpoint.drop, n, what);
  }
  return late;
}

test('trap documents: stopped after every k-th record and resumed, threads 1, 2 and 3', async () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const doc = jsonDocument(seed); // separators in strings, nested look-alikes, big elements; a BOM at 3 and 6
    const file = write(doc, 'json');
    const options = { select: '$.releases[*]', partBytes: 4096 };
    const want = await oneStream(file, options);
    assert.equal(want.error, null);
    assert.equal(want.records.length, 400);
    for (const threads of [1, 2, 3]) {
      const late = await resumes(file, { ...options, threads }, want, { ks: [13, 47], label: `seed ${seed}` });
      assert.ok(late > 20, `seed ${seed}, threads ${threads}: ${late} resumes past the start`);
    }
  }
});

test('a checkpoint taken with one thread count and part size resumes with others, and again', async () => {
  const file = write(jsonDocument(7, 600), 'json');
  const options = { select: '$.releases[*]' };
  const want = await oneStream(file, options);
  for (const [a, b] of [
    [{ threads: 1, partBytes: 4096 }, { threads: 3, partBytes: 5000 }],
    [{ threads: 3, partBytes: 4133 }, { threads: 1, partBytes: 4096 }],
    [{ threads: 2, partBytes: 4096 }, { threads: 2 }], // the resumed file is one part
    [{ threads: 2, partBytes: 6000 }, { threads: 1, partBytes: 64 * 1024 }],
  ]) {
    const late = await resumes(file, { ...options, ...a }, want, { ks: [41, 97], resume: b, label: JSON.stringify(a) });
    assert.ok(late > 5);
  }
  // Resumed, stopped again and resumed again.
  const one = await readAll(file, { ...options, threads: 2, partBytes: 4096 }, [150]);
  const two = await readAll(file, { ...options, threads: 1, partBytes: 4096, resumeFrom: one.checkpoints.get(150) }, [200]);
  const again = two.checkpoints.get(200);
  assert.equal(again.records, 350);
  assert.ok(again.offset > one.checkpoints.get(150).offset);
  const three = await readAll(file, { ...options, threads: 3, partBytes: 4096, resumeFrom: again });
  assert.deepEqual([...want.records.slice(0, 350), ...three.records], want.records);
});

test('a top-level array, quoted keys, `.*`, tagged records, white space styles', async () => {
  const r = rng(9);
  const els = Array.from({ length: 500 }, (_, i) => jsonElement(r, i));
  const cases = [
    [jsonText(els, () => '\n'), '$[*]'],
    [`\uFEFF${jsonText(els, () => '\r\n\t')}`, '$.*'],
    [jsonText({ 'x y': { b: els, c: [1, 2] } }, () => ' '), "$['x y'].b[*]"],
    [jsonText({ a: els }, () => ''), ['$.a[*]']],
  ];
  for (const [doc, select] of cases) {
    const file = write(`${doc}\n`, 'json');
    const want = await oneStream(file, { select });
    assert.equal(want.error, null);
    for (const threads of [1, 2]) {
      const late = await resumes(file, { select, threads, partBytes: 4096 }, want, { ks: [31, 77], label: JSON.stringify(select) });
      assert.ok(late > 5, JSON.stringify(select));
    }
  }
});

test('malformed documents: after a resume, the same records, then the same first error and position', async () => {
  const bad = malformedJsonDocuments(11, 300, { cuts: 4, flips: 7 });
  let errors = 0;
  let late = 0;
  for (const [i, b] of bad.entries()) {
    const file = write(b, 'json');
    const options = { select: '$.releases[*]', partBytes: 4096 };
    const want = await oneStream(file, options);
    if (want.error) errors++;
    for (const threads of [1, 3]) late += await resumes(file, { ...options, threads }, want, { ks: [29], label: `bad ${i}` });
  }
  assert.ok(errors >= 10, `${errors} errors`);
  assert.ok(late > 40, `${late} resumes past the start`);
  // A record larger than maxRecordBytes: its message names its byte in the file.
  const file = write(jsonDocument(11, 300), 'json');
  const options = { select: '$.releases[*]', maxRecordBytes: 4000, partBytes: 4096 };
  const want = await oneStream(file, options);
  assert.equal(want.error.code, 'ERR_SLUICE_RECORD_TOO_LARGE');
  await resumes(file, { ...options, threads: 2 }, want, { ks: [3] });
});

test("the 'progress' event's checkpoint resumes", async () => {
  const file = write(jsonDocument(8, 500), 'json');
  const options = { select: '$.releases[*]', format: 'json', partBytes: 4096 };
  const want = await oneStream(file, options);
  for (const threads of [1, 2]) {
    const stream = parseFile(file, { ...options, threads, progressInterval: 0 });
    const saved = [];
    stream.on('progress', (p) => saved.push(JSON.parse(JSON.stringify(p.checkpoint))));
    for await (const _ of stream);
    const late = saved.filter((c) => c.offset > 0);
    assert.ok(late.length > 5, `${late.length} progress checkpoints past the start`);
    for (const c of [saved[0], ...late.filter((_, i) => i % 7 === 3), saved.at(-1)]) {
      const rest = await readAll(file, { ...options, threads: 3 - threads, resumeFrom: c });
      assert.deepEqual([...want.records.slice(0, c.records), ...rest.records], want.records, JSON.stringify(c));
    }
  }
});

test('selections not cut, and concatenated values, keep offset 0; resumeFrom is checked', async () => {
  const doc = jsonDocument(21, 300);
  const file = write(doc, 'json');
  for (const select of ['$.releases', '$.releases[3]', '$.releases[*].id', ['$.releases[*]', '$.after.releases[*]'], '$.meta.*']) {
    const want = await oneStream(file, { select });
    for (const threads of [1, 2]) {
      const late = await resumes(file, { select, threads, partBytes: 4096 }, want, { ks: [9], label: JSON.stringify(select) });
      assert.equal(late, 0, JSON.stringify(select));
    }
  }
  const cat = write(`${doc}\n${doc.replace(/^\uFEFF/, '')}`, 'json');
  const whole = await readAll(cat, { format: 'concatenated', select: '$.releases[*]', threads: 2, partBytes: 4096 }, [450]);
  assert.equal(whole.records.length, 600);
  const c = whole.checkpoints.get(450);
  assert.deepEqual([c.offset, c.drop], [0, 450]);
  const rest = await readAll(cat, { format: 'concatenated', select: '$.releases[*]', resumeFrom: c });
  assert.deepEqual([...whole.records.slice(0, 450), ...rest.records], whole.records);

  const late = (await readAll(file, { select: '$.releases[*]', partBytes: 4096 }, [200])).checkpoints.get(200);
  assert.ok(late.offset > 0);
  const refused = (options) => assert.throws(() => parseFile(file, { format: 'json', ...options }), { code: 'ERR_SLUICE_INVALID_OPTION' }, JSON.stringify(options));
  refused({ select: '$.releases', resumeFrom: late });
  refused({ select: '$.releases[*]', format: 'concatenated', resumeFrom: late });
  refused({ select: '$.releases[*]', format: 'ndjson', resumeFrom: late });
  refused({ select: '$.releases', resumeFrom: { ...late, select: '$.releases' } }); // a selection never cut
  refused({ select: '$.releases[*]', resumeFrom: { ...late, column: undefined } });
  refused({ select: '$.releases[*]', resumeFrom: { ...late, line: 0 } });
  refused({ select: '$.releases[*]', resumeFrom: { ...late, offset: -1 } });
  refused({ format: 'concatenated', select: '$.releases[*]', resumeFrom: { ...c, offset: 10 } });
  // A checkpoint that does not fit the file (another file, edited) never crashes: past the
  // end it is an error; inside an element, records or an error.
  for (const offset of [Buffer.byteLength(doc), Buffer.byteLength(doc) + 10]) {
    const got = await readAll(file, { select: '$.releases[*]', resumeFrom: { ...late, offset } });
    assert.equal(got.error?.code, 'ERR_SLUICE_JSON_UNEXPECTED_EOF', String(offset));
  }
  for (let k = 1; k < 8; k++) {
    const got = await readAll(file, { select: '$.releases[*]', resumeFrom: { ...late, offset: late.offset + k } });
    assert.match(got.error?.code ?? 'ERR_SLUICE_', /^ERR_SLUICE_/);
  }
  // Another bad option is named as such, not blamed on the checkpoint.
  assert.throws(() => parseFile(file, { select: '$.releases[*]', maxDepth: -1, resumeFrom: late }), /maxDepth/);
  assert.throws(() => parseFile(file, { select: '$.releases', resumeFrom: { ...late, select: '$.releases' } }), /resumeFrom/);
});

const suiteDir = path.join(corpora, 'jsontestsuite', 'test_parsing');
const suite = fs.existsSync(suiteDir) ? fs.readdirSync(suiteDir).sort() : null;

test('JSONTestSuite: every file inside a long array, through checkpoint and resume', { skip: !suite && 'corpora not found' }, async () => {
  // Elements before and after the file's text, so that it lands in a later part, and the
  // checkpoints around it name cuts before it.
  const pad = Array.from({ length: 300 }, (_, i) => JSON.stringify({ i, s: 'é pad' })).join(',\n');
  let late = 0;
  for (const f of suite) {
    const buf = fs.readFileSync(path.join(suiteDir, f));
    const file = write(Buffer.concat([Buffer.from(`[${pad},\n`), buf, Buffer.from(`,\n${pad}]\n`)]), 'json');
    const options = { select: '$[*]', nullValue: 'NULL', partBytes: 4096 };
    const want = await oneStream(file, options);
    const n = want.records.length;
    late += await resumes(file, { ...options, threads: 2 }, want, { ks: [250, Math.max(1, n - 280)], resume: { threads: 1 }, label: f });
  }
  assert.ok(late > 300, `${late} resumes past the start`);
});
