'use strict';
const { pipeline } = require('node:stream/promises');
const { Writable } = require('node:stream');
const { runContender, jsonReleaseChecksum } = require('./common');

runContender('sluice-json', async (ctx) => {
  // Required here so that an unbuilt addon, or one without the JSON engine, is reported as
  // this contender's error.
  const { JsonStream } = require('../..');
  if (typeof JsonStream !== 'function') throw new Error('this build of sluice does not export JsonStream');
  let records = 0;
  let checksum = 0;
  const sink = new Writable({
    objectMode: true,
    write(rel, _enc, done) {
      records++;
      checksum += jsonReleaseChecksum(rel);
      done();
    },
  });
  const json = new JsonStream({ select: '$.releases[*]' });
  await pipeline(ctx.open(), json, sink);
  return { records, checksum, extra: { stats: json.stats() } };
});
