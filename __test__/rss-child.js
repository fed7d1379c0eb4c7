'use strict';
// Run by hostile.test.js in a fresh process, so that maxRSS belongs to one input alone.
// Parses a file, or a generated hostile stream, with default options (plus any given) and
// prints what happened as JSON.
const fs = require('node:fs');
const { Readable } = require('node:stream');
const { XmlStream } = require('..');

const MiB = 1024 * 1024;

/** `head`, then `fill` repeated up to `total` bytes in 64 KiB chunks, then `tail`; never held whole. */
function* repeat(head, fill, total, tail = '') {
  yield Buffer.from(head);
  const block = Buffer.from(fill.repeat(Math.ceil(65536 / fill.length)));
  for (let sent = 0; sent < total; sent += block.length) yield block;
  yield Buffer.from(tail);
}

const GENERATED = {
  'nesting a million deep': () => repeat('', '<a>', 3 * MiB),
  'giant unterminated comment': () => repeat('<r><!--', 'c', 80 * MiB),
  'giant unterminated CDATA': () => repeat('<r><![CDATA[', 'c', 80 * MiB),
  'giant element name': () => repeat('<r><', 'n', 80 * MiB),
  'giant entity name': () => repeat('<r>&', 'n', 80 * MiB),
  'giant text outside records': () => repeat('<r>', 'text ', 80 * MiB, '<x/></r>'),
  'giant unterminated attribute value': () => repeat('<r a="', 'v', 80 * MiB),
  'giant DOCTYPE internal subset': () => repeat('<!DOCTYPE r [', '<!-- c -->', 80 * MiB),
  'giant PI': () => repeat('<r><?pi ', 'd', 80 * MiB),
  // A different 40,000-byte name in every record: names interned for records must not pile up.
  'unique giant names': function* () {
    yield Buffer.from('<r>');
    const pad = 'n'.repeat(40000);
    for (let i = 0; i < 2000; i++) yield Buffer.from(`<x><${pad}${i}/></x>`);
    yield Buffer.from('</r>');
  },
  'attribute storm': () => {
    const tag = `<e${Array.from({ length: 10000 }, (_, i) => ` a${i}="${i}"`).join('')}/>`;
    return repeat('<r>', tag, 40 * MiB, '</r>');
  },
  'namespace storm': () => {
    const decls = Array.from({ length: 5000 }, (_, i) => ` xmlns:p${i}="urn:${i}"`).join('');
    const uses = Array.from({ length: 4999 }, (_, i) => ` p${i}:a="${i}"`).join('');
    return repeat('<r>', `<e${decls}${uses}/>`, 20 * MiB, '</r>');
  },
};

async function main() {
  const { file, gen, options = {} } = JSON.parse(process.argv[2]);
  const source = file ? fs.createReadStream(file) : Readable.from(GENERATED[gen](), { objectMode: false });
  const out = { records: 0, error: null };
  await new Promise((resolve) => {
    const xml = new XmlStream(options);
    xml.on('data', () => out.records++);
    xml.on('error', (e) => {
      out.error = { code: e.code, message: e.message, line: e.line, column: e.column, offset: e.offset };
    });
    xml.on('close', resolve);
    source.pipe(xml);
  });
  source.destroy();
  out.maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(out));
}

if (process.argv[2] === '--list') process.stdout.write(JSON.stringify(Object.keys(GENERATED)));
else main();
