'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { XMLParser } = require('fast-xml-parser');
const { XmlStream } = require('..');

const corpora = path.join(__dirname, '..', '..', 'shared', 'corpora');

/** Rows of a corpus MANIFEST.tsv as objects, or null when the corpora are not beside us. */
function manifest(folder) {
  const file = path.join(corpora, folder, 'MANIFEST.tsv');
  if (!fs.existsSync(file)) return null;
  const [head, ...rows] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const cols = head.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [cols[i], v])));
}

/** Splits `buf` into chunks whose sizes come from `sizes` (cycled). */
function chunks(buf, sizes) {
  const out = [];
  for (let at = 0, i = 0; at < buf.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]);
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Streams `pieces` through an XmlStream; resolves with { records, error }. */
async function collect(pieces, options) {
  const records = [];
  let error = null;
  try {
    await pipeline(Readable.from(pieces, { objectMode: false }), new XmlStream(options), async (src) => {
      for await (const r of src) records.push(r);
    });
  } catch (e) {
    error = e;
  }
  return { records, error };
}

/** Streams `pieces` through `stream` (an XmlStream or JsonStream); records, skip events, error. */
async function drain(stream, pieces) {
  const records = [];
  const skips = [];
  stream.on('skip', (k) => skips.push(k));
  let error = null;
  try {
    for await (const r of Readable.from(pieces, { objectMode: false }).pipe(stream)) records.push(r);
  } catch (e) {
    error = e;
  }
  return { records, skips, error };
}

/** The oracle: fast-xml-parser with sluice's defaults. */
function oracle(xml, options = {}) {
  const { alwaysArray = [], cdataPropName = false, ...rest } = options;
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    textNodeName: '#text',
    trimValues: true,
    removeNSPrefix: false,
    parseTagValue: false,
    parseAttributeValue: false,
    htmlEntities: true,
    cdataPropName,
    isArray: (name) => alwaysArray.includes(name),
    ...rest,
  });
  return parser.parse(xml);
}

/** Values of keys whose local name is `local`, in document order, without descending into them. */
function pick(tree, local) {
  const found = [];
  const walk = (v) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      if (k.startsWith('@_') || k === '#text') continue;
      if (k.slice(k.indexOf(':') + 1) === local) {
        if (Array.isArray(child)) found.push(...child);
        else found.push(child);
      } else {
        walk(child);
      }
    }
  };
  walk(tree);
  return found;
}

/** Order-insensitive comparison key: keys sorted recursively. */
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
}

/** Seeded PRNG (mulberry32) so failures reproduce. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A temporary folder removed by `after` (node:test's), and `write(content, ext)` putting a
 * numbered document in it.
 */
function tempDocs(prefix, after) {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const write = (content, ext = 'xml') => {
    const f = path.join(dir, `doc${n++}.${ext}`);
    fs.writeFileSync(f, content);
    return f;
  };
  return { dir, write };
}

/** Lines `line(0)`, `line(1)`, ... until they hold at least `bytes`. */
function linesOf(bytes, line) {
  const lines = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    lines.push(line(i));
    n += lines[i].length;
  }
  return lines;
}

/** Counts event-loop turns until `stop()`: `turn` is the number of the current one. */
function turnCounter() {
  const counter = {
    turn: 0,
    ticking: true,
    stop() {
      counter.ticking = false;
    },
  };
  const tick = () => {
    counter.turn++;
    if (counter.ticking) setImmediate(tick);
  };
  setImmediate(tick);
  return counter;
}

/**
 * Reads a parseFile stream slowly (a pause every 50 records) and checks what a slow reader
 * must see: at most `maxHeld` parsers holding native buffers (the owner and the parts read
 * ahead; a dropped parser may take a moment to let go of its buffers), and progress that ends
 * at every record and at the file's size. Returns the number of records.
 */
async function readSlowly(stream, file, maxHeld = 4) {
  const { NativeParser } = require('../lib/native');
  const events = [];
  stream.on('progress', (p) => events.push(p));
  let n = 0;
  let most = 0;
  for await (const _ of stream) {
    if (++n % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    most = Math.max(most, NativeParser.counts().held);
  }
  assert.ok(most <= maxHeld, `parsers holding buffers: ${most}`);
  assert.ok(events.length > 0);
  const last = events[events.length - 1];
  assert.equal(last.records, n);
  assert.equal(last.bytesRead, fs.statSync(file).size);
  return n;
}

module.exports = { corpora, manifest, chunks, collect, drain, oracle, pick, canonical, rng, tempDocs, linesOf, turnCounter, readSlowly };
