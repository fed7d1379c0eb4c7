'use strict';
// stream-json's documented pipeline: parser -> pick the array -> stream its elements as
// assembled objects. stream-chain's chain() fuses the three stages into one Duplex.
const { pipeline } = require('node:stream/promises');
const { Writable } = require('node:stream');
const { chain } = require('stream-chain');
const { parser } = require('stream-json');
const { pick } = require('stream-json/filters/pick.js');
const { streamArray } = require('stream-json/streamers/stream-array.js');
const { runContender, jsonReleaseChecksum } = require('./common');

runContender('stream-json', async (ctx) => {
  let records = 0;
  let checksum = 0;
  const sink = new Writable({
    objectMode: true,
    write({ value }, _enc, done) {
      records++;
      checksum += jsonReleaseChecksum(value);
      done();
    },
  });
  await pipeline(ctx.open(), chain([parser(), pick({ filter: 'releases' }), streamArray()]), sink);
  return { records, checksum };
});
