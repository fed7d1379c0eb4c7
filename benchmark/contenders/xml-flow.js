'use strict';
// xml-flow builds its own objects on top of sax, so it is measured with its own output
// shape rather than with builder.js (that would just be the sax contender again).
const flow = require('xml-flow');
const { runContender, releaseChecksum, SHAPES } = require('./common');

runContender('xml-flow', (ctx) => new Promise((resolve, reject) => {
  let records = 0;
  let checksum = 0;
  // Its defaults lowercase names and collapse whitespace, which would change the data.
  const f = flow(ctx.open(), { strict: true, lowercase: false, trim: true, normalize: false, cdataAsText: true });
  f.on('tag:Release', (rel) => {
    records++;
    checksum += releaseChecksum(rel, SHAPES.xmlFlow);
  });
  f.on('end', () => resolve({ records, checksum }));
  f.on('error', reject);
}));
