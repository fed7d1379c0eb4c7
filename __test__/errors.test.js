'use strict';
// Malformed input destroys the stream with a coded, positioned error, after every record
// that ended before it, whatever the chunking.
const test = require('node:test');
const assert = require('node:assert/strict');
const { collect, chunks } = require('./helpers');

const CASES = [
  // [name, xml, code, line, column, offset, records before the error]
  ['mismatched tag', '<r>\n<a>1</a>\n<a>2</b></r>', 'ERR_SLUICE_XML_MISMATCHED_TAG', 3, 5, 17, 1],
  ['unclosed tag at end of input', '<r><a>1</a><a>2', 'ERR_SLUICE_XML_UNEXPECTED_EOF', 1, 16, 15, 1],
  ['input ends inside a tag', '<r><a>1</a><a x="', 'ERR_SLUICE_XML_UNEXPECTED_EOF', 1, 12, 11, 1],
  ['input ends inside a comment', '<r><a>1</a><!-- c', 'ERR_SLUICE_XML_UNEXPECTED_EOF', 1, 12, 11, 1],
  ['second root', '<r><a>1</a></r>\n<r/>', 'ERR_SLUICE_XML_MULTIPLE_ROOTS', 2, 1, 16, 1],
  ['text after the root', '<r><a>1</a></r> x', 'ERR_SLUICE_XML_TEXT_OUTSIDE_ROOT', 1, 17, 16, 1],
  ['text before the root', 'x<r/>', 'ERR_SLUICE_XML_TEXT_OUTSIDE_ROOT', 1, 1, 0, 0],
  ['duplicate attribute', '<r><a>1</a><a x="1" x="2"/></r>', 'ERR_SLUICE_XML_DUPLICATE_ATTRIBUTE', 1, 21, 20, 1],
  ['attribute without quotes', '<r><a x=1/></r>', 'ERR_SLUICE_XML_INVALID_ATTRIBUTE', 1, 9, 8, 0],
  ['control character', '<r><a>1</a><a>\u0001</a></r>', 'ERR_SLUICE_XML_INVALID_CHAR', 1, 15, 14, 1],
  ['invalid UTF-8', Buffer.concat([Buffer.from('<r><a>1</a><a>é'), Buffer.from([0xff]), Buffer.from('</a></r>')]), 'ERR_SLUICE_XML_INVALID_CHAR', 1, 16, 16, 1],
  ['U+FFFF', '<r><a>\uffff</a></r>', 'ERR_SLUICE_XML_INVALID_CHAR', 1, 7, 6, 0],
  ['forbidden character reference', '<r><a>&#0;</a></r>', 'ERR_SLUICE_XML_INVALID_REFERENCE', 1, 7, 6, 0],
  ['unbound element prefix', '<r><a>1</a><p:a/></r>', 'ERR_SLUICE_XML_UNBOUND_PREFIX', 1, 13, 12, 1],
  ['unbound attribute prefix', '<r><a p:x="1"/></r>', 'ERR_SLUICE_XML_UNBOUND_PREFIX', 1, 7, 6, 0],
  ['undefined entity', '<r><a>1</a><a>&nbsp;</a></r>', 'ERR_SLUICE_XML_UNDEFINED_ENTITY', 1, 15, 14, 1],
  ['DOCTYPE entities are never expanded', '<!DOCTYPE r [<!ENTITY e "boom">]><r>&e;</r>', 'ERR_SLUICE_XML_UNDEFINED_ENTITY', 1, 37, 36, 0],
  ['external entity is never fetched', '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', 'ERR_SLUICE_XML_UNDEFINED_ENTITY', 1, 58, 57, 0],
  ['bare ampersand', '<r><a>1 & 2</a></r>', 'ERR_SLUICE_XML_INVALID_REFERENCE', 1, 9, 8, 0],
  ['double hyphen in a comment', '<r><!-- a -- b --></r>', 'ERR_SLUICE_XML_SYNTAX', 1, 11, 10, 0],
  ['declaration not at the start', '\n<?xml version="1.0"?><r/>', 'ERR_SLUICE_XML_INVALID_DECLARATION', 2, 1, 1, 0],
  ['unknown declared encoding', '<?xml version="1.0" encoding="x-unknown"?><r/>', 'ERR_SLUICE_UNSUPPORTED_ENCODING', 1, 31, 30, 0],
  ['byte undefined in the declared encoding', '<?xml version="1.0" encoding="US-ASCII"?><r><a>1</a><a>\u00e9</a></r>', 'ERR_SLUICE_XML_ENCODING', 1, 56, 55, 1],
  ['no root element', '<!-- only a comment -->', 'ERR_SLUICE_XML_NO_ROOT', 1, 24, 23, 0],
  ['invalid element name', '<r><1a/></r>', 'ERR_SLUICE_XML_SYNTAX', 1, 5, 4, 0],
  ['`]]>` in text', '<r><a>1</a><a>x]]>y</a></r>', 'ERR_SLUICE_XML_SYNTAX', 1, 16, 15, 1],
  ['malformed internal subset', '<!DOCTYPE r [<!ELEMENT r (a,b|c)>]><r/>', 'ERR_SLUICE_XML_INVALID_DOCTYPE', 1, 30, 29, 0],
  ['invalid attribute name', '<r><a 1x="1"/></r>', 'ERR_SLUICE_XML_SYNTAX', 1, 7, 6, 0],
];

for (const [name, xml, code, line, column, offset, before] of CASES) {
  test(name, async () => {
    const buf = Buffer.isBuffer(xml) ? xml : Buffer.from(xml);
    for (const sizes of [[buf.length], [1], [3, 5]]) {
      const { records, error } = await collect(chunks(buf, sizes), { select: 'a' });
      assert.ok(error, `no error with chunks ${sizes}`);
      assert.equal(error.code, code, error.message);
      assert.deepEqual(
        { line: error.line, column: error.column, offset: error.offset },
        { line, column, offset },
        `${error.message} (chunks ${sizes})`,
      );
      assert.match(error.message, /at line \d+, column \d+ \(byte \d+\)/);
      assert.equal(records.length, before, `records before the error (chunks ${sizes})`);
    }
  });
}

test('a malformed tag is reported without waiting for the end of input', async () => {
  const { XmlStream } = require('..');
  const s = new XmlStream({ select: 'a' });
  const failed = new Promise((resolve) => s.on('error', resolve));
  s.on('data', () => {});
  s.write('<r><a>1</a><a>2</b>');
  const err = await failed;
  assert.equal(err.code, 'ERR_SLUICE_XML_MISMATCHED_TAG');
});

test('limits: maxRecordBytes and maxDepth end in errors, not memory exhaustion', async () => {
  const big = `<r><a>${'x'.repeat(5000)}</a></r>`;
  const r1 = await collect(chunks(Buffer.from(big), [512]), { select: 'a', maxRecordBytes: 1024 });
  assert.equal(r1.error.code, 'ERR_SLUICE_RECORD_TOO_LARGE');
  const deep = `${'<d>'.repeat(300)}${'</d>'.repeat(300)}`;
  const r2 = await collect([deep], { select: 'd' });
  assert.equal(r2.error.code, 'ERR_SLUICE_TOO_DEEP');
  const r3 = await collect([deep], { select: 'x', maxDepth: 1000 });
  assert.equal(r3.error, null);
});
