'use strict';
const { SaxesParser } = require('saxes');
const { ObjectBuilder } = require('./builder');
const { runContender, releaseChecksum, SHAPES } = require('./common');

runContender('saxes', async (ctx) => {
  let records = 0;
  let checksum = 0;
  const b = new ObjectBuilder('Release', (rel) => {
    records++;
    checksum += releaseChecksum(rel, SHAPES.fxp);
  });
  const p = new SaxesParser();
  p.on('opentag', (node) => b.open(node.name, node.attributes));
  p.on('text', (t) => b.text(t));
  p.on('cdata', (t) => b.text(t));
  p.on('closetag', () => b.close());
  p.on('error', (err) => {
    throw err;
  });
  await ctx.feed((chunk) => p.write(chunk), () => p.close(), { encoding: 'utf8' });
  return { records, checksum };
});
