'use strict';
// sluice.parse: a whole document in one synchronous call, the same records and the same
// errors as the streams give.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Readable } = require('node:stream');
const sluice = require('..');

async function viaStream(Stream, doc, options) {
  const out = [];
  let error = null;
  try {
    for await (const r of Readable.from([Buffer.from(doc)]).pipe(new Stream(options))) out.push(r);
  } catch (err) {
    error = err;
  }
  return { out, error };
}

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43"><ReleaseList>
<Release><ICPN>1</ICPN><Title lang="ja">夢 &amp; Ж</Title><![CDATA[<raw>]]></Release>
<Release><ICPN>2</ICPN><Deal n="3"/><Deal n="4"/></Release>
</ReleaseList></ern:NewReleaseMessage>`;

test('parse returns what XmlStream and JsonStream emit, synchronously', async () => {
  for (const options of [{ select: 'Release' }, { select: ['Release', 'ICPN'] }, { select: 'Release', parseTagValue: true }]) {
    const records = sluice.parse(XML, options);
    assert.ok(Array.isArray(records));
    assert.deepEqual(records, (await viaStream(sluice.XmlStream, XML, options)).out);
  }
  assert.deepEqual(sluice.parse(Buffer.from(XML), { select: 'Deal' }).length, 2);
  assert.deepEqual(sluice.parse(new Uint8Array(Buffer.from('<a>1</a>'))), ['1']);
  const json = JSON.stringify({ items: [1, null, { a: [true] }], other: 'x' });
  assert.deepEqual(sluice.parse(json, { select: '$.items[*]' }), [1, sluice.NULL, { a: [true] }]);
  assert.deepEqual(sluice.parse(json), [JSON.parse(json)]);
  assert.deepEqual(sluice.parse(' {"a":1}\n{"a":2}\n', { format: 'ndjson' }), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(sluice.parse('1 2 3', { format: 'concatenated' }), [1, 2, 3]);
  assert.deepEqual(sluice.parse('[null]', { select: '$[*]', nullValue: 0 }), [0]);
  // Larger than a batch: the batches are joined.
  const many = `<r>${'<i>x</i>'.repeat(50000)}</r>`;
  assert.equal(sluice.parse(many, { select: 'i' }).length, 50000);
});

test('parse throws the error the stream would, with the records before it', async () => {
  const bad = XML.replace('</ReleaseList>', '</ReleaseLis>');
  const { out, error } = await viaStream(sluice.XmlStream, bad, { select: 'Release' });
  let thrown;
  try {
    sluice.parse(bad, { select: 'Release' });
  } catch (err) {
    thrown = err;
  }
  assert.equal(thrown.message, error.message);
  for (const k of ['code', 'line', 'column', 'offset']) assert.equal(thrown[k], error[k], k);
  assert.deepEqual(thrown.records, out);
  assert.throws(() => sluice.parse('{"a":', { format: 'json' }), { code: 'ERR_SLUICE_JSON_UNEXPECTED_EOF' });
  assert.throws(() => sluice.parse('<a/>', { select: '///' }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.throws(() => sluice.parse('<a/>', { format: 'yaml' }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.throws(() => sluice.parse(42), TypeError);
});
