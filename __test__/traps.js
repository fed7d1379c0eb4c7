'use strict';
// Documents built to trap whoever cuts a file into parts (issue 15): the record's start tag in
// comments, CDATA and PIs, `>` in attribute values, records nested in records, look-alike
// names, several prefixes for one namespace, multi-byte characters everywhere. Shared by the
// parseFile tests and the command's --threads tests.

const { rng } = require('./helpers');

const NS = 'http://ddex.net/xml/ern/43';
const WORDS = ['é', '𝄞', '中文', 'ß', 'plain', 'ʃ', '€', 'a > b', 'x &amp; y', '&#x1F600;'];

/** One record of many shapes, with traps inside and around it. */
function release(r, i, prefix) {
  const word = () => WORDS[Math.floor(r() * WORDS.length)];
  const tag = prefix ? `${prefix}:Release` : 'Release';
  const parts = [`<${tag} id="${i}" note="${r() < 0.3 ? 'a>b' : 'ok'}" t='${word()}'>`];
  parts.push(`<Title>${word()} ${i} ${word()}</Title>`);
  const traps = Math.floor(r() * 4);
  for (let k = 0; k < traps; k++) {
    switch (Math.floor(r() * 7)) {
      case 0:
        parts.push(`<!-- <${tag} id="fake"> -->`);
        break;
      case 1:
        parts.push(`<Note><![CDATA[ <${tag} id="cdata"> ]]></Note>`);
        break;
      case 2:
        parts.push(`<?pi <${tag} id="pi"> ?>`);
        break;
      case 3:
        parts.push(`<ReleaseList><x>${word()}</x></ReleaseList><Releases n="1"/>`);
        break;
      case 4:
        // A record nested in a record: `Release` selects both, as one stream sees them.
        parts.push(`<${tag} id="${i}-inner"><Title>${word()}</Title></${tag}>`);
        break;
      case 5:
        parts.push(`<Text>${word().repeat(200 + Math.floor(r() * 800))}</Text>`);
        break;
      default:
        parts.push(`<Empty a="${word()}"/>`);
    }
  }
  parts.push(`</${tag}>`);
  return parts.join(r() < 0.5 ? '\n    ' : '');
}

function trapDocument(seed, n = 600) {
  const r = rng(seed);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<ern:NewReleaseMessage xmlns:ern="${NS}" xmlns:ernm="${NS}" xmlns="${NS}">\n`,
    '  <ReleaseList>\n',
  ];
  for (let i = 0; i < n; i++) {
    const roll = r();
    if (roll < 0.05) out.push(`  <!-- a comment with <Release> in it, and é -->\n`);
    if (roll > 0.97) out.push(`  <Other><Release id="other-${i}"><Title>not under ReleaseList</Title></Release></Other>\n`);
    if (roll > 0.5 && roll < 0.52) out.push(`  <?pi <Release> ?>\n`);
    const prefix = ['ern', 'ernm', ''][Math.floor(r() * 3)];
    out.push(`  ${release(r, i, prefix)}\n`);
  }
  out.push('  </ReleaseList>\n  <DealList><ReleaseDeal><Deal n="1"/></ReleaseDeal></DealList>\n');
  out.push('</ern:NewReleaseMessage>\n');
  return out.join('');
}

// JSON documents whose records are the elements of one array (`$.releases[*]`), for cutting
// between elements: separators inside strings, nested arrays of the same shape, look-alike
// arrays before and after, elements larger than a part, white space styles, a BOM.

/** White space between tokens, one style per document. */
function spacing(r) {
  const styles = [
    () => '',
    () => ' ',
    () => '\n  ',
    () => '\r\n\t',
    () => [' ', '\n', '\t', '\r\n', ''][Math.floor(r() * 5)].repeat(Math.floor(r() * 3)),
  ];
  return styles[Math.floor(r() * styles.length)];
}

/** A JSON text of a value, with `ws()` between tokens. */
function jsonText(v, ws) {
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => jsonText(x, ws)).join(`${ws()},${ws()}`)}${ws()}]`;
  if (v && typeof v === 'object' && !(v instanceof Raw)) {
    return `{${ws()}${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}${ws()}:${ws()}${jsonText(x, ws)}`).join(`${ws()},${ws()}`)}${ws()}}`;
  }
  if (v instanceof Raw) return v.text;
  return JSON.stringify(v);
}

class Raw {
  constructor(text) {
    this.text = text;
  }
}

/** An element of many shapes, with separators, quotes and backslashes inside strings. */
function jsonElement(r, i) {
  const word = () => WORDS[Math.floor(r() * WORDS.length)];
  switch (Math.floor(r() * 10)) {
    case 0:
      return `a",{"id":${i},"s":"\\",{\\"id\\":"`; // the separator inside a string
    case 1:
      return new Raw(`"\\\\",${JSON.stringify(word())}`.slice(0, 4)); // a string ending in a backslash
    case 2:
      return [i, [word(), { id: i }], []];
    case 3:
      return i % 2 ? null : -i * 1.5e-3;
    case 4:
      // Larger than a part.
      return { id: i, big: word().repeat(1500 + Math.floor(r() * 3000)) };
    default:
      return {
        id: i,
        s: `${word()} ${i} ${word()}`,
        // Nested arrays of the same shape as the records.
        releases: [{ id: -i, t: word() }, { id: -i - 1, t: ',{"id":' }],
        u: '\u{1F600}é中'.repeat(Math.floor(r() * 3)),
      };
  }
}

/** A document whose records are the elements of `releases`, with look-alikes around it. */
function jsonDocument(seed, n = 400) {
  const r = rng(seed);
  const ws = spacing(r);
  const elements = Array.from({ length: n }, (_, i) => jsonElement(r, i));
  const head = {
    meta: { releases: [{ id: 'meta' }, { id: 'meta2' }] },
    note: '"releases":[{"id":0},',
  };
  let doc = jsonText(head, ws).slice(0, -1); // without its `}`
  doc += `,${ws()}"releases"${ws()}:${ws()}${jsonText(elements, ws)}`;
  // After the array: other keys, and another array named releases deeper.
  doc += `,${ws()}"after":${ws()}${jsonText({ releases: [{ id: 'after' }, { id: 'after2' }], z: '中' }, ws)}${ws()}}`;
  if (seed % 3 === 0) doc = `\uFEFF${doc}`;
  return `${doc}${ws()}\n`;
}

/**
 * jsonDocument(seed, n) spoilt in the ways a JSON splitter must report as one stream does:
 * `cuts` copies cut short, `flips` with one byte changed (`]`, `}`, `,`, `"`, bad UTF-8, a
 * control), a second document after it, and closers that do not match.
 */
function malformedJsonDocuments(seed, n, { cuts, flips }) {
  const doc = Buffer.from(jsonDocument(seed, n));
  const r = rng(seed + 1);
  const bad = [];
  for (let k = 0; k < cuts; k++) bad.push(doc.subarray(0, 2000 + Math.floor(r() * (doc.length - 2000))));
  for (let k = 0; k < flips; k++) {
    const b = Buffer.from(doc);
    const at = 2000 + Math.floor(r() * (doc.length - 2000));
    b[at] = [0x5d, 0x7d, 0x2c, 0x22, 0xff, 0x01, 0xc3][k % 7];
    bad.push(b);
  }
  bad.push(Buffer.concat([doc, Buffer.from(' {"more":1}')]));
  bad.push(Buffer.from(doc.toString().replace(/\}\s*\n$/, ']}\n')));
  return bad;
}

module.exports = { rng, NS, WORDS, release, trapDocument, jsonDocument, jsonElement, jsonText, malformedJsonDocuments };
