'use strict';
// Checkpoints and resume: a run killed after N records and resumed from its checkpoint, over
// fs.createReadStream(file, { start: checkpoint.offset }), gives exactly the records the full
// run gives after the first N, for N = 0, mid-batch, and the last; on a generated catalog,
// on a hand-written document with nested namespace declarations, and on real DDEX messages.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { once } = require('node:events');
const { XmlStream } = require('..');
const { generate } = require('../benchmark/generate');
const { corpora, manifest } = require('./helpers');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-resume-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Reads `file` from `from` (a checkpoint) until `n` records have been read, or to the end. */
async function runUntil(file, options, n = Infinity, from = undefined) {
  const src = fs.createReadStream(file, { start: from?.offset ?? 0, highWaterMark: 4096 });
  const xml = new XmlStream({ ...options, resumeFrom: from });
  const records = [];
  src.pipe(xml);
  if (n === 0) {
    // Records parsed but not read must not count.
    await once(xml, 'readable');
  } else {
    for await (const r of xml) {
      records.push(r);
      if (records.length === n) break;
    }
  }
  // A checkpoint crosses process boundaries as JSON.
  const checkpoint = JSON.parse(JSON.stringify(xml.checkpoint()));
  xml.destroy();
  src.destroy();
  return { records, checkpoint };
}

async function killAndResume(file, options, ns) {
  const full = (await runUntil(file, options)).records;
  assert.ok(full.length > 0, `${file}: no records`);
  for (const n of ns(full.length)) {
    const first = await runUntil(file, options, n);
    assert.equal(first.records.length, n);
    assert.equal(first.checkpoint.records, n);
    const rest = await runUntil(file, options, Infinity, first.checkpoint);
    assert.deepEqual([...first.records, ...rest.records], full, `${path.basename(file)}: killed after ${n}`);
    assert.equal(rest.checkpoint.records, full.length);
  }
  return full;
}

const catalogFile = path.join(tmp, 'catalog.xml');
const catalogOptions = {
  select: ['Party', 'SoundRecording', '/*/ReleaseList/Release', '{http://ddex.net/xml/ern/43}NewReleaseMessage/DealList/ReleaseDeal'],
  batchBytes: 2048, // several records per batch, many batches
};

test('generated catalog: killed after N records and resumed, for N from 0 to the last', async () => {
  await generate(catalogFile, 300 * 1024);
  const ns = (total) => [0, 1, 2, 7, 13, 40, Math.floor(total / 2), total - 1, total];
  const full = await killAndResume(catalogFile, catalogOptions, ns);
  const kinds = new Set(full.map((r) => r.selector));
  assert.equal(kinds.size, 4, 'records of every selector');
});

test('a resumed run can itself be killed and resumed', async () => {
  const full = (await runUntil(catalogFile, catalogOptions)).records;
  const got = [];
  let from;
  for (const n of [5, 1, 30, 17, 3]) {
    const part = await runUntil(catalogFile, catalogOptions, n, from);
    got.push(...part.records);
    from = part.checkpoint;
  }
  got.push(...(await runUntil(catalogFile, catalogOptions, Infinity, from)).records);
  assert.deepEqual(got, full);
});

test('nested namespace declarations and the default namespace are restored', async () => {
  let xml = '\ufeff<?xml version="1.0"?>\n<!-- head -->\n<m:Msg xmlns:m="urn:m" xmlns="urn:d">\n';
  xml += '<Head><Id>1</Id></Head>\n<m:List xmlns:p="urn:p1">\n';
  for (let i = 0; i < 6; i++) xml += `  <p:Item n="${i}"><p:v>a${i}</p:v><w>é ${i}</w></p:Item>\n`;
  xml += '  <Group xmlns:p="urn:p2" xmlns="">\n';
  for (let i = 6; i < 12; i++) xml += `    <p:Item n="${i}"><x>${i}</x></p:Item><!-- <p:Item/> -->\n`;
  xml += '  </Group>\n  <Other/>\n';
  for (let i = 12; i < 15; i++) xml += `  <p:Item n="${i}"><![CDATA[<${i}>]]></p:Item>\n`;
  xml += '</m:List>\n</m:Msg>\n<!-- tail -->\n';
  const file = path.join(tmp, 'ns.xml');
  fs.writeFileSync(file, xml);
  const options = { select: ['{urn:p1}Item', '{urn:p2}Item'], batchBytes: 64 };
  const full = await killAndResume(file, options, (total) => Array.from({ length: total + 1 }, (_, i) => i));
  assert.deepEqual(
    full.map((r) => r.selector),
    [...Array(6).fill('{urn:p1}Item'), ...Array(6).fill('{urn:p2}Item'), ...Array(3).fill('{urn:p1}Item')],
  );
  const { checkpoint } = await runUntil(file, options, 8);
  assert.deepEqual(checkpoint.path, [
    {
      name: 'm:Msg',
      ns: [
        ['m', 'urn:m'],
        ['', 'urn:d'],
      ],
    },
    { name: 'm:List', ns: [['p', 'urn:p1']] },
    {
      name: 'Group',
      ns: [
        ['p', 'urn:p2'],
        ['', ''],
      ],
    },
  ]);
  assert.equal(checkpoint.version, 1);
  assert.deepEqual(checkpoint.select, options.select);
  assert.equal(xml.slice(0, checkpoint.offset).endsWith('</p:Item>'), false, 'offset counts bytes, not characters');
  assert.ok(Buffer.from(xml).subarray(0, checkpoint.offset).toString().endsWith('<x>7</x></p:Item>'));
});

