'use strict';
// StreamingDDEXParser: on every file of the DDEX corpus, the counts equal a plain count of
// the same elements in fast-xml-parser's tree of the whole file, through parseStream and
// through parseFile on 1 and 2 threads; the broken files end in a clean error; maxMemory is
// a hard limit.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { XMLParser } = require('fast-xml-parser');
const { StreamingDDEXParser } = require('sluice/ddex');
const { corpora, manifest } = require('./helpers');

const rows = manifest('ddex');
const BROKEN = new Set([
  'ern-3.8.2/dedex_002_erroneous_xml.NOT-WELL-FORMED.xml',
  'ern-3.8.2/dedex_004_xmlns_ern_missing.xml',
]);
const ERN = /^http:\/\/ddex\.net\/xml\/(?:ern\/[34][0-9A-Za-z]*|20\d\d\/ern-main\/3\d*)$/;

const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const elements = (o) => Object.keys(o ?? {}).filter((k) => !k.startsWith('@_') && k !== '#text');

/** The plain count: elements at their places in the whole-file tree. */
function plainCount(xml) {
  const tree = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' }).parse(xml);
  const counts = { totalReleases: 0, totalResources: 0, totalDeals: 0, totalHeaders: 0 };
  for (const key of elements(tree)) {
    const [prefix, local] = key.includes(':') ? key.split(':') : ['', key];
    if (local !== 'NewReleaseMessage' && local !== 'PurgeReleaseMessage') continue;
    for (const root of list(tree[key])) {
      const uri = root[prefix ? `@_xmlns:${prefix}` : '@_xmlns'];
      if (!ERN.test(uri ?? '')) continue;
      counts.totalHeaders += list(root.MessageHeader).length;
      if (local === 'PurgeReleaseMessage') {
        counts.totalReleases += list(root.PurgedRelease).length;
        continue;
      }
      for (const rl of list(root.ReleaseList)) {
        counts.totalReleases += list(rl.Release).length + list(rl.TrackRelease).length;
      }
      for (const res of list(root.ResourceList)) {
        for (const k of elements(res)) counts.totalResources += list(res[k]).length;
      }
      for (const dl of list(root.DealList)) {
        for (const rd of list(dl.ReleaseDeal)) counts.totalDeals += list(rd.Deal).length;
      }
    }
  }
  return counts;
}

const countsOf = (r) => ({
  totalReleases: r.totalReleases,
  totalResources: r.totalResources,
  totalDeals: r.totalDeals,
  totalHeaders: r.totalHeaders,
});

test('every DDEX corpus file: the counts of a plain count', { skip: rows ? false : 'corpora not found' }, async (t) => {
  for (const row of rows) {
    const file = path.join(corpora, 'ddex', row.file);
    await t.test(row.file, async () => {
      if (BROKEN.has(row.file)) {
        const parser = new StreamingDDEXParser();
        await assert.rejects(parser.parseStream(fs.createReadStream(file)), (e) => /^ERR_SLUICE_XML_/.test(e.code));
        await assert.rejects(new StreamingDDEXParser({ parallelChunks: 2 }).parseFile(file), (e) => /^ERR_SLUICE_XML_/.test(e.code));
        return;
      }
      const want = plainCount(fs.readFileSync(file, 'utf8'));
      const streamed = await new StreamingDDEXParser().parseStream(fs.createReadStream(file));
      assert.deepEqual(countsOf(streamed), want, 'parseStream');
      assert.equal(streamed.bytes, fs.statSync(file).size);
      for (const parallelChunks of [1, 2]) {
        // Small parts, so that even these files are cut.
        const parser = new StreamingDDEXParser({ parallelChunks, partBytes: 4096 });
        assert.deepEqual(countsOf(await parser.parseFile(file)), want, `parseFile, ${parallelChunks} threads`);
      }
    });
  }
});

