'use strict';
// xml-stream builds its own objects on top of node-expat, so it is measured with its own
// output shape (the node-expat contender measures the same tokenizer with builder.js).
const XmlStream = require('xml-stream');
const { runContender, releaseChecksum, SHAPES } = require('./common');

runContender('xml-stream', (ctx) => new Promise((resolve, reject) => {
  let records = 0;
  let checksum = 0;
  const xml = new XmlStream(ctx.open());
  // Without collect() a repeated child keeps only its last occurrence.
  for (const name of ['DisplayTitleText', 'DisplayArtist', 'ResourceGroupContentItem', 'PLine']) xml.collect(name);
  xml.on('endElement: Release', (rel) => {
    records++;
    checksum += releaseChecksum(rel, SHAPES.xmlStream);
  });
  xml.on('end', () => resolve({ records, checksum }));
  xml.on('error', (err) => reject(new Error(String(err))));
}));
