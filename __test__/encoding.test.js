'use strict';
// Encodings: UTF-16 with and without BOM, single- and multi-byte legacy encodings chosen by the
// declaration, undefined bytes (fatal or replaced), unknown labels, and source byte offsets.
const test = require('node:test');
const assert = require('node:assert/strict');
const { collect, chunks } = require('./helpers');
const { XmlStream } = require('..');

const decl = (label) => Buffer.from(`<?xml version="1.0" encoding="${label}"?>\n`);
const bytes = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

function utf16(text, { le = true, bom = true } = {}) {
  const buf = Buffer.from((bom ? '\ufeff' : '') + text, 'utf16le');
  return le ? buf : buf.swap16();
}

/** Records of `doc`, the same whole, in 1-byte chunks and in 3/5-byte chunks. */
async function records(doc, options = { select: 'a' }) {
  const whole = await collect([doc], options);
  assert.equal(whole.error, null, whole.error?.message);
  for (const sizes of [[1], [3, 5]]) {
    const { records: r, error } = await collect(chunks(doc, sizes), options);
    assert.equal(error, null, `chunks ${sizes}: ${error?.message}`);
    assert.deepEqual(r, whole.records, `chunks ${sizes}`);
  }
  return whole.records;
}

test('UTF-16 LE and BE, with a BOM or detected from `<?`', async () => {
  const body = '<r>\n<a k="é€">x😀y</a><a>Ωж</a></r>';
  const want = [{ '@_k': 'é€', '#text': 'x😀y' }, 'Ωж'];
  for (const le of [true, false]) {
    for (const bom of [true, false]) {
      const doc = utf16(`<?xml version="1.0" encoding="UTF-16"?>${body}`, { le, bom });
      assert.deepEqual(await records(doc), want, `le ${le} bom ${bom}`);
    }
    assert.deepEqual(await records(utf16(body, { le })), want, 'a BOM and no declaration');
  }
});

test('single-byte encodings named by the declaration', async () => {
  const cases = [
    ['ISO-8859-1', [0xe9, 0x80, 0xff], 'é\u0080ÿ'],
    ['latin1', [0xe9], 'é'],
    ['windows-1252', [0x80, 0x8c, 0xe9], '€Œé'],
    // WHATWG's windows-1252 (as encoding_rs and browsers have it) maps the five bytes the
    // Microsoft table leaves undefined to C1 controls; XML 1.0 allows those characters.
    ['windows-1252', [0x81, 0x8d, 0x8f, 0x90, 0x9d], '\u0081\u008d\u008f\u0090\u009d'],
    ['KOI8-R', [0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4], 'Привет'],
    ['ISO-8859-5', [0xbf, 0xe0, 0xd8], 'При'],
    ['windows-1251', [0xc6, 0xe8], 'Жи'],
    ['US-ASCII', [0x41], 'A'],
  ];
  for (const [label, raw, text] of cases) {
    const doc = bytes(decl(label), '<r><a k="', raw, '">', raw, '</a></r>');
    assert.deepEqual(await records(doc), [{ '@_k': text, '#text': text }], label);
  }
});

test('multi-byte legacy encodings named by the declaration', async () => {
  const cases = [
    ['Shift_JIS', [0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea, 0xb6], '日本語ｶ'],
    ['EUC-JP', [0xc6, 0xfc, 0xcb, 0xdc, 0xb8, 0xec], '日本語'],
    ['GBK', [0xd6, 0xd0, 0xce, 0xc4], '中文'],
    ['gb18030', [0xd6, 0xd0, 0x95, 0x32, 0x82, 0x36], '中𠀀'],
    ['Big5', [0xa4, 0xa4, 0xa4, 0xe5], '中文'],
    ['EUC-KR', [0xc7, 0xd1, 0xb1, 0xb9], '한국'],
  ];
  for (const [label, raw, text] of cases) {
    const doc = bytes(decl(label), '<r><a>', raw, '</a><a x="', raw, '"/></r>');
    assert.deepEqual(await records(doc), [text, { '@_x': text }], label);
  }
});

test('bytes undefined in the declared encoding: an error at their source offset, or U+FFFD', async () => {
  // 0xA0 is no Shift_JIS byte; 0xA5 is a hole in ISO-8859-3; 0x80 is not US-ASCII.
  for (const [label, bad] of [['Shift_JIS', 0xa0], ['ISO-8859-3', 0xa5], ['US-ASCII', 0x80]]) {
    const doc = bytes(decl(label), '<r>\n<a>ok</a>\n<a>1', [bad], '2</a></r>');
    const offset = doc.indexOf(bad);
    for (const sizes of [[doc.length], [1], [3, 5]]) {
      const { records: r, error } = await collect(chunks(doc, sizes), { select: 'a' });
      assert.equal(error?.code, 'ERR_SLUICE_XML_ENCODING', `${label}: ${error?.message}`);
      assert.deepEqual([error.line, error.column, error.offset], [4, 5, offset], label);
      assert.match(error.message, new RegExp(`0x${bad.toString(16).toUpperCase()}.*${label}`));
      assert.deepEqual(r, ['ok'], 'records before the error are delivered');
    }
    const { records: replaced, error } = await collect(chunks(doc, [1]), { select: 'a', encodingErrors: 'replace' });
    assert.equal(error, null);
    assert.deepEqual(replaced, ['ok', '1\ufffd2'], label);
  }
});

