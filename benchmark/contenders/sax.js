'use strict';
const sax = require('sax');
const { ObjectBuilder } = require('./builder');
const { runContender, releaseChecksum, SHAPES } = require('./common');

runContender('sax', async (ctx) => {
  let records = 0;
  let checksum = 0;
  const b = new ObjectBuilder('Release', (rel) => {
    records++;
    checksum += releaseChecksum(rel, SHAPES.fxp);
  });
  const p = sax.parser(true); // strict: XML rules, case kept
  p.onopentag = (node) => b.open(node.name, node.attributes);
  p.ontext = (t) => b.text(t);
  p.oncdata = (t) => b.text(t);
  p.onclosetag = () => b.close();
  p.onerror = (err) => {
    throw err;
  };
  await ctx.feed((chunk) => p.write(chunk), () => p.close(), { encoding: 'utf8' });
  return { records, checksum };
});
