'use strict';
// Differential tests against fast-xml-parser on generated documents: namespaces, both quote
// styles, CDATA, comments, mixed content, repeated children, character references,
// multi-byte UTF-8, under random chunk splits and several option sets.
const test = require('node:test');
const assert = require('node:assert/strict');
const { chunks, collect, oracle, pick, canonical, rng } = require('./helpers');

const WORDS = ['alpha', 'Beyoncé', 'Ñandú', '日本語', 'Кириллица', '🎵🎶', 'a&amp;b', '&lt;tag&gt;', 'x &#233; y', '&#x1F600;', '42', '-0.50', '007', 'true', '1e3', '  spaced  '];
const NAMES = ['Title', 'Artist', 'ern:Code', 'Genre', 'avs:Note', 'Item'];

function generate(seed) {
  const r = rng(seed);
  const pickOne = (arr) => arr[Math.floor(r() * arr.length)];
  const text = () => {
    let t = pickOne(WORDS);
    if (r() < 0.2) t += `<!-- note ${pickOne(['x', 'é', '--'.slice(1)])} -->${pickOne(WORDS)}`;
    if (r() < 0.2) t += `<![CDATA[${pickOne(['<raw> & ]] >', ' 5 ', 'plain', ''])}]]>`;
    return t;
  };
  const attrs = () => {
    let s = '';
    const n = Math.floor(r() * 3);
    for (let i = 0; i < n; i++) {
      const q = r() < 0.5 ? '"' : "'";
      s += ` ${['id', 'ern:type', 'lang', 'Seq'][i]}=${q}${pickOne(['1', 'x&amp;y', 'é', ' pad ', '&#65;', '12.5'])}${q}`;
    }
    return s;
  };
  const element = (depth) => {
    const name = pickOne(NAMES);
    if (r() < 0.15) return `<${name}${attrs()}/>`;
    let body = '';
    const kids = depth > 3 ? 0 : Math.floor(r() * 4);
    if (kids === 0 || r() < 0.3) body += text();
    for (let i = 0; i < kids; i++) {
      body += r() < 0.5 ? '\n    ' : '';
      body += element(depth + 1);
      if (r() < 0.2) body += text();
    }
    return `<${name}${attrs()}>${body}</${name}>`;
  };
  let doc = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- generated -->\n';
  doc += '<ern:Msg xmlns:ern="http://ddex.net/xml/ern/43" xmlns:avs="http://ddex.net/xml/avs">\n<ReleaseList>\n';
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    doc += `  <Release${attrs()}>${element(1)}${element(1)}${r() < 0.5 ? element(1) : ''}</Release>\n`;
  }
  return `${doc}</ReleaseList>\n</ern:Msg>\n`;
}

const OPTION_SETS = [
  {},
  { ignoreAttributes: true },
  { removeNSPrefix: true },
  { parseTagValue: true, parseAttributeValue: true },
  { trimValues: false },
  { cdataPropName: '__cdata' },
  { alwaysArray: ['Artist', 'Title'] },
  { attributeNamePrefix: '$', textNodeName: '_' },
];

for (const [k, options] of OPTION_SETS.entries()) {
  test(`generated documents equal fast-xml-parser with ${JSON.stringify(options)}`, async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const xml = generate(seed * 7919 + k);
      const buf = Buffer.from(xml);
      const want = pick(oracle(xml, options), 'Release').map(canonical);
      const r = rng(seed);
      const splits = [[buf.length], [1 + Math.floor(r() * 5)], Array.from({ length: 16 }, () => 1 + Math.floor(r() * 97))];
      for (const sizes of splits) {
        const { records, error } = await collect(chunks(buf, sizes), { select: 'Release', ...options });
        assert.equal(error, null, `seed ${seed}: ${error?.message}\n${xml}`);
        assert.deepEqual(records.map(canonical), want, `seed ${seed}, chunks ${sizes.slice(0, 4)}\n${xml}`);
      }
    }
  });
}
