'use strict';
// Issue 11, "silent data loss": each reproduction from the issue, with the behaviour it
// should have. Inputs are fed whole and in 1-byte chunks where chunking could matter.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { XmlStream, JsonStream } = require('..');
const { chunks, drain, oracle } = require('./helpers');
const { corpora, haveCorpora, strings, positioned } = require('./gen/oracle');

const run = drain;

const xml = (text, options, size) => run(new XmlStream(options), chunks(Buffer.from(text), [size ?? text.length]));
const sizes = (text) => [Buffer.byteLength(text), 1];

/**
 * Where two inputs meet under one key: either a positioned error, or every value is in the
 * record. fast-xml-parser itself keeps only one of them in these cases, so it is no oracle.
 */
async function assertNothingLost(text, options, values) {
  for (const size of sizes(text)) {
    const got = await xml(text, options, size);
    const where = `${text} with ${JSON.stringify(options)} in ${size}-byte chunks`;
    if (got.error) {
      assert.ok(positioned(got.error), `${where}: error without code and position: ${got.error.message}`);
      continue;
    }
    const all = strings(got.records);
    const gone = values.filter((v) => !all.includes(v));
    assert.deepEqual(gone, [], `${where}: ${JSON.stringify(got.records)} lost ${gone.join(', ')}`);
  }
}

/** Each record deep-equals fast-xml-parser's answer for that element. */
async function assertLikeFxp(text, options, want) {
  const { select, ...shape } = options;
  const fxp = oracle(text, shape);
  for (const size of sizes(text)) {
    const got = await xml(text, options, size);
    assert.equal(got.error, null, got.error?.message);
    assert.deepEqual(got.records, want, `${size}-byte chunks`);
  }
  // The expectation is fast-xml-parser's, not made up here.
  assert.deepEqual(JSON.parse(JSON.stringify(fxp)).r.rec, want.length === 1 ? want[0] : want);
}

// --- 1. keys that coincide -----------------------------------------------------------------

test('1: removeNSPrefix keeps both siblings when a prefixed and an unprefixed name meet', async () => {
  await assertLikeFxp('<r xmlns:b="urn:b"><rec><b:v>1</b:v><v>2</v></rec></r>', { select: 'rec', removeNSPrefix: true }, [{ v: ['1', '2'] }]);
});

test('1: removeNSPrefix keeps three siblings in order, with or without alwaysArray', async () => {
  const text = '<r xmlns:a="urn:a"><rec><v>1</v><a:v>2</a:v><v>3</v></rec></r>';
  await assertLikeFxp(text, { select: 'rec', removeNSPrefix: true }, [{ v: ['1', '2', '3'] }]);
  await assertLikeFxp(text, { select: 'rec', removeNSPrefix: true, alwaysArray: ['v'] }, [{ v: ['1', '2', '3'] }]);
});

test('1: removeNSPrefix with two different prefixes and nested content', async () => {
  const text = '<r xmlns:a="urn:a" xmlns:b="urn:b"><rec><a:v><x>1</x></a:v><b:v>2</b:v></rec></r>';
  await assertLikeFxp(text, { select: 'rec', removeNSPrefix: true }, [{ v: [{ x: '1' }, '2'] }]);
});

test('1: attributes x:id and id under removeNSPrefix lose neither value silently', async () => {
  await assertNothingLost('<r xmlns:x="urn:x"><rec x:id="1" id="2"/></r>', { select: 'rec', removeNSPrefix: true }, ['1', '2']);
  await assertNothingLost('<r xmlns:x="urn:x"><rec id="1" x:id="2"/></r>', { select: 'rec', removeNSPrefix: true }, ['1', '2']);
  await assertNothingLost('<r xmlns:x="urn:x" xmlns:y="urn:y"><rec><c x:id="1" y:id="2"/></rec></r>', { select: 'rec', removeNSPrefix: true }, ['1', '2']);
});

