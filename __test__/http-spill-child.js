'use strict';
// Spills records to a temp file in `dir`, prints the file's path, then ends as `how` says
// (http-spill.test.js checks what is left behind).
const { Readable } = require('node:stream');
const { collect } = require('../lib/collect');

const [how, dir] = process.argv.slice(2);

(async () => {
  const records = Readable.from(Array.from({ length: 1000 }, (_, i) => ({ i, pad: 'x'.repeat(100) })));
  const spilled = await collect(records, { memoryThreshold: 1000, tmpdir: dir });
  process.stdout.write(`${JSON.stringify({ path: spilled.path, length: spilled.length })}\n`);
  if (how === 'exit') process.exit(0);
  if (how === 'end') return; // the event loop empties: a natural exit
  if (how === 'throw') setImmediate(() => {
    throw new Error('boom');
  });
  else setInterval(() => {}, 1000); // wait for the parent's signal
})();
