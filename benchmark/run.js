'use strict';
// Benchmark harness: `npm run bench` (or `node benchmark/run.js [options]`).
//
//   --quick        one 20 MiB file per format, one run
//   --runs N       repetitions per size (default 3)
//   --only a,b     contender ids (see CONTENDERS below)
//   --sizes a,b    file sizes in MiB (default 100,1024)
//   --formats a,b  sections to run: xml, json, ndjson (default all, in that order)
//   --json         same as --formats json,ndjson
//   --shapes a,b   JSON record shapes: plain (natural JSON types), xml (the XML catalog's
//                  records as XmlStream gives them, `@` attributes, all strings); default both
//
// Each format is a section with its own input files and tables: the XML catalog, then the
// same releases as one JSON document and as NDJSON. Every contender runs in a fresh
// process, round-robin within each repetition, and the table reports medians. Results are
// printed and written to benchmark/results.md.

const fs = require('node:fs');
const { writeChart } = require('./chart');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { generate, generateJson } = require('./generate');

const BENCH_DIR = __dirname;
const ROOT_DIR = path.dirname(BENCH_DIR);
const DATA_DIR = path.join(BENCH_DIR, 'data');
// Native contenders are small cargo projects in benchmark/<crate>, built on first use.
const nativeBin = (crate) => path.join(BENCH_DIR, crate, 'target', 'release', crate);
const CHILD_TIMEOUT_MS = 30 * 60 * 1000;

// Not a parser: reading the file into a no-op Writable shows what node itself costs in
// memory and what the disk cache delivers.
const FLOOR = { id: 'read-only', label: 'floor: read stream → no-op Writable (no parsing)', floor: true };
// The other bound: sluice's own core on one thread, without Node, taking the batches of JSON
// text but never parsing them. The stream cannot beat it.
const CORE = { id: 'sluice-core', label: 'sluice core alone (Rust, no objects)', native: 'core-only' };

// The bound for building JSON records on the main thread: JSON.parse of each record's text
// alone, the records split and decoded beforehand and not timed (contenders/json-parse-records.js).
const CEILING = { id: 'json-parse-records', label: 'ceiling: JSON.parse per record, pre-split (parse time only)' };