test('a large message: parseFile on 2 threads gives what one stream gives, item by item', async () => {
  const uri = 'http://ddex.net/xml/ern/43';
  const out = [`<?xml version="1.0"?>\n<ern:NewReleaseMessage xmlns:ern="${uri}">\n<MessageHeader><MessageId>1</MessageId></MessageHeader>\n<ResourceList>\n`];
  for (let i = 0; i < 400; i++) out.push(`<SoundRecording><ResourceReference>A${i}</ResourceReference><Title>é ${i}</Title></SoundRecording>\n`);
  for (let i = 0; i < 50; i++) out.push(`<Image><ResourceReference>I${i}</ResourceReference></Image>\n`);
  out.push('</ResourceList>\n<ReleaseList>\n');
  for (let i = 0; i < 300; i++) out.push(`<Release><ReleaseReference>R${i}</ReleaseReference><!-- <Release> --></Release>\n`);
  for (let i = 0; i < 100; i++) out.push(`<TrackRelease><ReleaseReference>T${i}</ReleaseReference></TrackRelease>\n`);
  out.push('</ReleaseList>\n<DealList>\n');
  for (let i = 0; i < 300; i++) out.push(`<ReleaseDeal><DealReleaseReference>R${i}</DealReleaseReference><Deal><N>${i}</N></Deal></ReleaseDeal>\n`);
  out.push('</DealList>\n</ern:NewReleaseMessage>\n');
  const file = path.join(os.tmpdir(), `sluice-ddex-${process.pid}.xml`);
  fs.writeFileSync(file, out.join(''));
  try {
    const items = async (parser, input) => {
      const got = [];
      for await (const item of parser.iterate(input)) got.push(item);
      return got;
    };
    const one = await items(new StreamingDDEXParser(), fs.createReadStream(file));
    assert.equal(one.length, 1 + 450 + 400 + 300);
    assert.deepEqual(one[0], { kind: 'header', value: { MessageId: '1' } });
    const split = await items(new StreamingDDEXParser({ parallelChunks: 2, partBytes: 4096 }), file);
    assert.deepEqual(split, one);
    const chunks = [];
    const progress = [];
    const result = await new StreamingDDEXParser({ parallelChunks: 2, enableProgress: true }).parseFile(file, {
      onProgress: (p) => progress.push(p),
      onChunkProcessed: (c) => chunks.push(c),
    });
    assert.deepEqual(countsOf(result), { totalReleases: 400, totalResources: 450, totalDeals: 300, totalHeaders: 1 });
    assert.equal(chunks.reduce((n, c) => n + c.releases.length, 0), 400);
    assert.ok(progress.length > 0 && progress.at(-1).percentComplete === 100);
    assert.ok(result.peakMemoryMB > 0 && result.durationMs >= 0);
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test('prefixes do not matter, namespace URIs do', async () => {
  const body = (open, close) =>
    `${open}<MessageHeader/><ReleaseList><Release><A>1</A></Release><Release><A>2</A></Release></ReleaseList>${close}`;
  const run = async (xml) => new StreamingDDEXParser().parseStream(require('node:stream').Readable.from([Buffer.from(xml)]));
  const a = await run(body('<x:NewReleaseMessage xmlns:x="http://ddex.net/xml/ern/382">', '</x:NewReleaseMessage>'));
  const b = await run(body('<NewReleaseMessage xmlns="http://ddex.net/xml/ern/41">', '</NewReleaseMessage>'));
  const c = await run(body('<ern:NewReleaseMessage xmlns:ern="http://example.com/not-ddex">', '</ern:NewReleaseMessage>'));
  assert.equal(a.totalReleases, 2);
  assert.equal(b.totalReleases, 2);
  assert.equal(c.totalReleases, 0);
});

test('maxMemory: a record larger than the budget allows fails cleanly', async () => {
  const big = `<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43"><ReleaseList><Release><T>${'x'.repeat(600 * 1024)}</T></Release></ReleaseList></ern:NewReleaseMessage>`;
  const parser = new StreamingDDEXParser({ maxMemory: '2MB' });
  await assert.rejects(parser.parseStream(require('node:stream').Readable.from([Buffer.from(big)])), {
    code: 'ERR_SLUICE_RECORD_TOO_LARGE',
  });
  assert.throws(() => new StreamingDDEXParser({ maxMemory: 'lots' }), { code: 'ERR_SLUICE_INVALID_OPTION' });
});
