// Each point of the typings, proved under `tsc --strict`: the lines marked @ts-expect-error
// must fail to compile (tsc reports an unused @ts-expect-error as an error itself).
import { XmlStream, JsonStream, NULL, TaggedRecord, XmlObject, XmlRecord, Progress, Skip, SluiceError } from 'sluice';
import { parseFile, FileRecords, FileCheckpoint, JsonFileCheckpoint, Stats } from 'sluice';
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';

interface Release {
  ReleaseId: { ICPN: string };
  Title?: string;
}

async function loose() {
  // Records default to a loose type: the README's example compiles as written.
  await pipeline(fs.createReadStream('catalog.xml'), new XmlStream({ select: 'Release' }), async function (releases) {
    for await (const r of releases) console.log(r.ReleaseId.ICPN);
  });
  const xml = new XmlStream({ select: 'Release' });
  for await (const r of xml) {
    const record: XmlRecord = r;
    console.log(record.ReleaseId.ICPN, r['@_Id']);
  }
}

async function strict() {
  // A type argument gives strict records.
  const typed = new XmlStream<Release>({ select: 'Release' });
  for await (const r of typed) {
    const icpn: string = r.ReleaseId.ICPN;
    // @ts-expect-error `Release` has no `Deal`
    console.log(icpn, r.Deal);
  }
  // `XmlObject` is the exact shape of any document: values must be narrowed before use.
  const exact = new XmlStream<XmlObject>();
  for await (const r of exact) {
    // @ts-expect-error `r.ReleaseId` is an `XmlValue`, which may be a string
    console.log(r.ReleaseId.ICPN);
  }
}

async function tagged() {
  // An array `select` yields tagged records.
  const both = new XmlStream({ select: ['Release', 'Deal'] });
  for await (const t of both) {
    const selector: string = t.selector;
    console.log(selector, t.value.ReleaseId);
    // @ts-expect-error a tagged record is not the record itself
    console.log(t.ReleaseId);
  }
  const typed = new XmlStream<TaggedRecord<Release>>({ select: ['Release'] });
  for await (const t of typed) {
    const icpn: string = t.value.ReleaseId.ICPN;
    console.log(icpn);
  }
  const json = new JsonStream({ select: ['$.releases[*]', '$.deals[*]'] });
  for await (const t of json) console.log(t.selector, t.value);
  json.on('data', (t) => {
    // @ts-expect-error `data` carries the tagged record
    console.log(t.releaseId);
  });
}

async function iteration() {
  // Async iteration yields the record type, not `any`.
  for await (const r of new XmlStream<Release>({ select: 'Release' })) {
    // @ts-expect-error `ICPN` is a string
    const n: number = r.ReleaseId.ICPN;
    console.log(n);
  }
  for await (const r of new JsonStream<{ id: number }>({ format: 'ndjson' })) {
    const id: number = r.id;
    // @ts-expect-error `id` is a number
    const s: string = r.id;
    console.log(id, s);
  }
}

function events() {
  // `on` and `once` are typed for 'progress', 'skip' and 'data' (and 'error').
  const xml = new XmlStream<Release>({ select: 'Release', onError: 'skip' });
  xml.once('progress', (p) => {
    const done: Progress = p;
    console.log(done.bytesRead, p.percent?.toFixed(1), p.checkpoint?.offset);
  });
  xml.on('progress', (p) => console.log(p.mbPerSec));
  // @ts-expect-error a progress event has no `recordIndex`
  xml.on('progress', (p) => console.log(p.recordIndex));
  xml.on('skip', (s) => {
    const skipped: Skip = s;
    console.log(skipped.recordIndex, s.code);
  });
  // @ts-expect-error a skip is not a progress event
  xml.once('skip', (s) => console.log(s.mbPerSec));
  xml.on('data', (r) => console.log(r.ReleaseId.ICPN));
  // @ts-expect-error `data` carries a `Release`
  xml.once('data', (r) => console.log(r.Deal));
  xml.on('error', (e: SluiceError) => console.log(e.code, e.offset));
  // Other events keep `Transform`'s signatures.
  xml.on('end', () => console.log('done'));
  xml.once('close', () => console.log('closed'));
  xml.on('pipe', (src) => console.log(src));
}

function options() {
  // @ts-expect-error a misspelt option does not compile either
  new XmlStream({ maxDepht: 3 });
  // @ts-expect-error `onError` is 'throw' or 'skip'
  new XmlStream({ onError: 'ignore' });
  // @ts-expect-error `format` is a JsonStream option
  new XmlStream({ format: 'ndjson' });
  const n: XmlStream = new XmlStream({ select: 'Release' });
  console.log(n instanceof XmlStream, JsonStream.NULL === NULL);
}

// A subclass names its record type: the constructor has one signature per kind of `select`.
class Releases extends XmlStream<Release> {
  titles() {
    return this.once('data', (r) => console.log(r.Title));
  }
}

export { Releases, loose, strict, tagged, iteration, events, options };

async function fileCheckpoints(file: FileRecords) {
  // A file stream's checkpoint resumes parseFile; an XML one whose `drop` is 0 resumes an
  // XmlStream too, a JSON one never does.
  const saved: FileCheckpoint = file.checkpoint();
  parseFile('catalog.xml', { select: 'Release', threads: 2, resumeFrom: saved });
  if (!('format' in saved)) new XmlStream({ select: 'Release', resumeFrom: saved });
  const json: JsonFileCheckpoint = { version: 1, format: 'ndjson', select: '$', encoding: 'UTF-8', offset: 0, line: 0, drop: 0, records: 0, lastSkip: -1, lastSkips: 0 };
  // @ts-expect-error an NDJSON file's checkpoint has no open path to resume an XmlStream at
  new XmlStream({ select: 'Release', resumeFrom: json });
  // A JSON document's checkpoint past its start carries the file's line and column there.
  const doc: JsonFileCheckpoint = { ...json, format: 'json', select: '$.releases[*]', offset: 4096, line: 12, column: 3 };
  parseFile('catalog.json', { select: '$.releases[*]', threads: 1, resumeFrom: doc });
  const stats: Stats = file.stats();
  console.log(stats.skipped);
}
