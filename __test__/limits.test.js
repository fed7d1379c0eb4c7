'use strict';
// Limits against hostile input: each accepts input at the limit and rejects one more with its
// own code, naming the option, at the same position whatever the chunking (1-byte included).
const test = require('node:test');
const assert = require('node:assert/strict');
const { XmlStream } = require('..');
const { collect, chunks } = require('./helpers');

const small = { select: 'x', maxNameLength: 8, maxAttributes: 4, maxTextLength: 16 };
const sixteen = '0123456789abcdef';

// [name, at the limit, one over, code, option, offset of the error in `over`]
const CASES = [
  ['element name', '<r><x/><abcdefgh/></r>', '<r><x/><abcdefghi/></r>', 'NAME_TOO_LONG', 'maxNameLength', 8],
  ['end tag name', '<r><x/></r>', '<r><x/></abcdefghi></r>', 'NAME_TOO_LONG', 'maxNameLength', 9],
  ['attribute name', '<r><x abcdefgh="1"/></r>', '<r><x abcdefghi="1"/></r>', 'NAME_TOO_LONG', 'maxNameLength', 6],
  ['PI target', '<r><?abcdefgh?><x/></r>', '<r><?abcdefghi?><x/></r>', 'NAME_TOO_LONG', 'maxNameLength', 5],
  ['entity name', '<r><x>&lt;</x></r>', '<r><x>&abcdefghi;</x></r>', 'NAME_TOO_LONG', 'maxNameLength', 7],
  ['attributes', '<r a="1" b="2" c="3" d="4"><x/></r>', '<r a="1" b="2" c="3" d="4" e="5"><x/></r>', 'TOO_MANY_ATTRIBUTES', 'maxAttributes', 27],
  ['attribute value', `<r><x a="${sixteen}"/></r>`, `<r><x a="${sixteen}!"/></r>`, 'TEXT_TOO_LONG', 'maxTextLength', 9 + 16],
  ['text', `<r><x>${sixteen}</x></r>`, `<r><x>${sixteen}!</x></r>`, 'TEXT_TOO_LONG', 'maxTextLength', 6 + 16],
  ['text outside records', `<r>${sixteen}<x/></r>`, `<r>${sixteen}!<x/></r>`, 'TEXT_TOO_LONG', 'maxTextLength', 3 + 16],
  ['text with references', '<r><x>ab&amp;cd&#65;ef</x></r>', '<r><x>ab&amp;cd&#65;efg</x></r>', 'TEXT_TOO_LONG', 'maxTextLength', 6 + 16],
  ['CDATA', `<r><x><![CDATA[${sixteen}]]></x></r>`, `<r><x><![CDATA[${sixteen}!]]></x></r>`, 'TEXT_TOO_LONG', 'maxTextLength', 15 + 16],
  ['comment', `<r><x><!--${sixteen}--></x></r>`, `<r><x><!--${sixteen}!--></x></r>`, 'TEXT_TOO_LONG', 'maxTextLength', 10 + 16],
];

for (const [name, atLimit, over, code, option, offset] of CASES) {
  test(`${name}: accepted at ${option}, rejected one beyond`, async () => {
    for (const sizes of [[1e9], [1], [2, 3]]) {
      const ok = await collect(chunks(Buffer.from(atLimit), sizes), small);
      assert.equal(ok.error, null, `${atLimit} (chunks ${sizes}): ${ok.error?.message}`);
      assert.equal(ok.records.length, 1);
      const { error } = await collect(chunks(Buffer.from(over), sizes), small);
      assert.ok(error, `${over} (chunks ${sizes})`);
      assert.equal(error.code, `ERR_SLUICE_XML_${code}`, error.message);
      assert.equal(error.offset, offset, `${error.message} (chunks ${sizes})`);
      assert.equal(error.line, 1);
      assert.equal(error.column, offset + 1);
      assert.ok(error.message.includes(option), error.message);
    }
  });
}

