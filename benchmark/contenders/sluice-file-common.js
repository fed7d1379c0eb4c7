'use strict';
// parseFile contenders: the file itself rather than a read stream, in parts on `threads`.
const { pipeline } = require('node:stream/promises');
const { Writable } = require('node:stream');
const { runContender } = require('./common');

function runSluiceFile(name, options, checksum) {
  let sluice;
  let loadError;
  try {
    sluice = require('../..');
  } catch (err) {
    loadError = err;
  }
  runContender(name, async (ctx) => {
    if (loadError) throw loadError;
    ctx.startMonitor();
    const stream = sluice.parseFile(ctx.file, options);
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
    await pipeline(stream, sink);
    return { records, checksum: sum, extra: { split: stream.split } };
  });
}

module.exports = { runSluiceFile };