// `pkg` is what must be installed in benchmark/node_modules for the contender to run;
// `sluice` is the export of the addon it needs. `format` picks the section (SECTIONS).
const CONTENDERS = [
  { id: 'sluice', label: 'sluice', sluice: 'XmlStream' },
  { id: 'saxes', label: 'saxes + builder', pkg: 'saxes' },
  { id: 'sax', label: 'sax + builder', pkg: 'sax' },
  { id: 'htmlparser2', label: 'htmlparser2 (xmlMode) + builder', pkg: 'htmlparser2' },
  { id: 'node-expat', label: 'node-expat + builder', pkg: 'node-expat' },
  { id: 'xml-flow', label: 'xml-flow (own objects)', pkg: 'xml-flow' },
  { id: 'xml-stream', label: 'xml-stream (own objects)', pkg: 'xml-stream' },
  { id: 'fast-xml-parser', label: 'fast-xml-parser (whole file)', pkg: 'fast-xml-parser' },
  { id: 'xml2js', label: 'xml2js (whole file)', pkg: 'xml2js' },
  { id: 'sluice-file-1', label: "sluice parseFile `threads: 1`", sluice: 'parseFile' },
  { id: 'sluice-file-2', label: "sluice parseFile `threads: 2`", sluice: 'parseFile' },
  { id: 'quick-xml', label: 'quick-xml raw (Rust, events only)', native: 'raw-quickxml' },
  // The tokeniser's ceiling: the fastest quick-xml on the file already in memory.
  { id: 'quick-xml-memory', label: 'quick-xml 0.39 in memory (Rust, events only, no reading)', native: 'quickxml-memory' },
  CORE,
  // The command (lib/cli), in process, writing NDJSON to a file: its native path, and the
  // same through XmlStream and toNdjson().
  { id: 'sluice-cli', label: '`sluice --select Release --threads 1 -o file.ndjson` (native, no objects)' },
  { id: 'sluice-cli-stream', label: '`sluice --no-native --threads 1` (XmlStream → toNdjson → file)' },
  { id: 'sluice-cli-2', label: '`sluice --threads 2 -o file.ndjson` (native, parts on 2 threads)' },
  { id: 'sluice-cli-auto', label: '`sluice -o file.ndjson`, no `--threads` (native, parts on every core)' },
  FLOOR,
].map((c) => ({ format: 'xml', ...c })).concat([
  { id: 'sluice-json', label: 'sluice JsonStream `$.releases[*]`', sluice: 'JsonStream', format: 'json' },
  { id: 'stream-json', label: 'stream-json (parser + pick + streamArray)', pkg: 'stream-json', format: 'json' },
  { id: 'JSONStream', label: "JSONStream `parse('releases.*')`", pkg: 'JSONStream', format: 'json' },
  { id: 'streamparser-json', label: '@streamparser/json `$.releases.*`', pkg: '@streamparser/json', format: 'json' },
  { id: 'sluice-file-json-1', label: "sluice parseFile `threads: 1`", sluice: 'parseFile', format: 'json' },
  { id: 'sluice-file-json-2', label: "sluice parseFile `threads: 2`", sluice: 'parseFile', format: 'json' },
  { id: 'json-parse-whole', label: 'JSON.parse (whole file)', format: 'json' },
  { id: 'sluice-json-await', label: 'sluice JsonStream, `for await` instead of a pipeline', sluice: 'JsonStream', format: 'json' },
  { ...CEILING, format: 'json' },
  { id: 'sluice-ndjson', label: "sluice JsonStream `format: 'ndjson'`", sluice: 'JsonStream', format: 'ndjson' },
  { id: 'sluice-file-ndjson-1', label: "sluice parseFile `threads: 1`", sluice: 'parseFile', format: 'ndjson' },
  { id: 'sluice-file-ndjson-2', label: "sluice parseFile `threads: 2`", sluice: 'parseFile', format: 'ndjson' },
  { id: 'readline-ndjson', label: 'readline + JSON.parse', format: 'ndjson' },
  { id: 'streamparser-ndjson', label: "@streamparser/json `separator: '\\n'`", pkg: '@streamparser/json', format: 'ndjson' },
  { id: 'sluice-ndjson-await', label: "sluice JsonStream `format: 'ndjson'`, `for await`", sluice: 'JsonStream', format: 'ndjson' },
  { ...CEILING, format: 'ndjson' },
  { ...CORE, format: 'json' },
  { ...FLOOR, format: 'json' },
  { ...CORE, format: 'ndjson' },
  { ...FLOOR, format: 'ndjson' },
]);

// One section per input format. `reference` is the contender the "vs" ratio and the
// checksum column are relative to; `raw` and `bound` add a column each against a baseline:
// for XML quick-xml reading the file (`raw`) and quick-xml on the file in memory (`bound`),
// for JSON the JSON.parse-per-record ceiling (`raw`, labelled `rawLabel`).
// `shape` picks the JSON records (generate.js generateJson).
const SECTIONS = [
  { format: 'xml', title: 'XML', reference: 'saxes', raw: 'quick-xml', bound: 'quick-xml-memory' },
  { format: 'json', shape: 'plain', title: 'JSON document', reference: 'JSONStream', raw: CEILING.id, rawLabel: 'ceiling' },
  { format: 'json', shape: 'xml', title: 'JSON document, XML-shaped records', reference: 'JSONStream', raw: CEILING.id, rawLabel: 'ceiling' },
  { format: 'ndjson', shape: 'plain', title: 'NDJSON', reference: 'readline-ndjson', raw: CEILING.id, rawLabel: 'ceiling' },
  { format: 'ndjson', shape: 'xml', title: 'NDJSON, XML-shaped records', reference: 'readline-ndjson', raw: CEILING.id, rawLabel: 'ceiling' },
];
const SHAPES = ['plain', 'xml'];

