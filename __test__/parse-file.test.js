'use strict';
// parseFile against one stream over the same file, on documents built to trap splitters,
// cut every 4 KiB or so (so every document is cut many times) and read with 1, 2 and 4
// threads: the records, skips and first error must be the same.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { pipeline } = require('node:stream/promises');
const { parseFile, XmlStream, JsonStream, plan, runPart, accepts } = require('..');
const { rng, NS, WORDS, trapDocument } = require('./traps');
const { tempDocs, linesOf, turnCounter, readSlowly } = require('./helpers');
const { planOpen } = require('../lib/split/plan');

const { dir, write } = tempDocs('sluice-parse-file-', test.after);

const errorOf = (e) =>
  e && { code: e.code, offset: e.offset, line: e.line, column: e.column, message: e.message };

/** Records, skips and error of one stream reading the whole file. */
async function oneStream(file, options, format) {
  const records = [];
  const skips = [];
  let error = null;
  const stream = format === 'xml' ? new XmlStream(options) : new JsonStream({ ...options, format });
  stream.on('skip', (s) => skips.push(s));
  try {
    await pipeline(fs.createReadStream(file), stream, async (src) => {
      for await (const r of src) records.push(r);
    });
  } catch (e) {
    error = e;
  }
  return { records, skips, error: errorOf(error) };
}

async function split(file, options) {
  const records = [];
  const skips = [];
  let error = null;
  const stream = parseFile(file, options);
  stream.on('skip', (s) => skips.push(s));
  try {
    for await (const r of stream) records.push(r);
  } catch (e) {
    error = e;
  }
  return { records, skips, error: errorOf(error), split: stream.split };
}

/**
 * Checks every thread count and a few part sizes against one stream; returns the parts
 * accepted, so callers can check the split did run in parallel where it should.
 */
async function same(file, options, { format = 'xml', sizes = [4096, 4099 + 37] } = {}) {
  const want = await oneStream(file, options, format);
  let accepted = 0;
  for (const threads of [1, 2, 4]) {
    for (const partBytes of sizes) {
      const got = await split(file, { ...options, format, threads, partBytes });
      const label = `threads ${threads}, partBytes ${partBytes}`;
      assert.equal(got.records.length, want.records.length, `${label}: record count`);
      assert.deepEqual(got.records, want.records, label);
      assert.deepEqual(got.error, want.error, `${label}: error`);
      assert.deepEqual(got.skips, want.skips, `${label}: skips`);
      accepted += got.split.accepted;
    }
  }
  return { want, accepted };
}

test('traps: comments, CDATA, PIs, `>` in attributes, nesting, look-alikes, prefixes, multi-byte', async () => {
  for (const seed of [1, 2]) {
    const file = write(trapDocument(seed));
    const { want, accepted } = await same(file, { select: 'Release' });
    assert.ok(want.records.length > 600);
    assert.ok(accepted > 0, 'some parts were accepted, so the split really ran');
  }
});

test('anchored and namespace selectors: the same name under other parents', async () => {
  const file = write(trapDocument(3, 400));
  await same(file, { select: '/NewReleaseMessage/ReleaseList/Release' });
  await same(file, { select: `{${NS}}Release` });
  await same(file, { select: 'ReleaseList/Release', removeNSPrefix: true });
});

test('tagged selectors over records under different parents', async () => {
  const r = rng(7);
  const body = [];
  body.push(`<NewReleaseMessage xmlns="${NS}"><MessageHeader><Id>1</Id></MessageHeader><ResourceList>`);
  for (let i = 0; i < 300; i++) body.push(`<SoundRecording><Id>${i}</Id><T>${'é'.repeat(Math.floor(r() * 100))}</T></SoundRecording>\n`);
  body.push('</ResourceList><ReleaseList>');
  for (let i = 0; i < 300; i++) body.push(`<Release><Id>${i}</Id><T>${'中'.repeat(Math.floor(r() * 100))}</T></Release>\n`);
  body.push('</ReleaseList><DealList>');
  for (let i = 0; i < 300; i++) body.push(`<ReleaseDeal><Deal><N>${i}</N></Deal></ReleaseDeal>\n`);
  body.push('</DealList></NewReleaseMessage>');
  const file = write(body.join(''));
  const { accepted } = await same(file, { select: ['MessageHeader', 'SoundRecording', 'Release', `{${NS}}Deal`] });
  assert.ok(accepted > 0);
});

