'use strict';
// The real-world XML corpus (shared/corpora/xml-real, hostile/ aside): with `select: '/*'`,
// whatever the chunking, every file gives what fast-xml-parser gives for the same bytes
// decoded by TextDecoder, or fails with the documented reason.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { corpora, manifest, chunks, collect, oracle, canonical } = require('./helpers');

const rows = manifest('xml-real');
const dir = path.join(corpora, 'xml-real');

// A newline before `<?xml` is not well-formed; sluice is strict, so these fail where the
// declaration starts: line 2, column 1, byte 1.
const NEWLINE_BEFORE_DECL = new Set([
  'feeds/atom_samruby_intertwingly.xml',
  'feeds/atom_youtube.xml',
  'feeds/rss2_techcrunch.xml',
]);
const WINDOWS_1252 = 'encoding/quickxml_windows-1252.xml';

/** The TextDecoder label for a manifest row. */
function label(row) {
  if (row.bom_or_utf16.startsWith('UTF-16LE')) return 'utf-16le';
  if (row.bom_or_utf16.startsWith('UTF-16BE')) return 'utf-16be';
  if (row.declared_encoding === '(none)') return 'utf-8';
  // TextDecoder reads ISO-8859-1 as windows-1252; `latin1` is the same label there, and
  // these files only use 0xA0-0xFF, where the two agree.
  return row.declared_encoding;
}

/** Chunkings: whole, and small or mixed-size pieces (1-byte pieces for small files). */
function sizes(buf) {
  return buf.length <= 64 * 1024 ? [[buf.length], [1]] : [[buf.length], [1, 13, 4093]];
}

test('real-world XML corpus', { skip: rows ? false : 'shared/corpora not found' }, async (t) => {
  const files = rows.filter((r) => !r.file.startsWith('hostile/'));
  assert.ok(files.length >= 25, 'corpus rows');
  for (const row of files) {
    if (NEWLINE_BEFORE_DECL.has(row.file) || row.file === WINDOWS_1252) continue;
    await t.test(row.file, async () => {
      const buf = fs.readFileSync(path.join(dir, row.file));
      const text = new TextDecoder(label(row)).decode(buf).replace(/^<\?xml[^?]*\?>/, '');
      const expected = oracle(text);
      const root = Object.keys(expected).filter((k) => !k.startsWith('?'));
      assert.equal(root.length, 1, 'the oracle finds one root');
      for (const size of sizes(buf)) {
        const { records, error } = await collect(chunks(buf, size), { select: '/*' });
        assert.equal(error, null, `${size}-byte chunks: ${error?.message}`);
        assert.equal(records.length, 1);
        assert.deepEqual(canonical(records[0]), canonical(expected[root[0]]), `${size}-byte chunks`);
      }
    });
  }
});

test('feeds with a newline before the XML declaration are rejected', { skip: !rows }, async () => {
  for (const file of NEWLINE_BEFORE_DECL) {
    const buf = fs.readFileSync(path.join(dir, file));
    assert.equal(buf[0], 0x0a, `${file} starts with a newline`);
    for (const size of [[buf.length], [1, 7, 4093]]) {
      const { records, error } = await collect(chunks(buf, size), { select: '/*' });
      assert.equal(error?.code, 'ERR_SLUICE_XML_INVALID_DECLARATION', `${file}: ${error?.message}`);
      assert.deepEqual([error.line, error.column, error.offset], [2, 1, 1], file);
      assert.equal(records.length, 0);
    }
  }
});

// WHATWG's windows-1252 for 0x80-0x9F (0xA0-0xFF are U+00A0-U+00FF). Written out because
// node 20's TextDecoder('windows-1252') decodes 0x80-0x9F as ISO-8859-1 does.
const CP1252_80 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d,
  0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d,
  0x17e, 0x178,
];
const cp1252 = (bytes) =>
  String.fromCodePoint(...[...bytes].map((b) => (b >= 0x80 && b < 0xa0 ? CP1252_80[b - 0x80] : b)));

test('the windows-1252 file decodes as WHATWG says, then fails where it is not well-formed', { skip: !rows }, async () => {
  const buf = fs.readFileSync(path.join(dir, WINDOWS_1252));
  // Line 7 (by LFs) has an unquoted attribute value: not well-formed whatever the encoding.
  const line7 = buf.indexOf('\n', buf.indexOf('\n', buf.indexOf("attribute2='")) + 1) + 1;
  const at = buf.indexOf('=:', line7) + 1;
  for (const size of [[buf.length], [1]]) {
    const { error } = await collect(chunks(buf, size), { select: '/*' });
    assert.equal(error?.code, 'ERR_SLUICE_XML_INVALID_ATTRIBUTE', error?.message);
    // Lines as XML counts them: the file's `\n\r` pairs are two breaks (a lone CR is one).
    const line = 1 + (buf.subarray(0, at).toString('latin1').match(/\r\n|\r|\n/g) ?? []).length;
    assert.deepEqual([error.line, error.column, error.offset], [line, at - line7 + 1, at]);
  }
  // attribute1's value (from `!`, past the white space that would be normalised) as text.
  const start = buf.indexOf('!', buf.indexOf('attribute1="'));
  const value = buf.subarray(start, buf.indexOf('"', start));
  const doc = Buffer.concat([
    Buffer.from('<?xml version="1.1" encoding="windows-1252"?><r><a>'),
    value,
    Buffer.from('</a></r>'),
  ]);
  const want = cp1252(value);
  assert.ok(want.includes('\u20ac') && want.includes('\u0178') && want.includes('\u00ff'));
  for (const size of [[doc.length], [1]]) {
    const { records, error } = await collect(chunks(doc, size), { select: 'a' });
    assert.equal(error, null, error?.message);
    assert.deepEqual(records, [want]);
  }
});
