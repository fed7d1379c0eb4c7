'use strict';
// The floor under every streaming contender: the same read stream into a Writable that drops
// each chunk. Its peak RSS is what node and the file's read buffers cost before any parsing;
// with nothing allocated on the JS heap meanwhile, V8 frees dead read buffers only once about
// 30 MiB of them have piled up (see the README's Benchmarks section).
const { Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { runContender } = require('./common');

runContender('read-only', async (ctx) => {
  await pipeline(ctx.open(), new Writable({ write: (_chunk, _enc, done) => done() }));
  return { records: null, checksum: null };
});
