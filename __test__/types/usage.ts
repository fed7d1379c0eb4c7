import { XmlStream, JsonStream, NULL, TaggedRecord, SluiceError, Skip, Checkpoint } from 'sluice';
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
async function main() {
  await pipeline(fs.createReadStream('catalog.xml'), new XmlStream({ select: 'Release' }), async function (src: AsyncIterable<any>) {
    for await (const r of src) console.log(r.ReleaseId.ICPN);
  });
  const s = new XmlStream<TaggedRecord>({ select: ['Release', 'Deal'], progressInterval: 100, encodingErrors: 'replace' });
  s.on('progress', (p) => console.log(p.percent ?? 0, p.mbPerSec));
  s.on('error', (e: SluiceError) => console.log(e.code, e.line));
  for await (const t of s as AsyncIterable<TaggedRecord>) console.log(t.selector, t.value);
  console.log(s.stats().poolHits);
  const hardened = new XmlStream({ maxDepth: 1000, maxNameLength: 1024, maxAttributes: 64, maxTextLength: 1 << 20 });
  hardened.destroy();
  const j = new JsonStream({ select: ['$.releases[*]', '$.deals[*]'], format: 'json' });
  const n = new JsonStream({ format: 'ndjson', onError: 'skip', nullValue: NULL });
  n.on('skip', (k: Skip) => console.log(k.recordIndex, k.line, k.code));
  for await (const r of j) console.log(r.value === JsonStream.NULL ? 'null' : r.value);
  console.log(n.stats().skipped);
  const x = new XmlStream({ select: 'Release', onError: 'skip' });
  x.on('skip', (k: Skip) => console.log(k.recordIndex, k.offset));
  x.on('progress', (p) => console.log(p.checkpoint?.offset));
  const saved: string = JSON.stringify(x.checkpoint());
  const from: Checkpoint = JSON.parse(saved);
  fs.createReadStream('catalog.xml', { start: from.offset }).pipe(new XmlStream({ select: 'Release', resumeFrom: from }));
  console.log(from.path?.map((a) => a.name).join('/'), x.stats().skipped);
  const e = new XmlStream({ expandInternalEntities: true, maxEntityExpansion: 1 << 20 });
  e.on('error', (err: SluiceError) => console.log(err.code === 'ERR_SLUICE_XML_ENTITY_EXPANSION'));
}
main();

import { parse as sluiceParse, collect as sluiceCollect, express as sluiceExpress, fastify as sluiceFastify, HttpError, HttpRecords } from 'sluice';
async function http() {
  const records: string[] = sluiceParse<string>('<r><a>1</a></r>', { select: 'a' });
  const j = sluiceParse('{"a":[1]}', { select: '$.a[*]', format: 'json' });
  console.log(records.length, j.length);
  const all = await sluiceCollect(new XmlStream({ select: 'a' }), { memoryThreshold: 1 << 20 });
  if (Array.isArray(all)) console.log(all.length);
  else {
    for await (const r of all) console.log(r);
    all.dispose();
  }
  const mw = sluiceExpress({ select: 'Release', limit: '5gb', streamThreshold: '64kb' });
  mw({}, {}, (err) => console.log(err));
  sluiceExpress({ xml: { select: 'Release' }, json: { select: '$.items[*]', type: 'application/json' }, collect: true });
  sluiceFastify({}, { xml: { select: 'Release' } }, () => {});
  const e = {} as HttpError;
  if (e.type === 'entity.parse.failed') console.log(e.line, e.status);
  const it = {} as HttpRecords<number>;
  for await (const n of it) console.log(n + 1);
}
http();
