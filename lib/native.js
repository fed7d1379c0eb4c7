'use strict';
// Loads the addon that `npm install` built from source (scripts/install.js).
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', `sluice.${process.platform}-${process.arch}.node`);

function load() {
  if (fs.existsSync(file)) return require(file);
  const err = new Error(
    `sluice: no native addon at ${file}. It is compiled from source when the package is ` +
      'installed, which needs Rust and cargo (install them with rustup, https://rustup.rs). If npm ' +
      'skipped the install script (--ignore-scripts, or scripts not allowed: `npm install-scripts ' +
      'approve sluice`), build it with `npm rebuild sluice`.',
  );
  err.code = 'ERR_SLUICE_NATIVE_MISSING';
  throw err;
}

module.exports = load();
