'use strict';
// A part worker process for the bullmq tests: `node bullmq-worker.js <port> <queue> [block]`.
// With `block`, the worker freezes (no lock renewal, as if the machine hung) at its first
// progress report in the middle of a part, and says so, so the test can SIGKILL it there.
const { Job } = require('bullmq');
const { createPartWorker } = require('../lib/bullmq');

const [port, queueName, mode] = process.argv.slice(2);
const parts = [];

if (mode === 'block') {
  const updateProgress = Job.prototype.updateProgress;
  Job.prototype.updateProgress = function (progress) {
    const task = this.data?.task;
    if (task && progress.bytes < task.end - task.start) {
      // What it finished before travels with this message (nothing sent later gets out).
      process.send({ blocked: this.id, index: this.data.index, completed: parts.slice() });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
    return updateProgress.call(this, progress);
  };
}

// With SLUICE_RECORDS, the records of each file this worker checks go to `<that>.<pid>`.
const fs = require('node:fs');
const recordsTo = process.env.SLUICE_RECORDS && `${process.env.SLUICE_RECORDS}.${process.pid}`;
const onRecord = recordsTo && ((record) => fs.appendFileSync(recordsTo, `${JSON.stringify(record)}\n`));

const worker = createPartWorker({
  onRecord,
  connection: { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null },
  queueName,
  concurrency: 1,
  // Short locks, so that a part whose worker died is handed to another one soon.
  lockDuration: 2000,
  stalledInterval: 1000,
});
worker.on('completed', (job) => {
  if (job.name === 'sluice:part') parts.push(job.data.index);
});
worker.on('ready', () => process.send({ ready: true }));
process.on('message', async (m) => {
  if (m === 'close') {
    await worker.close();
    process.send({ closed: true, parts });
    process.disconnect();
  }
});
