'use strict';
const JSONStream = require('JSONStream');
const { runContender, jsonReleaseChecksum } = require('./common');

runContender('JSONStream', async (ctx) => {
  let records = 0;
  let checksum = 0;
  // A classic `through` stream: it emits 'data' synchronously from write(), and reports
  // parse errors as 'error' events.
  const p = JSONStream.parse('releases.*');
  p.on('data', (rel) => {
    records++;
    checksum += jsonReleaseChecksum(rel);
  });
  const failed = new Promise((_, reject) => p.on('error', reject));
  await Promise.race([ctx.feed((chunk) => p.write(chunk), () => p.end()), failed]);
  return { records, checksum };
});