function parseArgs(argv) {
  const opts = { quick: false, runs: null, only: null, sizes: null, formats: null, shapes: SHAPES };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--quick') opts.quick = true;
    else if (a === '--runs') opts.runs = Number(value());
    else if (a === '--only') opts.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--sizes') opts.sizes = value().split(',').map(Number);
    else if (a === '--formats') opts.formats = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--json') opts.formats = ['json', 'ndjson'];
    else if (a === '--shapes') opts.shapes = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '-h' || a === '--help') {
      console.log('usage: node benchmark/run.js [--quick] [--runs N] [--only a,b] [--sizes MiB,MiB] ' +
        '[--formats xml,json,ndjson | --json] [--shapes plain,xml]');
      for (const sec of SECTIONS) {
        console.log(`${sec.format} contenders: ${CONTENDERS.filter((c) => c.format === sec.format).map((c) => c.id).join(', ')}`);
      }
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!opts.sizes) opts.sizes = opts.quick ? [20] : [100, 1024];
  if (opts.runs === null) opts.runs = opts.quick ? 1 : 3;
  if (!(opts.runs >= 1) || opts.sizes.some((s) => !(s > 0))) throw new Error('bad --runs or --sizes');
  if (opts.only) {
    const unknown = opts.only.filter((id) => !CONTENDERS.some((c) => c.id === id));
    if (unknown.length) throw new Error(`unknown contender(s): ${unknown.join(', ')}`);
  }
  if (!opts.formats) opts.formats = SECTIONS.map((sec) => sec.format);
  const unknownFormats = opts.formats.filter((f) => !SECTIONS.some((sec) => sec.format === f));
  if (unknownFormats.length) throw new Error(`unknown format(s): ${unknownFormats.join(', ')}`);
  const unknownShapes = opts.shapes.filter((s) => !SHAPES.includes(s));
  if (unknownShapes.length) throw new Error(`unknown shape(s): ${unknownShapes.join(', ')}`);
  return opts;
}

function log(msg) {
  process.stderr.write(msg + '\n');
}

function installed(pkg) {
  return fs.existsSync(path.join(BENCH_DIR, 'node_modules', pkg, 'package.json'));
}

