'use strict';
// Internal entity expansion is opt-in, chunk-invariant and budgeted; external entities are
// never read.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { collect, chunks, corpora } = require('./helpers');
const { XmlStream } = require('..');

const DOC = `<!DOCTYPE r [
  <!ENTITY who "World">
  <!ENTITY greet "Hello, &who;!">
  <!ENTITY item "<i n='&who;'>x</i>">
]><r a="&greet;">&greet; &item;&item;</r>`;

test('internal entities expand in text, markup and attributes, in 1-byte chunks too', async () => {
  const want = { '@_a': 'Hello, World!', '#text': 'Hello, World!', i: [{ '@_n': 'World', '#text': 'x' }, { '@_n': 'World', '#text': 'x' }] };
  const buf = Buffer.from(DOC);
  for (const sizes of [[buf.length], [1], [2, 3]]) {
    const { records, error } = await collect(chunks(buf, sizes), { expandInternalEntities: true });
    assert.equal(error, null);
    assert.deepEqual(records, [want]);
  }
});

test('without expandInternalEntities a declared entity is a positioned error', async () => {
  const { error } = await collect([Buffer.from(DOC)], {});
  assert.equal(error.code, 'ERR_SLUICE_XML_UNDEFINED_ENTITY');
  assert.match(error.message, /expandInternalEntities/);
  assert.equal(error.line, 5);
});

function laughs(levels) {
  let d = '<!DOCTYPE r [<!ENTITY l0 "lol">';
  for (let i = 1; i <= levels; i++) d += `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`;
  return `${d}]><r>&l${levels};</r>`;
}

test('billion laughs ends in ERR_SLUICE_XML_ENTITY_EXPANSION', async () => {
  const buf = Buffer.from(laughs(9));
  for (const sizes of [[buf.length], [1]]) {
    const { records, error } = await collect(chunks(buf, sizes), { expandInternalEntities: true });
    assert.deepEqual(records, []);
    assert.equal(error.code, 'ERR_SLUICE_XML_ENTITY_EXPANSION');
    assert.equal(error.offset, buf.indexOf('<r>') + 3);
  }
});

test('the hostile corpus billion-laughs.xml is refused with expansion on', async (t) => {
  const file = path.join(corpora, 'xml-real', 'hostile', 'billion-laughs.xml');
  if (!fs.existsSync(file)) return t.skip('xml-real corpus not found');
  const buf = fs.readFileSync(file);
  const on = await collect([buf], { expandInternalEntities: true });
  assert.equal(on.error.code, 'ERR_SLUICE_XML_ENTITY_EXPANSION');
  assert.equal(on.error.line, 11);
  const off = await collect([buf], {});
  assert.equal(off.error.code, 'ERR_SLUICE_XML_UNDEFINED_ENTITY');
});

test('quadratic blowup hits the amplification limit, and maxEntityExpansion caps the total', async () => {
  const big = 'x'.repeat(100_000);
  const quad = Buffer.from(`<!DOCTYPE r [<!ENTITY a "${big}">]><r>${'&a;'.repeat(2000)}</r>`);
  const q = await collect(chunks(quad, [4096]), { expandInternalEntities: true });
  assert.equal(q.error.code, 'ERR_SLUICE_XML_ENTITY_EXPANSION');
  const small = await collect([Buffer.from(laughs(3))], { expandInternalEntities: true, maxEntityExpansion: 1000 });
  assert.equal(small.error.code, 'ERR_SLUICE_XML_ENTITY_EXPANSION');
  assert.match(small.error.message, /maxEntityExpansion \(1000 bytes\)/);
  const fine = await collect([Buffer.from(laughs(2))], { expandInternalEntities: true });
  assert.deepEqual(fine.records, ['lol'.repeat(100)]);
});

test('recursive and external entities are refused', async () => {
  const rec = await collect([Buffer.from('<!DOCTYPE r [<!ENTITY a "&b;"><!ENTITY b "&a;">]><r>&a;</r>')], { expandInternalEntities: true });
  assert.equal(rec.error.code, 'ERR_SLUICE_XML_ENTITY_EXPANSION');
  const ext = await collect([Buffer.from('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')], { expandInternalEntities: true });
  assert.equal(ext.error.code, 'ERR_SLUICE_XML_EXTERNAL_ENTITY');
  assert.equal(ext.error.offset, 57);
});

test('entity options are validated', () => {
  assert.throws(() => new XmlStream({ expandInternalEntities: 'yes' }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.throws(() => new XmlStream({ maxEntityExpansion: 0 }), { code: 'ERR_SLUICE_INVALID_OPTION' });
});
