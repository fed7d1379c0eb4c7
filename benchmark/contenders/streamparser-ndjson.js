'use strict';
const { JSONParser } = require('@streamparser/json');
const { runContender, jsonReleaseChecksum } = require('./common');

runContender('streamparser-ndjson', async (ctx) => {
  let records = 0;
  let checksum = 0;
  // separator '\n' reads one value per line; paths ['$'] emits only those root values.
  const p = new JSONParser({ separator: '\n', paths: ['$'], keepStack: false });
  p.onValue = ({ value }) => {
    records++;
    checksum += jsonReleaseChecksum(value);
  };
  // Without an onError handler, write() throws, which ctx.feed turns into a rejection.
  await ctx.feed((chunk) => p.write(chunk), () => {
    if (!p.isEnded) p.end();
  });
  return { records, checksum };
});