test('real DDEX messages: killed after N records and resumed', { skip: manifest('ddex') ? false : 'shared/corpora not found' }, async () => {
  const files = [
    'ern-3.8.2/dedex_1199119911991_utf8bom.xml',
    'ern-3.7/UMG_00602557190298.xml',
    'ern-4.3/3_MixedMedia.xml',
    'ern-4.2/Variant_BoxedSet.xml',
  ];
  const options = { select: ['Release', 'SoundRecording', 'Deal'], batchBytes: 4096 };
  for (const f of files) {
    await killAndResume(path.join(corpora, 'ddex', f), options, (total) => [0, 1, Math.floor(total / 3), total - 1, total]);
  }
});

test('progress events carry the checkpoint of the records read so far', async () => {
  const full = (await runUntil(catalogFile, catalogOptions)).records;
  const xml = new XmlStream({ ...catalogOptions, progressInterval: 0 });
  const seen = [];
  const taken = [];
  xml.on('data', (r) => seen.push(r));
  xml.on('progress', (p) => taken.push({ checkpoint: p.checkpoint, read: seen.length }));
  fs.createReadStream(catalogFile, { highWaterMark: 16384 }).pipe(xml);
  await once(xml, 'end');
  assert.deepEqual(seen, full);
  assert.ok(taken.length >= 3);
  for (const { checkpoint, read } of [taken[1], taken[Math.floor(taken.length / 2)], taken.at(-1)]) {
    assert.equal(checkpoint.records, read);
    const rest = await runUntil(catalogFile, catalogOptions, Infinity, checkpoint);
    assert.deepEqual(rest.records, full.slice(read));
  }
});

test('resumeFrom is checked against the stream', async () => {
  const { checkpoint } = await runUntil(catalogFile, catalogOptions, 3);
  const invalid = { code: 'ERR_SLUICE_INVALID_OPTION' };
  assert.throws(() => new XmlStream({ select: 'Release', resumeFrom: checkpoint }), {
    ...invalid,
    message: /was taken with select .*Party.* but this stream has select "Release"/,
  });
  assert.throws(() => new XmlStream({ ...catalogOptions, select: [...catalogOptions.select].reverse(), resumeFrom: checkpoint }), invalid);
  assert.throws(() => new XmlStream({ ...catalogOptions, resumeFrom: { ...checkpoint, version: 99 } }), invalid);
  assert.throws(() => new XmlStream({ ...catalogOptions, resumeFrom: { ...checkpoint, encoding: 'ISO-2022-JP' } }), {
    ...invalid,
    message: /taken on ISO-2022-JP input, which cannot be resumed mid-document/,
  });
  assert.throws(() => new XmlStream({ ...catalogOptions, resumeFrom: { ...checkpoint, encoding: 'x-klingon' } }), {
    ...invalid,
    message: /taken on x-klingon input, which sluice cannot decode/,
  });
  assert.throws(() => new XmlStream({ ...catalogOptions, resumeFrom: { ...checkpoint, offset: -1 } }), invalid);
  assert.throws(() => new XmlStream({ ...catalogOptions, resumeFrom: { ...checkpoint, path: [{ name: '1bad', ns: [] }] } }), invalid);
  assert.throws(() => new XmlStream({ ...catalogOptions, resumeFrom: { ...checkpoint, path: [{ name: 'x:a', ns: [] }] } }), invalid);
  assert.throws(() => new XmlStream({ ...catalogOptions, resumeFrom: 'abc' }), invalid);
});

test('positions after a resume: offsets continue, lines and columns count from the checkpoint', async () => {
  const doc = '<r>\n<L>\n<R>1</R>\n<R>2</R>\n<R>3&bad;</R>\n</L>\n</r>\n';
  const file = path.join(tmp, 'pos.xml');
  fs.writeFileSync(file, doc);
  const first = await runUntil(file, { select: 'R' }, 1);
  assert.equal(first.checkpoint.offset, doc.indexOf('</R>') + 4);
  const xml = new XmlStream({ select: 'R', resumeFrom: first.checkpoint });
  fs.createReadStream(file, { start: first.checkpoint.offset }).pipe(xml);
  const got = [];
  await assert.rejects(
    (async () => {
      for await (const r of xml) got.push(r);
    })(),
    (err) => {
      assert.equal(err.code, 'ERR_SLUICE_XML_UNDEFINED_ENTITY');
      assert.equal(err.offset, doc.indexOf('&bad;'));
      assert.equal(err.line, 3, 'the checkpoint is line 1');
      assert.equal(err.column, 5);
      return true;
    },
  );
  assert.deepEqual(got, ['2']);
  // A fragment has no prolog: a declaration there is an error.
  const decl = new XmlStream({ select: 'R', resumeFrom: first.checkpoint });
  decl.end('<?xml version="1.0"?><R>x</R></L></r>');
  await assert.rejects(once(decl, 'end'), { code: 'ERR_SLUICE_XML_INVALID_DECLARATION' });
});
