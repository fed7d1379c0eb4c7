#!/usr/bin/env node
'use strict';
// `sluice --help` explains the flags; lib/cli/main.js does the work.
const { main } = require('../lib/cli/main');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`sluice: internal error (a bug; please report it): ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
