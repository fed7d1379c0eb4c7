'use strict';
// Runs the W3C XML Conformance Test Suite (xmlts 20130923, corpora/xmlconf) through XmlStream.
// Shared by the node test (targets) and `npm run conformance` (markdown report).
//
// Every test document is parsed whole with `select: '/*'`. A test is not applicable when the
// MANIFEST columns show that its outcome depends on something sluice deliberately does not do
// (read external entities or DTDs, apply DTD attribute defaults, XML 1.1, pre-5th-edition
// rules) or that the suite leaves open (`error`); the decision never looks at our result.
const fs = require('node:fs');
const path = require('node:path');
const { isDeepStrictEqual } = require('node:util');
const { corpora, manifest, collect } = require('./helpers');

const ROOT = path.join(corpora, 'xmlconf');

/** Suite a test belongs to, from its path (the catalogs of the README's table). */
function suiteOf(p) {
  const parts = p.split('/');
  if (parts[0] === 'ibm' && parts[1] === 'xml-1.1') return 'ibm/xml-1.1';
  if (parts[0] === 'eduni') {
    if (parts[1] === 'namespaces') return `eduni/namespaces/${parts[2]}`;
    return `eduni/${parts[1]}`;
  }
  return parts[0];
}

/** Encoding a test document is in, from its BOM or declaration (lower case). */
function encodingOf(buf) {
  if (buf[0] === 0xfe && buf[1] === 0xff) return 'utf-16be';
  if (buf[0] === 0xff && buf[1] === 0xfe) return 'utf-16le';
  if (buf[0] === 0x00 && buf[1] === 0x3c) return 'utf-16be';
  if (buf[0] === 0x3c && buf[1] === 0x00) return 'utf-16le';
  const head = buf.subarray(0, 200).toString('latin1');
  const m = /^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(head);
  return m ? m[1].toLowerCase() : 'utf-8';
}

/**
 * Applicable tests sluice misses on purpose, with why. They stay counted as misses.
 */
const DEVIATIONS = {
  'rmt-ns10-012':
    'needs the DTD attribute type (NMTOKEN) to normalise an `xmlns:` value before comparing namespaces; DTD attribute types are not applied',
};

const UTF8 = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

/** Whether the addon decodes `enc` itself (set when encodings land; probed, not assumed). */
let supportedEncodings = null;
async function probeEncodings() {
  if (supportedEncodings) return supportedEncodings;
  supportedEncodings = new Set(UTF8);
  for (const enc of ['utf-16', 'iso-8859-1', 'windows-1252', 'shift_jis', 'euc-jp', 'iso-2022-jp', 'big5', 'euc-kr', 'koi8-r']) {
    const text = `<?xml version="1.0" encoding="${enc}"?><r/>`;
    const doc = enc === 'utf-16' ? Buffer.from(`\ufeff${text}`, 'utf16le') : Buffer.from(text);
    const { error } = await collect([doc], {});
    if (!error || error.code !== 'ERR_SLUICE_UNSUPPORTED_ENCODING') supportedEncodings.add(enc);
  }
  return supportedEncodings;
}

/**
 * Whether a test applies, with the reason when it does not, and the options to run it with.
 * `compare` says whether the root record can be compared with the canonical output.
 */
