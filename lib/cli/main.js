'use strict';
// The `sluice` command: plans the run from argv, converts the inputs a few at a time,
// draws progress on stderr, prints one line per file and a summary, and maps the outcome to
// an exit status. Concurrency is plain promises: every conversion already runs on native
// threads (its own for the file fast path, sluice's workers for streams), so the main
// thread only schedules and reports.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parse, HELP, UsageError } = require('./args');
const { Progress, bytes, count } = require('./progress');
const { convertOne, nativeIsExact, TRANSIENT, NATIVE_PART_BYTES } = require('./convert');
const { DEFAULT_PART_BYTES } = require('../split/plan');
const { NativeParser } = require('../native');
const { createNative } = require('../options');
const { nativeOptions: xmlNativeOptions } = require('../xml');
const { nativeOptions: jsonNativeOptions } = require('../json');

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

function isDirectoryTarget(output, several) {
  if (several || output.endsWith('/') || output.endsWith(path.sep)) return true;
  try {
    return fs.statSync(output).isDirectory();
  } catch {
    return false;
  }
}

/** Where each input's records go: null for stdout, else the final path. */
function destinations(plan) {
  const { inputs, output, outputFormat } = plan;
  if (output === undefined) return inputs.map(() => null);
  if (!isDirectoryTarget(output, inputs.length > 1)) return [path.resolve(output)];
  const ext = outputFormat === 'json' ? '.json' : '.ndjson';
  // Outputs are named after their inputs. When two inputs share a name (feeds/a/x.xml,
  // feeds/b/x.xml), each keeps its path below the inputs' common directory instead.
  const names = inputs.map(({ file }) => (file === '-' ? 'stdin' : path.basename(file)));
  const flat = new Set(names).size === names.length;
  const dirs = inputs.filter((i) => i.file !== '-').map((i) => path.dirname(path.resolve(i.file)));
  const common = dirs.reduce((a, b) => {
    while (a !== b && !b.startsWith(a.endsWith(path.sep) ? a : a + path.sep)) a = path.dirname(a);
    return a;
  }, dirs[0] ?? '');
  const seen = new Map();
  return inputs.map(({ file }) => {
    const rel = file === '-' ? 'stdin' : flat ? path.basename(file) : path.relative(common, path.resolve(file));
    const out = path.resolve(output, rel.slice(0, rel.length - path.extname(rel).length) + ext);
    if (seen.has(out)) throw new UsageError(`${seen.get(out)} and ${file} would both write ${out}`);
    seen.set(out, file);
    return out;
  });
}

/**
 * Runs the command. `io` = { stdout, stderr, env } for tests; returns the exit status.
 */
