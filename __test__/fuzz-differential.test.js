'use strict';
// Seeded differential fuzz against fast-xml-parser on documents built to collide (gen/collide.js):
// one local name under several prefixes, attribute/child/text/CDATA keys meeting, xmlns
// declarations, repeated siblings, under random option sets and random chunkings.
//
// Where fast-xml-parser keeps every value, each record must deep-equal its answer. Where it
// drops one itself (`x:id` and `id` under removeNSPrefix, an attribute and a child under
// attributeNamePrefix '', or it refuses a child named like textNodeName/cdataPropName), sluice
// must not lose a value silently: it fails with a positioned error, or every value is in the
// record.
//
//   SLUICE_FUZZ_DOCS=N       documents to run (default 1500)
//   SLUICE_FUZZ_SECONDS=N    run for N seconds instead
//   SLUICE_FUZZ_SEED=N       first seed (default 1)
//   SLUICE_FUZZ_REDUCE=N     failures to shrink and report (default 6)
//   SLUICE_FUZZ_REDUCE_EVERY=N  shrink one failure in N (spreads the shrunk ones over a long run)
//   SLUICE_FUZZ_NO_COLLIDE=1 documents and options where no two things can meet under one key,
//                            to look for anything else (collisions mask it in the same document)
//   SLUICE_FUZZ_REPORT=file  also write the failure classes as JSON
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { isDeepStrictEqual } = require('node:util');
const { chunks, collect, rng } = require('./helpers');
const { generate, randomOptions, tokensOf } = require('./gen/collide');
const { fxpRecords, canonical, missing, positioned, collidingRecords } = require('./gen/oracle');
const { reduce } = require('./gen/reduce');

const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const SECONDS = env('SLUICE_FUZZ_SECONDS', 0);
const DOCS = env('SLUICE_FUZZ_DOCS', SECONDS ? Infinity : 1500);
const SEED = env('SLUICE_FUZZ_SEED', 1);
const REDUCE = env('SLUICE_FUZZ_REDUCE', 6);
const REDUCE_EVERY = env('SLUICE_FUZZ_REDUCE_EVERY', 1);
const COLLIDE = !process.env.SLUICE_FUZZ_NO_COLLIDE;

/**
 * One document, one option set, one chunking: null when sluice is right, else
 * { signature, detail }. The signature names the kind of failure, so shrinking keeps it.
 * Records where fast-xml-parser has no usable answer (collidingRecords) are held to "nothing
 * lost silently"; the others must deep-equal fast-xml-parser's.
 */
async function check(xml, options, sizes) {
  const tokens = tokensOf(xml);
  const colliding = collidingRecords(xml, options);
  let want = null;
  let fxpError = null;
  try {
    want = fxpRecords(xml, options);
  } catch (e) {
    fxpError = e;
  }
  // fast-xml-parser refusing the document (a child named like textNodeName) leaves only
  // the weak check, but only if such a child is there: otherwise the oracle is broken.
  if (fxpError && !colliding.some(Boolean)) throw fxpError;
  const usable = (i) => want !== null && !colliding[i] && missing(want[i], tokens[i], options).length === 0;
  const got = await collect(chunks(Buffer.from(xml), sizes), { select: 'rec', ...options });
  const fxp = fxpError ? `fast-xml-parser throws: ${fxpError.message}` : `fast-xml-parser: ${JSON.stringify(want)}`;
  const tell = (signature, why) => ({ signature, detail: `${why}\nsluice records: ${JSON.stringify(got.records)}${got.error ? `, then ${got.error.code}: ${got.error.message}` : ''}\n${fxp}` });
  for (let i = 0; i < got.records.length && i < tokens.length; i++) {
    if (usable(i)) {
      if (!isDeepStrictEqual(canonical(got.records[i]), canonical(want[i]))) return tell('mismatch', `record ${i} differs`);
    } else {
      const gone = missing(got.records[i], tokens[i], options);
      if (gone.length) return tell('silent loss', `record ${i} lost ${gone.join(', ')}`);
    }
  }
  if (got.error) {
    const at = got.records.length;
    if (!positioned(got.error)) return tell('error without position', `error ${got.error.code}`);
    if (at >= tokens.length || usable(at)) return tell(`error ${got.error.code}`, `record ${at} failed`);
    return null;
  }
  if (got.records.length !== tokens.length) return tell('record count', `${got.records.length} records, expected ${tokens.length}`);
  return null;
}

function splitsFor(seed, length) {
  const r = rng(seed ^ 0x5bd1e995);
  return [[length], [1 + Math.floor(r() * 7)], Array.from({ length: 8 }, () => 1 + Math.floor(r() * 61))];
}

