'use strict';
// XmlStream `onError: 'skip'`: real DDEX messages with one record corrupted in several ways
// give every other record exactly as the clean message does, whole and in 1-byte chunks;
// errors outside records, and records that cannot be skipped, still fail the stream.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { XmlStream } = require('..');
const { corpora, manifest, chunks, drain } = require('./helpers');

const rows = manifest('ddex');
const skip = rows ? false : 'shared/corpora not found';
const read = (file) => fs.readFileSync(path.join(corpora, 'ddex', file), 'utf8');

/** Streams `pieces` through an XmlStream; records, skip events, stats and the error. */
async function run(pieces, options) {
  const s = new XmlStream(options);
  return { ...(await drain(s, pieces)), skipped: s.stats().skipped };
}

/** Start and end (after `</name>`) of the `k`-th `<name>` element of `xml`. */
function span(xml, name, k) {
  const open = new RegExp(`<${name}[\\s>]`, 'g');
  let m;
  for (let i = 0; i <= k; i++) m = open.exec(xml);
  const close = `</${name}>`;
  const end = xml.indexOf(close, m.index) + close.length;
  return [m.index, end];
}

// Each corrupts the record at [s, e) of `xml`; `code` is the error the skip reports.
const corruptions = {
  'mismatched inner end tag': {
    code: 'ERR_SLUICE_XML_MISMATCHED_TAG',
    apply: (xml, s, e) => {
      const at = xml.indexOf('</', s);
      const gt = xml.indexOf('>', at);
      return xml.slice(0, gt) + 'Oops' + xml.slice(gt);
    },
  },
  'the record its own wrong end tag': {
    code: 'ERR_SLUICE_XML_MISMATCHED_TAG',
    apply: (xml, s, e) => `${xml.slice(0, e - 1)}X>${xml.slice(e)}`,
  },
  'unquoted attribute on an inner element': {
    code: 'ERR_SLUICE_XML_INVALID_ATTRIBUTE',
    apply: (xml, s) => {
      const inner = xml.indexOf('<', s + 1);
      const gt = xml.indexOf('>', inner);
      const at = xml[gt - 1] === '/' ? gt - 1 : gt;
      return `${xml.slice(0, at)} bad=1${xml.slice(at)}`;
    },
  },
  'duplicate attribute on the record element': {
    code: 'ERR_SLUICE_XML_DUPLICATE_ATTRIBUTE',
    apply: (xml, s) => {
      const gt = xml.indexOf('>', s);
      return `${xml.slice(0, gt)} x="1" x="2"${xml.slice(gt)}`;
    },
  },
  'control character in text': {
    code: 'ERR_SLUICE_XML_INVALID_CHAR',
    apply: (xml, s) => {
      const gt = xml.indexOf('>', xml.indexOf('<', s + 1)) + 1;
      return `${xml.slice(0, gt)}\u0001${xml.slice(gt)}`;
    },
  },
  'control character in the record start tag': {
    code: 'ERR_SLUICE_XML_INVALID_CHAR',
    apply: (xml, s) => {
      const gt = xml.indexOf('>', s);
      return `${xml.slice(0, gt)}\u0002${xml.slice(gt)}`;
    },
  },
  'undefined entity': {
    code: 'ERR_SLUICE_XML_UNDEFINED_ENTITY',
    apply: (xml, s) => {
      const gt = xml.indexOf('>', xml.indexOf('<', s + 1)) + 1;
      return `${xml.slice(0, gt)}&bogus;${xml.slice(gt)}`;
    },
  },
  'truncated end tag': {
    code: null, // whatever the broken tag reads as
    apply: (xml, s) => {
      const at = xml.indexOf('</', s);
      const gt = xml.indexOf('>', at);
      return xml.slice(0, gt) + xml.slice(gt + 1);
    },
  },
  'truncated start tag': {
    code: null,
    apply: (xml, s) => {
      const inner = xml.indexOf('<', s + 1);
      const gt = xml.indexOf('>', inner);
      return xml.slice(0, gt) + xml.slice(gt + 1);
    },
  },
};

