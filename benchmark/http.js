'use strict';
// HTTP load check (not a test):
//   node benchmark/http.js [--seconds 8] [--rounds 3] [--only a,b] [--sizes 2,200]
//
// 50 concurrent keep-alive clients against a server in its own process (benchmark/
// http-server.js), one contender at a time, one body size at a time. One request in four has
// a malformed body (a mismatched end tag), which must be answered 400; the others must be
// answered 200 with the right record count. Reports requests/s, wrong answers, and the
// server's RSS over the measured window (the median of each quarter of it, and the peak).
const http = require('node:http');
const path = require('node:path');
const { fork } = require('node:child_process');
const { once } = require('node:events');

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const SECONDS = Number(arg('seconds', 8));
const ROUNDS = Number(arg('rounds', 3)); // contenders take turns; the table has the medians
const WARMUP = 1.5;
const CLIENTS = 50;
const SIZES = arg('sizes', '2,200').split(',').map(Number); // KB
const CONTENDERS = [
  { id: 'express-fxp', label: 'express.text() + fast-xml-parser (validate, parse)' },
  { id: 'sluice-express', label: 'sluice.express (records as they arrive)' },
  { id: 'fastify-xml-body-parser', label: 'fastify-xml-body-parser (validate: true)' },
  { id: 'sluice-fastify', label: 'sluice.fastify' },
].filter((c) => !arg('only') || arg('only').split(',').includes(c.id));

function catalog(kb) {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<Catalog>\n'];
  let size = parts[0].length;
  let n = 0;
  while (size < kb * 1000 - 200) {
    const r = `<Release id="${n}"><ICPN>${String(n).padStart(13, '0')}</ICPN><Title lang="en">Title ${n} &amp; more</Title><Artist>Artist ${n % 97}</Artist><Year>${1960 + (n % 60)}</Year></Release>\n`;
    parts.push(r);
    size += Buffer.byteLength(r);
    n++;
  }
  parts.push('</Catalog>\n');
  const valid = Buffer.from(parts.join(''));
  // A mismatched end tag in the middle record: every parser must refuse it.
  const mid = Math.floor(n / 2);
  parts[1 + mid] = parts[1 + mid].replace('</Title>', '</Titel>');
  return { valid, malformed: Buffer.from(parts.join('')), n };
}

function post(agent, port, body) {
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/', method: 'POST', agent, headers: { 'content-type': 'application/xml', 'content-length': body.length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('error', (err) => resolve({ status: 0, text: err.message }));
    req.end(body);
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

async function cell(contender, kb) {
  const server = fork(path.join(__dirname, 'http-server.js'), [contender.id], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [{ port }] = await once(server, 'message');
  const samples = [];
  let measuring = false;
  server.on('message', (m) => {
    if (m.rss && measuring) samples.push(m.rss);
  });
  const { valid, malformed, n } = catalog(kb);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  let done = 0;
  let wrong = 0;
  let example = null;
  let stop = false;
  let i = 0;
  const client = async () => {
    while (!stop) {
      const bad = i++ % 4 === 3;
      const r = await post(agent, port, bad ? malformed : valid);
      const right = bad ? r.status === 400 : r.status === 200 && JSON.parse(r.text).n === n;
      if (measuring && !stop) {
        done++;
        if (!right) {
          wrong++;
          example ??= `${bad ? 'malformed' : 'valid'} -> ${r.status} ${r.text.slice(0, 80)}`;
        }
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  await new Promise((r) => setTimeout(r, WARMUP * 1000));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  const counted = done;
  stop = true;
  measuring = false;
  await Promise.all(clients);
  agent.destroy();
  server.disconnect();
  await once(server, 'exit');
  const q = Math.max(1, Math.floor(samples.length / 4));
  const MiB = 1024 * 1024;
  const quarters = [0, 1, 2, 3].map((k) => median(samples.slice(k * q, k === 3 ? samples.length : (k + 1) * q)) / MiB);
  return {
    rps: counted / elapsed,
    wrong,
    example,
    requests: counted,
    rssStart: samples[0] / MiB,
    rssPeak: Math.max(...samples) / MiB,
    rssEnd: samples[samples.length - 1] / MiB,
    drift: (median(samples.slice(-q)) - median(samples.slice(0, q))) / MiB,
    quarters,
    bodyKb: valid.length / 1000,
  };
}

(async () => {
  const rows = [];
  for (const kb of SIZES) {
    const runs = new Map(CONTENDERS.map((c) => [c, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of CONTENDERS) {
        const r = await cell(c, kb);
        runs.get(c).push(r);
        console.error(`${kb} KB ${c.id}: ${r.rps.toFixed(0)} req/s, ${r.wrong} wrong${r.example ? ` (${r.example})` : ''}`);
      }
    }
    for (const [c, rs] of runs) {
      // The median run by req/s, with every run's wrong answers counted.
      const r = { ...[...rs].sort((a, b) => a.rps - b.rps)[Math.floor(rs.length / 2)] };
      r.wrong = rs.reduce((t, x) => t + x.wrong, 0);
      r.requests = rs.reduce((t, x) => t + x.requests, 0);
      r.all = rs.map((x) => x.rps.toFixed(0)).join(', ');
      rows.push({ kb, c, r });
    }
  }
  const base = (kb, id) => rows.find((x) => x.kb === kb && x.c.id === id)?.r.rps;
  const lines = [
    `${CLIENTS} clients, ${SECONDS} s per cell after ${WARMUP} s warm-up, median of ${ROUNDS} rounds, 1 body in 4 malformed; node ${process.version}, ${require('node:os').cpus().length} CPUs`,
    '',
    '| body | server | req/s (median; each round) | vs. the route users write | wrong answers | server RSS MiB, median round: each quarter’s median (peak) |',
    '|---|---|---:|---:|---:|---|',
  ];
  for (const { kb, c, r } of rows) {
    const ref = c.id === 'sluice-express' ? base(kb, 'express-fxp') : c.id === 'sluice-fastify' ? base(kb, 'fastify-xml-body-parser') : undefined;
    const ratio = ref ? `${(r.rps / ref).toFixed(2)}×` : '';
    lines.push(
      `| ${r.bodyKb.toFixed(1)} KB | ${c.label} | ${r.rps.toFixed(0)} (${r.all}) | ${ratio} | ${r.wrong} of ${r.requests} | ${r.quarters.map((x) => x.toFixed(0)).join(' → ')} (${r.rssPeak.toFixed(0)}) |`,
    );
  }
  console.log(lines.join('\n'));
})();
