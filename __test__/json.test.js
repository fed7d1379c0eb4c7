'use strict';
// JsonStream: JSONTestSuite, real JSON/NDJSON files, JSON.parse-exact values, chunk
// invariance, null records, NDJSON skip-and-continue, tagged selectors.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { corpora, chunks } = require('./helpers');
const { JsonStream } = require('..');

async function collect(pieces, options, onSkip) {
  const records = [];
  let error = null;
  const stream = new JsonStream(options);
  if (onSkip) stream.on('skip', onSkip);
  try {
    await pipeline(Readable.from(pieces, { objectMode: false }), stream, async (src) => {
      for await (const r of src) records.push(r);
    });
  } catch (e) {
    error = e;
  }
  return { records, error, stats: stream.stats() };
}

const suiteDir = path.join(corpora, 'jsontestsuite', 'test_parsing');
const suite = fs.existsSync(suiteDir) ? fs.readdirSync(suiteDir).sort() : null;
const outcomesFile = path.join(__dirname, '..', 'tests', 'fixtures', 'jsontestsuite_i_outcomes.tsv');

test('JSONTestSuite y_ files: accepted, equal to JSON.parse', { skip: !suite && 'corpora not found' }, async () => {
  const files = suite.filter((f) => f.startsWith('y_'));
  assert.equal(files.length, 95);
  for (const f of files) {
    const buf = fs.readFileSync(path.join(suiteDir, f));
    const expected = JSON.parse(buf.toString('utf8'));
    for (const sizes of [[buf.length], [1]]) {
      const { records, error } = await collect(chunks(buf, sizes), { select: '$', nullValue: 'NULL' });
      assert.equal(error, null, `${f}: ${error?.message}`);
      assert.deepEqual(records, [expected === null ? 'NULL' : expected], f);
    }
  }
});

test('JSONTestSuite n_ files: rejected with a positioned error', { skip: !suite }, async () => {
  const files = suite.filter((f) => f.startsWith('n_'));
  assert.equal(files.length, 188);
  for (const f of files) {
    const buf = fs.readFileSync(path.join(suiteDir, f));
    for (const sizes of [[buf.length], [1]]) {
      if (sizes[0] === 1 && buf.length > 5000) continue; // the 100000-bracket file, once is enough
      const { error } = await collect(chunks(buf, sizes), { select: '$' });
      assert.ok(error, `${f} was accepted`);
      assert.match(error.code, /^ERR_SLUICE_/, f);
      assert.ok(error.line >= 1 && error.column >= 1 && error.offset >= 0, `${f}: ${error.message}`);
    }
  }
});

test('JSONTestSuite i_ files: no crash, outcome as recorded in the fixture', { skip: !suite }, async () => {
  const expected = new Map(
    fs
      .readFileSync(outcomesFile, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.split('\t'))
      .map(([file, outcome]) => [file, outcome]),
  );
  const files = suite.filter((f) => f.startsWith('i_'));
  assert.equal(files.length, 35);
  for (const f of files) {
    const buf = fs.readFileSync(path.join(suiteDir, f));
    const { error } = await collect([buf], { select: '$' });
    const outcome = error ? 'rejected' : 'accepted';
    assert.equal(outcome, expected.get(f), `${f}: ${error?.message}`);
  }
});

