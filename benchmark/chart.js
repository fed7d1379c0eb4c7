'use strict';
// Draws benchmark/results.md as an SVG bar chart (docs/benchmark.svg): throughput of every
// JavaScript contender, one panel per format at the largest size run. The Rust-only bounds and
// the read floor stay in the tables: they are not choices a JavaScript user has.
//
//   node benchmark/chart.js [results.md] [out.svg]
const fs = require('node:fs');
const path = require('node:path');

const WIDTH = 760;
const LABEL = 300; // width of the contender names
const BAR = 360; // width of the longest bar
const ROW = 22;
const ACCENT = '#d9480f';
const MUTED = '#868e96';

/** The sections of results.md: { title, size, rows: [{ name, mbPerSec | null, note }] }. */
function parseResults(text) {
  const sections = [];
  let current = null;
  for (const line of text.split('\n')) {
    const heading = /^#{2,4} (.+?), (\d+) MiB/.exec(line);
    if (heading) {
      current = { title: heading[1], size: Number(heading[2]), rows: [] };
      sections.push(current);
      continue;
    }
    if (!current || !line.startsWith('| ') || line.startsWith('| contender') || line.startsWith('|---')) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const [name, speed] = cells;
    if (/^floor|\(Rust/.test(name)) continue;
    const mbPerSec = speed === 'failed' ? null : Number(speed);
    current.rows.push({ name: name.replace(/`/g, ''), mbPerSec, note: mbPerSec === null ? 'failed: ' + cells.at(-1) : '' });
  }
  return sections;
}

function escape(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The SVG text for `sections`, keeping the largest size of each format. */
function chart(sections, subtitle) {
  const largest = new Map();
  for (const s of sections) if (!largest.has(s.title) || largest.get(s.title).size < s.size) largest.set(s.title, s);
  const panels = [...largest.values()];
  const max = Math.max(1, ...panels.flatMap((p) => p.rows.map((r) => r.mbPerSec ?? 0)));
  const out = [];
  let y = 66;
  for (const p of panels) {
    const size = p.size >= 1024 ? `${p.size / 1024} GiB` : `${p.size} MiB`;
    out.push(`<text x="0" y="${y}" class="h">${escape(`${p.title}, ${size}`)}</text>`);
    y += 10;
    for (const r of p.rows) {
      const sluice = r.name.startsWith('sluice');
      const w = r.mbPerSec === null ? 0 : Math.max(1, Math.round((r.mbPerSec / max) * BAR));
      out.push(
        `<text x="${LABEL - 8}" y="${y + 15}" class="l${sluice ? ' s' : ''}" text-anchor="end">${escape(r.name)}</text>`,
        `<rect x="${LABEL}" y="${y + 4}" width="${w}" height="${ROW - 8}" fill="${sluice ? ACCENT : MUTED}"/>`,
        `<text x="${LABEL + w + 6}" y="${y + 15}" class="v${sluice ? ' s' : ''}">${escape(r.mbPerSec === null ? r.note : `${r.mbPerSec} MB/s`)}</text>`,
      );
      y += ROW;
    }
    y += 24;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`,
    '<style>.h{font-size:15px;font-weight:600}.l,.v{font-size:12px}.s{font-weight:700}.t{font-size:16px;font-weight:700}.st{font-size:11px;fill:#495057}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    '<text x="0" y="18" class="t">Streaming one object per record: throughput, MB/s (higher is better)</text>',
    `<text x="0" y="34" class="st">${escape(subtitle)}</text>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

/** Reads `resultsFile` and writes its chart to `svgFile`. */
function writeChart(resultsFile, svgFile) {
  const text = fs.readFileSync(resultsFile, 'utf8');
  const node = /^- node (v[\d.]+)/m.exec(text)?.[1] ?? '';
  const cpu = /^- CPU: (.+)$/m.exec(text)?.[1] ?? '';
  const date = /^- date: (\d{4}-\d\d-\d\d)/m.exec(text)?.[1] ?? '';
  const subtitle = `node benchmark/run.js, ${date}; ${cpu}; node ${node}; medians. Full tables: docs/benchmarks.md`;
  fs.mkdirSync(path.dirname(svgFile), { recursive: true });
  fs.writeFileSync(svgFile, chart(parseResults(text), subtitle));
}

module.exports = { parseResults, chart, writeChart };

if (require.main === module) {
  const results = process.argv[2] ?? path.join(__dirname, 'results.md');
  const svg = process.argv[3] ?? path.join(__dirname, '..', 'docs', 'benchmark.svg');
  writeChart(results, svg);
  console.log(`written to ${path.relative(process.cwd(), svg)}`);
}
