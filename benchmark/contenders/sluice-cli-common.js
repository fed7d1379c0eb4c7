'use strict';
// The `sluice` command as a contender: lib/cli/main.js run in this process on the catalog,
// writing NDJSON into a file beside it, timed from the call to the renamed output. The
// result line has the shape of common.js's; no objects reach this process's event loop on
// the native path, so the event-loop columns stay empty.
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

function countLines(file) {
  const block = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  let records = 0;
  let outBytes = 0;
  try {
    for (let n; (n = fs.readSync(fd, block, 0, block.length, null)) > 0; ) {
      outBytes += n;
      for (let i = block.indexOf(10); i !== -1 && i < n; i = block.indexOf(10, i + 1)) records++;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { records, outBytes };
}

function runCli(name, extraArgs) {
  const file = process.argv[2];
  const out = path.join(path.dirname(path.resolve(file)), `${name}-out.ndjson`);
  let main;
  try {
    ({ main } = require('../../lib/cli/main'));
  } catch (err) {
    process.stdout.write(JSON.stringify({ name, error: String(err.message).slice(0, 300) }) + '\n');
    process.exitCode = 1;
    return;
  }
  setImmediate(async () => {
    const size = fs.statSync(file).size;
    const t0 = performance.now();
    const code = await main([file, '--select', 'Release', '-o', out, '--quiet', ...extraArgs]);
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0) {
      process.stdout.write(JSON.stringify({ name, error: `exit status ${code}` }) + '\n');
      process.exitCode = 1;
      return;
    }
    // Counted after the clock stopped, one record per line, read in blocks: reading the
    // output whole would put its size into this process's peak RSS, which is the command's.
    const { records, outBytes } = countLines(out);
    fs.rmSync(out, { force: true });
    const round = (x, d) => Math.round(x * 10 ** d) / 10 ** d;
    process.stdout.write(
      JSON.stringify({
        name,
        records,
        checksum: null,
        outBytes,
        bytes: size,
        seconds: round(seconds, 3),
        mbPerSec: round(size / 1e6 / seconds, 2),
        maxRssMiB: round(process.resourceUsage().maxRSS / 1024, 1),
        elDelayP99Ms: null,
        elDelayMaxMs: null,
        busyMsPerMB: null,
      }) + '\n',
    );
  });
}

module.exports = { runCli };