test('a byte order mark, CRLF line ends, UTF-16: still exact', async () => {
  const doc = trapDocument(23, 200);
  const { accepted } = await same(write(`\uFEFF${doc.replace(/\n/g, '\r\n')}`), { select: 'Release' });
  assert.ok(accepted > 0);
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(doc.replace('encoding="UTF-8"', 'encoding="UTF-16"'), 'utf16le')]);
  await same(write(utf16), { select: 'Release' }, { sizes: [4096] });
});

test('records larger than a part', async () => {
  const r = rng(11);
  const body = ['<root><list>'];
  for (let i = 0; i < 40; i++) {
    body.push(`<item n="${i}"><blob>${'𝄞é'.repeat(500 + Math.floor(r() * 4000))}</blob></item>`);
  }
  body.push('</list></root>');
  await same(write(body.join('')), { select: 'item' });
});

test('a DOCTYPE (entities a part could not know): still exact', async () => {
  const doc = trapDocument(5, 200).replace(
    '<ern:NewReleaseMessage',
    '<!DOCTYPE ern:NewReleaseMessage [ <!ELEMENT Release ANY> <!-- <Release> --> ]>\n<ern:NewReleaseMessage',
  );
  await same(write(doc), { select: 'Release' });
});

test('malformed documents: the same records, then the same first error', async () => {
  const base = trapDocument(9, 300);
  const r = rng(99);
  const damage = ['&', '<', '</x>', ']]>', '\u0001', '<!-- -- -->', '<a b>', '<Release a="1" a="2">'];
  for (let k = 0; k < 10; k++) {
    const at = Math.floor(base.length * (0.2 + 0.7 * r()));
    const doc = base.slice(0, at) + damage[k % damage.length] + base.slice(at);
    const { want } = await same(write(doc), { select: 'Release' }, { sizes: [4096] });
    assert.ok(want.error, `damage ${k} makes an error`);
  }
  // Truncated: the error is at the end, with the elements left open.
  const { want } = await same(write(base.slice(0, base.lastIndexOf('>', Math.floor(base.length * 0.8)) + 1)), {
    select: 'Release',
  });
  assert.equal(want.error.code, 'ERR_SLUICE_XML_UNEXPECTED_EOF');
  // Truncated between records: the elements left open were opened before the last part.
  const cut = base.indexOf('</Release>', Math.floor(base.length * 0.8)) + '</Release>'.length;
  const between = await same(write(base.slice(0, cut)), { select: 'Release' });
  assert.match(between.want.error.message, /input ended before <\/ReleaseList> \(opened at byte \d+\)/);
  // Invalid UTF-8 inside a record far from the start.
  const bytes = Buffer.from(base);
  bytes[Math.floor(bytes.length * 0.6)] = 0xff;
  await same(write(bytes), { select: 'Release' }, { sizes: [4096] });
});

test('skip mode: the same records, skips and record indexes', async () => {
  const base = trapDocument(13, 300);
  const r = rng(5);
  let doc = base;
  for (let k = 0; k < 6; k++) {
    const at = doc.indexOf('<Title>', Math.floor(doc.length * r()));
    if (at > 0) doc = `${doc.slice(0, at)}<Title>&bad</Title>${doc.slice(at)}`;
  }
  const { want } = await same(write(doc), { select: 'Release', onError: 'skip' });
  assert.ok(want.skips.length > 0);
});

test('NDJSON: line starts, blank lines, CRLF, multi-byte, bad lines', async () => {
  const r = rng(21);
  const lines = [];
  for (let i = 0; i < 3000; i++) {
    const roll = r();
    if (roll < 0.05) lines.push('');
    lines.push(JSON.stringify({ i, s: WORDS[i % WORDS.length].repeat(1 + Math.floor(r() * 30)), n: [1, 2, { x: null }] }));
  }
  const good = lines.join(r() < 0.5 ? '\n' : '\r\n');
  const { accepted } = await same(write(`${good}\n`, 'ndjson'), {}, { format: 'ndjson' });
  assert.ok(accepted > 0);
  await same(write(good, 'ndjson'), { select: '$.n[*]' }, { format: 'ndjson' });
  const bad = lines.map((l, i) => (i % 397 === 5 ? `${l.slice(0, 10)}` : l)).join('\n');
  await same(write(bad, 'ndjson'), {}, { format: 'ndjson', sizes: [4096] });
  await same(write(bad, 'ndjson'), { onError: 'skip' }, { format: 'ndjson' });
  // A line that starts with a byte order mark is never a part start.
  const bom = lines.map((l, i) => (i % 50 === 7 ? `\uFEFF${l}` : l)).join('\n');
  await same(write(bom, 'ndjson'), { onError: 'skip' }, { format: 'ndjson', sizes: [4096] });
});