test("1: an attribute and a child of the same name under attributeNamePrefix '' lose neither", async () => {
  await assertNothingLost('<r><rec id="1"><id>2</id></rec></r>', { select: 'rec', attributeNamePrefix: '' }, ['1', '2']);
  await assertNothingLost('<r><rec><c v="1"><v>2</v><v>3</v></c></rec></r>', { select: 'rec', attributeNamePrefix: '' }, ['1', '2', '3']);
});

test('1: an attribute named like textNodeName or cdataPropName loses neither value', async () => {
  await assertNothingLost('<r><rec t="1">2</rec></r>', { select: 'rec', attributeNamePrefix: '_', textNodeName: '_t' }, ['1', '2']);
  await assertNothingLost('<r><rec txt="1">2</rec></r>', { select: 'rec', attributeNamePrefix: '', textNodeName: 'txt' }, ['1', '2']);
  await assertNothingLost('<r><rec cd="1"><![CDATA[2]]></rec></r>', { select: 'rec', attributeNamePrefix: '', cdataPropName: 'cd' }, ['1', '2']);
});

test('1: a child named like textNodeName loses neither it nor the text', async () => {
  await assertNothingLost('<r><rec><txt>1</txt>2</rec></r>', { select: 'rec', textNodeName: 'txt' }, ['1', '2']);
  await assertNothingLost('<r><rec>1<txt>2</txt></rec></r>', { select: 'rec', textNodeName: 'txt' }, ['1', '2']);
  await assertNothingLost('<r><rec><txt k="1"/>2</rec></r>', { select: 'rec', textNodeName: 'txt' }, ['1', '2']);
});

test('1: a child named like cdataPropName loses neither it nor the CDATA', async () => {
  await assertNothingLost('<r><rec><cd>1</cd><![CDATA[2]]></rec></r>', { select: 'rec', cdataPropName: 'cd' }, ['1', '2']);
  await assertNothingLost('<r><rec><![CDATA[1]]><cd>2</cd></rec></r>', { select: 'rec', cdataPropName: 'cd' }, ['1', '2']);
});

test("1: an xmlns attribute and a child named xmlns under attributeNamePrefix '' lose neither", async () => {
  await assertNothingLost('<r><rec xmlns="urn:x"><xmlns>1</xmlns></rec></r>', { select: 'rec', attributeNamePrefix: '' }, ['urn:x', '1']);
  await assertNothingLost('<r><rec xmlns:p="urn:x"><xmlns:p>1</xmlns:p></rec></r>', { select: 'rec', attributeNamePrefix: '', namespaces: false }, ['urn:x', '1']);
});

test('1: removeNSPrefix drops xmlns declarations without touching an attribute they resemble', async () => {
  for (const text of ['<r><rec xmlns:id="urn:x" id="1"/></r>', '<r><rec id="1" xmlns:id="urn:x"/></r>']) {
    for (const size of sizes(text)) {
      const got = await xml(text, { select: 'rec', removeNSPrefix: true }, size);
      assert.equal(got.error, null);
      assert.deepEqual(got.records, [{ '@_id': '1' }]);
    }
  }
});

// --- 2. skip mode ---------------------------------------------------------------------------

test('2: in skip mode one missing end tag costs one record, not the rest of the list', async () => {
  const text = '<r><L><a>1</a><a>2<a>3</a><a>4</a><a>5</a></L></r>';
  for (const size of sizes(text)) {
    const got = await xml(text, { select: 'a', onError: 'skip' }, size);
    assert.equal(got.error, null, got.error?.message);
    assert.deepEqual(got.records, ['1', '3', '4', '5'], `${size}-byte chunks`);
    assert.deepEqual(
      got.skips.map((k) => k.recordIndex),
      [1],
    );
  }
});

