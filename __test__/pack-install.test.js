'use strict';
// A user's first contact, end to end: a new app installs the `npm pack` tarball, with no
// warning (having allowed sluice's install script, as npm 11 asks), ends up with a small node_modules and nothing of cargo's output in it, and runs the
// README's example as written. It compiles the addon from scratch, which takes minutes, so it
// runs only as `npm run test:pack`.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { codeBlocks, CATALOG, CATALOG_ICPNS } = require('./markdown');

const root = path.join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const enabled = process.env.npm_lifecycle_event === 'test:pack';

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', shell: process.platform === 'win32' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Bytes of the files under `dir`, without following links, leaving out `skip(file)`. */
function size(dir, skip) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += size(p, skip);
    else if (!skip(p)) total += fs.lstatSync(p).size;
  }
  return total;
}

test('a new app installs the tarball without warnings, stays small and runs the README example', {
  skip: enabled ? false : 'builds the addon from scratch: run `npm run test:pack`',
}, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-app-'));
  try {
    const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', dir], root).stdout);
    const tarball = path.join(dir, packed[0].filename);
    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    // npm 11 warns about dependencies' install scripts an app has not allowed; an app that
    // allows sluice's (as the README says) gets no warning at all.
    const allowScripts = { [`file:${tarball}`]: true };
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, allowScripts }));
    const install = run(npm, ['install', '--no-audit', '--no-fund', tarball], app);
    const warnings = `${install.stdout}\n${install.stderr}`.split('\n').filter((l) => /warn/i.test(l));
    assert.deepEqual(warnings, []);

    const modules = path.join(app, 'node_modules');
    const addon = (p) => /[\\/]sluice[\\/]sluice\.[^\\/]+\.node$/.test(p);
    const bytes = size(modules, addon);
    console.log(`node_modules without the addon: ${(bytes / 2 ** 20).toFixed(2)} MiB`);
    assert.ok(bytes < 20 * 2 ** 20, `${bytes} bytes`);
    assert.deepEqual(fs.readdirSync(modules).filter((f) => !f.startsWith('.')), ['sluice']);
    assert.ok(!fs.existsSync(path.join(modules, 'sluice', 'target')), 'cargo output left behind');

    // The README as installed, its first runnable CommonJS and ES module examples.
    fs.writeFileSync(path.join(app, 'catalog.xml'), CATALOG);
    const blocks = codeBlocks(path.join(modules, 'sluice', 'README.md')).filter((b) => !b.fragment && b.code.includes('catalog.xml'));
    const cjs = blocks.find((b) => b.code.includes("require('sluice')"));
    const esm = blocks.find((b) => b.code.includes("from 'sluice'"));
    for (const [file, block] of [['example.js', cjs], ['example.mjs', esm]]) {
      fs.writeFileSync(path.join(app, file), block.code);
      const r = run(process.execPath, [file], app);
      assert.deepEqual(r.stdout.trim().split('\n'), CATALOG_ICPNS, file);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
