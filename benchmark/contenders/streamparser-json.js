'use strict';
const { JSONParser } = require('@streamparser/json');
const { runContender, jsonReleaseChecksum } = require('./common');

runContender('streamparser-json', async (ctx) => {
  let records = 0;
  let checksum = 0;
  // keepStack: false, or every emitted release stays referenced from the array in progress.
  const p = new JSONParser({ paths: ['$.releases.*'], keepStack: false });
  p.onValue = ({ value }) => {
    records++;
    checksum += jsonReleaseChecksum(value);
  };
  // Without an onError handler, write() throws, which ctx.feed turns into a rejection. The
  // parser ends itself after the root value, and end() on an ended parser throws.
  await ctx.feed((chunk) => p.write(chunk), () => {
    if (!p.isEnded) p.end();
  });
  return { records, checksum };
});
