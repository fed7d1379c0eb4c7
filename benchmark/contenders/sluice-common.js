'use strict';
// The three sluice contenders differ only in the stream they build and the record shape.
const { pipeline } = require('node:stream/promises');
const { Writable } = require('node:stream');
const { runContender } = require('./common');

/** `makeStream(sluice)` builds the parser; `checksum(record)` is the shared work measure. */
function runSluice(name, makeStream, checksum) {
  // Loaded before the clock starts, as the other contenders load their packages; a load
  // failure (an unbuilt addon) is still reported as this contender's error.
  let sluice;
  let loadError;
  try {
    sluice = require('../..');
  } catch (err) {
    loadError = err;
  }
  runContender(name, async (ctx) => {
    if (loadError) throw loadError;
    const stream = makeStream(sluice);
    let records = 0;
    let sum = 0;
    const sink = new Writable({
      objectMode: true,
      write(record, _enc, done) {
        records++;
        sum += checksum(record);
        done();
      },
    });
    await pipeline(ctx.open(), stream, sink);
    return { records, checksum: sum, extra: { stats: stream.stats() } };
  });
}

module.exports = { runSluice };