// The peers live in benchmark/package.json so the addon's own install stays lean.
function ensureDeps() {
  const manifest = JSON.parse(fs.readFileSync(path.join(BENCH_DIR, 'package.json'), 'utf8'));
  const missing = Object.keys(manifest.dependencies || {}).filter((p) => !installed(p));
  if (missing.length === 0) return;
  log(`installing benchmark dependencies (missing: ${missing.join(', ')})`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // Its output goes to stderr: stdout carries only the results.
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund'], { cwd: BENCH_DIR, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new Error('npm install in benchmark/ failed');
}

const built = new Map();
function buildNative(crate) {
  if (!built.has(crate)) built.set(crate, cargoBuild(crate));
  return built.get(crate);
}

function cargoBuild(crate) {
  log(`building ${crate} (cargo build --release)`);
  const manifest = path.join(BENCH_DIR, crate, 'Cargo.toml');
  const r = spawnSync('cargo', ['build', '--release', '--quiet', '--manifest-path', manifest], {
    cwd: ROOT_DIR,
    stdio: ['ignore', 2, 2],
  });
  if (r.error) return `cargo not available (${r.error.code})`;
  if (r.status !== 0) return 'cargo build failed';
  return null;
}

// Returns null when the contender can run, else the reason it cannot.
function unavailable(c) {
  if (c.native) return buildNative(c.native);
  if (c.sluice) {
    // Exit code 3: the addon loads but this build lacks the export (e.g. no JSON engine yet).
    const probe = 'if (typeof require(process.argv[1])[process.argv[2]] !== "function") process.exit(3)';
    const r = spawnSync(process.execPath, ['-e', probe, ROOT_DIR, c.sluice], { encoding: 'utf8' });
    if (r.status === 0) return null;
    if (r.status === 3) return `this build of sluice does not export ${c.sluice}`;
    const first = (r.stderr || '').split('\n').find((l) => /Error/.test(l)) || 'load failed';
    return `addon does not load (run \`npm run build\`): ${first.trim().slice(0, 160)}`;
  }
  if (!c.pkg) return null; // node built-ins only
  return installed(c.pkg) ? null : `${c.pkg} is not installed`;
}

async function ensureData(sizeMiB, format, shape = 'plain') {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const target = Math.round(sizeMiB * 1024 * 1024);
  const file = path.join(DATA_DIR, `catalog-${sizeMiB}MiB${shape === 'plain' ? '' : `-${shape}`}.${format}`);
  // The generator is deterministic and exact-size, so a file of the right size is reusable.
  if (fs.existsSync(file) && fs.statSync(file).size === target) return file;
  log(`generating ${path.relative(ROOT_DIR, file)} (${sizeMiB} MiB)`);
  const t0 = Date.now();
  const tmp = `${file}.partial`;
  await (format === 'xml' ? generate(tmp, target) : generateJson(tmp, target, format, shape));
  fs.renameSync(tmp, file);
  log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return file;
}

function runOnce(c, file) {
  const [cmd, args] = c.native
    ? [nativeBin(c.native), [file]]
    : [process.execPath, [path.join(BENCH_DIR, 'contenders', `${c.id}.js`), file]];
  const r = spawnSync(cmd, args, {
    cwd: BENCH_DIR,
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = (r.stdout || '').trim().split('\n').reverse().find((l) => l.startsWith('{'));
  let result = null;
  try {
    result = line ? JSON.parse(line) : null;
  } catch {
    result = null;
  }
  if (result && !result.error && r.status === 0) return result;
  if (result && result.error) return { error: result.error };
  // Crashed without a result line (e.g. V8 heap limit): keep the telling part of stderr.
  const stderr = (r.stderr || '').split('\n').map((l) => l.trim()).filter(Boolean);
  const telling = stderr.find((l) => /FATAL|heap|memory|Error/i.test(l)) || stderr[stderr.length - 1] || '';
  const how = r.error && r.error.code === 'ETIMEDOUT' ? 'timed out'
    : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
  return { error: `${how}${telling ? `: ${telling.slice(0, 200)}` : ''}` };
}

function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function summarize(c, results) {
  const ok = results.filter((r) => !r.error);
  if (ok.length === 0) return { c, error: results[0] ? results[0].error : 'did not run' };
  const pick = (k) => median(ok.map((r) => r[k]));
  return {
    c,
    runs: ok.length,
    failures: results.length - ok.length,
    records: ok[0].records,
    checksum: ok[0].checksum,
    // Different answers across runs of one contender would be a bug in it; surface that too.
    unstable: ok.some((r) => r.records !== ok[0].records || r.checksum !== ok[0].checksum),
    mbPerSec: pick('mbPerSec'),
    seconds: pick('seconds'),
    maxRssMiB: pick('maxRssMiB'),
    elDelayP99Ms: pick('elDelayP99Ms'),
    elDelayMaxMs: pick('elDelayMaxMs'),
    busyMsPerMB: pick('busyMsPerMB'),
  };
}

const fmt = (x, digits = 1) => (x === null || x === undefined ? '–' : x.toFixed(digits));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '–');

function table(rows, section) {
  const ref = rows.find((r) => r.c.id === section.reference && !r.error)
    || rows.find((r) => !r.error && r.checksum !== null && r.checksum !== undefined);
  const raw = section.raw && rows.find((r) => r.c.id === section.raw && !r.error);
  const bound = section.bound && rows.find((r) => r.c.id === section.bound && !r.error);
  const lines = [
    `| contender | MB/s | vs ${ref ? ref.c.id : section.reference} |` +
      `${section.raw ? ` vs ${section.rawLabel ?? `${section.raw} raw`} |` : ''}` +
      `${section.bound ? ` vs ${section.bound} |` : ''} ` +
      'peak RSS MiB | EL delay p99 / max ms | busy ms/MB | records | checksum |',
    `|---|---:|---:|${section.raw ? '---:|' : ''}${section.bound ? '---:|' : ''}---:|---:|---:|---:|---|`,
  ];
  for (const r of rows) {
    if (r.error) {
      const status = r.error.startsWith('skipped') ? 'skipped' : 'failed';
      lines.push(`| ${r.c.label} | ${status} | |${section.raw ? ' |' : ''}${section.bound ? ' |' : ''} | | | | ` +
        `${r.error.replace(/\|/g, '\\|')} |`);
      continue;
    }
    let check;
    if (r.c.floor) check = 'reads only';
    else if (!ref) check = 'no reference';
    else if (r.records !== ref.records) check = `**MISMATCH: ${r.records} records vs ${ref.records}**`;
    else if (r.checksum === null || r.checksum === undefined) check = 'records ok (no objects built)';
    else if (r.checksum !== ref.checksum) check = `**MISMATCH: checksum ${r.checksum} vs ${ref.checksum}**`;
    else check = r === ref ? `${r.checksum} (reference)` : 'ok';
    if (r.unstable) check += ' **(differs between runs)**';
    if (r.failures) check += ` (${r.failures} failed run(s))`;
    const el = r.elDelayP99Ms === null ? '–' : `${fmt(r.elDelayP99Ms)} / ${fmt(r.elDelayMaxMs)}`;
    const vs = (other) => (r.c.floor ? '–' : ratio(r.mbPerSec, other && other.mbPerSec));
    lines.push(`| ${r.c.label} | ${fmt(r.mbPerSec)} | ${vs(ref)} | ` +
      (section.raw ? `${vs(raw)} | ` : '') +
      (section.bound ? `${vs(bound)} | ` : '') +
      `${fmt(r.maxRssMiB, 0)} | ${el} | ${fmt(r.busyMsPerMB)} | ${r.records ?? '–'} | ${check} |`);
  }
  return lines.join('\n');
}

function cpuModel() {
  try {
    const m = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m) return m[1].trim();
  } catch {
    // not Linux: fall through
  }
  return (os.cpus()[0] && os.cpus()[0].model) || 'unknown';
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const command = ['node', 'benchmark/run.js', ...process.argv.slice(2)].join(' ');
  ensureDeps();

  const wanted = CONTENDERS.filter((c) => (!opts.only || opts.only.includes(c.id)) && opts.formats.includes(c.format));
  if (wanted.length === 0) throw new Error(`no contender of format(s) ${opts.formats.join(', ')} in --only`);
  const skipped = [];
  const active = [];
  for (const c of wanted) {
    const why = unavailable(c);
    if (why) {
      skipped.push({ c, error: `skipped: ${why}` });
      log(`skipping ${c.id}: ${why}`);
    } else active.push(c);
  }

  const out = [
    '# sluice benchmark results',
    '',
    `- date: ${new Date().toISOString()}`,
    `- CPU: ${cpuModel()} (${os.cpus().length} logical cores), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    `- node ${process.version}, ${os.platform()} ${os.release()}; load average at start ${os.loadavg()[0].toFixed(2)}`,
    `- command: \`${command}\``,
    `- ${opts.runs} run(s) per contender and size, each in a fresh process, round-robin; medians shown`,
    '',
  ];

  for (const section of SECTIONS) {
    const mine = (c) => c.format === section.format;
    const sectionActive = active.filter(mine);
    const sectionSkipped = skipped.filter((r) => mine(r.c));
    if (sectionActive.length + sectionSkipped.length === 0) continue;
    if (section.shape && !opts.shapes.includes(section.shape)) continue;
    for (const sizeMiB of opts.sizes) {
      const file = sectionActive.length ? await ensureData(sizeMiB, section.format, section.shape) : null;
      const results = new Map(sectionActive.map((c) => [c.id, []]));
      for (let rep = 0; rep < opts.runs; rep++) {
        // Rotate the start so no contender always runs first (cold caches, CPU boost).
        const order = sectionActive.map((_, i) => sectionActive[(i + rep) % sectionActive.length]);
        for (const c of order) {
          process.stderr.write(`[${section.format} ${sizeMiB} MiB] run ${rep + 1}/${opts.runs} ${c.id} ... `);
          const r = runOnce(c, file);
          results.get(c.id).push(r);
          log(r.error ? `FAILED: ${r.error}` : `${r.mbPerSec} MB/s, ${r.records} records, ${r.maxRssMiB} MiB`);
        }
      }
      const rows = [...sectionActive.map((c) => summarize(c, results.get(c.id))), ...sectionSkipped]
        .sort((a, b) => CONTENDERS.indexOf(a.c) - CONTENDERS.indexOf(b.c));
      const what = file
        ? `${fs.statSync(file).size.toLocaleString('en-US')} bytes, ${path.relative(ROOT_DIR, file)}`
        : 'nothing ran';
      out.push(`## ${section.title}, ${sizeMiB} MiB (${what})`, '', table(rows, section), '');
    }
  }

  const ran = new Set(wanted.map((c) => c.format));
  out.push(
    'Notes: MB = 10^6 bytes. "vs" columns are throughput ratios. Peak RSS is the process\'s maxRSS. ' +
      'EL delay is perf_hooks.monitorEventLoopDelay (1 ms resolution) from the first MB on (whole-file ' +
      'parsers and parseFile, which reads the file itself: from before the read). Busy ms/MB is event-loop utilization × wall time per MB, i.e. ' +
      'main-thread time; for the Rust baselines (raw quick-xml, quick-xml in memory, the sluice core alone) it is their ' +
      'one thread\'s wall time, and their peak RSS is that of a process without Node (quick-xml in ' +
      'memory: with the whole file read in before the clock starts).' +
      (ran.has('xml')
        ? ' The SAX contenders share contenders/builder.js; xml-flow and xml-stream build their own objects.'
        : '') +
      ' The input file is in the page cache.',
    '',
  );
  if (ran.has('json') || ran.has('ndjson')) {
    out.push(
      'JSON sections: the .json and .ndjson files hold the XML catalog\'s releases as plain JSON objects ' +
        '(generate.js releaseJson; release N is the same record as in the XML file of the same size, and ' +
        'a file holds about three times as many releases, with no resource or deal lists around them). ' +
        'The document is `{"releases":[...]}` with one release per line. Every contender builds each ' +
        'release as a JS object and sums contenders/common.js jsonReleaseChecksum over them; the ' +
        'whole-file JSON.parse stops at V8\'s string limit (about 512 MiB), which shows as its error. ' +
        'The XML-shaped sections hold the same releases as XmlStream gives the XML elements ' +
        '(generate.js releaseXmlShaped: `@` attributes, `#text`, every value a string). The ceiling ' +
        'row JSON.parses each record\'s text alone, split and decoded beforehand, and counts only ' +
        'that time (contenders/json-parse-records.js); "vs ceiling" is each row\'s share of it.',
      '',
    );
  }
  const text = out.join('\n');
  process.stdout.write('\n' + text);
  fs.writeFileSync(path.join(BENCH_DIR, 'results.md'), text);
  log(`written to ${path.relative(process.cwd(), path.join(BENCH_DIR, 'results.md')) || 'results.md'}`);
  // The README shows this run as a chart.
  const svg = path.join(ROOT_DIR, 'docs', 'benchmark.svg');
  writeChart(path.join(BENCH_DIR, 'results.md'), svg);
  log(`chart written to ${path.relative(process.cwd(), svg)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
