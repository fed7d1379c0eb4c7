'use strict';
// The three sluice contenders differ only in the stream they build and the record shape.
const { pipeline } = require('node:stream/promises');
const { Writable } = require('node:stream');
const { runContender } = require('./common');

/** `makeStream(sluice)` builds the parser; `checksum(record)` is the shared work measure. */
function runSluice(name, makeStream, checksum) {
  runContender(name, async (ctx) => {
    // Required here so that an unbuilt addon is reported as this contender's error.
    const stream = makeStream(require('../..'));
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
