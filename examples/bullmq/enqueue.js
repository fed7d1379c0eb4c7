'use strict';
// Enqueues a file (a path, or an http(s) URL serving byte ranges) and waits for the
// manifest: its records, as NDJSON files in file order.
//   REDIS_PORT=6379 node examples/bullmq/enqueue.js catalog.xml out/
const { QueueEvents } = require('bullmq');
const { enqueueFile, close } = require('../../lib/bullmq'); // require('sluice/bullmq') in your app

async function main() {
  const [source, output] = process.argv.slice(2);
  const connection = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
  const events = new QueueEvents('sluice-files', { connection });
  try {
    const job = await enqueueFile({ connection, queueName: 'sluice-files' }, source, {
      select: 'Release',
      parts: 8,
      output,
    });
    events.on('progress', ({ jobId, data }) => {
      if (jobId === job.id) console.error(`${data.percent.toFixed(0)}% ${data.records} records`);
    });
    const manifest = await job.waitUntilFinished(events);
    console.log(`${manifest.records} records in ${manifest.parts.length} files`);
    for (const part of manifest.parts) console.log(part.path, part.records);
  } finally {
    await events.close();
    await close();
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exitCode = 1;
});