async function main(argv, io = { stderr: process.stderr }) {
  const stderr = io.stderr;
  let plan, outs;
  try {
    plan = parse(argv);
    if (plan.help) {
      process.stdout.write(HELP);
      return EXIT_OK;
    }
    if (plan.version) {
      process.stdout.write(`${require('../../package.json').version}\n`);
      return EXIT_OK;
    }
    outs = destinations(plan);
    for (let i = 0; i < outs.length; i++) {
      const file = plan.inputs[i].file;
      if (outs[i] !== null && file !== '-' && path.resolve(file) === outs[i]) {
        throw new UsageError(`${file} would be overwritten by its own output`);
      }
    }
    // Option errors (a bad selector, a bad limit) are usage errors too: check them once now,
    // as the streams' constructors would (the flags only make options the streams know).
    if (plan.inputs.some((i) => i.format === 'xml')) {
      createNative((o) => NativeParser.xml(o), xmlNativeOptions, plan.streamOptions.xml, 'XmlStream').dispose().catch(() => {});
    }
    for (const format of new Set(plan.inputs.map((i) => i.format).filter((f) => f !== 'xml'))) {
      const options = { ...plan.streamOptions.json, format };
      createNative((o) => NativeParser.json(o), jsonNativeOptions, options, 'JsonStream').dispose().catch(() => {});
    }
  } catch (err) {
    if (err instanceof UsageError || err.code === 'ERR_SLUICE_INVALID_OPTION') {
      stderr.write(`sluice: ${err.message.replace(/^sluice: /, '')}\nTry 'sluice --help' for the flags and examples.\n`);
      return EXIT_USAGE;
    }
    throw err;
  }

  const several = plan.inputs.length > 1;
  const showBar = !plan.quiet && (plan.progress || Boolean(stderr.isTTY));
  const perFile = !plan.quiet && (several || showBar);
  const controller = new AbortController();
  const partials = new Set();
  const removePartials = () => {
    for (const p of partials) fs.rmSync(p, { force: true });
    partials.clear();
  };

  // Totals for the bar: file sizes up front (stdin counts only if it is a regular file).
  const sizes = plan.inputs.map(({ file }) => {
    try {
      const st = file === '-' ? fs.fstatSync(0) : fs.statSync(file);
      return st.isFile() ? st.size : null;
    } catch {
      return null;
    }
  });
  // A missing file counts as empty; only stdin of unknown length leaves the total unknown.
  const total = plan.inputs.some((i, k) => i.file === '-' && sizes[k] === null) ? null : sizes.reduce((a, b) => a + (b ?? 0), 0);

  const state = { done: 0, doneBytes: 0, doneRecords: 0, failed: 0, skipped: 0, errors: 0 };
  const running = new Set(); // samplers of conversions in progress
  const bar = new Progress({
    stream: stderr,
    enabled: showBar,
    sample: () => {
      let b = state.doneBytes;
      let r = state.doneRecords;
      for (const s of running) {
        const x = s();
        b += x.bytes;
        r += x.records;
      }
      return { bytes: b, total, records: r, errors: state.errors, files: plan.inputs.length, filesDone: state.done };
    },
  });
  const color = bar.color;
  const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);

  // Ctrl-C: stop every conversion, remove what they had written, exit 130. A second one
  // exits at once (still removing the partial files, which is synchronous), and so does the
  // first after a grace period: a conversion blocked in a read (a FIFO, a stalled network
  // disk) only sees the cancel when that read returns.
  let interrupted = false;
  let brokenPipe = false;
  let forceExit = null;
  const exitNow = () => {
    bar.stop();
    removePartials();
    stderr.write('sluice: interrupted; no partial output was left\n');
    process.exit(EXIT_INTERRUPTED);
  };
  const onSigint = () => {
    if (interrupted) exitNow();
    interrupted = true;
    controller.abort();
    forceExit = setTimeout(exitNow, 3000);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  // A closed stdout (`sluice x.xml | head`) ends the run quietly, as other filters do.
  const stopOnBrokenPipe = () => {
    brokenPipe = true;
    controller.abort();
  };
  const onStdoutError = (err) => {
    if (err.code === 'EPIPE') stopOnBrokenPipe();
  };
  process.stdout.on('error', onStdoutError);

  const started = performance.now();
  bar.start();
  // Several inputs into stdout go one after the other, so their records do not interleave.
  const jobs = outs.every((o) => o === null) ? 1 : plan.jobs;
  // Without --threads, the cores go to the files converted at once: one big file gets them
  // all, as many files as cores get one each (cutting them too would only add parts).
  const threadsPerFile = plan.threads ?? Math.min(64, Math.max(1, Math.floor(os.availableParallelism() / Math.min(jobs, plan.inputs.length))));

  async function runInput(i) {
    const input = plan.inputs[i];
    const out = outs[i];
    const tmp = out === null ? null : `${out}.partial`;
    // --threads cuts XML, NDJSON and JSON document files (lib/split, src/cut.rs: a document
    // between the elements of the array its selector names, else it is one part); concatenated
    // values and stdin (which cannot be read at several offsets) stay on one thread. The
    // native converter takes XML, NDJSON and JSON document files, whole or in parts; the
    // rest goes through parseFile on several threads, through the streams on one.
    const json = input.format === 'ndjson' || input.format === 'json';
    const useNative =
      plan.native &&
      input.file !== '-' &&
      ((input.format === 'xml' && nativeIsExact(plan.streamOptions.xml)) || json);
    // A file of under two parts would be read whole on either path: it takes the one-thread
    // path directly (the stream, off the native path), as without --threads.
    const partBytes = plan.partBytes ?? (useNative ? NATIVE_PART_BYTES : DEFAULT_PART_BYTES);
    const cuttable = input.file !== '-' && (input.format === 'xml' || json) && !(sizes[i] !== null && sizes[i] < 2 * partBytes);
    const threads = threadsPerFile > 1 && cuttable ? threadsPerFile : 1;
    if (tmp) {
      fs.mkdirSync(path.dirname(tmp), { recursive: true });
      partials.add(tmp);
    }
    const t0 = performance.now();
    let sampler = () => ({ bytes: 0, records: 0 });
    const sample = () => sampler();
    running.add(sample);
    const skips = [];
    let result;
    let failure = null;
    for (let attempt = 0; ; attempt++) {
      try {
        result = await convertOne({
          input,
          plan,
          tmp,
          useNative,
          threads,
          signal: controller.signal,
          setSampler: (fn) => {
            sampler = fn;
          },
          onSkip: (e) => skips.push(e),
        });
        failure = null;
        break;
      } catch (err) {
        failure = err;
        const retry = err.transient && attempt < plan.retry && input.file !== '-' && !controller.signal.aborted;
        if (!retry) break;
        bar.print(`${err.format()} (retry ${attempt + 1} of ${plan.retry})`);
        skips.length = 0;
        await sleep(Math.min(5000, 200 * 2 ** attempt), controller.signal);
      }
    }
    running.delete(sample);
    const seconds = Math.max((performance.now() - t0) / 1000, 1e-6);
    const last = sampler();
    if (failure && failure.name === 'AbortError') return;
    if (failure && failure.code === 'EPIPE' && out === null) {
      stopOnBrokenPipe();
      return;
    }
    state.done++;
    state.doneBytes += result ? result.bytes : last.bytes;
    state.doneRecords += result ? result.records : last.records;
    state.skipped += skips.length;
    if (!plan.quiet) {
      const shown = skips.slice(0, 20);
      for (const s of shown) bar.print(`${s.format()} (record skipped)`);
      if (skips.length > shown.length) bar.print(`${input.file}: ... and ${count(skips.length - shown.length)} more records skipped`);
    }
    if (failure) {
      state.failed++;
      state.errors++;
      if (tmp) {
        fs.rmSync(tmp, { force: true });
        partials.delete(tmp);
      }
      bar.print(failure.format ? failure.format() : `${input.file}: ${failure.message}`);
      if (perFile) bar.print(`${paint('31', 'failed')}  ${input.file}  ${count(last.records)} records before the error`);
      return;
    }
    if (tmp) {
      fs.renameSync(tmp, out);
      partials.delete(tmp);
    }
    if (perFile) {
      const mbs = result.bytes / 1e6 / seconds;
      // Threads are named only when the file was cut (a JSON document whose selection has no
      // cuts is read whole whatever the threads).
      const how = result.parts > 1 ? ` (${threads} threads)` : useNative || threads > 1 ? '' : ' (stream)';
      const target = out === null ? '' : `  -> ${path.relative(process.cwd(), out) || out}`;
      bar.print(
        `${paint('32', 'ok')}  ${input.file}  ${count(result.records)} records  ${count(skips.length)} errors  ` +
          `${bytes(result.bytes)} at ${mbs.toFixed(1)} MB/s${how}${target}`,
      );
    }
  }

  // A small pool: `jobs` workers take the next input until none is left.
  let next = 0;
  const worker = async () => {
    while (next < plan.inputs.length && !controller.signal.aborted) await runInput(next++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, plan.inputs.length) }, worker));
  } finally {
    clearTimeout(forceExit);
    bar.stop();
    removePartials();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    process.stdout.off('error', onStdoutError);
  }

  if (interrupted) {
    stderr.write('sluice: interrupted; no partial output was left\n');
    return EXIT_INTERRUPTED;
  }
  if (brokenPipe) return state.failed > 0 ? EXIT_FAILED : EXIT_OK;
  const seconds = Math.max((performance.now() - started) / 1000, 1e-6);
  if (perFile) {
    const n = plan.inputs.length;
    const ok = n - state.failed;
    stderr.write(
      `${count(n)} file${n === 1 ? '' : 's'} in ${seconds.toFixed(2)} s (${(n / seconds).toFixed(1)} files/s): ` +
        `${ok} ok, ${state.failed} failed (${((ok / n) * 100).toFixed(1)}% success), ` +
        `${count(state.doneRecords)} records, ${count(state.skipped)} skipped, ` +
        `${bytes(state.doneBytes)} at ${(state.doneBytes / 1e6 / seconds).toFixed(1)} MB/s\n`,
    );
  }
  return state.failed > 0 ? EXIT_FAILED : EXIT_OK;
}

module.exports = { main, EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, TRANSIENT };
