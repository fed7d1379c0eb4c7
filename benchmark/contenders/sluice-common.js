'use strict';
// The sluice contenders differ only in where their records come from and the record shape.
const { pipeline } = require('node:stream/promises');
const { Writable } = require('node:stream');
const { runContender } = require('./common');

/**
 * `build(sluice, ctx)` returns the streams records flow through (`streams`) and what the run
 * reports besides its counts (`extra()`); `checksum(record)` is the shared work measure.
 */
function measure(name, checksum, build, consume = 'pipeline') {
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
    const { streams, extra } = build(sluice, ctx);
    let records = 0;
    let sum = 0;
    if (consume === 'await') {
      // The most common consumer: the records pulled one by one from the last stream.
      const done = pipeline(...streams);
      done.catch(() => {}); // the loop below throws the same error
      for await (const record of streams[streams.length - 1]) {
        records++;
        sum += checksum(record);
      }
      await done;
      return { records, checksum: sum, extra: extra() };
    }
    const sink = new Writable({
      objectMode: true,
      write(record, _enc, done) {
        records++;
        sum += checksum(record);
        done();
      },
    });
    await pipeline(...streams, sink);
    return { records, checksum: sum, extra: extra() };
  });
}

/**
 * A read stream piped into `makeStream(sluice)`, whose records go to a Writable (`consume:
 * 'pipeline'`) or are read with `for await` (`'await'`).
 */
function runSluice(name, makeStream, checksum, consume = 'pipeline') {
  measure(name, checksum, (sluice, ctx) => {
    const stream = makeStream(sluice);
    return { streams: [ctx.open(), stream], extra: () => ({ stats: stream.stats() }) };
  }, consume);
}

/** parseFile: the file itself rather than a read stream, in parts on `options.threads`. */
function runSluiceFile(name, options, checksum) {
  measure(name, checksum, (sluice, ctx) => {
    ctx.startMonitor();
    const stream = sluice.parseFile(ctx.file, options);
    return { streams: [stream], extra: () => ({ split: stream.split }) };
  });
}

module.exports = { runSluice, runSluiceFile };
