#!/usr/bin/env node
'use strict';
// Builds the native addon from source with cargo and copies it next to index.js as
// sluice.<platform>-<arch>.node. It runs on `npm install`, both in a clone and in an app that
// installed the package, so it needs nothing from npm: a consumer gets no build toolchain
// packages, only this script.
//
// `node scripts/install.js --profile profiling` builds with debug info, for perf and the like
// (Cargo.toml's `profiling` profile); the default `release` profile ships a stripped addon.
// CARGO_TARGET_DIR, when set, is where cargo builds, and is left in place.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const addonName = `sluice.${process.platform}-${process.arch}.node`;

function fail(message) {
  console.error(`\nsluice: ${message}\n`);
  process.exit(1);
}

function minimumRust() {
  const toml = fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8');
  const m = /^rust-version\s*=\s*"([^"]+)"/m.exec(toml);
  return m ? m[1] : null;
}

function olderThan(version, minimum) {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) < (b[i] || 0);
  }
  return false;
}

function checkCargo(minimum) {
  const needs =
    `sluice is a native addon compiled from source on install, which needs Rust ${minimum} or newer ` +
    'and its build tool, cargo.\nInstall Rust with rustup (https://rustup.rs), make sure `cargo` is on ' +
    'your PATH (open a new shell), then run `npm install` again.';
  const probe = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) fail(`cargo was not found.\n${needs}`);
  const version = /cargo (\d+\.\d+\.\d+)/.exec(probe.stdout)?.[1];
  if (version && minimum && olderThan(version, minimum)) {
    fail(`cargo ${version} is too old.\n${needs}\nWith rustup, \`rustup update stable\` updates it.`);
  }
}

// In a clone, build into ./target, which `cargo test` shares, so rebuilds are incremental.
// Inside node_modules, build in a temporary folder and delete it afterwards: cargo's output
// is hundreds of MB and the app needs only the addon.
function targetDir() {
  if (process.env.CARGO_TARGET_DIR) return { dir: path.resolve(process.env.CARGO_TARGET_DIR), temporary: false };
  if (path.resolve(root).split(path.sep).includes('node_modules')) {
    return { dir: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-build-')), temporary: true };
  }
  return { dir: path.join(root, 'target'), temporary: false };
}

/** Runs cargo and returns the path of the cdylib it reports. */
function build(dir, installed) {
  const at = process.argv.indexOf('--profile');
  const profile = at > 0 ? process.argv[at + 1] : 'release';
  const args = ['build', '--profile', profile, '--features', 'node', '--message-format=json-render-diagnostics'];
  // An installed package builds exactly the dependency versions it was tested with.
  if (installed) args.push('--locked');
  const r = spawnSync('cargo', args, {
    cwd: root,
    env: { ...process.env, CARGO_TARGET_DIR: dir },
    // cargo's progress and diagnostics go to stderr as usual; stdout carries its JSON messages.
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) fail(`could not run cargo: ${r.error.message}`);
  if (r.status !== 0) fail(`cargo build failed (exit code ${r.status}); its messages are above.`);
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const msg = JSON.parse(line);
    if (msg.reason === 'compiler-artifact' && msg.target.name === 'sluice' && msg.target.kind.includes('cdylib')) {
      const lib = msg.filenames.find((f) => /\.(so|dylib|dll)$/.test(f));
      if (lib) return lib;
    }
  }
  return fail('cargo finished but reported no cdylib for the sluice crate.');
}

function main() {
  checkCargo(minimumRust());
  const { dir, temporary } = targetDir();
  try {
    const lib = build(dir, temporary);
    // Addons of earlier builds (other naming schemes included) would shadow or confuse this one.
    for (const f of fs.readdirSync(root)) {
      if (/^sluice\..*\.node$/.test(f)) fs.rmSync(path.join(root, f));
    }
    fs.copyFileSync(lib, path.join(root, addonName));
  } finally {
    if (temporary) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
