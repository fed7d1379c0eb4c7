'use strict';
// sluice/bullmq on one machine: the 100 MiB catalog in 32 parts run by 1, 2 and 3 worker
// processes (each concurrency 1) through a local redis-server, beside parseFile with 1 and 2
// threads, counting records and writing the same NDJSON. Round-robin, `runs` times, in one
// run; wall seconds from enqueueFile to the manifest (workers already started), peak RSS of
// the worker processes.
//   node benchmark/bullmq.js [runs] [file]
// The file defaults to benchmark/data/catalog-100MiB.xml (generated if missing).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { once } = require('node:events');
const { fork } = require('node:child_process');
const { pipeline } = require('node:stream/promises');
const { QueueEvents } = require('bullmq');
const { parseFile, toNdjson } = require('..');
const { enqueueFile, close } = require('../lib/bullmq');
const { generate } = require('./generate');
const { startRedis } = require('./redis');

const MiB = 1024 * 1024;

const WORKER = `
const { createPartWorker } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'bullmq'))});
const [port, queueName] = process.argv.slice(2);
const worker = createPartWorker({ connection: { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null }, queueName });
worker.on('ready', () => process.send('ready'));
process.on('message', async () => {
  await worker.close();
  process.send({ rss: process.resourceUsage().maxRSS * 1024 });
  process.disconnect();
});
`;

async function main() {
  const runs = Number(process.argv[2] ?? 3);
  const file = path.resolve(process.argv[3] ?? path.join(__dirname, 'data', 'catalog-100MiB.xml'));
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await generate(file, 100 * MiB);
  }
  const size = fs.statSync(file).size;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-bullmq-'));
  const workerFile = path.join(tmp, 'worker.js');
  fs.writeFileSync(workerFile, WORKER);
  const { redis, port } = await startRedis();
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const results = new Map();
  const record = (name, seconds, records, rss) => {
    if (!results.has(name)) results.set(name, []);
    results.get(name).push({ seconds, records, rss });
    console.log(`${name}: ${seconds.toFixed(2)} s, ${records} records${rss ? `, worker peak RSS ${(rss / MiB).toFixed(0)} MiB` : ''}`);
  };
  try {
    for (let run = 0; run < runs; run++) {
      for (const threads of [1, 2]) {
        let t0 = process.hrtime.bigint();
        let records = 0;
        for await (const _ of parseFile(file, { select: 'Release', threads })) records++; // eslint-disable-line no-unused-vars
        record(`parseFile threads ${threads}, objects`, Number(process.hrtime.bigint() - t0) / 1e9, records);
        t0 = process.hrtime.bigint();
        const out = path.join(tmp, 'one.ndjson');
        await pipeline(parseFile(file, { select: 'Release', threads }), toNdjson(), fs.createWriteStream(out));
        record(`parseFile threads ${threads}, NDJSON file`, Number(process.hrtime.bigint() - t0) / 1e9, records);
        fs.rmSync(out);
      }
      for (const n of [1, 2, 3]) {
        const queueName = `bench-${run}-${n}`;
        const workers = [];
        for (let i = 0; i < n; i++) {
          const w = fork(workerFile, [String(port), queueName], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
          workers.push(w);
          await once(w, 'message');
        }
        const events = new QueueEvents(queueName, { connection });
        await events.waitUntilReady();
        const output = path.join(tmp, queueName);
        const t0 = process.hrtime.bigint();
        const job = await enqueueFile({ connection, queueName }, file, { select: 'Release', parts: 32, output });
        const manifest = await job.waitUntilFinished(events);
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        await events.close();
        let rss = 0;
        for (const w of workers) {
          w.send('close');
          const [m] = await once(w, 'message');
          rss = Math.max(rss, m.rss);
        }
        record(`bullmq ${n} worker${n > 1 ? 's' : ''}, ${manifest.parts.length} parts, NDJSON files`, seconds, manifest.records, rss);
        fs.rmSync(output, { recursive: true, force: true });
      }
    }
  } finally {
    await close();
    redis.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\n${path.basename(file)} (${(size / MiB).toFixed(0)} MiB), ${runs} runs, ${os.cpus().length} cores: median MB/s`);
  for (const [name, rows] of results) {
    const s = rows.map((r) => r.seconds).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
    console.log(`| ${name} | ${s.toFixed(2)} s | ${(size / 1e6 / s).toFixed(0)} MB/s |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
