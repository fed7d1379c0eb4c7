'use strict';
// Loads the addon that `npm install` built from source (scripts/install.js).
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', `sluice.${process.platform}-${process.arch}.node`);

function load() {
  if (fs.existsSync(file)) return require(file);
  const err = new Error(
    `sluice: no native addon at ${file}. It is compiled from source by \`npm install\`, which ` +
      'needs Rust and cargo (install them with rustup, https://rustup.rs); run `npm run build` ' +
      'in the package folder to build it again.',
  );
  err.code = 'ERR_SLUICE_NATIVE_MISSING';
  throw err;
}

module.exports = load();
