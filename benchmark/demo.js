'use strict';
// `npm run demo`: stream a ~50 MB DDEX-like catalog through sluice and show what comes out.

const fs = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const { Readable, Writable } = require('node:stream');
const { spawnSync } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const { generate } = require('./generate');

const SIZE_MIB = 50;
const DATA_DIR = path.join(__dirname, 'data');
const FILE = path.join(DATA_DIR, `catalog-${SIZE_MIB}MiB.xml`);
const SAMPLES = 3;

function loadSluice() {
  try {
    return require('..');
  } catch (err) {
    console.error(`sluice does not load (${err.message.split('\n')[0]}).\nBuild it first: npm run build`);
    process.exit(1);
  }
}

const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const text = (v) => (v === undefined ? '' : typeof v === 'string' ? v : String(v['#text'] ?? ''));
const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);

function describe(rel) {
  const tracks = list(rel.ResourceGroup)
    .flatMap((g) => list(g.ResourceGroup))
    .reduce((n, g) => n + list(g.ResourceGroupContentItem).length, 0);
  return [
    `  ${text(rel.ReleaseReference)}  ICPN ${text(rel.ReleaseId && rel.ReleaseId.ICPN)}  (${text(rel.ReleaseType)})`,
    `    title:   ${text(list(rel.DisplayTitleText)[0])}`,
    `    artist:  ${text(rel.DisplayArtistName)}  (${list(rel.DisplayArtist).length} credited)`,
    `    tracks:  ${tracks}   genre: ${text(rel.Genre && rel.Genre.GenreText)}`,
    `    synopsis: ${text(rel.Synopsis)}`,
  ].join('\n');
}

async function main() {
  const { XmlStream } = loadSluice();

  const target = SIZE_MIB * 2 ** 20;
  if (!fs.existsSync(FILE) || fs.statSync(FILE).size !== target) {
    fs.mkdirSync(DATA_DIR, { recursive: true });
    process.stderr.write(`generating ${path.relative(process.cwd(), FILE)} ...\n`);
    await generate(FILE + '.partial', target);
    fs.renameSync(FILE + '.partial', FILE);
  }
  const size = fs.statSync(FILE).size;

  const xml = new XmlStream({ select: 'Release' });
  const tty = process.stderr.isTTY;
  if (tty) {
    xml.on('progress', (p) => {
      const percent = p.percent ?? (100 * p.bytesRead) / size;
      const eta = p.etaSeconds === undefined ? '' : `  ETA ${Math.ceil(p.etaSeconds)} s`;
      process.stderr.write(`\r  ${percent.toFixed(1).padStart(5)}%  ${p.records} records  ` +
        `${Number(p.mbPerSec).toFixed(1)} MB/s  RSS ${mib(p.rss)} MiB${eta}\x1b[K`);
    });
  }

  let records = 0;
  const samples = [];
  const sink = new Writable({
    objectMode: true,
    write(rel, _enc, done) {
      records++;
      if (samples.length < SAMPLES) samples.push(rel);
      done();
    },
  });

  const t0 = performance.now();
  await pipeline(fs.createReadStream(FILE), xml, sink);
  const seconds = (performance.now() - t0) / 1000;
  if (tty) process.stderr.write('\r\x1b[K');

  console.log(`First ${samples.length} of the records (one plain object per <Release>):`);
  for (const rel of samples) console.log(describe(rel));
  console.log();
  console.log(`file:        ${path.relative(process.cwd(), FILE)} (${(size / 1e6).toFixed(1)} MB)`);
  console.log(`records:     ${records}`);
  console.log(`time:        ${seconds.toFixed(2)} s`);
  console.log(`throughput:  ${(size / 1e6 / seconds).toFixed(1)} MB/s`);
  console.log(`peak RSS:    ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  if (typeof xml.stats === 'function') console.log(`stats:       ${JSON.stringify(xml.stats())}`);

  await commandDemo(samples);
}

// The same file through the `sluice` command (bin/sluice.js): NDJSON written natively, no
// JS object per record, with its progress bar on stderr; then two records back to XML with
// toXml().
async function commandDemo(samples) {
  const { toXml } = loadSluice();
  const out = path.join(DATA_DIR, 'releases.ndjson');
  const args = [path.relative(process.cwd(), FILE), '--select', 'Release', '-o', path.relative(process.cwd(), out), '--progress'];
  console.log();
  console.log(`The command line: sluice ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'sluice.js'), ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`sluice exited with ${r.status}`);
  const first = fs.readFileSync(out, 'utf8').slice(0, 4096).split('\n')[0];
  console.log(`first line of ${path.relative(process.cwd(), out)}: ${first.slice(0, 150)}...`);
  console.log();
  console.log('Two records written back as XML with toXml({ root: \'Releases\', element: \'Release\' }):');
  let xmlText = '';
  await pipeline(Readable.from(samples.slice(0, 2)), toXml({ root: 'Releases', element: 'Release' }), new Writable({
    write(chunk, _enc, done) {
      xmlText += chunk;
      done();
    },
  }));
  console.log(xmlText.split('\n').map((l) => (l.length > 150 ? l.slice(0, 150) + '...' : l)).join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
