'use strict';
// sluice.collect and spill to disk: the array below the threshold, the temp file above it, and
// every way the file goes away: dispose, the response's end, exit, SIGINT, SIGTERM, uncaught
// exceptions, and the sweep of files left by a process killed with SIGKILL.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const { Readable } = require('node:stream');
const express = require('express');
const sluice = require('..');
const { sweep, liveSpills } = require('../lib/collect');
const { listen, request } = require('./http-helpers');

const CHILD = path.join(__dirname, 'http-spill-child.js');

function tmp() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-spill-test-'));
}

async function toArray(iterable) {
  const out = [];
  for await (const r of iterable) out.push(r);
  return out;
}

test('collect: an array below memoryThreshold, a temp file above it', async () => {
  const dir = tmp();
  const small = await sluice.collect(new sluice.JsonStream({ format: 'ndjson' }).end('1\n2\n'), { tmpdir: dir });
  assert.deepEqual(small, [1, 2]);

  const doc = JSON.stringify({ items: Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? null : { i, s: `é${i}` })) });
  const stream = new sluice.JsonStream({ select: '$.items[*]' });
  stream.end(doc);
  const spilled = await sluice.collect(stream, { memoryThreshold: 10 * 1024, tmpdir: dir });
  assert.equal(spilled.spilled, true);
  assert.equal(spilled.length, 3000);
  assert.ok(fs.existsSync(spilled.path));
  assert.equal(path.dirname(spilled.path), dir);
  assert.match(path.basename(spilled.path), new RegExp(`^sluice-spill-${process.pid}-`));
  const first = await toArray(spilled);
  assert.equal(first.length, 3000);
  assert.equal(first[0], sluice.NULL);
  assert.deepEqual(first[1], { i: 1, s: 'é1' });
  assert.deepEqual(await toArray(spilled), first); // iterable more than once
  spilled.dispose();
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(!fs.existsSync(spilled.path));
  // Any async iterable, measured by JSON length.
  const generic = await sluice.collect(Readable.from(Array.from({ length: 100 }, (_, i) => ({ i }))), {
    memoryThreshold: 100,
    tmpdir: dir,
  });
  assert.equal(generic.length, 100);
  assert.deepEqual((await toArray(generic))[99], { i: 99 });
  generic.dispose();
  // maxRecords and stream errors remove the file too.
  await assert.rejects(
    sluice.collect(Readable.from(Array.from({ length: 100 }, (_, i) => ({ i }))), { memoryThreshold: 10, maxRecords: 50, tmpdir: dir }),
  );
  const broken = new sluice.JsonStream({ format: 'ndjson' });
  broken.end(`${'{"a":1}\n'.repeat(2000)}{oops`);
  await assert.rejects(sluice.collect(broken, { memoryThreshold: 100, tmpdir: dir }), { code: 'ERR_SLUICE_JSON_SYNTAX' });
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(fs.readdirSync(dir), []);
  fs.rmSync(dir, { recursive: true });
});

test('Express collect mode: past memoryThreshold req.body is an async iterable, removed when the response ends', async () => {
  const dir = tmp();
  const app = express();
  let file;
  app.post('/', sluice.express({ select: 'Release', collect: true, memoryThreshold: 4096, limit: '10mb', tmpdir: dir }), async (req, res) => {
    file = req.body.path;
    const exists = fs.existsSync(file);
    let n = 0;
    for await (const r of req.body) if (r.Title) n++;
    res.json({ n, spilled: req.body.spilled === true, exists, length: req.body.length });
  });
  const s = await listen(http.createServer(app));
  try {
    let doc = '<Catalog>';
    for (let i = 0; i < 5000; i++) doc += `<Release><Title>T${i}</Title></Release>`;
    doc += '</Catalog>';
    const r = await request(`${s.url}/`, { headers: { 'content-type': 'application/xml' }, body: doc });
    assert.deepEqual(r.json, { n: 5000, spilled: true, exists: true, length: 5000 });
    for (let i = 0; i < 100 && fs.existsSync(file); i++) await new Promise((res) => setTimeout(res, 10));
    assert.ok(!fs.existsSync(file));
    assert.deepEqual(liveSpills(), []);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true });
  }
});

async function child(how, dir, signal) {
  const proc = spawn(process.execPath, [CHILD, how, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => {
    out += d;
  });
  proc.stderr.resume();
  while (!out.includes('\n')) await once(proc.stdout, 'data');
  const { path: file, length } = JSON.parse(out.split('\n')[0]);
  assert.equal(length, 1000);
  if (signal) {
    assert.ok(fs.existsSync(file), `${how}: the file exists while the process runs`);
    proc.kill(signal);
  }
  const [code, sig] = await once(proc, 'exit');
  return { file, code, sig };
}

test('temp files go on exit, natural end, SIGINT, SIGTERM and uncaught exceptions; SIGKILL leaves one for the sweep', async () => {
  const dir = tmp();
  try {
    for (const how of ['exit', 'end', 'throw']) {
      const { file, code } = await child(how, dir);
      assert.ok(!fs.existsSync(file), how);
      assert.equal(code, how === 'throw' ? 1 : 0, how);
    }
    for (const signal of ['SIGINT', 'SIGTERM']) {
      const { file, sig } = await child('wait', dir, signal);
      assert.ok(!fs.existsSync(file), signal);
      assert.equal(sig, signal, `${signal}: the process still dies of the signal`);
    }
    const { file, sig } = await child('wait', dir, 'SIGKILL');
    assert.equal(sig, 'SIGKILL');
    assert.ok(fs.existsSync(file), 'SIGKILL cannot clean up');
    // A live process's files are left alone; the dead one's are swept when the next one spills.
    const mine = path.join(dir, `sluice-spill-${process.pid}-keep.ndjson`);
    fs.writeFileSync(mine, '');
    const next = await child('exit', dir);
    assert.ok(!fs.existsSync(next.file));
    assert.ok(!fs.existsSync(file), 'swept by the next process');
    assert.ok(fs.existsSync(mine), "a live process's file is kept");
    assert.equal(sweep(dir), 0);
    fs.unlinkSync(mine);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
