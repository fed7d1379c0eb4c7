'use strict';
// Skip mode on broken records that hold the parent's name: an element named like the list
// the records are in (at any depth, prefixed or not, empty or not, broken itself), the name in
// an attribute, text, a comment, a CDATA section or a PI, and an attribute value holding its
// end tag. Whatever the break, the file does not fail: every record strict parsing gives for
// the document without the broken one is emitted, the broken one is reported by one 'skip'
// at its index with an offset inside it, and the output is the same for every chunking and
// through parseFile on 1 and 2 threads with small parts.
const test = require('node:test');
const assert = require('node:assert/strict');
const { XmlStream, parseFile } = require('..');
const { chunks, drain, rng, tempDocs } = require('./helpers');

const { write } = tempDocs('sluice-skip-parent-', test.after);

/** Where the parent's name shows up in the broken record (P: the parent's qualified name). */
const SHOWS = {
  element: (P) => `<${P}>x</${P}>`,
  empty: (P) => `<${P}/>`,
  emptyWithAttribute: (P) => `<${P} k="/>"/>`,
  nested: (P) => `<${P}><b><${P}>y</${P}></b></${P}>`,
  otherPrefix: (P) => (P.includes(':') ? '<L>x</L>' : '<p:L>x</p:L>'),
  attributeName: (P) => `<b ${P.replace(':', '_')}="1"/>`,
  attributeValue: (P) => `<b k="${P}"/>`,
  text: (P) => `${P} &lt;/${P}&gt;`,
  comment: (P) => `<!-- </${P}> <${P}> -->`,
  cdata: (P) => `<![CDATA[</${P}><${P}>]]>`,
  pi: (P) => `<?pi </${P}> ?>`,
  // Its own start tag broken: before it is read, after it is opened, by a bad character.
  brokenStartTag: (P) => `<${P} k="1" k="2">x</${P}>`,
  brokenEmptyTag: (P) => `<${P} a="&bad;"/>`,
  badCharacterInTag: (P) => `<${P}\u0001>x</${P}>`,
  endTagInItsAttribute: (P) => `<${P} a="</${P}>">x</${P}>`,
};

/** What breaks the record; put before, after or inside what shows the name. */
const BREAKS = {
  mismatched: '<c>z</q>',
  undefinedEntity: '&bad;',
  unclosed: '<c>z',
  duplicateAttribute: '<c k="1" k="2"/>',
  bareLt: 'a < b',
  endTagInAttribute: (P) => `<c k="</${P}>"/>`,
  otherEndTagInAttribute: (P) => `<c k="</${P.includes(':') ? 'L' : 'p:L'}>"/>`,
  unboundPrefix: '<zz:c/>',
};

const doc = (P, recs) => `<root xmlns:p="urn:p"><${P}>\n${recs.join('\n')}\n</${P}></root>\n`;
const GOOD = ['<a id="0">zero</a>', '<a id="1"><b>one</b></a>', '<a id="2"/>'];

function* cases() {
  for (const P of ['L', 'p:L']) {
    for (const [showName, show] of Object.entries(SHOWS)) {
      for (const [breakName, b] of Object.entries(BREAKS)) {
        const brk = typeof b === 'function' ? b(P) : b;
        for (const depth of [0, 2]) {
          for (const order of ['before', 'after', 'inside']) {
            const s = show(P);
            let inner;
            if (order === 'before') inner = brk + s;
            else if (order === 'after') inner = s + brk;
            else if (/^<[\w:]+>/.test(s)) inner = s.replace(/^<([\w:]+)>/, `<$1>${brk}`);
            else continue;
            for (let d = 0; d < depth; d++) inner = `<w${d}>${inner}</w${d}>`;
            for (const endless of [false, true]) {
              for (const where of [0, 1, 3]) {
                const broken = `<a id="X">${inner}${endless ? '' : '</a>'}`;
                const recs = [...GOOD];
                recs.splice(where, 0, broken);
                const xml = doc(P, recs);
                const start = Buffer.byteLength(xml.slice(0, xml.indexOf('<a id="X">')));
                const name = `${P}, ${showName}, ${breakName} ${order}, depth ${depth}, record ${where}${endless ? ' without end tag' : ''}`;
                yield { name, xml, clean: doc(P, GOOD), where, span: [start, start + Buffer.byteLength(broken)] };
              }
            }
          }
        }
      }
    }
  }
}

const summary = (got) =>
  JSON.stringify({
    records: got.records,
    skips: got.skips.map((k) => [k.recordIndex, k.code, k.offset, k.line, k.column]),
    error: got.error && got.error.message,
  });

// A thrown error's message ends with its position; a skip's does not.
const errorOf = (e) => e && { code: e.code, message: e.message.replace(/ at line \d+, column \d+ \(byte \d+\)$/, ''), line: e.line, column: e.column, offset: e.offset };

/**
 * Why `got` is not the clean records with one skip for the broken record, or null. The skip
 * carries the error strict parsing throws (`strict`): found inside the record, or where its
 * missing end tag shows, never before the record starts.
 */