test('a lone UTF-16 surrogate is undecodable', async () => {
  const doc = Buffer.concat([utf16('<r><a>'), Buffer.from([0x00, 0xd8]), utf16('!</a></r>', { bom: false })]);
  const { error } = await collect(chunks(doc, [1]), { select: 'a' });
  assert.equal(error.code, 'ERR_SLUICE_XML_ENCODING');
  assert.equal(error.offset, 14);
  const { records: r } = await collect([doc], { select: 'a', encodingErrors: 'replace' });
  assert.deepEqual(r, ['\ufffd!']);
});

test('a label encoding_rs does not know, or one contradicting the BOM, is rejected', async () => {
  const cases = [
    [bytes('<?xml version="1.0" encoding="x-klingon"?><r/>'), 'x-klingon', [1, 31, 30]],
    [bytes('<?xml version="1.0" encoding="ISO-2022-KR"?><r/>'), 'ISO-2022-KR', [1, 31, 30]],
    [bytes([0xef, 0xbb, 0xbf], '<?xml version="1.0" encoding="ISO-8859-1"?><r/>'), 'ISO-8859-1', [1, 32, 33]],
    [utf16('<?xml version="1.0" encoding="KOI8-R"?><r/>'), 'KOI8-R', [1, 32, 62]],
    [bytes('<?xml version="1.0" encoding="UTF-16"?><r/>'), 'UTF-16', [1, 31, 30]],
  ];
  for (const [doc, label, position] of cases) {
    for (const sizes of [[doc.length], [1]]) {
      const { error } = await collect(chunks(doc, sizes), {});
      assert.equal(error?.code, 'ERR_SLUICE_UNSUPPORTED_ENCODING', label);
      assert.ok(error.message.includes(`"${label}"`), error.message);
      assert.deepEqual([error.line, error.column, error.offset], position, label);
    }
  }
});

test('error offsets count source bytes; lines and columns count characters', async () => {
  const body = '<r>\n<a>é😀ж</b></r>';
  for (let [doc, offset] of [
    [utf16(body), 2 + 2 * '<r>\n<a>é😀ж'.length],
    [utf16(body, { le: false, bom: false }), 2 * '<r>\n<a>é😀ж'.length],
    [bytes(decl('ISO-8859-5'), '<r>\n<a>', [0xbf, 0xe0], '</b></r>'), null],
  ]) {
    offset ??= doc.indexOf('</b>');
    for (const sizes of [[doc.length], [1]]) {
      const { error } = await collect(chunks(doc, sizes), { select: 'a' });
      assert.equal(error.code, 'ERR_SLUICE_XML_MISMATCHED_TAG');
      assert.equal(error.offset, offset);
      assert.equal(error.line, doc.includes('ISO') ? 3 : 2);
    }
  }
  const { error } = await collect([utf16(body)], { select: 'a' });
  assert.equal(error.column, 7, 'the surrogate pair is one column');
});

test('UTF-8 declared but invalid still fails as invalid UTF-8, even with encodingErrors: replace', async () => {
  const doc = bytes('<?xml version="1.0" encoding="UTF-8"?><r><a>', [0xff], '</a></r>');
  const { error } = await collect([doc], { select: 'a', encodingErrors: 'replace' });
  assert.equal(error.code, 'ERR_SLUICE_XML_INVALID_CHAR');
  assert.equal(error.offset, 44);
});

test('stats().bytes counts source bytes', async () => {
  const doc = utf16('<r><a>1</a></r>');
  const xml = new XmlStream({ select: 'a' });
  const out = [];
  xml.on('data', (r) => out.push(r));
  await new Promise((resolve, reject) => {
    xml.on('end', resolve).on('error', reject);
    xml.end(doc);
  });
  assert.deepEqual(out, ['1']);
  assert.equal(xml.stats().bytes, doc.length);
});

