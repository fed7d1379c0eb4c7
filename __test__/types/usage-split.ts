import { parseFile, plan, runPart, accepts, FilePart, FileCheckpoint } from 'sluice';
import { StreamingDDEXParser } from 'sluice/ddex';
import * as fs from 'node:fs';
async function main() {
  const records = parseFile('catalog.xml', { select: 'Release', threads: 4, partBytes: 1 << 20 });
  records.on('progress', (p) => console.log(p.percent));
  for await (const r of records) console.log(r);
  console.log(records.split.accepted);
  const { bytes, records: read, skipped } = records.stats();
  console.log(bytes, read, skipped);
  // Resume after a crash from the last checkpoint saved.
  const saved = records.checkpoint();
  fs.writeFileSync('job.checkpoint', JSON.stringify(saved));
  const from: FileCheckpoint = JSON.parse(fs.readFileSync('job.checkpoint', 'utf8'));
  const rest = parseFile('catalog.xml', { select: 'Release', threads: 4, resumeFrom: from });
  rest.on('progress', (p) => console.log(p.checkpoint.offset, p.checkpoint.drop, p.percent));
  if (saved.drop === 0 && !('format' in saved)) fs.createReadStream('catalog.xml', { start: saved.offset });
  const parts: FilePart[] = await plan('events.ndjson', { format: 'ndjson' });
  const first = await runPart(parts[0]);
  console.log(accepts(first.verdict, parts[1]), first.batches.length);
  const parser = new StreamingDDEXParser({ maxMemory: '500MB', parallelChunks: 4, enableProgress: true });
  const result = await parser.parseStream(fs.createReadStream('catalog.xml'), {
    onProgress: (p) => console.log(p.percentComplete, p.memoryUsage),
    onChunkProcessed: (chunk) => console.log(chunk.releases.length),
  });
  console.log(result.totalReleases, result.peakMemoryMB);
  for await (const { kind, value } of parser.iterate('catalog.xml')) console.log(kind, value);
}
main();
