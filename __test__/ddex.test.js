'use strict';
// The 59 real DDEX messages: every well-formed one parses, and Release / SoundRecording
// records deep-equal fast-xml-parser's, fed whole, in 64 KiB chunks and in 1-byte chunks.
// (cargo's tests/ddex_chunks.rs checks 1-byte invariance of the core on every file.)
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { corpora, manifest, chunks, collect, oracle, pick, canonical } = require('./helpers');

const rows = manifest('ddex');
const NOT_WF = 'ern-3.8.2/dedex_002_erroneous_xml.NOT-WELL-FORMED.xml';
const UNBOUND = 'ern-3.8.2/dedex_004_xmlns_ern_missing.xml';

test('DDEX corpus', { skip: rows ? false : 'shared/corpora not found' }, async (t) => {
  assert.equal(rows.length, 59);
  for (const row of rows) {
    if (row.file === NOT_WF || row.file === UNBOUND) continue;
    await t.test(row.file, async () => {
      const buf = fs.readFileSync(path.join(corpora, 'ddex', row.file));
      const expected = oracle(buf.toString('utf8'));
      for (const local of ['Release', 'SoundRecording']) {
        const want = pick(expected, local).map(canonical);
        const sizes = buf.length < 40_000 ? [[buf.length], [65536], [1]] : [[buf.length], [65536]];
        for (const size of sizes) {
          const { records, error } = await collect(chunks(buf, size), { select: local });
          assert.equal(error, null, `${local} in ${size}-byte chunks: ${error?.message}`);
          assert.deepEqual(records.map(canonical), want, `${local} in ${size}-byte chunks`);
        }
      }
    });
  }
});

test('the truncated DDEX file gives a positioned error after its complete records', { skip: !rows }, async () => {
  const buf = fs.readFileSync(path.join(corpora, 'ddex', NOT_WF));
  for (const size of [[buf.length], [65536], [1]]) {
    const { records, error } = await collect(chunks(buf, size), { select: 'SoundRecording' });
    assert.equal(error.code, 'ERR_SLUICE_XML_UNEXPECTED_EOF');
    assert.ok(error.line > 100 && error.column >= 1 && error.offset > 0, error.message);
    assert.ok(records.length >= 1, 'records before the truncation are emitted');
  }
});

test('the undeclared ern: prefix is an error when namespaces are checked (the default)', { skip: !rows }, async () => {
  const buf = fs.readFileSync(path.join(corpora, 'ddex', UNBOUND));
  for (const size of [[buf.length], [65536], [1]]) {
    const { error } = await collect(chunks(buf, size), { select: 'Release' });
    assert.equal(error.code, 'ERR_SLUICE_XML_UNBOUND_PREFIX');
    assert.equal(error.line, 5, error.message);
    assert.match(error.message, /ern/);
  }
  const expected = pick(oracle(buf.toString('utf8')), 'Release').map(canonical);
  const { records, error } = await collect([buf], { select: 'Release', namespaces: false });
  assert.equal(error, null);
  assert.deepEqual(records.map(canonical), expected, 'with namespaces: false it parses like fast-xml-parser');
});