/**
 * A reduced failure's class: its signature, option keys, and the shrunk record with tokens,
 * declarations and values blurred and names relabelled in order of appearance (the option
 * names kept), so one bug found under different names counts once.
 */
function classKey(xml, options, signature) {
  const keep = new Map([
    [options.textNodeName, 'TEXTNODE'],
    [options.cdataPropName, 'CDATAPROP'],
    ['rec', 'rec'],
    ['item', 'item'],
  ]);
  const labels = new Map();
  const label = (n) => keep.get(n) ?? labels.get(n) ?? (labels.set(n, `n${labels.size}`), labels.get(n));
  const rec = xml.slice(xml.indexOf('<item>'), xml.lastIndexOf('</item>') + 7);
  const shape = rec
    .replace(/\s+xmlns(:\w+)?=("[^"]*"|'[^']*')/g, '')
    .replace(/=("[^"]*"|'[^']*')/g, '=V')
    .replace(/>[^<]+</g, '>T<')
    .replace(/(<\/?|\s)(?:[abc](:))?([\w]+)/g, (_, lead, colon, name) => `${lead}${colon ? 'p:' : ''}${label(name)}`);
  return `${signature} ${JSON.stringify(Object.keys(options).sort())} ${shape}`;
}

async function fuzz({ docs, seconds, seed, reduceAtMost, reduceEvery = 1, collide = true, log = () => {} }) {
  const started = Date.now();
  const classes = new Map();
  const bySignature = {};
  let failures = 0;
  let reduced = 0;
  let n = 0;
  for (let i = 0; i < docs; i++) {
    if (seconds && Date.now() - started > seconds * 1000) break;
    const s = seed + i;
    const options = randomOptions(rng(s * 2 + 1), { collide });
    const { xml } = generate(s, options, { collide });
    n++;
    for (const sizes of splitsFor(s, Buffer.byteLength(xml))) {
      const fail = await check(xml, options, sizes);
      if (!fail) continue;
      failures++;
      bySignature[fail.signature] = (bySignature[fail.signature] ?? 0) + 1;
      if (reduced < reduceAtMost && (failures - 1) % reduceEvery === 0) {
        reduced++;
        // Shrink whole first (simplest to replay); if the failure needs the chunking, keep it.
        const whole = await check(xml, options, [Buffer.byteLength(xml)]);
        const useSizes = whole?.signature === fail.signature ? null : sizes;
        const sig = async (x, o) => (await check(x, o, useSizes ?? [Buffer.byteLength(x)]))?.signature;
        const min = await reduce(xml, options, fail.signature, sig);
        const minFail = await check(min.xml, min.options, useSizes ?? [Buffer.byteLength(min.xml)]);
        const key = classKey(min.xml, min.options, fail.signature);
        const known = classes.get(key);
        if (known) known.count++;
        else {
          const entry = { signature: fail.signature, seed: s, options, sizes: useSizes, minimal: min, detail: minFail?.detail ?? fail.detail, count: 1 };
          classes.set(key, entry);
          log(entry);
        }
      }
      break; // one failure per document is enough to know it fails
    }
  }
  return { docs: n, failures, bySignature, classes: [...classes.values()], seconds: (Date.now() - started) / 1000 };
}

const describe = (c) =>
  `[${c.signature}] seed ${c.seed}${c.sizes ? `, chunks ${JSON.stringify(c.sizes)}` : ''} (${c.count}x)\n` +
  `  options: ${JSON.stringify({ select: 'rec', ...c.minimal.options })}\n` +
  `  minimal: ${c.minimal.xml.trim()}\n  ${c.detail.replace(/\n/g, '\n  ')}`;

test('collision-heavy documents: sluice equals fast-xml-parser, or loses nothing silently', { timeout: SECONDS ? (SECONDS + 600) * 1000 : 120_000 }, async () => {
  const result = await fuzz({
    docs: DOCS,
    seconds: SECONDS,
    seed: SEED,
    reduceAtMost: REDUCE,
    reduceEvery: REDUCE_EVERY,
    collide: COLLIDE,
    log: SECONDS ? (c) => console.error(`${describe(c)}\n`) : undefined,
  });
  if (process.env.SLUICE_FUZZ_REPORT) fs.writeFileSync(process.env.SLUICE_FUZZ_REPORT, JSON.stringify(result, null, 2));
  assert.ok(result.docs > 0);
  assert.equal(
    result.failures,
    0,
    `${result.failures} of ${result.docs} documents fail (seeds from ${SEED}): ${JSON.stringify(result.bySignature)}; ` +
      `shrunk examples:\n\n${result.classes.map(describe).join('\n\n')}`,
  );
});

module.exports = { check, fuzz };
