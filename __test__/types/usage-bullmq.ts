import { enqueueFile, createPartWorker, failureCode, close, FileManifest, FileProgress } from 'sluice/bullmq';
import { QueueEvents } from 'bullmq';
async function main() {
  const connection = { host: '127.0.0.1', port: 6379 };
  const worker = createPartWorker({ connection, queueName: 'files', concurrency: 2, lockDuration: 30000 });
  const events = new QueueEvents('files', { connection });
  const job = await enqueueFile({ connection, queueName: 'files' }, 'https://example.org/catalog.xml', {
    select: 'Release',
    parts: 32,
    output: '/shared/out',
  });
  events.on('progress', ({ data }) => console.log((data as FileProgress).percent));
  try {
    const manifest: FileManifest = await job.waitUntilFinished(events);
    for (const p of manifest.parts) console.log(p.path, p.records);
  } catch {
    console.log(failureCode(job));
  }
  // @ts-expect-error output is required
  await enqueueFile({ connection, queueName: 'files' }, 'catalog.xml', { select: 'Release' });
  createPartWorker({ connection, queueName: 'files', onRecord: (r, { index }) => console.log(index, r) });
  await worker.close();
  await close();
}
main();
