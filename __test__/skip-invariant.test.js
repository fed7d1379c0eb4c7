'use strict';
// The skip invariant of `onError: 'skip'`, as a property over corrupted documents: every
// selected element of the clean document is either emitted as a record or accounted for by a
// 'skip' event, or the stream fails with a positioned error. Never a normal end with records
// missing. Skips' recordIndex values and the emitted records together number the records
// 0..n-1 without gaps or repeats, and every record the corruption did not touch is emitted
// exactly as in the clean document, at its own index.
//
// (a) generated lists with random corruptions (deleted end or start tags, deleted bytes, bad
// entities, mismatched end tags, lost quotes, stray comment/CDATA/PI openers and closers,
// several at once); (b) DDEX messages from the corpus with one
// record corrupted.
//
//   SLUICE_SKIP_DOCS=N   generated documents (default 2000)
//   SLUICE_SKIP_SEED=N   first seed (default 1)
//   SLUICE_SKIP_SHOW=N   failures to print (default 12)
//   SLUICE_SKIP_LISTS=N  long lists through parseFile (default 6)
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { isDeepStrictEqual } = require('node:util');
const { XmlStream, parseFile } = require('..');
const { chunks, drain, rng, tempDocs } = require('./helpers');
const { corpora, haveCorpora, positioned } = require('./gen/oracle');

const DOCS = Number(process.env.SLUICE_SKIP_DOCS || 2000);
const SEED = Number(process.env.SLUICE_SKIP_SEED || 1);
const SHOW = Number(process.env.SLUICE_SKIP_SHOW || 12);

const run = (pieces, options) => drain(new XmlStream(options), pieces);

/**
 * Selected elements inside an emitted record. Deleting one record's start tag and another's
 * end tag can leave a well-formed document in which a record holds others; records never
 * nest (the README), so they are emitted inside the outer one: kept, not lost.
 */
function nestedRecords(value) {
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  for (const [k, v] of Object.entries(value)) {
    const own = k === 'a' || k === 'p:a' ? (Array.isArray(v) ? v.length : 1) : 0;
    n += own + (Array.isArray(v) ? v.reduce((m, x) => m + nestedRecords(x), 0) : nestedRecords(v));
  }
  return n;
}

/** How many records one skip accounts for: a count if sluice reports one, else one. */
const swallowed = (k) => k.records ?? k.swallowed ?? k.count ?? 1;

/**
 * Null if `got` keeps the invariant for a clean document of records `clean`, where the
 * records at the indexes in `touched` were corrupted (so their content may differ); else why
 * not.
 */
function violation(got, clean, touched, removed = 0) {
  // A start tag the corruption took away removes a selected element: its content joins the
  // parent. A start tag broken rather than deleted (`<p<:a`, `<:a`) may still be taken for a
  // damaged record and skipped, so it may be counted or not: between `n - removed` and `n`.
  const n = clean.length;
  const least = n - removed;
  const covered = new Map();
  for (const k of got.skips) {
    if (!Number.isInteger(k.recordIndex) || k.recordIndex < 0) return `skip without a recordIndex: ${JSON.stringify(k)}`;
    for (let j = 0; j < swallowed(k); j++) {
      const i = k.recordIndex + j;
      if (covered.has(i)) return `record ${i} accounted for by two skips (${JSON.stringify(got.skips.map((s) => s.recordIndex))})`;
      covered.set(i, k);
    }
  }
  const nested = got.records.map(nestedRecords);
  const total = got.records.length + covered.size + nested.reduce((a, b) => a + b, 0);
  if (got.error) {
    if (!positioned(got.error)) return `failed without code and position: ${got.error.message}`;
    if (total > n) return `${got.records.length} records + ${covered.size} skipped > ${n} in the clean document, then ${got.error.code}`;
  } else if (total < least || total > n) {
    return (
      `normal end with ${got.records.length} records + ${covered.size} skipped (indexes ` +
      `${JSON.stringify([...covered.keys()])}) for ${least === n ? n : `${least} to ${n}`} selected elements` +
      (total < least ? `: ${least - total} lost silently` : '')
    );
  }
  for (const i of covered.keys()) if (i >= total) return `skip index ${i} beyond the ${total} records accounted for`;
  if (removed) return null; // indexes no longer line up with the clean document's
  let i = 0;
  for (const [j, r] of got.records.entries()) {
    while (covered.has(i)) i++;
    if (!touched.has(i) && !isDeepStrictEqual(r, clean[i])) {
      return `emitted record ${j} (index ${i}) is ${JSON.stringify(r).slice(0, 200)}, clean record ${i} is ${JSON.stringify(clean[i]).slice(0, 200)}`;
    }
    i += 1 + nested[j];
  }
  return null;
}

