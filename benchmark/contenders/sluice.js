'use strict';
const { pipeline } = require('node:stream/promises');
const { Writable } = require('node:stream');
const { runContender, releaseChecksum, SHAPES } = require('./common');

runContender('sluice', async (ctx) => {
  // Required here so that an unbuilt addon is reported as this contender's error.
  const { XmlStream } = require('../..');
  let records = 0;
  let checksum = 0;
  const sink = new Writable({
    objectMode: true,
    write(rel, _enc, done) {
      records++;
      checksum += releaseChecksum(rel, SHAPES.fxp);
      done();
    },
  });
  const xml = new XmlStream({ select: 'Release' });
  await pipeline(ctx.open(), xml, sink);
  return { records, checksum, extra: { stats: xml.stats() } };
});
