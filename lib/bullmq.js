'use strict';
// sluice/bullmq: a file's parts run by BullMQ workers on any number of machines. A file is a
// flow: one child job per part (plain JSON tasks from plan()), each writing its records to an
// NDJSON file of its own, and a parent job that runs once they are all done, checks every
// boundary verdict in file order (re-reading the parts that guessed wrong) and returns the
// manifest. BullMQ is an optional peer dependency, loaded only by this module.
const fs = require('node:fs');
const readline = require('node:readline');
const { FlowProducer, Worker, Job, UnrecoverableError } = require('bullmq');
const { planOpen } = require('./split/plan');
const { openSource, CachedSource } = require('./split/source');
const { writePart } = require('./split/output');
const { settle } = require('./split/settle');
const { optionError } = require('./errors');

const FILE_JOB = 'sluice:file';
const PART_JOB = 'sluice:part';
// How often a part reports its progress (and the file's).
const PROGRESS_MS = 500;

function queueOf(opts) {
  if (opts === null || typeof opts !== 'object' || !opts.connection) throw optionError('`connection` is required');
  if (typeof opts.queueName !== 'string' || opts.queueName === '') throw optionError('`queueName` must be a string');
}

// One FlowProducer per connection (and prefix), kept open: the job enqueueFile returns uses
// its connection (waitUntilFinished, getState...). `close()` closes them.
const producers = new Map();

function producer({ connection, prefix }) {
  let byPrefix = producers.get(connection);
  if (!byPrefix) producers.set(connection, (byPrefix = new Map()));
  let flow = byPrefix.get(prefix);
  if (!flow) byPrefix.set(prefix, (flow = new FlowProducer({ connection, prefix })));
  return flow;
}

/** Closes the connections enqueueFile opened. */
async function close() {
  const all = [...producers.values()].flatMap((m) => [...m.values()]);
  producers.clear();
  await Promise.all(all.map((f) => f.close()));
}

/**
 * The plan with `parts` parts, or as close as the file allows: records may only start in some
 * stretch of it (a catalog's releases between its parties and its deals), so the part size is
 * narrowed until the count is reached.
 */
async function planParts(source, options, parts, partBytes) {
  const src = new CachedSource(await openSource(source));
  try {
    // Parts are many and small: the first record may well be further in than a few parts.
    const { size } = await src.stat();
    const how = { guessBytes: size };
    const plan = (o, guessed) => planOpen(src, source, o, { ...how, guessed });
    return await planCount(plan, options, size, parts, partBytes);
  } finally {
    await src.close();
  }
}

async function planCount(plan, options, size, parts, partBytes) {
  if (partBytes !== undefined) return plan({ ...options, partBytes });
  let pb = Math.max(4096, Math.floor(size / parts));
  let tasks = await plan({ ...options, partBytes: pb });
  // Planning again with a smaller part size finds the same first record: reuse its state.
  const guessed = tasks.length > 1 && tasks[0].format === 'xml' ? tasks[1].guess : null;
  for (let tries = 0; tries < 4 && tasks.length > 1 && tasks.length < parts && pb > 4096; tries++) {
    pb = Math.max(4096, Math.floor((pb * (tasks.length - 0.5)) / parts));
    const next = await plan({ ...options, partBytes: pb }, guessed);
    if (next.length > parts) break;
    tasks = next;
  }
  return tasks;
}

/**
 * Plans `source` (a path or an http(s) URL serving byte ranges) and enqueues it as a flow.
 * Resolves to the parent job, whose return value is the manifest.
 */
async function enqueueFile(queue, source, options = {}) {
  queueOf(queue);
  const { output, parts = 8, jobOptions = {}, partBytes, ...parse } = options;
  if (typeof output !== 'string' || output === '') throw optionError('`output` must be a directory path');
  if (!Number.isInteger(parts) || parts < 1) throw optionError('`parts` must be a positive integer');
  const tasks = await planParts(String(source), parse, parts, partBytes);
  const total = tasks.at(-1).end - tasks[0].start;
  const node = await producer(queue).add({
      name: FILE_JOB,
      queueName: queue.queueName,
      data: { source: String(source), output, total, parts: tasks.length },
      opts: jobOptions,
      children: tasks.map((task, index) => ({
        name: PART_JOB,
        queueName: queue.queueName,
        data: { task, index, output },
        opts: { ...jobOptions, failParentOnFailure: true },
      })),
  });
  return node.job;
}

