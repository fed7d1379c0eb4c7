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

module.exports = { rng, NS, WORDS, release, trapDocument };
