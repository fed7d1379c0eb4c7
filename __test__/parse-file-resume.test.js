'use strict';
// parseFile's stats() and checkpoint(): a parseFile stopped after N records (the first, the
// last, at and around part boundaries, anywhere) and resumed from its checkpoint, as JSON
// text, gives exactly the records that followed: what the two read together is what one
// uninterrupted parseFile reads, and the 'skip's too. For XML, NDJSON and JSON documents, on 1
// and 2 threads with 4 KiB parts (so the stop falls inside parts, at their ends, in parts read
// ahead and confirmed, and in parts read again).
const test = require('node:test');
const assert = require('node:assert/strict');
const { parseFile, XmlStream, plan } = require('..');
const { trapDocument, rng } = require('./traps');
const { tempDocs, linesOf } = require('./helpers');

const { write } = tempDocs('sluice-parse-file-resume-', test.after);

/** Reads `file` until `stop` records have been read (all if undefined); the checkpoint there. */
async function read(file, options, stop) {
  const got = { records: [], skips: [], checkpoint: null, error: null };
  const stream = parseFile(file, options);
  stream.on('skip', (s) => got.skips.push(s));
  try {
    if (stop === 0) got.checkpoint = stream.checkpoint();
    else {
      for await (const r of stream) {
        got.records.push(r);
        if (got.records.length === stop) {
          got.checkpoint = stream.checkpoint();
          break; // destroys the stream, as a crash would end it
        }
      }
    }
  } catch (e) {
    got.error = e;
  }
  if (stop === 0) stream.destroy();
  got.stats = stream.stats();
  got.split = stream.split;
  return got;
}

const skipKey = (s) => `${s.code}@${s.offset}`;

const errorOf = (e) => e && { code: e.code, offset: e.offset };

/**
 * Stops after each of `stops` records, resumes from the checkpoint (through JSON text), and
 * checks the two runs against one uninterrupted run (which may end in an error: the resumed
 * run then ends in it too).
 */
async function resumes(file, options, stops, { indexes = true, fails = false } = {}) {
  const whole = await read(file, options);
  if (!fails) assert.equal(whole.error, null, whole.error?.message);
  for (const n of new Set(stops.filter((n) => n >= 0 && n <= whole.records.length))) {
    const label = `${JSON.stringify(options)}, stopped after ${n}`;
    const first = await read(file, options, n);
    assert.equal(first.error, null, label);
    assert.equal(first.records.length, n, label);
    const checkpoint = JSON.parse(JSON.stringify(first.checkpoint));
    assert.equal(checkpoint.records, n, label);
    const rest = await read(file, { ...options, resumeFrom: checkpoint });
    assert.deepEqual(errorOf(rest.error), errorOf(whole.error), `${label}: ${rest.error?.message}`);
    assert.deepEqual([...first.records, ...rest.records], whole.records, label);
    // Each skip reported once, by one run or the other.
    assert.deepEqual([...first.skips, ...rest.skips].map(skipKey), whole.skips.map(skipKey), `${label}: skips`);
    if (indexes) {
      assert.deepEqual(
        [...first.skips, ...rest.skips].map((s) => s.recordIndex),
        whole.skips.map((s) => s.recordIndex),
        `${label}: skip indexes`,
      );
    }
    assert.equal(rest.stats.records, whole.records.length - n, label);
  }
  return whole;
}

/** Record counts at which a stop falls at a part boundary: the records starting before each cut. */
async function boundaries(file, options, starts) {
  const parts = await plan(file, options);
  return parts.slice(1).flatMap((p) => {
    const k = starts.filter((s) => s < p.start).length;
    return [k - 1, k, k + 1];
  });
}

const offsetsOf = (text, re) => [...text.matchAll(re)].map((m) => Buffer.byteLength(text.slice(0, m.index)));
const spread = (n, r) => [0, 1, 2, n - 1, n, ...Array.from({ length: 6 }, () => Math.floor(r() * n))];