test('a JSON document is cut between array elements, exactly (more in parse-file-json.test.js)', async () => {
  const doc = JSON.stringify({ items: Array.from({ length: 2000 }, (_, i) => ({ i, s: 'é'.repeat(i % 9) })) });
  const { accepted } = await same(write(doc, 'json'), { select: '$.items[*]' }, { format: 'json', sizes: [4096] });
  assert.ok(accepted > 0);
});

test('plan and runPart: parts are plain data, verdicts decide', async () => {
  const file = write(trapDocument(17, 200));
  const parts = await plan(file, { select: 'Release', partBytes: 4096 });
  assert.ok(parts.length > 5);
  assert.deepEqual(JSON.parse(JSON.stringify(parts)), parts);
  // Joining accepted parts, and redoing rejected ones as part of the one before, gives one
  // stream's records.
  const records = [];
  let k = 0;
  while (k < parts.length) {
    let part = parts[k];
    let result = await runPart(part);
    let batches = result.batches;
    while (k + 1 < parts.length && !result.error && !accepts(result.verdict, parts[k + 1])) {
      part = { ...part, end: parts[k + 1].end };
      k++;
      result = await runPart(part);
      batches = result.batches;
    }
    for (const b of batches) records.push(...JSON.parse(b));
    k++;
  }
  const want = await oneStream(file, { select: 'Release' }, 'xml');
  assert.deepEqual(records, want.records);
});

test('a plan whose guess fails reads no further than the guess did (UTF-16: one part)', async () => {
  // Only a guessed state makes parts, so the cut points are looked for after the guess, and
  // not at all without one: looked for beside it, they read the whole file (its start tags,
  // in UTF-16, are never found).
  const text = trapDocument(5, 3000).replace('encoding="UTF-8"', 'encoding="UTF-16"');
  const doc = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const file = write(doc);
  const fh = await fs.promises.open(file);
  let read = 0;
  const counting = {
    stat: () => fh.stat(),
    read: async (...args) => {
      const r = await fh.read(...args);
      read += r.bytesRead;
      return r;
    },
  };
  try {
    const parts = await planOpen(counting, file, { select: 'Release', partBytes: 4096 });
    assert.equal(parts.length, 1);
  } finally {
    await fh.close();
  }
  assert.ok(doc.length > 1024 * 1024 && read < doc.length / 4, `read ${read} of ${doc.length} bytes`);
});

test('progress events, backpressure and early destroy', async () => {
  const file = write(trapDocument(19, 400));
  const stream = parseFile(file, { select: 'Release', threads: 2, partBytes: 4096, highWaterMark: 4, progressInterval: 0 });
  assert.ok((await readSlowly(stream, file)) > 0);
  const early = parseFile(file, { select: 'Release', threads: 4, partBytes: 4096 });
  for await (const _ of early) break;
  assert.ok(early.destroyed);
});

test('progress and stats() move through a stretch of the file with no selected record', async () => {
  // 2 MiB of elements nobody selects, then the records (as a DDEX DealList follows its
  // ResourceList): the progress events and stats() must not wait for the first record.
  const filler = '<Other><Note>' + 'x'.repeat(200) + '</Note></Other>\n';
  const head = '<Catalog>\n' + filler.repeat(Math.ceil((2 * 1024 * 1024) / filler.length));
  const doc = head + '<Release><Id>1</Id></Release>\n<Release><Id>2</Id></Release>\n</Catalog>\n';
  const file = write(doc);
  for (const threads of [1, 2]) {
    const stream = parseFile(file, { select: 'Release', threads, partBytes: 512 * 1024, progressInterval: 0 });
    const before = []; // progress seen before the first record: bytesRead, and stats().bytes then
    let records = 0;
    stream.on('progress', (p) => {
      if (records === 0) before.push([p.bytesRead, stream.stats().bytes]);
    });
    for await (const r of stream) {
      if (records++ === 0) assert.deepEqual(r, { Id: '1' });
    }
    assert.equal(records, 2);
    const moving = before.filter(([bytes]) => bytes > 0 && bytes < head.length);
    assert.ok(moving.length >= 2, `threads ${threads}: ${JSON.stringify(before)}`);
    for (let i = 1; i < before.length; i++) assert.ok(before[i][0] >= before[i - 1][0], JSON.stringify(before));
    for (const [bytes, statsBytes] of before) assert.equal(statsBytes, bytes);
    assert.equal(stream.stats().bytes, Buffer.byteLength(doc));
  }
});

