'use strict';
// Hostile documents end in a clear error, or a bounded result, with the default options, and
// peak memory stays bounded. Each input runs in a fresh process (rss-child.js) so that its
// maxRSS is its own. Nothing is ever fetched.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { corpora, collect } = require('./helpers');

// Generous: the default limits allow a 64 MiB pending construct (held in a buffer that grows
// by doubling) on top of Node's own ~45 MiB.
const MAX_RSS_MIB = 200;
const child = path.join(__dirname, 'rss-child.js');

function run(spec) {
  return JSON.parse(execFileSync(process.execPath, [child, JSON.stringify(spec)], { encoding: 'utf8' }));
}

function assertPositioned(error, label) {
  assert.match(error.code, /^ERR_SLUICE_/, label);
  assert.ok(error.line >= 1 && error.column >= 1 && error.offset >= 0, `${label}: ${error.message}`);
  assert.match(error.message, /at line \d+, column \d+ \(byte \d+\)/, label);
}

const hostile = path.join(corpora, 'xml-real', 'hostile');
// What the default options make of the corpus files; files added later must at least end
// cleanly within the memory bound.
const EXPECTED = {
  // DOCTYPE entities are not expanded by default: the first reference is an error.
  'billion-laughs.xml': { code: 'ERR_SLUICE_XML_UNDEFINED_ENTITY', records: 0 },
  'deep-nesting-1000.xml': { code: 'ERR_SLUICE_TOO_DEEP', records: 0 },
  // Names of tens of KB, under the 50,000-byte default.
  'libxml2_bigname2.xml': { code: null, records: 1 },
};

test('every file in xml-real/hostile ends cleanly in bounded memory', { skip: !fs.existsSync(hostile) && 'corpora not found' }, () => {
  const files = fs.readdirSync(hostile).filter((f) => f.endsWith('.xml'));
  assert.ok(files.length >= 3);
  for (const f of files) {
    const out = run({ file: path.join(hostile, f) });
    assert.ok(out.maxRssMiB < MAX_RSS_MIB, `${f}: ${out.maxRssMiB} MiB`);
    if (out.error) assertPositioned(out.error, f);
    const want = EXPECTED[f];
    if (want) {
      assert.equal(out.error?.code ?? null, want.code, `${f}: ${out.error?.message}`);
      assert.equal(out.records, want.records, f);
    }
  }
});

test('deep nesting parses with maxDepth raised', { skip: !fs.existsSync(hostile) && 'corpora not found' }, () => {
  const out = run({ file: path.join(hostile, 'deep-nesting-1000.xml'), options: { maxDepth: 2000 } });
  assert.equal(out.error, null);
  assert.equal(out.records, 1);
  assert.ok(out.maxRssMiB < MAX_RSS_MIB);
});

// Generated in the child as a stream (never held whole); [name, expected code or null].
const GENERATED = [
  ['nesting a million deep', 'ERR_SLUICE_TOO_DEEP'],
  ['giant unterminated comment', 'ERR_SLUICE_XML_TEXT_TOO_LONG'],
  ['giant unterminated CDATA', 'ERR_SLUICE_XML_TEXT_TOO_LONG'],
  ['giant PI', 'ERR_SLUICE_XML_TEXT_TOO_LONG'],
  ['giant element name', 'ERR_SLUICE_XML_NAME_TOO_LONG'],
  ['giant entity name', 'ERR_SLUICE_XML_NAME_TOO_LONG'],
  ['giant text outside records', 'ERR_SLUICE_XML_TEXT_TOO_LONG'],
  // Nothing smaller bounds an unfinished tag or DOCTYPE than the pending-markup limit.
  ['giant unterminated attribute value', 'ERR_SLUICE_RECORD_TOO_LARGE'],
  ['giant DOCTYPE internal subset', 'ERR_SLUICE_RECORD_TOO_LARGE'],
  // Legal, at the attribute limit, tag after tag; and thousands of namespace declarations.
  ['attribute storm', null],
  // Interned names are dropped between records once they take 8 MiB (was 400 MiB of RSS).
  ['unique giant names', null],
  ['namespace storm', null],
];

test('generated hostile streams end cleanly in bounded memory', () => {
  const names = JSON.parse(execFileSync(process.execPath, [child, '--list'], { encoding: 'utf8' }));
  assert.deepEqual([...names].sort(), GENERATED.map(([n]) => n).sort());
  for (const [gen, code] of GENERATED) {
    const out = run({ gen, options: { select: 'x' } });
    assert.ok(out.maxRssMiB < MAX_RSS_MIB, `${gen}: ${out.maxRssMiB} MiB`);
    assert.equal(out.error?.code ?? null, code, `${gen}: ${out.error?.message}`);
    if (out.error) assertPositioned(out.error, gen);
  }
});

test('nothing is ever fetched: external DTDs, external entities, stylesheets', async () => {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    res.end('<!ENTITY ext "fetched">');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    // A reference to an entity declared only in the external DTD, or as an external entity.
    const docs = [
      [`<!DOCTYPE x SYSTEM "${base}/x.dtd"><x>&ext;</x>`, 'ERR_SLUICE_XML_UNDEFINED_ENTITY'],
      [`<!DOCTYPE x PUBLIC "-//X//DTD X//EN" "${base}/x.dtd"><x a="&ext;"/>`, 'ERR_SLUICE_XML_UNDEFINED_ENTITY'],
      [`<!DOCTYPE x SYSTEM "${base}/x.dtd" [<!ENTITY ext SYSTEM "${base}/ext.txt">]><x>&ext;</x>`, 'ERR_SLUICE_XML_UNDEFINED_ENTITY'],
      // Whether an unread external parameter entity is an error is up to the DTD checks;
      // here it only must not be read.
      [`<?xml-stylesheet href="${base}/s.xsl"?><!DOCTYPE x [<!ENTITY % p SYSTEM "${base}/p.dtd"> %p;]><x>1</x>`, 'any'],
    ];
    for (const [xml, code] of docs) {
      const { records, error } = await collect([xml], {});
      if (code === 'any') {
        if (error) assertPositioned(error, xml);
        else assert.deepEqual(records, ['1']);
      } else if (code) {
        assert.equal(error?.code, code, xml);
        assert.equal(error.offset, xml.lastIndexOf('&ext;'), error.message);
        assert.equal(records.length, 0);
      }
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  assert.equal(requests, 0);
});
