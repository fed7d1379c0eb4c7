'use strict';
// A part worker: run one (or several) on every machine that can reach Redis and the
// output directory.
//   REDIS_PORT=6379 node examples/bullmq/worker.js
const { createPartWorker } = require('../../lib/bullmq'); // require('sluice/bullmq') in your app

const connection = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
const worker = createPartWorker({ connection, queueName: 'sluice-files', concurrency: 2 });
worker.on('failed', (job, err) => console.error(`${job?.name} ${job?.id} failed: ${err.message}`));

// Finish the part in hand, then stop (a part cut short is run again elsewhere anyway); a
// second signal stops at once.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    process.once(signal, () => process.exit(1));
    worker.close().then(() => process.exit(0));
  });
}