// --- (a) generated lists ---------------------------------------------------------------------

const WORDS = ['x', 'é', '日本', '🎵', '&amp;', '&#233;', '42', ' pad '];

/**
 * A list of `<a>` records (some `p:a`) with nested children, never another `a` inside one
 * (whether a nested `<a>` in a broken record starts a record is sluice's call, so it is
 * tested in regressions-11 rather than here). Returns { xml, spans } with each record's
 * [start, end) in `xml`.
 */
function generate(r) {
  const pick = (arr) => arr[Math.floor(r() * arr.length)];
  const text = () => pick(WORDS);
  const child = (depth) => {
    const name = pick(['b', 'c', 'p:d']);
    const attrs = r() < 0.3 ? ` k="${pick(['1', 'é', '&lt;'])}"` : '';
    if (r() < 0.15) return `<${name}${attrs}/>`;
    let body = '';
    const n = depth > 2 ? 0 : Math.floor(r() * 3);
    for (let i = 0; i < n; i++) body += child(depth + 1);
    if (!n || r() < 0.4) body += r() < 0.1 ? `<![CDATA[${text()}]]>` : r() < 0.1 ? `<!-- ${text()} -->${text()}` : text();
    return `<${name}${attrs}>${body}</${name}>`;
  };
  let xml = '<root xmlns:p="urn:p"><L>';
  const spans = [];
  const n = 2 + Math.floor(r() * 9);
  for (let i = 0; i < n; i++) {
    xml += r() < 0.5 ? '\n  ' : '';
    const name = r() < 0.8 ? 'a' : 'p:a';
    let body = '';
    const kids = Math.floor(r() * 4);
    for (let j = 0; j < kids; j++) body += child(1);
    if (!kids) body = text();
    const rec = r() < 0.05 ? `<${name} id="${i}"/>` : `<${name} id="${i}">${body}</${name}>`;
    spans.push([xml.length, xml.length + rec.length]);
    xml += rec;
  }
  return { xml: `${xml}\n</L></root>\n`, spans };
}

/** Tags in xml[s, e): { s, e, end } for every `<…>` that is a start or end tag. */
function tags(xml, s, e) {
  const out = [];
  const re = /<(\/?)[\w:]+[^>]*>/g;
  re.lastIndex = s;
  let m;
  while ((m = re.exec(xml)) && m.index < e) out.push({ s: m.index, e: m.index + m[0].length, end: m[1] === '/', text: m[0] });
  return out;
}

/**
 * Corruptions, each (xml, [s, e) of the target record, r) -> { xml, at } or null when it
 * does not apply; `at` is where the damage is (an offset into the clean document).
 */