/** The file's progress, kept per part in the parent job: `{ bytes, totalBytes, records, percent, parts }`. */
async function reportFile(worker, job, index, bytes, records) {
  const parent = job.parent?.id && (await Job.fromId(worker, job.parent.id));
  if (!parent) return;
  const was = parent.progress && typeof parent.progress === 'object' ? parent.progress : {};
  const parts = { ...was.parts, [index]: [bytes, records] };
  let b = 0;
  let r = 0;
  for (const [pb, pr] of Object.values(parts)) {
    b += pb;
    r += pr;
  }
  const totalBytes = parent.data.total;
  await parent.updateProgress({ bytes: b, totalBytes, records: r, percent: totalBytes > 0 ? (100 * b) / totalBytes : 100, parts });
}

async function runPartJob(worker, job) {
  const { task, index, output } = job.data;
  await fs.promises.mkdir(output, { recursive: true });
  let last = 0;
  let pending = Promise.resolve();
  const report = (bytes, records) => {
    pending = pending
      .then(() => Promise.all([job.updateProgress({ bytes, records }), reportFile(worker, job, index, bytes, records)]))
      .catch(() => {});
  };
  const result = await writePart(task, output, {
    onProgress: ({ bytes, records }) => {
      const now = Date.now();
      if (now - last < PROGRESS_MS) return;
      last = now;
      report(bytes, records);
    },
  });
  report(task.end - task.start, result.records);
  await pending;
  return { ...result, index };
}

async function runFileJob(job, onRecord) {
  const { output, total } = job.data;
  const values = Object.values((await job.getChildrenValues()) ?? {});
  values.sort((a, b) => a.index - b.index);
  if (values.length !== job.data.parts || values.some((v, i) => v.index !== i)) {
    throw new Error(`sluice: ${values.length} of ${job.data.parts} parts reported`);
  }
  const records = values.reduce((n, v) => n + v.records, 0);
  await job.updateProgress({ bytes: total, totalBytes: total, records, percent: 100, checking: true });
  let manifest;
  try {
    manifest = await settle(
      values.map((v) => v.task),
      values,
      output,
    );
  } catch (err) {
    if (!err.code?.startsWith('ERR_SLUICE_') || err.code === 'ERR_SLUICE_INTERNAL') throw err;
    // A parse error is a property of the file: retrying cannot help. The code leads the
    // message, since BullMQ keeps only the message (failedReason).
    const e = new UnrecoverableError(`${err.code}: ${err.message}`);
    e.code = err.code;
    throw e;
  }
  await job.updateProgress({ bytes: total, totalBytes: total, records: manifest.records, percent: 100 });
  if (onRecord) {
    let index = 0;
    for (const part of manifest.parts) {
      const lines = readline.createInterface({ input: fs.createReadStream(part.path), crlfDelay: Infinity });
      for await (const line of lines) await onRecord(JSON.parse(line), { index: index++, job });
    }
  }
  return {
    records: manifest.records,
    parts: manifest.parts.map((p) => ({ path: p.path, records: p.records })),
    skips: manifest.skips,
  };
}

/**
 * A BullMQ Worker that runs parts and the files' checks. `onRecord(record, { index, job })`,
 * if given, is called for every record of a file in file order, once the file is checked.
 */
function createPartWorker(options) {
  queueOf(options);
  const { queueName, onRecord, ...workerOptions } = options;
  if (onRecord !== undefined && typeof onRecord !== 'function') throw optionError('`onRecord` must be a function');
  const worker = new Worker(
    queueName,
    async (job) => {
      if (job.name === PART_JOB) return runPartJob(worker, job);
      if (job.name === FILE_JOB) return runFileJob(job, onRecord);
      throw new UnrecoverableError(`sluice: not a sluice job: ${job.name}`);
    },
    { concurrency: 1, ...workerOptions },
  );
  return worker;
}

/** The code of a file job's failure (the first parse error's, as one stream gives it), or null. */
function failureCode(job) {
  const m = /^(ERR_[A-Z0-9_]+): /.exec(job?.failedReason ?? '');
  return m ? m[1] : null;
}

module.exports = { enqueueFile, createPartWorker, failureCode, close };
