'use strict';
// The output writers' typings (appended to index.d.ts) compile against a usage sample.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

test('index.d.ts types toNdjson, toJsonArray and toXml', () => {
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types-output')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
