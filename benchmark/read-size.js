'use strict';
// XmlStream piped from fs.createReadStream at several read sizes (`highWaterMark`), each run in
// a fresh process, the sizes taken in turns so that load from elsewhere falls on all of them.
//
//   node benchmark/read-size.js [file] [rounds]
//
// Prints MB/s and peak RSS per run and the median per read size. The file defaults to the
// 100 MiB catalog that `npm run bench` generates.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const SIZES = [64 * 1024, 256 * 1024, 1024 * 1024];

async function child(file, highWaterMark) {
  const { pipeline } = require('node:stream/promises');
  const { Writable } = require('node:stream');
  const { XmlStream } = require('..');
  let records = 0;
  const start = process.hrtime.bigint();
  await pipeline(
    fs.createReadStream(file, { highWaterMark }),
    new XmlStream({ select: 'Release' }),
    new Writable({ objectMode: true, write(_record, _enc, done) { records++; done(); } }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const mbs = fs.statSync(file).size / 1e6 / seconds;
  const rss = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ highWaterMark, mbs, rss, records }));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main() {
  const file = process.argv[2] ?? path.join(__dirname, 'data', 'catalog-100MiB.xml');
  const rounds = Number(process.argv[3] ?? 5);
  if (!fs.existsSync(file)) {
    console.error(`no ${file}: run \`npm run bench\` once, or name an XML file`);
    process.exit(2);
  }
  const runs = new Map(SIZES.map((size) => [size, []]));
  for (let round = 0; round < rounds; round++) {
    for (const size of SIZES) {
      const out = execFileSync(process.execPath, [__filename, '--child', file, String(size)]);
      const run = JSON.parse(out.toString());
      runs.get(size).push(run);
      console.log(`round ${round + 1}: ${size / 1024} KiB reads ${run.mbs.toFixed(1)} MB/s, peak RSS ${run.rss.toFixed(1)} MiB`);
    }
  }
  for (const [size, list] of runs) {
    const mbs = median(list.map((r) => r.mbs)).toFixed(1);
    const rss = median(list.map((r) => r.rss)).toFixed(1);
    console.log(`${size / 1024} KiB: median ${mbs} MB/s, peak RSS ${rss} MiB (${list.length} runs)`);
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4])).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main();
}
