'use strict';
// libexpat through node-expat (the tokenizer under xml-stream), with the shared builder.
const expat = require('node-expat');
const { ObjectBuilder } = require('./builder');
const { runContender, releaseChecksum, SHAPES } = require('./common');

runContender('node-expat', async (ctx) => {
  let records = 0;
  let checksum = 0;
  const b = new ObjectBuilder('Release', (rel) => {
    records++;
    checksum += releaseChecksum(rel, SHAPES.fxp);
  });
  const p = new expat.Parser('UTF-8');
  p.on('startElement', (name, attrs) => b.open(name, attrs));
  p.on('text', (t) => b.text(t)); // CDATA content arrives here too
  p.on('endElement', () => b.close());
  const write = (buf, last) => {
    if (!p.parse(buf, last)) throw new Error(`expat: ${p.getError()}`);
  };
  // Raw bytes: expat decodes UTF-8 itself, including characters split across chunks.
  await ctx.feed((chunk) => write(chunk, false), () => write('', true));
  return { records, checksum };
});
