'use strict';
// The output writers: toNdjson / toJsonArray bytes and backpressure, and toXml as the
// inverse of XmlStream's shape (round trips on the DDEX corpus and on generated records).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Readable, Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { XmlStream, NULL, toNdjson, toJsonArray, toXml } = require('..');
const { corpora, manifest } = require('./helpers');

async function write(stream, records) {
  let out = '';
  await pipeline(Readable.from(records, { objectMode: true }), stream, async (src) => {
    for await (const chunk of src) out += chunk;
  });
  return out;
}

async function parse(xml, options) {
  const records = [];
  await pipeline(Readable.from([Buffer.from(xml)]), new XmlStream(options), async (src) => {
    for await (const r of src) records.push(r);
  });
  return records;
}

test('toNdjson writes JSON.stringify per line, NULL as null', async () => {
  const records = [{ a: 1, b: 'é\n"' }, [1, 2], 'x', NULL, 0, false];
  assert.equal(await write(toNdjson(), records), records.map((r) => (r === NULL ? 'null' : JSON.stringify(r)) + '\n').join(''));
  assert.equal(await write(toNdjson(), []), '');
  await assert.rejects(write(toNdjson(), [{ f: 1 }, () => {}]), { code: 'ERR_SLUICE_INVALID_RECORD' });
});

test('toJsonArray writes one array, a record per line', async () => {
  assert.equal(await write(toJsonArray(), []), '[]\n');
  const records = [{ a: [1, { b: null }] }, 'two', NULL];
  const text = await write(toJsonArray(), records);
  assert.equal(text, '[\n{"a":[1,{"b":null}]},\n"two",\nnull\n]\n');
  assert.deepEqual(JSON.parse(text), [{ a: [1, { b: null }] }, 'two', null]);
});

test('the writers apply backpressure: a slow consumer holds the producer back', async () => {
  const stream = toNdjson();
  let refused = 0;
  let written = 0;
  const big = { text: 'x'.repeat(1000) };
  const consumer = new Writable({
    highWaterMark: 1024,
    write(chunk, _enc, done) {
      written += chunk.length;
      setImmediate(done);
    },
  });
  const done = pipeline(stream, consumer);
  for (let i = 0; i < 2000; i++) {
    if (!stream.write(big)) {
      refused++;
      await new Promise((resolve) => stream.once('drain', resolve));
    }
  }
  stream.end();
  await done;
  assert.ok(refused > 0, 'write() returned false at least once');
  assert.equal(written, 2000 * (JSON.stringify(big).length + 1));
});

test('toXml escapes text and attribute values so that they parse back unchanged', async () => {
  const record = {
    '@_q': 'a "quoted" <tag> & \'apos\'\ttab\nnewline\r',
    '#text': 'text with < & > ]]> and \r and "quotes"',
    item: ['one & two', '<three/>', 'é 日本 🎵'],
    empty: '',
    nested: { '@_x': '1', deeper: { '@_y': 'z' } },
  };
  const xml = await write(toXml({ root: 'doc' }), [record]);
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<doc /);
  assert.deepEqual(await parse(xml, { select: '/*' }), [record]);
});

test('toXml keeps CDATA apart with cdataPropName, and splits ]]> across sections', async () => {
  const record = { code: { '#cdata': 'if (a < b && c > d) {}' }, '#cdata': ['top', 'second'] };
  const xml = await write(toXml({ root: 'doc', cdataPropName: '#cdata' }), [record]);
  assert.match(xml, /<code><!\[CDATA\[if \(a < b && c > d\) \{\}\]\]><\/code>/);
  assert.deepEqual(await parse(xml, { select: '/*', cdataPropName: '#cdata' }), [record]);
  // No parse gives `]]>` inside one section; written, it becomes two sections.
  const split = await write(toXml({ root: 'doc', cdataPropName: '#cdata' }), [{ c: { '#cdata': 'x]]>y' } }]);
  const [back] = await parse(split, { select: '/*', cdataPropName: '#cdata' });
  assert.deepEqual(back.c['#cdata'], ['x]]', '>y']);
});

test('toXml with `element` writes one element per record under the root', async () => {
  const records = [{ '@_id': '1', name: 'a' }, { '@_id': '2', name: ['b', 'c'] }, 'text only'];
  const xml = await write(toXml({ root: 'list', element: 'item', declaration: false }), records);
  assert.ok(xml.startsWith('<list>'));
  assert.deepEqual(await parse(xml, { select: 'item' }), records);
  assert.equal(await write(toXml({ root: 'list', element: 'item', declaration: false }), []), '<list/>\n');
});

