'use strict';
// sluice/bullmq on a real redis-server (started here on a free 127.0.0.1 port, stopped at the
// end) with real worker processes: the manifest's NDJSON files, read in order, must be exactly
// one XmlStream's records, whatever the guesses, a worker killed in the middle of a part, or
// the source being an HTTP server answering Range requests.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync, fork } = require('node:child_process');
const { once } = require('node:events');
const { pipeline } = require('node:stream/promises');
const { XmlStream } = require('..');
const { trapDocument, rng } = require('./traps');
const { startRedis } = require('../benchmark/redis');

const redisBin = spawnSync('redis-server', ['--version']).status === 0;
let bullmq = null;
try {
  bullmq = require('bullmq');
} catch {}
const skip = !redisBin ? 'redis-server is not installed (apt-get install redis-server)' : !bullmq ? 'bullmq is not installed' : false;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bullmq-'));
let redis = null;
let port = 0;
let queues = 0;

test.before(async () => {
  if (skip) return;
  ({ redis, port } = await startRedis());
});

test.after(async () => {
  if (!skip) await require('../lib/bullmq').close();
  if (redis) {
    redis.removeAllListeners('exit');
    redis.kill('SIGTERM');
    await once(redis, 'exit');
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

let conn = null;
const connection = () => (conn ??= { host: '127.0.0.1', port, maxRetriesPerRequest: null });

/** A worker process; `block` freezes it in the middle of its first part. */
async function worker(queueName, mode, env) {
  const child = fork(path.join(__dirname, 'bullmq-worker.js'), [String(port), queueName, ...(mode ? [mode] : [])], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const messages = [];
  child.messages = messages;
  child.on('message', (m) => messages.push(m));
  child.next = (key) =>
    new Promise((resolve, reject) => {
      const found = messages.find((m) => m[key] !== undefined);
      if (found) return resolve(found);
      const on = (m) => {
        if (m[key] === undefined) return;
        child.off('message', on);
        child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before ${key}`));
      child.on('message', on);
      child.once('exit', onExit);
    });
  child.close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return null;
    child.send('close');
    const m = await child.next('closed');
    if (child.exitCode === null) await once(child, 'exit');
    return m.parts;
  };
  await child.next('ready');
  return child;
}

/** The sha256 of one XmlStream's records as NDJSON, its record count, and its error. */
async function oneStream(file, options) {
  const hash = crypto.createHash('sha256');
  let records = 0;
  let error = null;
  const skips = [];
  const stream = new XmlStream(options);
  stream.on('skip', (s) => skips.push(s));
  try {
    await pipeline(fs.createReadStream(file), stream, async (src) => {
      let text = '';
      for await (const r of src) {
        text += `${JSON.stringify(r)}\n`;
        records++;
        if (text.length > 1 << 20) {
          hash.update(text);
          text = '';
        }
      }
      hash.update(text);
    });
  } catch (e) {
    error = e;
  }
  return { sha: hash.digest('hex'), records, error, skips };
}

async function manifestSha(manifest) {
  const hash = crypto.createHash('sha256');
  for (const p of manifest.parts) {
    await pipeline(fs.createReadStream(p.path), async (src) => {
      for await (const chunk of src) hash.update(chunk);
    });
  }
  return hash.digest('hex');
}

/** Enqueues `source` and waits for its file job: `{ job, manifest }` or `{ job, error }`. */
async function run(queueName, source, options, progress) {
  const { enqueueFile } = require('../lib/bullmq');
  const events = new bullmq.QueueEvents(queueName, { connection: connection() });
  await events.waitUntilReady();
  if (progress) events.on('progress', (p) => progress.push(p));
  try {
    const job = await enqueueFile({ connection: connection(), queueName }, source, options);
    try {
      return { job, manifest: await job.waitUntilFinished(events), events };
    } catch (error) {
      return { job, error };
    }
  } finally {
    await events.close();
  }
}

async function childValues(queueName, job) {
  const queue = new bullmq.Queue(queueName, { connection: connection() });
  try {
    const parent = await bullmq.Job.fromId(queue, job.id);
    return Object.values(await parent.getChildrenValues()).sort((a, b) => a.index - b.index);
  } finally {
    await queue.close();
  }
}

test('the core never loads bullmq; sluice/bullmq is an export with typings', () => {
  const r = spawnSync(
    process.execPath,
    ['-e', "const s = require('.'); s.parse('<a/>'); s.plan; console.log(Object.keys(require.cache).filter((f) => /node_modules[\\\\/](bullmq|ioredis)[\\\\/]/.test(f)).length)"],
    { cwd: path.join(__dirname, '..'), encoding: 'utf8' },
  );
  assert.equal(r.stdout.trim(), '0', r.stderr);
  const pkg = require('../package.json');
  assert.deepEqual(pkg.exports['./bullmq'], { types: './lib/bullmq.d.ts', default: './lib/bullmq.js' });
  assert.ok(pkg.peerDependenciesMeta.bullmq.optional);
});

const newQueue = () => `sluice-test-${process.pid}-${queues++}`;

test('a 100 MiB catalog in 32 parts over 3 worker processes: one XmlStream\'s records, in order', { skip }, async () => {
  const { generate } = require('../benchmark/generate');
  const file = path.join(dir, 'catalog-100MiB.xml');
  await generate(file, 100 * 1024 * 1024);
  const queueName = newQueue();
  const workers = await Promise.all([worker(queueName), worker(queueName), worker(queueName)]);
  try {
    const output = path.join(dir, 'out-100');
    const progress = [];
    const [want, got] = await Promise.all([
      oneStream(file, { select: 'Release' }),
      run(queueName, file, { select: 'Release', parts: 32, output }, progress),
    ]);
    assert.ifError(got.error);
    // The file job's progress, from its parts' reports, then its own final figure.
    const fromParts = progress.filter((p) => p.jobId === got.job.id && p.data.parts);
    assert.ok(fromParts.length >= 32, `${fromParts.length} progress reports from the parts`);
    assert.ok(fromParts.every((p) => p.data.totalBytes === got.job.data.total && p.data.bytes <= p.data.totalBytes));
    const queue = new bullmq.Queue(queueName, { connection: connection() });
    const done = await bullmq.Job.fromId(queue, got.job.id);
    await queue.close();
    assert.deepEqual(done.progress, { bytes: got.job.data.total, totalBytes: got.job.data.total, records: want.records, percent: 100 });
    assert.equal(got.manifest.parts.length, 32);
    assert.equal(got.manifest.records, want.records);
    assert.equal(await manifestSha(got.manifest), want.sha);
    const ran = await Promise.all(workers.map((w) => w.close()));
    assert.equal(ran.flat().length, 32, 'every part ran once');
    assert.ok(ran.filter((d) => d.length > 0).length >= 2, `parts ran on several workers: ${JSON.stringify(ran)}`);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    fs.rmSync(file, { force: true });
  }
});

test('trap documents, where guesses fail: still one stream\'s records', { skip }, async () => {
  const queueName = newQueue();
  const workers = await Promise.all([worker(queueName), worker(queueName)]);
  try {
    const mixed = ['<root><a>'];
    for (let i = 0; i < 300; i++) mixed.push(`<item n="${i}">${'x'.repeat(40)}</item>`);
    mixed.push('</a><b><c>');
    for (let i = 0; i < 300; i++) mixed.push(`<item n="b${i}">${'y'.repeat(40)}</item>`);
    mixed.push('</c></b></root>');
    const items = Array.from({ length: 1500 }, (_, i) => `<Release id="${i}"><Title>${i % 97 === 5 ? '&bad' : 'é'.repeat(i % 13)}</Title></Release>`);
    const skipped = `<?xml version="1.0"?>\n<root><list>\n${items.join('\n')}\n</list></root>\n`;
    const docs = [
      [skipped, 'Release', { onError: 'skip' }],
      [trapDocument(1), 'Release'],
      [trapDocument(2).replace('<ern:NewReleaseMessage', '<!DOCTYPE x [ <!-- <Release> --> ]>\n<ern:NewReleaseMessage'), 'Release'],
      [mixed.join(''), 'item'],
    ];
    let k = 0;
    for (const [doc, select, more] of docs) {
      const file = path.join(dir, `trap-${k++}.xml`);
      fs.writeFileSync(file, doc);
      const want = await oneStream(file, { select, ...more });
      const got = await run(queueName, file, { select, ...more, parts: 16, output: path.join(dir, `out-trap-${k}`) });
      assert.ifError(want.error);
      assert.ifError(got.error);
      assert.equal(got.manifest.records, want.records);
      assert.deepEqual(got.manifest.skips, want.skips);
      if (more) assert.ok(want.skips.length > 10);
      assert.equal(await manifestSha(got.manifest), want.sha, `document ${k}`);
    }
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
});

test('onRecord: every record, in file order, from the worker that checks the file', { skip }, async () => {
  const queueName = newQueue();
  const sink = path.join(dir, 'on-record');
  const workers = await Promise.all([worker(queueName, null, { SLUICE_RECORDS: sink }), worker(queueName, null, { SLUICE_RECORDS: sink })]);
  try {
    const file = path.join(dir, 'on-record.xml');
    fs.writeFileSync(file, trapDocument(6, 500));
    const want = await oneStream(file, { select: 'Release' });
    const got = await run(queueName, file, { select: 'Release', parts: 10, output: path.join(dir, 'out-on-record') });
    assert.ifError(got.error);
    const written = fs.readdirSync(dir).filter((f) => f.startsWith('on-record.') && !f.endsWith('.xml'));
    assert.equal(written.length, 1, 'one worker checked the file and called the handler');
    const text = fs.readFileSync(path.join(dir, written[0]), 'utf8');
    assert.equal(crypto.createHash('sha256').update(text).digest('hex'), want.sha);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
});

test('a worker SIGKILLed in the middle of a part: another one runs it, exactly once in the output', { skip }, async () => {
  const queueName = newQueue();
  const file = path.join(dir, 'kill.xml');
  const { generate } = require('../benchmark/generate');
  await generate(file, 12 * 1024 * 1024);
  const want = await oneStream(file, { select: 'Release' });
  const { enqueueFile } = require('../lib/bullmq');
  const events = new bullmq.QueueEvents(queueName, { connection: connection() });
  await events.waitUntilReady();
  const stalled = [];
  events.on('stalled', ({ jobId }) => stalled.push(jobId));
  const output = path.join(dir, 'out-kill');
  const job = await enqueueFile({ connection: connection(), queueName }, file, { select: 'Release', parts: 6, output });
  // The doomed worker alone, so it takes a part, and freezes in the middle of it.
  const doomed = await worker(queueName, 'block');
  const blocked = await doomed.next('blocked');
  doomed.kill('SIGKILL');
  await once(doomed, 'exit');
  const workers = await Promise.all([worker(queueName), worker(queueName)]);
  try {
    const manifest = await job.waitUntilFinished(events);
    assert.ok(stalled.includes(blocked.blocked), `the killed part (${blocked.blocked}) was found stalled`);
    assert.equal(manifest.records, want.records);
    assert.equal(await manifestSha(manifest), want.sha);
    const done = (await Promise.all(workers.map((w) => w.close()))).flat();
    assert.ok(done.includes(blocked.index), 'the killed part ran on another worker');
    // The doomed worker may have finished a part before the one it froze in.
    const before = blocked.completed;
    assert.deepEqual([...before, ...done].sort((a, b) => a - b), Array.from({ length: job.data.parts }, (_, i) => i), 'every part completed once');
  } finally {
    await events.close();
    await Promise.all(workers.map((w) => w.close()));
  }
});

test('a source served over HTTP with Range: each part reads about its own bytes', { skip }, async () => {
  const file = path.join(dir, 'http.xml');
  const { generate } = require('../benchmark/generate');
  await generate(file, 8 * 1024 * 1024);
  const size = fs.statSync(file).size;
  let served = 0;
  const server = http.createServer((req, res) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(416).end();
      return;
    }
    const from = Number(m[1]);
    const to = Math.min(Number(m[2]), size - 1);
    served += to - from + 1;
    res.writeHead(206, { 'content-range': `bytes ${from}-${to}/${size}`, 'content-length': to - from + 1 });
    fs.createReadStream(file, { start: from, end: to }).pipe(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}/catalog.xml`;
  const queueName = newQueue();
  const workers = await Promise.all([worker(queueName), worker(queueName)]);
  try {
    const want = await oneStream(file, { select: 'Release' });
    const { enqueueFile } = require('../lib/bullmq');
    const events = new bullmq.QueueEvents(queueName, { connection: connection() });
    await events.waitUntilReady();
    const job = await enqueueFile({ connection: connection(), queueName }, url, { select: 'Release', parts: 8, output: path.join(dir, 'out-http') });
    // Planning reads the head up to the first record, and a little at each cut.
    const planned = served;
    assert.ok(planned < size / 2, `the plan read ${planned} of ${size}`);
    const manifest = await job.waitUntilFinished(events);
    await events.close();
    assert.equal(await manifestSha(manifest), want.sha);
    const parts = await childValues(queueName, job);
    assert.equal(parts.length, 8);
    for (const p of parts) {
      // Its range, and one byte to learn the size.
      assert.ok(p.bytesRead >= p.bytes && p.bytesRead <= p.bytes + 1, `part ${p.index}: read ${p.bytesRead} for ${p.bytes}`);
      assert.ok(p.bytesRead < size / 4);
    }
    // The parts read their ranges and nothing else (no part was re-read).
    assert.equal(served - planned, parts.reduce((n, p) => n + p.bytesRead, 0));
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    server.close();
  }
});

test('a malformed file: the job fails with one stream\'s first error, code and offset', { skip }, async () => {
  const base = trapDocument(9, 600);
  const r = rng(3);
  const at = base.indexOf('<Title>', Math.floor(base.length * (0.5 + 0.3 * r())));
  const file = path.join(dir, 'bad.xml');
  fs.writeFileSync(file, `${base.slice(0, at)}<Title>&bad</Title>${base.slice(at)}`);
  const want = await oneStream(file, { select: 'Release' });
  assert.ok(want.error);
  const queueName = newQueue();
  const workers = await Promise.all([worker(queueName), worker(queueName)]);
  try {
    const output = path.join(dir, 'out-bad');
    const got = await run(queueName, file, { select: 'Release', parts: 12, output });
    assert.ok(got.error, 'the job failed');
    assert.equal(got.error.message, `${want.error.code}: ${want.error.message}`);
    const queue = new bullmq.Queue(queueName, { connection: connection() });
    const job = await bullmq.Job.fromId(queue, got.job.id);
    await queue.close();
    const { failureCode } = require('../lib/bullmq');
    assert.equal(failureCode(job), want.error.code);
    assert.match(job.failedReason, new RegExp(`\\(byte ${want.error.offset}\\)$`));
    assert.deepEqual(fs.readdirSync(output), [], 'no part output is left');
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
});

test('examples/bullmq: a worker process and the enqueue script', { skip }, async () => {
  const { generate } = require('../benchmark/generate');
  const file = path.join(dir, 'example.xml');
  await generate(file, 2 * 1024 * 1024);
  const want = await oneStream(file, { select: 'Release' });
  const env = { ...process.env, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port) };
  const examples = path.join(__dirname, '..', 'examples', 'bullmq');
  const w = spawn(process.execPath, [path.join(examples, 'worker.js')], { env, stdio: 'inherit' });
  try {
    const output = path.join(dir, 'out-example');
    const e = spawn(process.execPath, [path.join(examples, 'enqueue.js'), file, output], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    e.stdout.on('data', (d) => (stdout += d));
    e.stderr.resume();
    const [code] = await once(e, 'exit');
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.match(lines[0], new RegExp(`^${want.records} records in \\d+ files$`));
    const manifest = { parts: lines.slice(1).map((l) => ({ path: l.split(' ')[0] })) };
    assert.equal(await manifestSha(manifest), want.sha);
  } finally {
    w.kill('SIGTERM');
    await once(w, 'exit');
  }
});
