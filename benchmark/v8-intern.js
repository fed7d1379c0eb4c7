'use strict';
// Why JSON.parse's memory grows with the input, whoever calls it:
//   node benchmark/v8-intern.js 10   vs   node benchmark/v8-intern.js 11
// V8's JSON.parse interns string values of up to 10 characters. Interned strings live in the
// old generation, indexed by V8's off-heap string table, and dead ones leave only at a full
// GC; so 2 million distinct short values (dates, codes, IDs) leave the table and RSS larger
// than the same number of 11-character values do.
const v8 = require('node:v8');

const length = Number(process.argv[2] || 10);
let checksum = 0;
for (let batch = 0; batch < 2000; batch++) {
  const values = [];
  for (let i = 0; i < 1000; i++) values.push(JSON.stringify((batch * 1000 + i).toString(36).padStart(length, 'x')));
  checksum += JSON.parse(`[${values.join(',')}]`).length;
}
const MiB = 2 ** 20;
console.log(`${checksum} distinct ${length}-character values parsed: ` +
  `V8 malloc ${(v8.getHeapStatistics().malloced_memory / MiB).toFixed(1)} MiB, ` +
  `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