test('encodingErrors is validated', () => {
  assert.throws(() => new XmlStream({ encodingErrors: 'ignore' }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.doesNotThrow(() => new XmlStream({ encodingErrors: 'replace' }));
});

// Checkpoints on decoded input: offsets are source offsets, exact for single-byte encodings
// and UTF-16, so a run resumed there (the input read from that byte on) gives the rest.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { once } = require('node:events');

async function runUntil(file, n = Infinity, from = undefined) {
  const src = fs.createReadStream(file, { start: from?.offset ?? 0, highWaterMark: 61 });
  const xml = new XmlStream({ select: 'a', batchBytes: 256, resumeFrom: from });
  const records = [];
  src.pipe(xml);
  if (n === 0) await once(xml, 'readable');
  else {
    for await (const r of xml) {
      records.push(r);
      if (records.length === n) break;
    }
  }
  const checkpoint = JSON.parse(JSON.stringify(xml.checkpoint()));
  xml.destroy();
  src.destroy();
  return { records, checkpoint };
}

test('checkpoints on UTF-16 and single-byte input name the encoding and resume exactly', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-enc-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const items = Array.from({ length: 60 }, (_, i) => `<a n="${i}">Жж ${i}</a>`).join('\n');
  const astral = Array.from({ length: 60 }, (_, i) => `<a n="${i}">é😀${i}</a>`).join('\n');
  const win1251 = (s) => Buffer.from([...s].map((c) => (c === 'Ж' ? 0xc6 : c === 'ж' ? 0xe6 : c.charCodeAt(0))));
  const cases = [
    ['UTF-16LE', utf16(`<?xml version="1.0" encoding="UTF-16"?><r>\n${astral}</r>`)],
    ['UTF-16BE', utf16(`<?xml version="1.0" encoding="UTF-16"?><r>\n${astral}</r>`, { le: false, bom: false })],
    ['windows-1251', win1251(`<?xml version="1.0" encoding="windows-1251"?><r>\n${items}</r>`)],
    ['ISO-8859-1', Buffer.from(`<?xml version="1.0" encoding="latin1"?><r>\n${astral.replace(/😀/g, 'ÿ')}</r>`, 'latin1')],
  ];
  for (const [encoding, doc] of cases) {
    const file = path.join(tmp, `${encoding}.xml`);
    fs.writeFileSync(file, doc);
    const full = (await runUntil(file)).records;
    assert.equal(full.length, 60, encoding);
    for (const n of [1, 17, 60]) {
      const first = await runUntil(file, n);
      assert.equal(first.checkpoint.encoding, encoding);
      // The checkpoint's offset is just after the n-th `</a>` in the original bytes.
      const endTag = encoding.startsWith('UTF-16') ? utf16('</a>', { le: encoding === 'UTF-16LE', bom: false }) : Buffer.from('</a>');
      let at = -1;
      for (let k = 0; k < n; k++) at = doc.indexOf(endTag, at + 1);
      assert.equal(first.checkpoint.offset, at + endTag.length, `${encoding} after ${n}`);
      const rest = await runUntil(file, Infinity, first.checkpoint);
      assert.deepEqual([...first.records, ...rest.records], full, `${encoding}: resumed after ${n}`);
    }
  }
});

test('checkpoints on multi-byte legacy input resume exactly, except on stateful ISO-2022-JP', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-enc-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  // 日本ｶ in Shift_JIS (ｶ is one byte); 中𠀀 in gb18030 (𠀀 is four bytes).
  const cases = [
    ['Shift_JIS', [0x93, 0xfa, 0x96, 0x7b, 0xb6], '日本ｶ'],
    ['gb18030', [0xd6, 0xd0, 0x95, 0x32, 0x82, 0x36], '中𠀀'],
  ];
  for (const [encoding, raw, text] of cases) {
    const parts = [decl(encoding), '<r>'];
    for (let i = 0; i < 40; i++) parts.push(`<a n="${i}">`, raw, '</a>\n');
    const doc = bytes(...parts, '</r>');
    const file = path.join(tmp, `${encoding}.xml`);
    fs.writeFileSync(file, doc);
    const full = (await runUntil(file)).records;
    assert.deepEqual(full[3], { '@_n': '3', '#text': text });
    for (const n of [1, 25]) {
      const first = await runUntil(file, n);
      assert.equal(first.checkpoint.encoding, encoding);
      let at = -1;
      for (let k = 0; k < n; k++) at = doc.indexOf('</a>', at + 1);
      assert.equal(first.checkpoint.offset, at + 4, `${encoding} after ${n}`);
      const rest = await runUntil(file, Infinity, first.checkpoint);
      assert.deepEqual([...first.records, ...rest.records], full, `${encoding}: resumed after ${n}`);
    }
  }
  const file = path.join(tmp, 'iso2022jp.xml');
  fs.writeFileSync(file, bytes(decl('ISO-2022-JP'), '<r><a>', [0x1b, 0x24, 0x42, 0x46, 0x7c, 0x1b, 0x28, 0x42], '</a><a>2</a></r>'));
  const { records: r, checkpoint } = await runUntil(file, 1);
  assert.deepEqual(r, ['日']);
  assert.equal(checkpoint.encoding, 'ISO-2022-JP');
  assert.throws(() => new XmlStream({ select: 'a', resumeFrom: checkpoint }), {
    code: 'ERR_SLUICE_INVALID_OPTION',
    message: /ISO-2022-JP input, which cannot be resumed mid-document/,
  });
});