test('XML: stopped after N records and resumed gives the records that followed, threads 1 and 2', async () => {
  const doc = trapDocument(11, 160);
  const file = write(doc);
  const r = rng(3);
  const starts = offsetsOf(doc, /<(\w+:)?Release[\s>]/g);
  for (const threads of [1, 2]) {
    const options = { select: '/NewReleaseMessage/ReleaseList/Release', threads, partBytes: 4096 };
    const n = (await read(file, options)).records.length;
    assert.ok(n > 100);
    const stops = [...spread(n, r), ...(await boundaries(file, options, starts))];
    const whole = await resumes(file, options, stops, { indexes: false });
    if (threads === 2) assert.ok(whole.split.accepted > 0, 'parts were read ahead and confirmed');
  }
});

test('XML: a parseFile checkpoint resumes an XmlStream, and a resumed run resumes again', async () => {
  const doc = trapDocument(12, 80);
  const file = write(doc);
  const options = { select: ['Release', 'Deal'], threads: 2, partBytes: 4096 };
  const whole = await read(file, options);
  const a = await read(file, options, 20);
  const b = await read(file, { ...options, resumeFrom: a.checkpoint }, 30);
  assert.equal(b.checkpoint.records, 50);
  const c = await read(file, { ...options, resumeFrom: JSON.parse(JSON.stringify(b.checkpoint)) });
  assert.deepEqual([...a.records, ...b.records, ...c.records], whole.records);
  // The same checkpoint format as XmlStream's.
  const stream = new XmlStream({ select: options.select, resumeFrom: a.checkpoint });
  const rest = [];
  stream.on('data', (r) => rest.push(r));
  stream.end(Buffer.from(doc).subarray(a.checkpoint.offset));
  await new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject));
  assert.deepEqual([...a.records, ...rest], whole.records);
});

test('a checkpoint from one thread count resumes on another, and one from a progress event resumes', async () => {
  const xmlFile = write(trapDocument(14, 120));
  const ndFile = write(linesOf(20 * 1024, (i) => `${JSON.stringify({ i, s: 'é'.repeat(i % 30) })}\n`).join(''), 'ndjson');
  for (const [file, select] of [[xmlFile, 'Release'], [ndFile, '$']]) {
    const whole = await read(file, { select });
    for (const [a, b] of [[1, 2], [2, 1], [2, 4]]) {
      for (const n of [1, 37, 90]) {
        const first = await read(file, { select, threads: a, partBytes: 4096 }, n);
        const rest = await read(file, { select, threads: b, partBytes: 5000, resumeFrom: first.checkpoint });
        assert.deepEqual([...first.records, ...rest.records], whole.records, `${file}: threads ${a} then ${b}, after ${n}`);
      }
    }
    // The checkpoint of a progress event names the records read when it was emitted.
    const stream = parseFile(file, { select, threads: 2, partBytes: 4096, progressInterval: 0 });
    const got = [];
    let saved = null;
    stream.on('progress', (p) => {
      if (!saved && p.checkpoint.records >= 25) saved = p.checkpoint;
    });
    for await (const r of stream) got.push(r);
    assert.ok(saved, 'a progress event after 25 records');
    const rest = await read(file, { select, resumeFrom: saved });
    assert.deepEqual([...got.slice(0, saved.records), ...rest.records], whole.records);
  }
});

test('XML skip mode: records and skips of the two runs are those of one', async () => {
  const r = rng(5);
  const recs = Array.from({ length: 300 }, (_, i) => {
    const roll = r();
    if (roll < 0.05) return `<a id="${i}"><b>broken</c></a>`;
    if (roll < 0.08) return `<a id="${i}">&undefined;<L>x</L></a>`;
    return `<a id="${i}"><b>${'pad '.repeat(i % 9)}</b></a>`;
  });
  const doc = `<root><L>\n${recs.join('\n')}\n</L></root>\n`;
  const file = write(doc);
  for (const threads of [1, 2]) {
    const options = { select: 'a', onError: 'skip', threads, partBytes: 4096 };
    const whole = await read(file, options);
    assert.ok(whole.skips.length > 5);
    assert.equal(whole.stats.skipped, whole.skips.length);
    const n = whole.records.length;
    await resumes(file, options, [...spread(n, r), ...(await boundaries(file, options, offsetsOf(doc, /<a /g)))], { indexes: false });
  }
});