function classify(row, buf, encodings) {
  const na = (reason) => ({ applicable: false, reason });
  if (row.type === 'error') return na('`error` type: the spec lets a parser report it or not');
  if (row.version === '1.1') return na('XML 1.1');
  if (row.edition && !row.edition.split(/\s+/).includes('5')) {
    return na('EDITION excludes the 5th edition (older name rules)');
  }
  if (row.entities !== 'none') return na('needs external entities (ENTITIES=' + row.entities + ')');
  if (row.doctype === 'external' || row.doctype === 'both') return na('needs the external DTD subset');
  const enc = encodingOf(buf);
  const known = enc.startsWith('utf-16') ? encodings.has('utf-16') : encodings.has(enc);
  if (!known) return na(`encoding ${enc.startsWith('utf-16') ? 'UTF-16' : enc} not supported`);
  const decls = row.internal_dtd_decls || '';
  const options = {
    select: '/*',
    namespaces: row.namespace !== 'no',
    expandInternalEntities: true,
    trimValues: false,
  };
  // ATTLIST declarations change the data (defaults, tokenised-type normalisation), which a
  // non-validating parser that ignores them cannot reproduce: acceptance still counts.
  const compare = Boolean(row.output) && !/ATTLIST/.test(decls);
  return { applicable: true, options, compare, compareSkip: row.output && !compare ? 'ATTLIST defaults/normalisation' : null };
}

async function parse(buf, options) {
  return collect([buf], options);
}

function positioned(err, size) {
  return (
    typeof err.code === 'string' &&
    err.code.startsWith('ERR_SLUICE_') &&
    Number.isInteger(err.line) &&
    err.line >= 1 &&
    Number.isInteger(err.column) &&
    err.column >= 1 &&
    Number.isInteger(err.offset) &&
    err.offset >= 0 &&
    err.offset <= size
  );
}

/** Runs one test; returns a result row. */
async function runTest(row, encodings) {
  const file = path.join(ROOT, row.path);
  const buf = fs.readFileSync(file);
  const suite = suiteOf(row.path);
  const c = classify(row, buf, encodings);
  const base = { id: row.id, path: row.path, type: row.type, suite, description: row.description };
  if (!c.applicable) return { ...base, applicable: false, reason: c.reason };
  const { records, error } = await parse(buf, c.options);
  const res = {
    ...base,
    applicable: true,
    accepted: !error,
    error: error ? { code: error.code, message: error.message, line: error.line, column: error.column, offset: error.offset } : null,
    positioned: error ? positioned(error, buf.length) : null,
    output: null,
  };
  if (!error && c.compare) {
    const out = fs.readFileSync(path.join(ROOT, row.output));
    const expected = await parse(out, c.options);
    if (expected.error) res.output = { ok: false, why: `canonical output does not parse: ${expected.error.message}` };
    else res.output = isDeepStrictEqual(records, expected.records)
      ? { ok: true }
      : { ok: false, why: `got ${JSON.stringify(records)} expected ${JSON.stringify(expected.records)}` };
  } else if (!error && c.compareSkip) {
    res.output = { skipped: c.compareSkip };
  }
  return res;
}

