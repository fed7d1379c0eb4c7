'use strict';
// parseFile with 1 and 2 threads on the 100 MiB catalog (XML, NDJSON and the JSON document), in one process,
// one after the other: seconds, records and how the parts fared. The files are the ones
// `node benchmark/run.js --sizes 100` generates in benchmark/data.
//   node benchmark/parse-file-split.js [runs]
const path = require('node:path');
const { parseFile } = require('..');

const data = path.join(__dirname, 'data');
const cases = [
  ['catalog-100MiB.xml', { select: 'Release' }],
  ['catalog-100MiB.ndjson', {}],
  ['catalog-100MiB.json', { select: '$.releases[*]' }],
];

async function main() {
  const runs = Number(process.argv[2] ?? 1);
  for (let run = 0; run < runs; run++) {
    for (const [file, options] of cases) {
      for (const threads of [1, 2]) {
        const t0 = process.hrtime.bigint();
        const stream = parseFile(path.join(data, file), { ...options, threads });
        let records = 0;
        for await (const _ of stream) records++;
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        console.log(`${file} threads ${threads}: ${seconds.toFixed(2)} s, ${records} records, parts ${JSON.stringify(stream.split)}`);
      }
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