test('real JSON and NDJSON files parse', { skip: !suite }, async () => {
  const feed = fs.readFileSync(path.join(corpora, 'json-real', 'jsonfeed_sample.json'));
  const items = JSON.parse(feed.toString('utf8')).items;
  const { records, error } = await collect(chunks(feed, [4096]), { select: '$.items[*]' });
  assert.equal(error, null);
  assert.deepEqual(records, items);
  const dir = path.join(corpora, 'json-real', 'ndjson');
  for (const f of fs.readdirSync(dir)) {
    const buf = fs.readFileSync(path.join(dir, f));
    const lines = buf.toString('utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
    for (const sizes of [[buf.length], [997]]) {
      const r = await collect(chunks(buf, sizes), { format: 'ndjson' });
      assert.equal(r.error, null, `${f}: ${r.error?.message}`);
      assert.deepEqual(r.records, lines, f);
    }
  }
});

test('values are exactly JSON.parse results, whatever the chunking', async () => {
  const doc =
    '\ufeff{"releases":[{"id":1,"t":"日本 🎵 \\u00e9","n":12345678901234567890,"x":-0},' +
    '{"__proto__":{"polluted":true},"d":1,"d":2,"s":"\\ud800 lone","e":1e400},' +
    '{"deep":[[[{"a":[null,true,false,""]}]]]}]}';
  const buf = Buffer.from(doc);
  const expected = JSON.parse(doc.slice(1)).releases;
  for (const sizes of [[buf.length], [1], [2, 3, 5, 7]]) {
    const { records, error } = await collect(chunks(buf, sizes), { select: '$.releases[*]' });
    assert.equal(error, null, error?.message);
    assert.deepEqual(records, expected, `chunks ${sizes}`);
  }
  assert.equal({}.polluted, undefined);
  for (let at = 1; at < buf.length; at++) {
    const { records } = await collect([buf.subarray(0, at), buf.subarray(at)], { select: '$.releases[*]' });
    assert.deepEqual(records, expected, `split at ${at}`);
  }
});

test('selectors: keys, indexes, wildcards, several tagged', async () => {
  const doc = '{"a":{"b":[10,20,30]},"c d":[{"e":1},{"e":2}]}';
  const pick = async (select) => (await collect([doc], { select })).records;
  assert.deepEqual(await pick('$.a.b[1]'), [20]);
  assert.deepEqual(await pick("$['c d'][*].e"), [1, 2]);
  assert.deepEqual(await pick('$.*'), [{ b: [10, 20, 30] }, [{ e: 1 }, { e: 2 }]]);
  assert.deepEqual(await pick('$'), [JSON.parse(doc)]);
  assert.deepEqual(await pick(['$.a.b[0]', "$['c d'][1]"]), [
    { selector: '$.a.b[0]', value: 10 },
    { selector: "$['c d'][1]", value: { e: 2 } },
  ]);
  assert.deepEqual(await pick(['$.a', '$.a.b']), [{ selector: '$.a', value: { b: [10, 20, 30] } }], 'records never nest');
});

test('null records: JsonStream.NULL by default, or nullValue', async () => {
  const doc = '[1,null,{"a":null}]';
  const a = await collect([doc], { select: '$[*]' });
  assert.deepEqual(a.records, [1, JsonStream.NULL, { a: null }]);
  const b = await collect([doc], { select: '$[*]', nullValue: 0 });
  assert.deepEqual(b.records, [1, 0, { a: null }]);
  assert.throws(() => new JsonStream({ nullValue: null }), { code: 'ERR_SLUICE_INVALID_OPTION' });
});

test('concatenated values and NDJSON with blank lines and CRLF', async () => {
  const concat = await collect(['{"a":1} {"a":2}\n[3]\n"x"'], { format: 'concatenated' });
  assert.deepEqual(concat.records, [{ a: 1 }, { a: 2 }, [3], 'x']);
  const single = await collect(['{"a":1} {"a":2}'], {});
  assert.deepEqual(single.records, [{ a: 1 }]);
  assert.equal(single.error.code, 'ERR_SLUICE_JSON_SYNTAX', 'the default format is one document, like JSON.parse');
  const nd = await collect(['{"a":1}\r\n\r\n  \n{"a":2}\r\n'], { format: 'ndjson' });
  assert.deepEqual(nd.records, [{ a: 1 }, { a: 2 }]);
});

test('NDJSON onError skip: bad lines become skip events and parsing goes on', async () => {
  const skips = [];
  const input = '{"a":1}\n{"a":\n{"a":3}\n[1,}\n{"a":5}\n';
  for (const sizes of [[input.length], [1]]) {
    skips.length = 0;
    const r = await collect(chunks(Buffer.from(input), sizes), { format: 'ndjson', onError: 'skip' }, (s) => skips.push(s));
    assert.equal(r.error, null);
    assert.deepEqual(r.records, [{ a: 1 }, { a: 3 }, { a: 5 }]);
    assert.equal(skips.length, 2);
    assert.deepEqual(
      skips.map((s) => [s.line, s.recordIndex, typeof s.code, typeof s.message, typeof s.column, typeof s.offset]),
      [
        [2, 1, 'string', 'string', 'number', 'number'],
        [4, 3, 'string', 'string', 'number', 'number'],
      ],
    );
  }
  const strict = await collect([input], { format: 'ndjson' });
  assert.deepEqual(strict.records, [{ a: 1 }]);
  assert.equal(strict.error.line, 2);
});

test('positioned errors after the records before them', async () => {
  const { records, error } = await collect(['[1,2,\n  3,}'], { select: '$[*]' });
  assert.deepEqual(records, [1, 2, 3]);
  assert.match(error.code, /^ERR_SLUICE_JSON/);
  assert.deepEqual([error.line, error.column, error.offset], [2, 5, 10]);
});

test('limits: maxRecordBytes and maxDepth', async () => {
  const big = await collect([`[${'"x",'.repeat(1000)}1]`], { select: '$', maxRecordBytes: 1000 });
  assert.equal(big.error.code, 'ERR_SLUICE_RECORD_TOO_LARGE');
  const deep = await collect(['['.repeat(2000) + ']'.repeat(2000)], { select: '$' });
  assert.match(deep.error.code, /TOO_DEEP/);
});