/** Runs the whole suite, `parallel` documents at a time. Null when the corpus is absent. */
async function runSuite({ parallel = 8 } = {}) {
  const rows = manifest('xmlconf');
  if (!rows) return null;
  const encodings = await probeEncodings();
  const results = new Array(rows.length);
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const i = next++;
      results[i] = await runTest(rows[i], encodings);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

/** Counts per type and per suite, and N/A reasons. */
function summarize(results) {
  const blank = () => ({ total: 0, na: 0, accepted: 0, rejected: 0, positioned: 0, outOk: 0, outBad: 0 });
  const byType = {};
  const bySuite = {};
  const reasons = {};
  for (const r of results) {
    for (const [map, key] of [[byType, r.type], [bySuite, r.suite]]) {
      const s = (map[key] ??= { valid: blank(), invalid: blank(), 'not-wf': blank(), error: blank() })[r.type];
      s.total++;
      if (!r.applicable) s.na++;
      else if (r.accepted) s.accepted++;
      else {
        s.rejected++;
        if (r.positioned) s.positioned++;
      }
      if (r.output?.ok === true) s.outOk++;
      if (r.output?.ok === false) s.outBad++;
    }
    if (!r.applicable) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
  }
  return { byType, bySuite, reasons };
}

function pct(n, d) {
  return d === 0 ? '–' : `${((100 * n) / d).toFixed(1)}%`;
}

/** The report as markdown. */
function markdown(results) {
  const { byType, bySuite, reasons } = summarize(results);
  const lines = [];
  const types = ['valid', 'invalid', 'not-wf'];
  lines.push('| type | tests | N/A | applicable | accepted | rejected | target met |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const t of [...types, 'error']) {
    const s = byType[t]?.[t];
    if (!s) continue;
    const app = s.total - s.na;
    const goal = t === 'not-wf' ? `${pct(s.rejected, app)} rejected (≥ 95%)` : t === 'error' ? 'n/a' : `${pct(s.accepted, app)} accepted (100%)`;
    lines.push(`| ${t} | ${s.total} | ${s.na} | ${app} | ${s.accepted} | ${s.rejected} | ${goal} |`);
  }
  const all = results.filter((r) => r.output);
  const outOk = all.filter((r) => r.output.ok === true).length;
  const outBad = all.filter((r) => r.output.ok === false).length;
  const outSkip = all.filter((r) => r.output.skipped).length;
  lines.push('');
  lines.push(`Canonical output (James Clark form) compared for ${outOk + outBad} accepted tests: ${outOk} equal, ${outBad} different; ${outSkip} not compared (ATTLIST defaults/normalisation).`);
  const misses = failures(results);
  if (misses.length > 0) {
    lines.push('');
    lines.push('Applicable tests missed:');
    lines.push('');
    for (const r of misses) {
      const why = DEVIATIONS[r.id] ?? (r.type === 'not-wf' ? 'accepted' : r.output?.ok === false ? 'different data' : 'rejected');
      lines.push(`- \`${r.id}\` (${r.type}, ${r.path}): ${r.description} — ${why}`);
    }
    lines.push('');
  }
  const notWf = results.filter((r) => r.applicable && r.type === 'not-wf' && !r.accepted);
  lines.push(`Rejected not-wf tests with a positioned error (code, line, column, offset): ${notWf.filter((r) => r.positioned).length} of ${notWf.length}.`);
  lines.push('');
  lines.push('Per suite (accepted or rejected / applicable):');
  lines.push('');
  lines.push('| suite | valid accepted | invalid accepted | not-wf rejected | N/A |');
  lines.push('| --- | ---: | ---: | ---: | ---: |');
  for (const suite of Object.keys(bySuite).sort()) {
    const m = bySuite[suite];
    const cell = (t, key) => {
      const s = m[t];
      const app = s.total - s.na;
      return app === 0 ? '–' : `${s[key]}/${app}`;
    };
    const na = types.concat('error').reduce((n, t) => n + m[t].na, 0);
    lines.push(`| ${suite} | ${cell('valid', 'accepted')} | ${cell('invalid', 'accepted')} | ${cell('not-wf', 'rejected')} | ${na} |`);
  }
  lines.push('');
  lines.push('| not applicable because | tests |');
  lines.push('| --- | ---: |');
  for (const [why, n] of Object.entries(reasons).sort((a, b) => b[1] - a[1])) lines.push(`| ${why} | ${n} |`);
  return lines.join('\n');
}

/** Applicable tests that miss their target, for diagnosis. */
function failures(results) {
  return results.filter(
    (r) =>
      r.applicable &&
      ((r.type === 'not-wf' && r.accepted) ||
        ((r.type === 'valid' || r.type === 'invalid') && !r.accepted) ||
        r.output?.ok === false),
  );
}

module.exports = { runSuite, summarize, markdown, failures, classify, suiteOf, DEVIATIONS };

if (require.main === module) {
  runSuite().then((results) => {
    if (!results) {
      console.log('xmlconf corpus not found beside the project; nothing to report');
      return;
    }
    console.log(markdown(results));
    if (process.argv.includes('--failures')) {
      for (const r of failures(results)) {
        console.log(`\n${r.id} (${r.type}) ${r.path}: ${r.description}`);
        console.log(r.accepted ? (r.output?.why ?? 'accepted') : `${r.error.code}: ${r.error.message}`);
      }
    }
  });
}