test('nesting: maxDepth by default, and raised for the deep', async () => {
  const nest = (n) => '<a>'.repeat(n) + '</a>'.repeat(n);
  assert.equal((await collect([nest(256)], {})).error, null);
  const { error } = await collect(chunks(Buffer.from(nest(257)), [1]), {});
  assert.equal(error.code, 'ERR_SLUICE_TOO_DEEP');
  assert.equal(error.offset, 256 * 3);
  assert.ok(error.message.includes('maxDepth'));
  // At the cap, the record is written out recursively on a parse thread: its stack must hold.
  const deep = await collect(chunks(Buffer.from(nest(10000)), [4096]), { maxDepth: 10000 });
  assert.equal(deep.error, null);
  let depth = 0;
  for (let v = deep.records[0]; typeof v === 'object'; v = v.a) depth++;
  assert.equal(depth, 9999); // the record is the outer element's value
});

test('the default limits: at the limit accepted, one over rejected', async () => {
  const name = 'n'.repeat(50000);
  assert.equal((await collect([`<${name}/>`], {})).error, null);
  assert.equal((await collect([`<${name}n/>`], {})).error.code, 'ERR_SLUICE_XML_NAME_TOO_LONG');
  const attrs = Array.from({ length: 10000 }, (_, i) => ` a${i}=""`).join('');
  assert.equal((await collect([`<r${attrs}/>`], {})).error, null);
  assert.equal((await collect([`<r${attrs} z=""/>`], {})).error.code, 'ERR_SLUICE_XML_TOO_MANY_ATTRIBUTES');
  const text = Buffer.alloc(16 * 1024 * 1024, 't');
  const pieces = (...parts) => chunks(Buffer.concat(parts.map((p) => Buffer.from(p))), [65536]);
  const ok = await collect(pieces('<r>', text, '</r>'), { select: 'r' });
  assert.equal(ok.error, null);
  assert.equal(ok.records[0].length, text.length);
  const { error } = await collect(pieces('<r><![CDATA[', text, 't]]></r>'), {});
  assert.equal(error.code, 'ERR_SLUICE_XML_TEXT_TOO_LONG');
  assert.equal(error.offset, 12 + text.length);
});

test('limit options are validated', () => {
  for (const option of ['maxNameLength', 'maxAttributes', 'maxTextLength', 'maxDepth']) {
    for (const bad of [0, -1, 1.5, '10']) {
      assert.throws(() => new XmlStream({ [option]: bad }), { code: 'ERR_SLUICE_INVALID_OPTION' }, `${option}: ${bad}`);
    }
  }
  assert.throws(() => new XmlStream({ maxDepth: 10001 }), /maxDepth.*10000/);
  // A record's text is kept at 32-bit offsets: spans over 2 GiB are refused, not wrapped.
  for (const option of ['maxRecordBytes', 'maxTextLength', 'maxEntityExpansion']) {
    assert.throws(() => new XmlStream({ [option]: 2 ** 31 }), new RegExp(`${option}.*2147483647`));
    new XmlStream({ [option]: 2 ** 31 - 1 }).destroy();
  }
  new XmlStream({ maxDepth: 10000 }).destroy();
});

test("with onError: 'skip', a record over a limit is dropped and the next ones arrive", async () => {
  const doc = Buffer.from(
    '<r><x>1</x><x>123456789</x><x>2</x><x><abcde/></x><x>3</x><x a="1" b="2" c="3"/><x>4</x><x><!--123456789--></x><x>5</x></r>',
  );
  for (const sizes of [[doc.length], [1]]) {
    const s = new XmlStream({ select: 'x', onError: 'skip', maxTextLength: 8, maxNameLength: 4, maxAttributes: 2 });
    const skips = [];
    s.on('skip', (k) => skips.push([k.code, k.offset]));
    const records = [];
    const reading = (async () => {
      for await (const r of s) records.push(r);
    })();
    for (const c of chunks(doc, sizes)) s.write(c);
    s.end();
    await reading;
    assert.deepEqual(records, ['1', '2', '3', '4', '5']);
    assert.deepEqual(skips, [
      ['ERR_SLUICE_XML_TEXT_TOO_LONG', 22],
      ['ERR_SLUICE_XML_NAME_TOO_LONG', 39],
      ['ERR_SLUICE_XML_TOO_MANY_ATTRIBUTES', 73],
      ['ERR_SLUICE_XML_TEXT_TOO_LONG', 103],
    ]);
  }
});