const CORRUPTIONS = {
  'record end tag deleted': (xml, [s, e]) => {
    if (xml[e - 2] === '/') return null;
    const at = xml.lastIndexOf('</', e);
    return { xml: xml.slice(0, at) + xml.slice(e), at };
  },
  'record start tag deleted': (xml, [s]) => {
    const gt = xml.indexOf('>', s) + 1;
    // An empty-element record would vanish whole, leaving a well-formed document.
    if (xml[gt - 2] === '/') return null;
    return { xml: xml.slice(0, s) + xml.slice(gt), at: s };
  },
  'inner end tag deleted': (xml, [s, e], r) => {
    const inner = tags(xml, s + 1, e).filter((t) => t.end && t.e < e);
    if (!inner.length) return null;
    const t = inner[Math.floor(r() * inner.length)];
    return { xml: xml.slice(0, t.s) + xml.slice(t.e), at: t.s };
  },
  'inner end tag renamed': (xml, [s, e], r) => {
    const inner = tags(xml, s + 1, e).filter((t) => t.end && t.e < e);
    if (!inner.length) return null;
    const t = inner[Math.floor(r() * inner.length)];
    return { xml: `${xml.slice(0, t.e - 1)}Z${xml.slice(t.e - 1)}`, at: t.s };
  },
  'record end tag renamed': (xml, [s, e]) => {
    if (xml[e - 2] === '/') return null;
    return { xml: `${xml.slice(0, e - 1)}Z${xml.slice(e - 1)}`, at: e - 1 };
  },
  'bad entity': (xml, [s, e], r) => {
    const gts = [];
    for (let i = xml.indexOf('>', s); i >= 0 && i < e - 1; i = xml.indexOf('>', i + 1)) gts.push(i + 1);
    const at = gts[Math.floor(r() * gts.length)];
    return { xml: `${xml.slice(0, at)}&bad;${xml.slice(at)}`, at };
  },
  'byte deleted in the record': (xml, [s, e], r) => {
    const at = s + Math.floor(r() * (e - s));
    return { xml: xml.slice(0, at) + xml.slice(at + 1), at };
  },
  '< inserted in the record': (xml, [s, e], r) => {
    const at = s + 1 + Math.floor(r() * (e - s - 1));
    return { xml: `${xml.slice(0, at)}<${xml.slice(at)}`, at };
  },
  'quote deleted in the record': (xml, [s, e], r) => {
    const quotes = [];
    for (let i = xml.indexOf('"', s); i >= 0 && i < e; i = xml.indexOf('"', i + 1)) quotes.push(i);
    if (!quotes.length) return null;
    const at = quotes[Math.floor(r() * quotes.length)];
    return { xml: xml.slice(0, at) + xml.slice(at + 1), at };
  },
  // Openers that make what follows a comment, CDATA or PI up to a closer further on, and
  // closers and quotes out of place.
  'markup inserted in the record': (xml, [s, e], r) => {
    const at = s + 1 + Math.floor(r() * (e - s - 1));
    const what = ['<!--', '<![CDATA[', '<?x ', '&', ']]>', '"', '>', '</', '--'][Math.floor(r() * 9)];
    return { xml: `${xml.slice(0, at)}${what}${xml.slice(at)}`, at };
  },
};

/**
 * Start tags of `name` in `xml`, any prefix, outside comments and CDATA sections: a corruption
 * that breaks a `]]>` or `-->` turns what follows, up to the next one, into character data, so
 * a record start tag there is gone from the document as surely as a deleted one.
 */
const startTags = (xml, name) =>
  (xml.replace(/<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<!--[\s\S]*?(?:-->|$)/g, '').match(new RegExp(`<(\\w+:)?${name}[\\s>/]`, 'g')) ?? []).length;

/**
 * The corruption, unless it made a new start tag of the record's name (a byte deleted from
 * `</a>`): the clean document then no longer says how many records there are.
 */
function corruptOnce(how, xml, span, r, name) {
  const out = CORRUPTIONS[how](xml, span, r);
  return out && startTags(out.xml, name) <= startTags(xml, name) ? out : null;
}

/** Indexes of the records whose span contains `at`; around a deleted end tag, the next too. */
function touchedBy(spans, at) {
  const out = new Set();
  spans.forEach(([s, e], i) => {
    if (at >= s && at < e) out.add(i);
  });
  return out;
}