const cases = [
  { file: 'ern-4.3/8_DjMix.xml', select: 'SoundRecording' },
  { file: 'ern-3.8.2/dedex_001_audioalbum_complete.xml', select: 'Release' },
  { file: 'ern-3.8.2/dedex_1199119911991_utf8bom.xml', select: ['Release', 'SoundRecording', 'Deal'], name: 'Deal' },
];

test('a corrupted record is dropped and every other record is as in the clean message', { skip }, async (t) => {
  for (const { file, select, name = select } of cases) {
    const xml = read(file);
    const clean = await run([Buffer.from(xml)], { select });
    assert.equal(clean.error, null);
    const count = clean.records.filter((r) => !Array.isArray(select) || r.selector === name).length;
    assert.ok(count >= 3, `${file}: ${count} ${name} records`);
    const indexOf = (k) => {
      // Position of the k-th `name` record among all records (tagged runs mix selectors).
      if (!Array.isArray(select)) return k;
      let seen = -1;
      return clean.records.findIndex((r) => r.selector === name && ++seen === k);
    };
    for (const [how, { code, apply }] of Object.entries(corruptions)) {
      for (const k of [1, count - 1]) {
        await t.test(`${file}: ${name} ${k} with ${how}`, async () => {
          const [s, e] = span(xml, name, k);
          const bad = Buffer.from(apply(xml, s, e));
          const want = clean.records.filter((_, i) => i !== indexOf(k));
          const sizes = bad.length < 40_000 ? [bad.length, 65536, 1] : [bad.length, 65536];
          let first;
          for (const size of sizes) {
            const got = await run(chunks(bad, [size]), { select, onError: 'skip' });
            assert.equal(got.error, null, `${size}-byte chunks: ${got.error?.message}`);
            assert.deepEqual(got.records, want, `${size}-byte chunks`);
            assert.equal(got.skips.length, 1, `${size}-byte chunks: ${JSON.stringify(got.skips)}`);
            assert.equal(got.skipped, 1);
            const [skipped] = got.skips;
            if (code) assert.equal(skipped.code, code, skipped.message);
            assert.match(skipped.code, /^ERR_SLUICE_XML_/);
            assert.equal(skipped.recordIndex, indexOf(k));
            assert.ok(skipped.offset >= s && skipped.offset <= e + 16, `offset ${skipped.offset} in [${s}, ${e}]`);
            assert.ok(skipped.line >= 1 && skipped.column >= 1);
            assert.equal(typeof skipped.message, 'string');
            first = skipped;
          }
          const strict = await run([bad], { select });
          assert.equal(strict.error?.code, first.code, 'the default onError throws the same error');
          assert.equal(strict.error.offset, first.offset);
        });
      }
    }
  }
});

test('several corrupted records in one message, in 1-byte chunks', { skip }, async () => {
  const file = 'ern-4.3/8_DjMix.xml';
  let xml = read(file);
  const clean = await run([Buffer.from(xml)], { select: 'SoundRecording' });
  // Last first, so earlier spans stay put.
  const hits = [
    [7, 'undefined entity'],
    [4, 'truncated end tag'],
    [3, 'mismatched inner end tag'],
    [0, 'duplicate attribute on the record element'],
  ];
  for (const [k, how] of hits) {
    const [s, e] = span(xml, 'SoundRecording', k);
    xml = corruptions[how].apply(xml, s, e);
  }
  const want = clean.records.filter((_, i) => ![0, 3, 4, 7].includes(i));
  for (const size of [1, 64]) {
    const got = await run(chunks(Buffer.from(xml), [size]), { select: 'SoundRecording', onError: 'skip' });
    assert.equal(got.error, null, got.error?.message);
    assert.deepEqual(got.records, want);
    assert.deepEqual(
      got.skips.map((k) => k.recordIndex),
      [0, 3, 4, 7],
    );
    assert.equal(got.skipped, 4);
  }
});