test('2: a DDEX message with one </Deal> removed gives 139 of its 140 deals and one skip', { skip: haveCorpora ? false : 'corpora not found (set SLUICE_CORPORA)' }, async () => {
  const file = fs.readFileSync(path.join(corpora, 'ddex', 'ern-4.3', '6_Ringtone.xml'), 'utf8');
  const clean = await xml(file, { select: 'Deal' });
  assert.equal(clean.records.length, 140);
  const first = file.indexOf('</Deal>');
  const second = file.indexOf('</Deal>', first + 1);
  const broken = file.slice(0, second) + file.slice(second + '</Deal>'.length);
  for (const size of [broken.length, 4096]) {
    const got = await xml(broken, { select: 'Deal', onError: 'skip' }, size);
    assert.equal(got.error, null, got.error?.message);
    assert.equal(got.records.length, 139, `${size}-byte chunks: ${got.records.length} records`);
    assert.deepEqual(
      got.skips.map((k) => k.recordIndex),
      [1],
    );
    assert.deepEqual(
      got.records,
      clean.records.filter((_, i) => i !== 1),
    );
  }
});

test('2: a record-named start tag inside a broken record begins the next record, counted once', async () => {
  // Records never contain their own name (the README's rule that makes item 2 cost one
  // record), so the inner <a>x begins record 2, which is itself broken (</c>): two skips, one
  // per selected start tag, and <a>3 is record 3. Every start tag is accounted for once.
  const text = '<r><L><a>1</a><a>&bad;<b><a>x</c></b></a><a>3</a></L></r>';
  for (const size of sizes(text)) {
    const got = await xml(text, { select: 'a', onError: 'skip' }, size);
    assert.equal(got.error, null, got.error?.message);
    assert.deepEqual(got.records, ['1', '3']);
    assert.deepEqual(
      got.skips.map((k) => [k.recordIndex, k.code]),
      [
        [1, 'ERR_SLUICE_XML_UNDEFINED_ENTITY'],
        [2, 'ERR_SLUICE_XML_MISMATCHED_TAG'],
      ],
      `${size}-byte chunks`,
    );
  }
});

// --- 3. destroy() in a 'data' handler -------------------------------------------------------

test("3: nothing is emitted after destroy() in a 'data' handler, and the checkpoint stays put", async () => {
  const doc = `<r>${Array.from({ length: 100 }, (_, i) => `<a>${i}</a>`).join('')}</r>`;
  const s = new XmlStream({ select: 'a', progressInterval: 0 });
  let destroyed = false;
  const late = [];
  let atDestroy = null;
  for (const ev of ['data', 'progress', 'skip', 'end']) {
    s.on(ev, (x) => {
      if (destroyed) late.push(ev);
    });
  }
  s.on('data', (r) => {
    if (r === '9') {
      s.destroy();
      destroyed = true;
      atDestroy = s.checkpoint();
    }
  });
  const closed = new Promise((resolve) => s.on('close', resolve));
  s.end(doc);
  await closed;
  // Let anything still queued run.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(late, [], 'events after destroy()');
  const want = doc.indexOf('<a>10</a>');
  assert.equal(want, 83);
  assert.deepEqual([atDestroy.records, atDestroy.offset], [10, 83], 'checkpoint taken in the handler');
  const after = s.checkpoint();
  assert.deepEqual([after.records, after.offset], [10, 83], 'checkpoint taken after close');
});

// --- 4. quadratic prefixed attributes -------------------------------------------------------

