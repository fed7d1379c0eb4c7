'use strict';
// The check behind running parts anywhere (sluice/bullmq), without a queue: every part of a
// trap document written to its own NDJSON file by writePart, in any order, then settle()
// walking the verdicts. The files listed, read in order, must be exactly one stream's records,
// and a malformed file must fail with one stream's first error.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const { XmlStream, JsonStream, plan } = require('..');
const { writePart } = require('../lib/split/output');
const { settle } = require('../lib/split/settle');
const { rng, WORDS, trapDocument } = require('./traps');
const { tempDocs } = require('./helpers');

const { dir, write } = tempDocs('sluice-settle-', test.after);

/** One stream's records as NDJSON text, its skips and its error. */
async function oneStream(file, options, format) {
  let text = '';
  let error = null;
  const skips = [];
  const stream = format === 'xml' ? new XmlStream(options) : new JsonStream({ ...options, format });
  stream.on('skip', (s) => skips.push(s));
  try {
    await pipeline(fs.createReadStream(file), stream, async (src) => {
      for await (const r of src) text += `${JSON.stringify(r)}\n`;
    });
  } catch (e) {
    error = { code: e.code, offset: e.offset, line: e.line, column: e.column };
  }
  return { text, error, skips };
}

async function distributed(file, options, format) {
  const out = fs.mkdtempSync(path.join(dir, 'out-'));
  const tasks = await plan(file, { ...options, format });
  // Parts finish in any order: run them last first.
  const results = [];
  for (let i = tasks.length - 1; i >= 0; i--) results[i] = await writePart(tasks[i], out);
  try {
    const manifest = await settle(tasks, results, out);
    const text = manifest.parts.map((p) => fs.readFileSync(p.path, 'utf8')).join('');
    const listed = new Set(manifest.parts.map((p) => path.basename(p.path)));
    assert.deepEqual(fs.readdirSync(out).filter((f) => !listed.has(f)), [], 'only the listed parts are left');
    return { text, error: null, manifest, tasks };
  } catch (e) {
    if (!e.code?.startsWith('ERR_SLUICE_')) throw e;
    return { text: null, error: { code: e.code, offset: e.offset, line: e.line, column: e.column }, tasks };
  }
}

async function same(file, options, { format = 'xml', partBytes = [4096, 4099 + 37] } = {}) {
  const want = await oneStream(file, options, format);
  let redone = 0;
  for (const pb of partBytes) {
    const got = await distributed(file, { ...options, partBytes: pb }, format);
    assert.ok(got.tasks.length > 2, 'the file is cut');
    if (want.error) {
      assert.deepEqual(got.error, want.error, `partBytes ${pb}: error`);
    } else {
      assert.equal(got.error, null);
      assert.equal(got.manifest.records, want.text.split('\n').length - 1);
      assert.ok(got.text === want.text, `partBytes ${pb}: the same records in the same order`);
      assert.deepEqual(got.manifest.skips, want.skips, `partBytes ${pb}: skips`);
      redone += got.manifest.redone.length;
    }
  }
  return { want, redone };
}

test('traps: the parts settled give the records of one stream', async () => {
  for (const seed of [1, 2]) await same(write(trapDocument(seed)), { select: 'Release' });
  const file = write(trapDocument(3, 400));
  await same(file, { select: '/NewReleaseMessage/ReleaseList/Release' });
  await same(file, { select: 'ReleaseList/Release', removeNSPrefix: true });
});

test('wrong guesses are re-read: records larger than a part, records under another parent; a DOCTYPE is one part', async () => {
  // What a DOCTYPE declares could change what follows, so no part may start from a guess:
  // the plan makes one part (when the head was parsed for a guess, its parts were all cut
  // and all re-read).
  const doc = trapDocument(5, 200).replace(
    '<ern:NewReleaseMessage',
    '<!DOCTYPE ern:NewReleaseMessage [ <!ELEMENT Release ANY> <!-- <Release> --> ]>\n<ern:NewReleaseMessage',
  );
  const doctype = write(doc);
  assert.equal((await plan(doctype, { select: 'Release', partBytes: 4096 })).length, 1);
  const one = await distributed(doctype, { select: 'Release', partBytes: 4096 }, 'xml');
  assert.equal(one.text, (await oneStream(doctype, { select: 'Release' }, 'xml')).text);
  const r = rng(11);
  const body = ['<root><list>'];
  for (let i = 0; i < 40; i++) body.push(`<item n="${i}"><blob>${'𝄞é'.repeat(500 + Math.floor(r() * 4000))}</blob></item>`);
  body.push('</list></root>');
  await same(write(body.join('')), { select: 'item' });
  // Records nested under an element that a guess does not expect: the guessed path is wrong
  // for every part after the switch, and the true state comes from the verdict.
  const mixed = ['<root><a>'];
  for (let i = 0; i < 300; i++) mixed.push(`<item n="${i}">${'x'.repeat(40)}</item>`);
  mixed.push('</a><b><c>');
  for (let i = 0; i < 300; i++) mixed.push(`<item n="b${i}">${'y'.repeat(40)}</item>`);
  mixed.push('</c></b></root>');
  const { redone } = await same(write(mixed.join('')), { select: 'item' });
  assert.ok(redone > 0, 'some parts were re-read');
});

