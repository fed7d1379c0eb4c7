'use strict';
// The usual NDJSON baseline: node:readline splits lines, JSON.parse builds each record.
const readline = require('node:readline');
const { runContender, jsonReleaseChecksum } = require('./common');

runContender('readline-ndjson', async (ctx) => {
  let records = 0;
  let checksum = 0;
  const input = ctx.open();
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  await new Promise((resolve, reject) => {
    rl.on('line', (line) => {
      if (line.length === 0) return;
      let rel;
      try {
        rel = JSON.parse(line);
      } catch (err) {
        rl.close();
        input.destroy();
        reject(err);
        return;
      }
      records++;
      checksum += jsonReleaseChecksum(rel);
    });
    rl.on('close', resolve);
    input.on('error', reject);
  });
  return { records, checksum };
});