test('(a) generated lists, randomly corrupted: every record emitted or accounted for by a skip', { timeout: 300_000 }, async () => {
  const failures = [];
  const names = Object.keys(CORRUPTIONS);
  for (let d = 0; d < DOCS; d++) {
    const seed = SEED + d;
    const r = rng(seed);
    const { xml, spans } = generate(r);
    const options = { select: 'a', onError: 'skip' };
    const clean = await run([Buffer.from(xml)], options);
    assert.equal(clean.error, null, clean.error?.message);
    assert.equal(clean.records.length, spans.length);
    // One to three corruptions in distinct records, applied last first so spans stay put.
    const hits = new Map();
    const want = 1 + (r() < 0.3 ? 1 + Math.floor(r() * 2) : 0);
    for (let t = 0; t < 10 && hits.size < want; t++) hits.set(Math.floor(r() * spans.length), names[Math.floor(r() * names.length)]);
    let bad = xml;
    const touched = new Set();
    const applied = [];
    for (const k of [...hits.keys()].sort((a, b) => b - a)) {
      const out = corruptOnce(hits.get(k), bad, spans[k], r, 'a');
      if (!out) continue;
      bad = out.xml;
      for (const i of touchedBy(spans, out.at)) touched.add(i);
      touched.add(k);
      applied.push(`${hits.get(k)} in record ${k}`);
    }
    if (!applied.length) continue;
    const buf = Buffer.from(bad);
    const sizes = [[buf.length], [1 + Math.floor(r() * 9)]];
    for (const size of sizes) {
      const got = await run(chunks(buf, size), options);
      // Start tags the corruptions took away (deleted, broken into text such as `<p<:a` or
      // `a id=`, or hidden in a comment or CDATA section left open): those elements are no
      // longer in the document, so nothing can be owed for them.
      const removed = startTags(xml, 'a') - startTags(bad, 'a');
      const why = violation(got, clean.records, touched, removed);
      if (why) {
        failures.push({ applied, text: `seed ${seed}, ${applied.join(', ')}, chunks ${size}: ${why}\n  ${bad.replace(/\n\s*/g, '')}` });
        break;
      }
    }
  }
  // Which corruptions break it, counted over documents with a single one.
  const byKind = {};
  for (const f of failures) if (f.applied.length === 1) byKind[f.applied[0].replace(/ in record \d+/, '')] = (byKind[f.applied[0].replace(/ in record \d+/, '')] ?? 0) + 1;
  assert.deepEqual(
    failures.slice(0, SHOW).map((f) => f.text),
    [],
    `${failures.length} of ${DOCS} corrupted documents break the skip invariant; with one corruption: ${JSON.stringify(byKind)} (first ${SHOW} shown)`,
  );
});

// --- (b) DDEX messages ----------------------------------------------------------------------

const DDEX = [
  ['ern-4.3/6_Ringtone.xml', 'Deal'],
  ['ern-4.3/1_Audio.xml', 'SoundRecording'],
  ['ern-3.8.2/dedex_016_utf8_artists.xml', 'Release'],
  ['ern-3.8.2/dedex_016_utf8_artists.xml', 'Deal'],
  ['ern-4.3/3_MixedMedia.xml', 'Deal'],
  ['ern-3.8.2/dedex_001_audioalbum_complete.xml', 'Release'],
];

/** [start, end) of every top-level `<name>` element of `xml` (DDEX never nests them). */
function spansOf(xml, name) {
  const out = [];
  const open = new RegExp(`<(\\w+:)?${name}[\\s>/]`, 'g');
  let m;
  while ((m = open.exec(xml))) {
    const prefix = m[1] ?? '';
    const close = `</${prefix}${name}>`;
    const end = xml.indexOf(close, m.index) + close.length;
    out.push([m.index, end]);
    open.lastIndex = end;
  }
  return out;
}