test("an accepted part's records reach the reader over several event-loop turns, in order", async () => {
  // The second part is parsed ahead while the reader waits on the first; once accepted, its
  // whole part's batches are ready at once and must still go out in slices.
  const line = (i) => JSON.stringify({ i, name: `release ${i}`, tags: ['a', 'b'], note: 'x'.repeat(40) }) + '\n';
  const lines = linesOf(8 * 1024 * 1024, line);
  const file = write(lines.join(''), 'ndjson');
  const partBytes = 4 * 1024 * 1024;
  const turns = turnCounter();
  const stream = parseFile(file, { threads: 2, partBytes });
  const second = new Set(); // turns in which records of the second part arrived
  let next = 0;
  let offset = 0;
  for await (const r of stream) {
    assert.equal(r.i, next);
    if (next === 0) await new Promise((resolve) => setTimeout(resolve, 200)); // let the part ahead finish
    if (offset >= partBytes) second.add(turns.turn);
    offset += lines[next++].length;
  }
  turns.stop();
  assert.equal(next, lines.length);
  assert.deepEqual(stream.split, { parts: 2, accepted: 1, redone: 0 });
  assert.ok(second.size > 1, 'all of the second part in one turn');
});

test('a file cut short while it is read: the records before, then an error, no crash', async () => {
  // The parse thread reads the chunks itself: a read that finds the file shorter than planned
  // must fail the stream, and the chunks queued after it must fail quietly.
  const line = (i) => JSON.stringify({ i, note: 'y'.repeat(60) }) + '\n';
  for (const [ext, options] of [['ndjson', {}], ['json', { select: '$.items[*]' }]]) {
    const lines = linesOf(4 * 1024 * 1024, line);
    const body = ext === 'json' ? `{"items":[\n${lines.map((l) => l.slice(0, -1)).join(',\n')}\n]}` : lines.join('');
    const file = write(body, ext);
    const stream = parseFile(file, { ...options, highWaterMark: 1 });
    let next = 0;
    let error = null;
    try {
      for await (const r of stream) {
        assert.equal(r.i, next++);
        if (next === 1) fs.truncateSync(file, 1024 * 1024);
      }
    } catch (e) {
      error = e;
    }
    assert.ok(error, `${ext}: no error after ${next} records`);
    assert.match(error.message, /shorter than when it was planned/);
    assert.ok(next > 0 && next < lines.length, `${ext}: ${next} records`);
  }
});

test('a file replaced while it is read: the parts still read the file that was opened', async () => {
  // Each part opens the path anew to read on its own thread. A file renamed over it (a log
  // rotated, a download finished) must not feed the later parts: they are refused, and the
  // part before them reads on through the file it has open.
  const xmlOf = (tag) => `<r><L>${Array.from({ length: 3000 }, (_, i) => `<a id="${tag}${i}">${'x'.repeat(20)}</a>`).join('\n')}</L></r>`;
  const ndjsonOf = (tag) => Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: `${tag}${i}`, x: 'x'.repeat(20) })).join('\n') + '\n';
  for (const [ext, of, options] of [['xml', xmlOf, { select: 'a' }], ['ndjson', ndjsonOf, {}]]) {
    for (const threads of [1, 2]) {
      const file = write(of('A'), ext);
      const other = write(of('B'), ext);
      const stream = parseFile(file, { ...options, threads, partBytes: 4096, highWaterMark: 1 });
      const ids = [];
      for await (const r of stream) {
        ids.push(ext === 'xml' ? r['@_id'] : r.id);
        if (ids.length === 1) fs.renameSync(other, file);
      }
      assert.equal(ids.length, 3000, `${ext}, threads ${threads}`);
      assert.deepEqual(ids.filter((id) => !id.startsWith('A')), [], `${ext}, threads ${threads}: records of the new file`);
    }
  }
});

test('options: bad ones throw at once', () => {
  assert.throws(() => parseFile('x.xml', { threads: 0 }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.throws(() => parseFile('x.xml', { partBytes: 100 }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.throws(() => parseFile('x.xml', { select: '' }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.throws(() => parseFile('x.txt', { format: 'csv' }), { code: 'ERR_SLUICE_INVALID_OPTION' });
});
