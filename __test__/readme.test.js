'use strict';
// Every code block of the README and of docs/ either runs as written or is marked as a
// fragment, so the examples a user copies first cannot rot. A runnable block is saved as a
// file in a temporary app (with `sluice` in its node_modules and the sample files the examples
// read) and run with node; if it ends in `// ` comment lines, they are its expected output
// (stdout, then stderr). A fragment is marked by `<!-- fragment ... -->` on the line before it
// or by `fragment` in its info string (```js fragment): JavaScript ones are still compiled, and
// shell ones may only name npm scripts that exist.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const pkg = require('../package.json');
const { codeBlocks, CATALOG, CATALOG_ICPNS } = require('./markdown');

const JS = new Set(['js', 'javascript', 'mjs', 'cjs']);

/** A temporary app that depends on this package, with the files the examples read. */
function app() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-readme-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'sluice'), 'junction');
  fs.writeFileSync(path.join(dir, 'catalog.xml'), CATALOG);
  fs.writeFileSync(path.join(dir, 'export.json'), JSON.stringify({ releases: [{ title: 'First' }, { title: 'Second' }] }));
  fs.writeFileSync(path.join(dir, 'events.ndjson'), '{"type":"play"}\n{"type":"skip"}\n');
  return dir;
}

/** The `// ` comment lines that end a block: its expected output. */
function expectedOutput(code) {
  const lines = code.trimEnd().split('\n');
  const out = [];
  while (lines.length && lines.at(-1).startsWith('// ')) out.unshift(lines.pop().slice(3));
  return out;
}

const files = [path.join(root, 'README.md'), ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join(root, 'docs', f))];

for (const file of files) {
  const name = path.relative(root, file);
  for (const block of codeBlocks(file)) {
    const where = `${name}:${block.line}`;
    if (block.fragment) {
      test(`${where} (${block.lang || 'text'} fragment) is well-formed`, () => {
        if (JS.has(block.lang) && !/^\s*(import|export)\s/m.test(block.code)) {
          // Compiled as the body of an async function, so `await` and free names are fine.
          assert.doesNotThrow(() => new vm.Script(`(async () => {\n${block.code}\n})`), where);
        } else if (block.lang === 'sh') {
          for (const [, script] of block.code.matchAll(/npm run (\S+)/g)) {
            assert.ok(pkg.scripts[script], `${where}: no npm script \`${script}\``);
          }
          if (/\bnpm test\b/.test(block.code)) assert.ok(pkg.scripts.test, where);
        }
      });
      continue;
    }
    test(`${where} runs as written`, () => {
      assert.ok(JS.has(block.lang), `${where}: a \`${block.lang}\` block must be marked as a fragment, or be JavaScript that runs`);
      const dir = app();
      try {
        const esm = block.lang === 'mjs' || /^\s*(import|export)\s/m.test(block.code);
        const script = path.join(dir, esm ? 'example.mjs' : 'example.js');
        fs.writeFileSync(script, block.code);
        const r = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
        const output = [...r.stdout.split('\n'), ...r.stderr.split('\n')].filter((l) => l !== '');
        const expected = expectedOutput(block.code);
        if (expected.length) {
          assert.deepEqual(output, expected, where);
        } else {
          assert.equal(r.status, 0, `${where}: ${r.stderr}`);
          assert.equal(r.stderr, '', where);
          assert.notEqual(r.stdout, '', `${where} printed nothing`);
          if (block.code.includes("'catalog.xml'") && block.code.includes('ICPN')) {
            assert.deepEqual(r.stdout.trim().split('\n'), CATALOG_ICPNS, where);
          }
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test('the README has runnable examples, CommonJS and ES module', () => {
  const blocks = codeBlocks(path.join(root, 'README.md')).filter((b) => !b.fragment);
  assert.ok(blocks.some((b) => /require\('sluice'\)/.test(b.code)));
  assert.ok(blocks.some((b) => /from 'sluice'/.test(b.code)));
});
