'use strict';
// The skip invariant for NDJSON, with JSON.parse as the oracle: in a randomly corrupted file,
// every line JSON.parse accepts is emitted, equal to what JSON.parse gives, and every other
// non-blank line is reported by exactly one 'skip' with its own line number; records and skips
// together number the lines 0..n-1 in order (a `null` line arrives as JsonStream.NULL). Whole, and in chunks of random sizes, through
// JsonStream and through parseFile on one and two threads with small parts.
//
//   SLUICE_NDJSON_SKIP_DOCS=N   generated files (default 300)
//   SLUICE_NDJSON_SKIP_SEED=N   first seed (default 1)
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { JsonStream, parseFile } = require('..');
const { chunks, rng, tempDocs } = require('./helpers');

const DOCS = Number(process.env.SLUICE_NDJSON_SKIP_DOCS || 300);
const SEED = Number(process.env.SLUICE_NDJSON_SKIP_SEED || 1);

const STRINGS = ['', 'x', 'é', '日本', '🎵', 'a"b', 'back\\slash', 'tab\t', '\u2028', '{"not":"a record"}', '[1,'];

function value(r, depth = 0) {
  const pick = (arr) => arr[Math.floor(r() * arr.length)];
  const k = r();
  if (depth > 2 || k < 0.35) return pick([0, -1, 1.5, 1e21, 12345678901, true, false, null, ...STRINGS]);
  if (k < 0.6) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  const o = {};
  for (let i = Math.floor(r() * 4); i > 0; i--) o[pick(['id', 'name', 'k', 'é', '__proto__', ''])] = value(r, depth + 1);
  return o;
}

/** Bytes a corruption may insert: structure, quotes, escapes, line ends, a cut UTF-8 lead. */
const INSERTS = ['{', '}', '[', ']', '"', ',', ':', '\\', '\n', '\r', ' ', 'x', '0', '\u00e9', '\u{1F3B5}'];

function corrupt(text, r) {
  let out = Buffer.from(text);
  for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
    const at = Math.floor(r() * out.length);
    const how = r();
    if (how < 0.4) out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    else if (how < 0.8) out = Buffer.concat([out.subarray(0, at), Buffer.from(INSERTS[Math.floor(r() * INSERTS.length)]), out.subarray(at)]);
    else out = Buffer.concat([out.subarray(0, at), Buffer.from([0x80 | Math.floor(r() * 64)]), out.subarray(at + 1)]);
  }
  return out;
}

/** What the file must give: per non-blank line, JSON.parse's value, or a skip. */
function expected(bytes) {
  const want = [];
  const lines = bytes.toString('latin1').split('\n');
  lines.forEach((raw, i) => {
    const line = Buffer.from(raw.replace(/\r$/, ''), 'latin1');
    // Blank means JSON's white space only (String#trim would also drop a stray 0xA0 byte).
    if (/^[ \t\r]*$/.test(line.toString('latin1'))) return;
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    try {
      want.push({ line: i + 1, value: JSON.parse(text.decode(line)) });
    } catch {
      want.push({ line: i + 1, skip: true });
    }
  });
  return want;
}

async function viaStream(bytes, sizes) {
  const got = [];
  const stream = new JsonStream({ format: 'ndjson', onError: 'skip' });
  stream.on('skip', (k) => got.push({ line: k.line, index: k.recordIndex, skip: true }));
  await pipeline(Readable.from(chunks(bytes, sizes), { objectMode: false }), stream, async (src) => {
    for await (const r of src) got.push({ value: r === JsonStream.NULL ? null : r });
  });
  return got;
}

async function viaFile(file, threads) {
  const got = [];
  const s = parseFile(file, { format: 'ndjson', onError: 'skip', threads, partBytes: 4096 });
  s.on('skip', (k) => got.push({ line: k.line, index: k.recordIndex, skip: true }));
  for await (const r of s) got.push({ value: r === JsonStream.NULL ? null : r });
  return got;
}

/** Null if `got` (records and skips in arrival order) is what `want` says; else why not. */
function violation(got, want) {
  const skips = got.filter((g) => g.skip);
  const records = got.filter((g) => !g.skip);
  const wantSkips = want.map((w, i) => ({ ...w, index: i })).filter((w) => w.skip);
  const wantRecords = want.filter((w) => !w.skip);
  if (records.length !== wantRecords.length) return `${records.length} records, JSON.parse accepts ${wantRecords.length} lines`;
  for (let i = 0; i < records.length; i++) {
    try {
      assert.deepStrictEqual(records[i].value, wantRecords[i].value);
    } catch {
      return `record ${i} is ${JSON.stringify(records[i].value)}, line ${wantRecords[i].line} is ${JSON.stringify(wantRecords[i].value)}`;
    }
  }
  const seen = skips.map((k) => [k.line, k.index]);
  const owed = wantSkips.map((k) => [k.line, k.index]);
  if (JSON.stringify(seen) !== JSON.stringify(owed)) return `skips at [line, index] ${JSON.stringify(seen)}, owed ${JSON.stringify(owed)}`;
  return null;
}

test('NDJSON onError skip: every line JSON.parse accepts is emitted, every other line is one skip', { timeout: 300_000 }, async () => {
  const failures = [];
  for (let d = 0; d < DOCS; d++) {
    const seed = SEED + d;
    const r = rng(seed);
    const lines = Array.from({ length: 1 + Math.floor(r() * 12) }, () => JSON.stringify(value(r)));
    let text = lines.join(r() < 0.3 ? '\r\n' : '\n') + (r() < 0.5 ? '\n' : '');
    if (r() < 0.2) text = text.replace('\n', '\n\n  \n');
    const bytes = corrupt(text, r);
    const want = expected(bytes);
    for (const sizes of [[bytes.length], [1 + Math.floor(r() * 7)]]) {
      const why = violation(await viaStream(bytes, sizes), want);
      if (why) {
        failures.push(`seed ${seed}, chunks ${sizes}: ${why}\n  ${JSON.stringify(bytes.toString('latin1'))}`);
        break;
      }
    }
  }
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${DOCS} corrupted files break the invariant`);
});

test('NDJSON onError skip through parseFile on one and two threads, cut into 4 KiB parts', { timeout: 300_000 }, async (t) => {
  const { dir } = tempDocs('sluice-ndjson-skip-', t.after.bind(t));
  const r = rng(SEED + 7);
  // Long files, so that parts begin on every kind of line, broken ones too.
  const lines = [];
  for (let i = 0; i < 600; i++) {
    const line = JSON.stringify(value(r));
    lines.push(r() < 0.15 ? corrupt(line, r).toString('latin1') : line);
  }
  const bytes = Buffer.from(lines.join('\n') + '\n', 'latin1');
  const file = path.join(dir, 'broken.ndjson');
  fs.writeFileSync(file, bytes);
  const want = expected(bytes);
  assert.ok(want.filter((w) => w.skip).length > 20, 'the file has broken lines to skip');
  for (const threads of [1, 2]) assert.equal(violation(await viaFile(file, threads), want), null, `threads ${threads}`);
});