function wrong(got, clean, strict, c) {
  if (got.error) return `failed: ${got.error.message}`;
  if (JSON.stringify(got.records) !== JSON.stringify(clean)) return `records ${JSON.stringify(got.records)}`;
  const [k, more] = got.skips;
  if (!k || more) return `skips ${JSON.stringify(got.skips)}`;
  if (k.recordIndex !== c.where) return `skip recordIndex ${k.recordIndex}`;
  const { recordIndex, ...error } = k;
  if (!strict || JSON.stringify(errorOf(error)) !== JSON.stringify(errorOf(strict))) {
    return `skip ${JSON.stringify(k)}, strict parsing throws ${JSON.stringify(errorOf(strict))}`;
  }
  if (k.offset < c.span[0]) return `skip offset ${k.offset} before the record at ${c.span[0]}`;
  return null;
}

test('a broken record holding the parent name is skipped, the same for every chunking', { timeout: 120_000 }, async () => {
  const failures = [];
  let n = 0;
  for (const c of cases()) {
    n++;
    const clean = await drain(new XmlStream({ select: 'a' }), [Buffer.from(c.clean)]);
    assert.equal(clean.error, null);
    const buf = Buffer.from(c.xml);
    const strict = await drain(new XmlStream({ select: 'a' }), [buf]);
    let first = null;
    for (const size of ['whole', 1, 2, 3, 7]) {
      const got = await drain(new XmlStream({ select: 'a', onError: 'skip' }), size === 'whole' ? [buf] : chunks(buf, [size]));
      const why = first === null ? wrong(got, clean.records, strict.error, c) : summary(got) === first ? null : `chunks of ${size} differ from whole input`;
      first ??= summary(got);
      if (why) {
        failures.push(`${c.name}: ${why}\n  ${c.xml.replace(/\n/g, '')}`);
        break;
      }
    }
  }
  assert.ok(n > 2000, `${n} cases`);
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${n} cases`);
});

async function fromFile(file, options) {
  const got = { records: [], skips: [], error: null };
  const stream = parseFile(file, options);
  got.split = stream.split;
  stream.on('skip', (k) => got.skips.push(k));
  try {
    for await (const r of stream) got.records.push(r);
  } catch (e) {
    got.error = e;
  }
  return got;
}

test('parseFile skips it exactly as one stream does, on 1 and 2 threads with small parts', { timeout: 120_000 }, async () => {
  const r = rng(7);
  const all = [...cases()];
  const pad = (i) => `<a id="g${i}"><b>${'pad '.repeat(8 + (i % 5))}</b><L>no</L></a>`;
  for (let t = 0; t < 40; t++) {
    const c = all[Math.floor(r() * all.length)];
    const P = c.name.startsWith('p:L') ? 'p:L' : 'L';
    // Hundreds of records around the broken one, so that 4 KiB parts cut the list many
    // times, with the broken record first, last or anywhere.
    const broken = c.xml.slice(c.xml.indexOf('<a id="X">'), c.span[1] - c.span[0] + c.xml.indexOf('<a id="X">'));
    const recs = Array.from({ length: 300 }, (_, i) => pad(i));
    const at = [0, recs.length, Math.floor(r() * recs.length)][t % 3];
    recs.splice(at, 0, broken);
    const xml = doc(P, recs);
    const file = write(xml);
    const want = await drain(new XmlStream({ select: 'a', onError: 'skip' }), [Buffer.from(xml)]);
    assert.equal(want.error, null, `${c.name}: ${want.error?.message}`);
    assert.equal(want.records.length, 300, c.name);
    assert.deepEqual(want.skips.map((k) => k.recordIndex), [at], c.name);
    for (const threads of [1, 2]) {
      const got = await fromFile(file, { select: 'a', onError: 'skip', threads, partBytes: 4096 });
      assert.equal(summary(got), summary(want), `${c.name}, record ${at}, threads ${threads}`);
      if (threads > 1) assert.ok(got.split.parts > 3, `${got.split.parts} parts`);
    }
  }
});

test('a broken record whose unclosed parent-named element takes the parent end fails, clearly', async () => {
  // The broken last record's <L> is closed by the list's own </L>: nothing says where the
  // record ends, and no resume point follows. The records before it are kept.
  const xml = '<root><L><a>0</a><a><c></q><L>x</L></root>';
  for (const size of ['whole', 1, 3]) {
    const buf = Buffer.from(xml);
    const got = await drain(new XmlStream({ select: 'a', onError: 'skip' }), size === 'whole' ? [buf] : chunks(buf, [size]));
    assert.deepEqual(got.records, ['0']);
    assert.deepEqual(got.skips, []);
    assert.equal(got.error?.code, 'ERR_SLUICE_XML_MISMATCHED_TAG');
    assert.match(got.error.message, /could not be skipped: input ended first/);
    assert.equal(got.error.offset, xml.indexOf('</q>'));
  }
});