/** Wall time of one parse of `buf`, in ms. */
async function timed(buf, options) {
  const t = process.hrtime.bigint();
  const got = await run(new XmlStream(options), [buf]);
  assert.equal(got.error, null, got.error?.message);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// Both documents hold the same number of attributes in all: `n` per element in 8 x as many
// elements, against 8 x n per element. Linear work gives the same time, work quadratic in an
// element's attributes 8 x; comparing equal bytes keeps load and cache effects out of the
// ratio (two sizes at 1 : 4 gave ratios up to 11.6 under load, against a bound of 8). The two
// are timed in turns and the least of each kept, so a burst of load from elsewhere falls on
// both rather than on whichever ran second.
const FACTOR = 8;
const RATIO = 4;
const REPS = 7;

async function perAttributeCost(doc, n, elements) {
  const options = { select: 'c' };
  const few = Buffer.from(doc(n, elements * FACTOR));
  const many = Buffer.from(doc(n * FACTOR, elements));
  await timed(few, options);
  await timed(many, options);
  let small = Infinity;
  let big = Infinity;
  for (let i = 0; i < REPS; i++) {
    small = Math.min(small, await timed(few, options));
    big = Math.min(big, await timed(many, options));
  }
  const what = `${n} per element: ${small.toFixed(1)} ms, ${n * FACTOR}: ${big.toFixed(1)} ms`;
  assert.ok(big / small < RATIO, `${what} (ratio ${(big / small).toFixed(1)})`);
}

test('4: prefixed attributes cost linear time', { timeout: 120_000 }, async () => {
  const doc = (n, elements) =>
    `<r xmlns:p="urn:p">${`<c${Array.from({ length: n }, (_, i) => ` p:a${i}="1"`).join('')}/>`.repeat(elements)}</r>`;
  await perAttributeCost(doc, 500, 8);
});

test('4: many namespace declarations in scope cost linear time', { timeout: 120_000 }, async () => {
  const doc = (n, elements) => {
    const decls = Array.from({ length: n }, (_, i) => ` xmlns:p${i}="urn:${i}"`).join('');
    const attrs = Array.from({ length: n }, (_, i) => ` p${i}:a="1"`).join('');
    return `<r${decls}>${`<c${attrs}/>`.repeat(elements)}</r>`;
  };
  await perAttributeCost(doc, 300, 8);
});

// --- 5. highWaterMark: 0 --------------------------------------------------------------------

/** Resolves with what `make()` gives, or 'hang' after `ms`. */
function within(ms, make) {
  let timer;
  return Promise.race([make(), new Promise((resolve) => (timer = setTimeout(() => resolve('hang'), ms)))]).finally(() => clearTimeout(timer));
}

for (const [name, make, input, want] of [
  ['XmlStream', (o) => new XmlStream({ select: 'a', ...o }), `<r>${'<a>1</a>'.repeat(50)}</r>`, Array(50).fill('1')],
  ['JsonStream', (o) => new JsonStream(o), JSON.stringify({ x: [1, 2, 3] }), [{ x: [1, 2, 3] }]],
  ['JsonStream $.x[*]', (o) => new JsonStream({ select: '$.x[*]', ...o }), JSON.stringify({ x: [1, 2, 3] }), [1, 2, 3]],
]) {
  test(`5: ${name} with highWaterMark 0 works or is refused, but does not hang`, async () => {
    let stream;
    try {
      stream = make({ highWaterMark: 0 });
    } catch (e) {
      assert.equal(e.code, 'ERR_SLUICE_INVALID_OPTION', e.message);
      return;
    }
    stream.destroy();
    for (const size of [input.length, 3, 1]) {
      const got = await within(5000, () => run(make({ highWaterMark: 0 }), chunks(Buffer.from(input), [size])));
      assert.notEqual(got, 'hang', `${size}-byte chunks: no record and no end within 5 s`);
      assert.equal(got.error, null, got.error?.message);
      assert.deepEqual(got.records, want, `${size}-byte chunks`);
    }
  });
}

// --- 6. stray leading bytes in JSON ---------------------------------------------------------

const json = (bytes, options) => run(new JsonStream(options), [Buffer.from(bytes)]);

for (const lead of [0xff, 0xfe]) {
  const hex = lead.toString(16);
  test(`6: a stray leading 0x${hex} is invalid UTF-8 on line 1 (JSON)`, async () => {
    const got = await json([lead, 0x5d, 0x0a, 0x31, 0x0a, 0x32, 0x0a], {});
    assert.equal(got.error?.code, 'ERR_SLUICE_JSON_INVALID_UTF8', got.error?.message);
    assert.deepEqual([got.error.line, got.error.column, got.error.offset], [1, 1, 0]);
  });

  test(`6: a stray leading 0x${hex} in NDJSON with onError 'skip' drops line 1 and goes on`, async () => {
    const got = await json([lead, 0x5d, 0x0a, 0x31, 0x0a, 0x32, 0x0a], { format: 'ndjson', onError: 'skip' });
    assert.equal(got.error, null, got.error?.message);
    assert.deepEqual(got.records, [1, 2]);
    assert.deepEqual(
      got.skips.map((k) => [k.code, k.line, k.recordIndex]),
      [['ERR_SLUICE_JSON_INVALID_UTF8', 1, 0]],
    );
  });
}

test('6: a leading 0xEF that does not start a BOM is invalid UTF-8', async () => {
  for (const bytes of [
    [0xef, 0x5d, 0x0a, 0x31, 0x0a],
    [0xef, 0xbb, 0x5d, 0x0a, 0x31, 0x0a],
  ]) {
    const got = await json(bytes, {});
    assert.equal(got.error?.code, 'ERR_SLUICE_JSON_INVALID_UTF8', `${Buffer.from(bytes).toString('hex')}: ${got.error?.message}`);
    assert.equal(got.error.line, 1);
    // At the lead byte or at the byte that breaks its sequence (sluice's convention inside
    // strings, e.g. `["\xEF]"]` is reported at the `]`), not later.
    const breaks = bytes.indexOf(0x5d);
    assert.ok(got.error.offset <= breaks, `offset ${got.error.offset}, the sequence breaks at ${breaks}`);
    const skipped = await json(bytes, { format: 'ndjson', onError: 'skip' });
    assert.equal(skipped.error, null, skipped.error?.message);
    assert.deepEqual(skipped.records, [1]);
    assert.deepEqual(
      skipped.skips.map((k) => k.code),
      ['ERR_SLUICE_JSON_INVALID_UTF8'],
    );
  }
  // A real BOM is still accepted.
  const bom = await json([0xef, 0xbb, 0xbf, 0x31], {});
  assert.equal(bom.error, null);
  assert.deepEqual(bom.records, [1]);
});

// --- 7. a lone CR is a line break -----------------------------------------------------------

test('7: a lone CR counts as a line break in error positions, as LF and CRLF do', async () => {
  for (const [text, offset] of [
    ['<r>\r<a>\r</b></r>', 8],
    ['<r>\n<a>\n</b></r>', 8],
    ['<r>\r\n<a>\r\n</b></r>', 10],
    ['<r>\r\r<a></b></r>', 8],
  ]) {
    for (const size of sizes(text)) {
      const got = await xml(text, {}, size);
      assert.equal(got.error?.code, 'ERR_SLUICE_XML_MISMATCHED_TAG');
      assert.deepEqual([got.error.line, got.error.column, got.error.offset], [3, text.includes('\r\r') ? 4 : 1, offset], `${JSON.stringify(text)} in ${size}-byte chunks`);
    }
  }
});

test('7: a lone CR counts as a line break in skip positions', async () => {
  const text = '<r>\r<a>1</a>\r<a>\r</b></a>\r<a>3</a></r>';
  for (const size of sizes(text)) {
    const got = await xml(text, { select: 'a', onError: 'skip' }, size);
    assert.deepEqual(got.records, ['1', '3']);
    assert.deepEqual(
      got.skips.map((k) => [k.line, k.column]),
      [[4, 1]],
    );
  }
});

// --- 8. parseTagValue on text in pieces -----------------------------------------------------

test('8: parseTagValue joins typed pieces as JavaScript strings, as fast-xml-parser does', async () => {
  const text = '<r><rec>007007<val/>-0</rec></r>';
  const got = await xml(text, { select: 'rec', parseTagValue: true });
  const want = oracle(text, { parseTagValue: true }).r.rec;
  assert.deepEqual(got.records, [want], `sluice ${JSON.stringify(got.records[0])}, fast-xml-parser ${JSON.stringify(want)}`);
});