test('an error outside records still fails the stream', { skip }, async () => {
  const xml = read('ern-4.3/8_DjMix.xml');
  const bad = xml.replace('<MessageId/>', '<MessageId></MessageIdX>');
  for (const size of [bad.length, 1]) {
    const got = await run(chunks(Buffer.from(bad), [size]), { select: 'SoundRecording', onError: 'skip' });
    assert.equal(got.error?.code, 'ERR_SLUICE_XML_MISMATCHED_TAG');
    assert.deepEqual(got.records, []);
    assert.equal(got.skipped, 0);
  }
  // Between records too: a stray end tag after the first record.
  const [, e] = span(xml, 'SoundRecording', 0);
  const between = `${xml.slice(0, e)}</Nope>${xml.slice(e)}`;
  const got = await run([Buffer.from(between)], { select: 'SoundRecording', onError: 'skip' });
  assert.equal(got.error?.code, 'ERR_SLUICE_XML_MISMATCHED_TAG');
  assert.equal(got.records.length, 1);
});

test('input that ends inside a corrupted record fails with the record error', { skip }, async () => {
  const xml = read('ern-4.3/8_DjMix.xml');
  const [s, e] = span(xml, 'SoundRecording', 2);
  const cut = Buffer.from(corruptions['undefined entity'].apply(xml, s, e).slice(0, e - 30));
  const clean = await run([Buffer.from(xml)], { select: 'SoundRecording' });
  for (const size of [cut.length, 1]) {
    const got = await run(chunks(cut, [size]), { select: 'SoundRecording', onError: 'skip' });
    assert.equal(got.error?.code, 'ERR_SLUICE_XML_UNDEFINED_ENTITY', got.error?.message);
    assert.match(got.error.message, /could not be skipped: input ended first/);
    assert.deepEqual(got.records, clean.records.slice(0, 2));
    assert.equal(got.skipped, 0);
  }
});

test('skipping is bounded by maxRecordBytes', async () => {
  const body = '<Item>ok</Item>'.repeat(200);
  const xml = `<r><L><R>1</R><R>&bad;${body}</R><R>3</R></L></r>`;
  const loose = await run([Buffer.from(xml)], { select: 'R', onError: 'skip', maxRecordBytes: 8192 });
  assert.deepEqual(loose.records, ['1', '3']);
  const tight = await run(chunks(Buffer.from(xml), [64]), { select: 'R', onError: 'skip', maxRecordBytes: 1024 });
  assert.equal(tight.error?.code, 'ERR_SLUICE_XML_UNDEFINED_ENTITY');
  assert.match(tight.error.message, /within maxRecordBytes/);
  assert.deepEqual(tight.records, ['1']);
});

test('resynchronisation: own end tag, next sibling, parent end, comments and CDATA', async () => {
  const xml =
    '<r xmlns:p="urn:p"><L>' +
    '<R>0</R>' +
    '<R><a>&x;<!-- </R> --><![CDATA[</R>]]></a></R>' + // resumes after its own end tag
    '<R>2</R>' +
    '<R><a></b>' + // never closed: resumes at the next sibling
    '<p:R>4</p:R>' +
    '<R><a x=1/>' + // last one, unclosed: resumes at the parent's end tag
    '</L><L><R>6</R></L></r>';
  for (const size of [xml.length, 1]) {
    const got = await run(chunks(Buffer.from(xml), [size]), { select: 'L/R', onError: 'skip' });
    assert.equal(got.error, null, got.error?.message);
    assert.deepEqual(got.records, ['0', '2', '4', '6']);
    assert.deepEqual(
      got.skips.map((k) => [k.recordIndex, k.code]),
      [
        [1, 'ERR_SLUICE_XML_UNDEFINED_ENTITY'],
        [3, 'ERR_SLUICE_XML_MISMATCHED_TAG'],
        [5, 'ERR_SLUICE_XML_INVALID_ATTRIBUTE'],
      ],
    );
  }
});