test('malformed: the first error, with the code, offset, line and column of one stream', async () => {
  const base = trapDocument(9, 300);
  const r = rng(99);
  const damage = ['&', '<', '</x>', ']]>', '\u0001', '<a b>'];
  for (let k = 0; k < damage.length; k++) {
    const at = Math.floor(base.length * (0.2 + 0.7 * r()));
    const { want } = await same(write(base.slice(0, at) + damage[k] + base.slice(at)), { select: 'Release' }, { partBytes: [4096] });
    assert.ok(want.error, `damage ${k} makes an error`);
  }
  const { want } = await same(write(base.slice(0, base.lastIndexOf('>', Math.floor(base.length * 0.8)) + 1)), { select: 'Release' }, { partBytes: [4096] });
  assert.equal(want.error.code, 'ERR_SLUICE_XML_UNEXPECTED_EOF');
});

test('skip mode: the same skips, positions and record indexes', async () => {
  const items = Array.from({ length: 1500 }, (_, i) => `<Release id="${i}"><Title>${i % 97 === 5 ? '&bad' : 'é'.repeat(i % 13)}</Title></Release>`);
  const { want } = await same(write(`<?xml version="1.0"?>\n<root><list>\n${items.join('\n')}\n</list></root>\n`), {
    select: 'Release',
    onError: 'skip',
  });
  assert.equal(want.error, null);
  assert.ok(want.skips.length > 10);
  const lines = Array.from({ length: 2000 }, (_, i) => (i % 301 === 7 ? '{"bad":' : JSON.stringify({ i })));
  const nd = await same(write(lines.join('\n'), 'ndjson'), { onError: 'skip' }, { format: 'ndjson' });
  assert.equal(nd.want.error, null);
  assert.ok(nd.want.skips.length > 0);
});

test('NDJSON parts', async () => {
  const r = rng(21);
  const lines = [];
  for (let i = 0; i < 3000; i++) lines.push(JSON.stringify({ i, s: WORDS[i % WORDS.length].repeat(1 + Math.floor(r() * 30)) }));
  await same(write(`${lines.join('\n')}\n`, 'ndjson'), {}, { format: 'ndjson' });
  const bad = lines.map((l, i) => (i === 2000 ? l.slice(0, 10) : l)).join('\n');
  await same(write(bad, 'ndjson'), {}, { format: 'ndjson', partBytes: [4096] });
});

test('JSON document parts, cut between array elements', async () => {
  const r = rng(22);
  const items = [];
  for (let i = 0; i < 1500; i++) {
    items.push({ i, s: WORDS[i % WORDS.length].repeat(1 + Math.floor(r() * 30)), t: i % 5 ? [{ i: -i }, { i }] : '"},{"i":' });
  }
  const doc = JSON.stringify({ head: [{ i: 0 }, { i: 1 }], items, tail: { items: [{ i: 2 }, { i: 3 }] } });
  await same(write(doc, 'json'), { select: '$.items[*]' }, { format: 'json' });
  const bad = doc.replace('{"i":1200,', '{"i":1200,,');
  const b = await same(write(bad, 'json'), { select: '$.items[*]' }, { format: 'json', partBytes: [4096] });
  assert.equal(b.want.error.code, 'ERR_SLUICE_JSON_SYNTAX');
});

test('a part written twice leaves the same file, whole', async () => {
  const file = write(trapDocument(4, 200));
  const tasks = await plan(file, { select: 'Release', partBytes: 4096 });
  const out = fs.mkdtempSync(path.join(dir, 'twice-'));
  const a = await writePart(tasks[1], out);
  const first = fs.readFileSync(a.path);
  const b = await writePart(tasks[1], out);
  assert.equal(b.path, a.path);
  assert.deepEqual(fs.readFileSync(b.path), first);
  assert.deepEqual(fs.readdirSync(out), [path.basename(a.path)]);
});
