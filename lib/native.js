'use strict';
// Loads the addon that `npm install` built from source with `napi build --platform`.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function load() {
  // `napi build --platform` names the file sluice.<platform>-<arch>[-<abi>].node.
  const prefix = `sluice.${process.platform}-${process.arch}`;
  const built = fs.readdirSync(root).filter((f) => f.startsWith(prefix) && f.endsWith('.node'));
  if (built.length === 1) return require(path.join(root, built[0]));
  const err = new Error(
    `sluice: no native addon for ${process.platform}-${process.arch} in ${root}. ` +
      'It is built from source by `npm install`; run `npm run build` (needs Rust and cargo).',
  );
  err.code = 'ERR_SLUICE_NATIVE_MISSING';
  throw err;
}

module.exports = load();
