'use strict';
// Run by soak.test.js with --expose-gc: creates thousands of streams, destroys them at seeded
// random points, and prints what it saw as JSON.
const fs = require('node:fs');
const { XmlStream, JsonStream } = require('..');
const native = require('../lib/native');
const { rng } = require('./helpers');

const TOTAL = Number(process.argv[2] ?? 10000);
const CHECKPOINT = Math.min(1000, TOTAL);
const PARALLEL = 16;
const random = rng(0x50a6);
const pick = (n) => Math.floor(random() * n);

function xmlDoc() {
  const n = 5 + pick(60);
  let s = '<r>';
  for (let i = 0; i < n; i++) s += `<a i="${i}"><b>text ${i} &amp; more</b><c/></a>`;
  return Buffer.from(`${s}</r>`);
}

function jsonDoc() {
  const n = 5 + pick(60);
  let s = '';
  for (let i = 0; i < n; i++) s += `{"i":${i},"b":"text ${i}","c":[1,2,{"d":null}]}\n`;
  return Buffer.from(s);
}

function split(buf) {
  const out = [];
  for (let at = 0; at < buf.length; ) {
    const n = 1 + pick(random() < 0.2 ? 8 : 600);
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

const SCENARIOS = [
  'before any data', // destroy() right after construction
  'batch in flight', // destroy() right after a write handed a chunk to the native side
  'after partial output', // destroy() from the first 'data' listener
  'after error', // malformed input: wait for 'error', then destroy() again
  'random tick', // destroy() after a random number of ticks while writing, unread
  'with an error', // destroy(err) mid-parse
  'to the end', // no destroy: the whole document, every record read
];

const seen = { violations: [], closes: 0, completed: 0, errors: 0, byScenario: {} };

function one(index) {
  return new Promise((resolve) => {
    const json = random() < 0.4;
    const scenario = SCENARIOS[pick(SCENARIOS.length)];
    seen.byScenario[scenario] = (seen.byScenario[scenario] ?? 0) + 1;
    const options = { batchBytes: 64 + pick(512), highWaterMark: 1 + pick(16) };
    const s = json ? new JsonStream({ format: 'ndjson', ...options }) : new XmlStream({ select: 'a', ...options });
    let doc = json ? jsonDoc() : xmlDoc();
    if (scenario === 'after error') doc = Buffer.concat([doc.subarray(0, doc.length >> 1), Buffer.from(json ? '{]\n' : '</zz>')]);
    const pieces = split(doc);
    const expected = (json ? doc.toString().trim().split('\n') : doc.toString().match(/<a /g)).length;
    let destroyedAt = null;
    let closes = 0;
    let records = 0;
    const violation = (what) => seen.violations.push(`#${index} ${json ? 'json' : 'xml'} ${scenario}: ${what}`);
    const destroy = (err) => {
      if (destroyedAt === null) destroyedAt = err ? 'err' : 'plain';
      s.destroy(err);
    };
    s.on('data', () => {
      records++;
      if (destroyedAt !== null || s.destroyed) violation('data after destroy()');
      if (scenario === 'after partial output') destroy();
    });
    s.on('end', () => {
      if (destroyedAt !== null) violation("'end' after destroy()");
      if (records !== expected) violation(`${records} of ${expected} records`);
      seen.completed++;
    });
    s.on('error', (e) => {
      seen.errors++;
      if (destroyedAt === 'plain') violation(`'error' after destroy(): ${e.message}`);
      if (scenario === 'after error') setImmediate(() => destroy());
    });
    s.on('close', () => {
      closes++;
      seen.closes++;
      if (closes > 1) violation("second 'close'");
      // Let anything late surface before the next stream's result counts.
      setImmediate(resolve);
    });
    if (scenario === 'before any data') return destroy();
    const ticks = pick(pieces.length + 1);
    let i = 0;
    const write = () => {
      if (s.destroyed) return;
      if (i === pieces.length) return s.end();
      s.write(pieces[i++]);
      if (scenario === 'batch in flight' && i === 1 + (ticks >> 1)) return destroy();
      if (scenario === 'random tick' && i === ticks) return destroy();
      if (scenario === 'with an error' && i === ticks) return destroy(new Error('stop'));
      setImmediate(write);
    };
    write();
  });
}

const ticks = () => new Promise((r) => setTimeout(r, 10));

/** Parsers still holding buffers once the disposals queued by destroy() have run, before any collection. */
async function released() {
  for (let i = 0; i < 100 && native.NativeParser.counts().held > 0; i++) await ticks();
  return native.NativeParser.counts().held;
}

async function settle() {
  const held = await released();
  // Native parsers go when their JS objects are collected and their last run has ended.
  for (let i = 0; i < 20 && native.NativeParser.counts().live > 0; i++) {
    global.gc();
    await ticks();
  }
  global.gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, held, live: native.NativeParser.counts().live, threads: parseThreads() };
}

/** sluice's parse threads alive in this process (Linux names them), or null elsewhere. */
function parseThreads() {
  const dir = '/proc/self/task';
  if (!fs.existsSync(dir)) return null;
  let n = 0;
  for (const t of fs.readdirSync(dir)) {
    try {
      if (fs.readFileSync(`${dir}/${t}/comm`, 'utf8').startsWith('sluice-parse')) n++;
    } catch {
      // the thread ended while listed
    }
  }
  return n;
}

async function main() {
  let next = 0;
  const runUntil = (stop) =>
    Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < stop) await one(next++);
      }),
    );
  await runUntil(CHECKPOINT);
  const first = await settle();
  await runUntil(TOTAL);
  const all = await settle();
  const { violations, ...counts } = seen;
  const report = { total: TOTAL, ...counts, violationCount: violations.length, violations: violations.slice(0, 20), first, all };
  process.stdout.write(JSON.stringify(report));
}

main();