test('a stray `<` just before a record inside a broken one does not take that record with it', async () => {
  // `x<<R …>` is read as one tag named `<R`; its error is at the second `<`, which begins a
  // record of its own. Found by skip-invariant.test.js (seeds 13946 and 15987 of 20,000).
  const cases = [
    ['<r><L><R>x<<R id="1"/></L></r>', [{ '@_id': '1' }], [0]],
    ['<r><L><R>x<<R id="1">1</R><R>2</R></L></r>', [{ '@_id': '1', '#text': '1' }, '2'], [0]],
    ['<r><L><R>0</R><R>x<<p:R xmlns:p="urn:p" id="2"/></L></r>', ['0', { '@_id': '2', '@_xmlns:p': 'urn:p' }], [1]],
    ['<r><L><R>x<<<R id="1"/></L></r>', [{ '@_id': '1' }], [0]],
    // Between records, `<<p:R` is itself the broken record (its local name is selected):
    // skipped once, not skipped and then emitted from its second `<`.
    ['<r xmlns:p="urn:p"><L><R>0</R><<p:R id="1">1</p:R><R>2</R></L></r>', ['0', '2'], [1]],
    // Not a record: `<<Z` is text plus a tag that is no sibling, so the parent's end resumes.
    ['<r><L><R>x<<Z/></L><R>3</R></r>', [], [0]],
  ];
  for (const [xml, records, skipped] of cases) {
    for (const size of [xml.length, 1, 3]) {
      const got = await run(chunks(Buffer.from(xml), [size]), { select: 'L/R', onError: 'skip' });
      assert.equal(got.error, null, `${xml} in ${size}-byte chunks: ${got.error?.message}`);
      assert.deepEqual(got.records, records, `${xml} in ${size}-byte chunks`);
      assert.deepEqual(
        got.skips.map((k) => k.recordIndex),
        skipped,
        `${xml} in ${size}-byte chunks`,
      );
    }
  }
});

test('a broken record inside broken records is counted once, however the input is read', async () => {
  // Records 2 and 5 lost their end tags and 6 a quote, which runs to the end of input; 6's
  // tag was read past the start of its window, and was once taken into 5's skip uncounted.
  // Found by skip-invariant.test.js (seed 34441 of 40,000, lost quotes).
  const cases = [
    ['<r><L><a id="2"><b/><a id="5"><c></c><a id=6"/><a id="7"><c>y</c></a><a id="8"/></L></r>', ['7', '8'], [0, 1, 2]],
    ['<r><L><a id="2"><b/><a id="3">x</a><a id="5"><c></c><a id=6"/><a id="7">y</a><a id="8"/></L></r>', ['3', '7', '8'], [0, 2, 3]],
    ['<r><L><a id="5"><c></c><a id=6"/><a id="7"><c>y</c></a></L></r>', ['7'], [0, 1]],
    // A quote lost between records: the next record's start tag is in the broken one's value.
    ['<r><L><a id="0">0</a><a id="1/><a id="2"><c>2</c></a><a id="3"/></L></r>', ['0', '2', '3'], [1]],
    // A comment with `--` in it ends at its first `-->`, not at a `<!--` after the `--`.
    ['<r><L><a id="0"><!-- x --<!-->y</a><a id="1">z</a><a id="2"><!-- q -->q</a></L></r>', ['1', '2'], [0]],
  ];
  const id = (r) => (typeof r === 'object' ? r['@_id'] : r);
  for (const [xml, ids, skipped] of cases) {
    for (const size of [xml.length, 1, 5]) {
      const got = await run(chunks(Buffer.from(xml), [size]), { select: 'a', onError: 'skip' });
      assert.equal(got.error, null, `${xml} in ${size}-byte chunks: ${got.error?.message}`);
      assert.deepEqual(got.records.map(id), ids, `${xml} in ${size}-byte chunks`);
      assert.deepEqual(got.skips.map((k) => k.recordIndex), skipped, `${xml} in ${size}-byte chunks`);
    }
  }
});

test('a broken root record is not skipped; onError is validated', async () => {
  const got = await run([Buffer.from('<r><a></b></r>')], { onError: 'skip' });
  assert.equal(got.error?.code, 'ERR_SLUICE_XML_MISMATCHED_TAG');
  assert.throws(() => new XmlStream({ onError: 'ignore' }), { code: 'ERR_SLUICE_INVALID_OPTION' });
});