test('toXml honours the shape options it shares with XmlStream', async () => {
  const options = { attributeNamePrefix: '$', textNodeName: '_', root: 'r', element: 'e' };
  const records = [{ $a: '1', _: 'text', child: 'c' }];
  const xml = await write(toXml(options), records);
  assert.deepEqual(await parse(xml, { select: 'e', attributeNamePrefix: '$', textNodeName: '_' }), records);
  // With ignoreAttributes every key is an element.
  const plain = await write(toXml({ root: 'r', element: 'e', ignoreAttributes: true }), [{ a: 'x' }]);
  assert.match(plain, /<e><a>x<\/a><\/e>/);
});

test('toXml refuses names XML does not allow, and characters XML cannot carry', async () => {
  for (const name of ['1abc', 'a b', '', 'a<b', '-x']) {
    await assert.rejects(write(toXml({ root: 'r', element: 'e' }), [{ [name]: 'v' }]), (err) => {
      assert.equal(err.code, 'ERR_SLUICE_XML_WRITE');
      assert.match(err.message, /is not an allowed XML element name/);
      assert.ok(err.message.includes(JSON.stringify(name)), err.message);
      return true;
    });
  }
  await assert.rejects(write(toXml({ root: 'r', element: 'e' }), [{ '@_1x': 'v' }]), /not an allowed XML attribute name/);
  assert.throws(() => toXml({ root: 'not a name' }), /not an allowed XML root element name/);
  assert.throws(() => toXml({ root: 'r', element: '9' }), /not an allowed XML element name/);
  assert.throws(() => toXml({ root: 'r', attributeNamePrefix: '' }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  await assert.rejects(write(toXml({ root: 'r', element: 'e' }), [{ a: 'bell \u0007' }]), /U\+0007 cannot be written in XML 1.0/);
  await assert.rejects(write(toXml({ root: 'r', element: 'e' }), [{ a: [['nested']] }]), /array inside an array/);
  await assert.rejects(write(toXml({ root: 'r' }), [{ a: '1' }, { '@_x': '2' }]), /only the first record may carry attributes/);
});

// Records in the shape XmlStream gives (with default options): strings, objects whose text
// sits beside attributes or children, arrays of two or more.
function generate(seed, count) {
  let s = seed;
  const rand = (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  const pieces = ['plain', 'a & b', '<x>', 'quote "q"', "apos '", 'é ß', '日本語', '🎵🎶', ']]>', 'tab\there', 'line\nbreak', '1.5', 'true'];
  const text = () => Array.from({ length: 1 + rand(3) }, () => pieces[rand(pieces.length)]).join(' ');
  const names = ['a', 'b', 'Title', 'ns-like.name', '_u', 'Données', 'x1'];
  const value = (depth) => {
    const kind = depth > 2 ? rand(2) : rand(5);
    if (kind === 0) return text();
    if (kind === 1) return '';
    const obj = {};
    if (rand(2)) obj['@_id'] = text();
    if (rand(3) === 0) obj['@_lang'] = 'en';
    const children = 1 + rand(3);
    for (let i = 0; i < children; i++) {
      const name = names[rand(names.length)];
      if (name in obj) continue;
      obj[name] = rand(4) === 0 ? [value(depth + 1), value(depth + 1)] : value(depth + 1);
    }
    if (rand(3) === 0) obj['#text'] = text();
    return obj;
  };
  return Array.from({ length: count }, () => {
    const v = value(0);
    return typeof v === 'object' ? v : { only: v };
  });
}

test('toXml round trip on generated records', async () => {
  for (let seed = 1; seed <= 20; seed++) {
    const records = generate(seed, 30);
    const xml = await write(toXml({ root: 'records', element: 'record' }), records);
    assert.deepEqual(await parse(xml, { select: 'record' }), records, `seed ${seed}`);
  }
});

const rows = manifest('ddex');

/** The document element's qualified name, from the start of the file. */
function rootName(text) {
  const m = /<([^?!\s/>]+)[\s/>]/.exec(text.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>/g, ''));
  return m[1];
}

test('toXml round trip on the DDEX corpus: parse /*, write, parse again', { skip: rows ? false : 'shared/corpora not found' }, async (t) => {
  let checked = 0;
  for (const row of rows) {
    const file = path.join(corpora, 'ddex', row.file);
    const text = fs.readFileSync(file, 'utf8');
    let records;
    try {
      records = await parse(text, { select: '/*' });
    } catch {
      continue; // the corpus's malformed files have nothing to round-trip
    }
    await t.test(row.file, async () => {
      assert.equal(records.length, 1);
      for (const options of [{}, { cdataPropName: '#cdata' }, { removeNSPrefix: true, namespaces: false }]) {
        const first = Object.keys(options).length === 0 ? records : await parse(text, { select: '/*', ...options });
        const root = options.removeNSPrefix ? rootName(text).replace(/^.*:/, '') : rootName(text);
        const xml = await write(toXml({ root, ...options }), first);
        assert.deepEqual(await parse(xml, { select: '/*', ...options }), first, JSON.stringify(options));
      }
    });
    checked++;
  }
  assert.ok(checked >= 50, `${checked} files round-tripped`);
});