test('XML skip mode: two skips at one offset are each reported once across the resume', async () => {
  // `&bad</Title>` inside a record: skips of two records are reported at the same offset
  // (records holding records of their own name, so the file then fails, as one stream does).
  const r = rng(5);
  let doc = trapDocument(13, 300);
  for (let k = 0; k < 6; k++) {
    const at = doc.indexOf('<Title>', Math.floor(doc.length * r()));
    if (at > 0) doc = `${doc.slice(0, at)}<Title>&bad</Title>${doc.slice(at)}`;
  }
  const file = write(doc);
  for (const threads of [1, 2]) {
    const options = { select: 'Release', onError: 'skip', threads, partBytes: 4096 };
    const whole = await read(file, options);
    const offsets = whole.skips.map((s) => s.offset);
    assert.ok(offsets.some((o, i) => offsets.indexOf(o) !== i), 'two skips share an offset');
    const n = whole.records.length;
    assert.ok(whole.error);
    const stops = [...spread(n, r), ...Array.from({ length: 40 }, (_, i) => Math.floor((i * n) / 40))];
    await resumes(file, options, stops, { indexes: false, fails: true });
  }
});

test('NDJSON: stopped after N records and resumed, one record a line or several, with skips', async () => {
  const r = rng(9);
  const lines = linesOf(24 * 1024, (i) =>
    i % 37 === 5 ? '{"broken": \n' : `${JSON.stringify({ i, items: [i, `${i}é`, { k: i }], pad: 'z'.repeat(i % 40) })}\n`,
  );
  const doc = lines.join('');
  const file = write(doc, 'ndjson');
  const lineStarts = offsetsOf(doc, /^/gm).slice(0, lines.length);
  for (const threads of [1, 2]) {
    for (const select of ['$', '$.items[*]']) {
      const options = { select, onError: 'skip', threads, partBytes: 4096 };
      const whole = await read(file, options);
      assert.ok(whole.skips.length > 5);
      const per = select === '$' ? 1 : 3;
      const n = whole.records.length;
      // A stop at a cut: the records of the lines before it, or one more or less.
      const cuts = (await boundaries(file, options, lineStarts)).map((k) => (k - Math.floor(k / 37)) * per);
      await resumes(file, options, [...spread(n, r), ...cuts, ...cuts.map((k) => k + 1)]);
      assert.ok(whole.split.parts > 3, 'cut into parts on one thread too');
    }
  }
});

test('JSON documents: stopped after N records and resumed', async () => {
  const r = rng(4);
  const items = Array.from({ length: 400 }, (_, i) => ({ i, s: 'é'.repeat(i % 7), n: i % 3 ? null : [i] }));
  const file = write(JSON.stringify({ head: { x: 1 }, items, tail: true }), 'json');
  for (const threads of [1, 2]) {
    const options = { select: '$.items[*]', threads, partBytes: 4096 };
    await resumes(file, options, spread(400, r));
  }
});

test('stats() counts what was emitted; the checkpoint is in progress events', async () => {
  const doc = trapDocument(13, 60);
  const file = write(doc);
  const stream = parseFile(file, { select: 'Release', threads: 2, partBytes: 4096, progressInterval: 0 });
  assert.deepEqual(stream.stats(), { bytes: 0, records: 0, batches: 0, poolHits: 0, poolMisses: 0, skipped: 0 });
  assert.equal(stream.checkpoint().path, null);
  let progress = null;
  stream.on('progress', (p) => {
    progress = p;
  });
  let n = 0;
  for await (const _ of stream) n++;
  const s = stream.stats();
  assert.equal(s.records, n);
  assert.equal(s.bytes, Buffer.byteLength(doc));
  assert.ok(s.batches > 0 && s.batches <= n);
  assert.equal(s.skipped, 0);
  assert.ok(progress.checkpoint && progress.checkpoint.records === n, JSON.stringify(progress.checkpoint));
});

test('resumeFrom is checked against the file', async () => {
  const file = write('{"a":1}\n{"a":2}\n', 'ndjson');
  const a = await read(file, {}, 1);
  assert.throws(() => parseFile(file, { select: '$.a', resumeFrom: a.checkpoint }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.throws(() => parseFile(file, { format: 'json', resumeFrom: a.checkpoint }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.throws(() => parseFile(file, { resumeFrom: { ...a.checkpoint, drop: -1 } }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  const rest = await read(file, { resumeFrom: a.checkpoint });
  assert.deepEqual(rest.records, [{ a: 2 }]);
});