test('(b) DDEX messages with one record corrupted: every record emitted or accounted for', { skip: haveCorpora ? false : 'corpora not found (set SLUICE_CORPORA)', timeout: 300_000 }, async (t) => {
  for (const [file, name] of DDEX) {
    const xml = fs.readFileSync(path.join(corpora, 'ddex', file), 'utf8');
    const options = { select: name, onError: 'skip' };
    const clean = await run([Buffer.from(xml)], options);
    const spans = spansOf(xml, name);
    assert.equal(clean.error, null);
    assert.equal(clean.records.length, spans.length, `${file}: ${name} records vs <${name}> start tags`);
    const r = rng(spans.length * 31 + name.length);
    await t.test(`${file} select ${name} (${spans.length} records)`, async () => {
      const failures = [];
      for (const how of Object.keys(CORRUPTIONS)) {
        const ks = new Set([1, spans.length - 1, Math.floor(r() * spans.length)].filter((k) => k >= 0 && k < spans.length));
        for (const k of ks) {
          const out = corruptOnce(how, xml, spans[k], r, name);
          if (!out) continue;
          const touched = touchedBy(spans, out.at).add(k);
          const buf = Buffer.from(out.xml);
          for (const size of [[buf.length], [4096]]) {
            const got = await run(chunks(buf, size), options);
            const why = violation(got, clean.records, touched, how === 'record start tag deleted' ? 1 : 0);
            if (why) {
              failures.push(`${how} in ${name} ${k} (${size}-byte chunks): ${why}`);
              break;
            }
          }
        }
      }
      assert.deepEqual(failures, []);
    });
  }
});

module.exports = { violation, spansOf };

// --- (c) long corrupted lists through parseFile ---------------------------------------------

test('(c) parseFile on 1 and 2 threads in 4 KiB parts gives the stream\'s records and skips on corrupted lists', { timeout: 300_000 }, async (t) => {
  const { write } = tempDocs('sluice-skip-split-', t.after.bind(t));
  // Not a deleted start tag: its end tag then stands outside any record and ends the list.
  const names = Object.keys(CORRUPTIONS).filter((k) => k !== 'record start tag deleted');
  const seen = { skips: 0, failed: 0 };
  for (let d = 0; d < Number(process.env.SLUICE_SKIP_LISTS || 6); d++) {
    const r = rng(SEED * 1000 + d);
    // Several generated lists' records in one list, about 40 KiB, a tenth of them corrupted.
    let body = '';
    while (body.length < 40_000) {
      const { xml, spans } = generate(r);
      for (const [s, e] of spans) {
        const rec = xml.slice(s, e);
        const out = r() < 0.1 ? corruptOnce(names[Math.floor(r() * names.length)], rec, [0, rec.length], r, 'a') : null;
        body += `\n${out ? out.xml : rec}`;
      }
    }
    const file = write(`<root xmlns:p="urn:p"><L>${body}\n</L></root>\n`);
    const options = { select: 'a', onError: 'skip' };
    const want = await run([fs.readFileSync(file)], options);
    // A corruption can also leave markup no record holds, which ends the list: the split
    // must then fail alike, after the same records.
    seen.skips += want.skips.length;
    seen.failed += want.error ? 1 : 0;
    for (const threads of [1, 2]) {
      const got = { records: [], skips: [], error: null };
      const s = parseFile(file, { ...options, threads, partBytes: 4096 });
      s.on('skip', (k) => got.skips.push(k));
      try {
        for await (const rec of s) got.records.push(rec);
      } catch (e) {
        got.error = e;
      }
      const label = `list ${d}, threads ${threads}`;
      assert.deepEqual(got.records, want.records, label);
      assert.deepEqual(
        got.skips.map((k) => [k.recordIndex, k.code, k.offset, k.line, k.column]),
        want.skips.map((k) => [k.recordIndex, k.code, k.offset, k.line, k.column]),
        label,
      );
      assert.equal(got.error?.code, want.error?.code, label);
      assert.equal(got.error?.offset, want.error?.offset, label);
    }
  }
  assert.ok(seen.skips >= 5, `the lists have records to skip: ${JSON.stringify(seen)}`);
});
