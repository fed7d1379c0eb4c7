'use strict';
// Converting one input: through the native file-to-NDJSON path where it gives exactly the
// stream API's bytes, through XmlStream / JsonStream and a writer otherwise. Either way the
// output is written under a temporary name and renamed only once complete.
const fs = require('node:fs');
const os = require('node:os');
const { Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { XmlStream, nativeOptions: xmlNativeOptions } = require('../xml');
const { JsonStream, nativeOptions: jsonNativeOptions } = require('../json');
const { toNdjson, toJsonArray, isXmlName } = require('../output');
const { NativeFileConvert } = require('../native');
const { parseFile } = require('../parse-file');
const { recordNames } = require('../split/plan');

// Read errors worth another try: the file may be readable a moment later (NFS, a busy
// device, descriptor exhaustion). ENOENT or EACCES will not change by waiting.
const TRANSIENT = new Set(['EAGAIN', 'EWOULDBLOCK', 'EBUSY', 'EIO', 'EINTR', 'ETIMEDOUT', 'ESTALE', 'ENFILE', 'EMFILE', 'ECONNRESET']);

const ERRNO_NAMES = Object.fromEntries(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));

/** One input's failure, printed as `file:line:column: message [code]`. */
class FileError extends Error {
  constructor(file, message, { code, line = 0, column = 0, transient = false } = {}) {
    super(message);
    this.file = file;
    this.code = code;
    this.line = line;
    this.column = column;
    this.transient = transient;
  }

  format() {
    const where = this.line > 0 ? `${this.file}:${this.line}:${this.column}` : this.file;
    return `${where}: ${this.message}${this.code ? ` [${this.code}]` : ''}`;
  }
}

/** The parser's message without the " at line L, column C (byte B)" it appends. */
const bare = (message) => message.replace(/ at line \d+, column \d+ \(byte \d+\)$/, '');

function fromParseError(file, err) {
  return new FileError(file, bare(err.message), { code: err.code, line: err.line, column: err.column });
}

function fromIoError(file, during, err) {
  const code = err.code ?? (err.errno != null ? ERRNO_NAMES[err.errno] : undefined);
  const verb = { open: 'cannot open', read: 'cannot read', create: 'cannot create output', write: 'cannot write output' }[during];
  const message = `${verb}: ${err.message.replace(/^[A-Z]+: /, '').replace(/ \(os error \d+\)$/, '')}`;
  return new FileError(file, message, { code, transient: (during === 'open' || during === 'read') && TRANSIENT.has(code) });
}

const NATIVE_PART_BYTES = 4 * 1024 * 1024;

const ARRAY_INDEX = /^(0|[1-9]\d*)$/;

/**
 * Whether the native path's bytes are exactly JSON.stringify of the stream's records. Keys
 * that could be element names (an empty attribute prefix, a textNodeName such as `text`) may
 * collide with a child's key, and integer-like keys are reordered by JSON.parse: both leave
 * the JS path to define the output.
 */
function nativeIsExact(o) {
  const safeKey = (k) => !isXmlName(k) && !ARRAY_INDEX.test(k);
  if (!o.ignoreAttributes && isXmlName(`${o.attributeNamePrefix ?? '@_'}a`)) return false;
  if (!safeKey(o.textNodeName ?? '#text')) return false;
  if (o.cdataPropName && !safeKey(o.cdataPropName)) return false;
  return true;
}

/** A Writable into stdout that never ends it: several inputs may follow one another. */
function stdoutSink() {
  return new Writable({
    write(chunk, _encoding, callback) {
      if (process.stdout.write(chunk)) callback();
      else process.stdout.once('drain', callback);
    },
  });
}

/**
 * Converts one input. `job` = { input: {file, format}, out: path|null, tmp: path|null,
 * useNative, plan, signal, onSkip(skip), setSampler(fn) }. Resolves with
 * { records, bytes, skipped, parts }; rejects with a FileError (or an AbortError).
 */
async function convertOne(job) {
  const { input, plan } = job;
  if (job.useNative) return viaNative(job);
  if (job.threads > 1) return viaParseFile(job);
  const isXml = input.format === 'xml';
  const options = isXml ? { ...plan.streamOptions.xml } : { ...plan.streamOptions.json, format: input.format === 'ndjson' ? 'ndjson' : input.format === 'concatenated' ? 'concatenated' : 'json' };
  const parser = isXml ? new XmlStream(options) : new JsonStream(options);
  let skipped = 0;
  parser.on('skip', (s) => {
    skipped++;
    job.onSkip(new FileError(input.file, bare(s.message), { code: s.code, line: s.line, column: s.column }));
  });
  job.setSampler(() => {
    const s = parser.stats();
    return { bytes: s.bytes, records: s.records, skipped };
  });
  const source = input.file === '-' ? process.stdin : fs.createReadStream(input.file, { highWaterMark: 256 * 1024 });
  // Not a pipeline stage: a read error reaches write() as the parser's error, and a parser
  // stopped early (an error, Ctrl-C) closes the file.
  source.on('error', (err) => parser.destroy(err));
  parser.once('close', () => {
    if (source !== process.stdin) source.destroy();
  });
  source.pipe(parser);
  await write(job, parser);
  const s = parser.stats();
  return { records: s.records, bytes: s.bytes, skipped, parts: 1 };
}

/**
 * One XML or NDJSON file on several threads when the native converter cannot take it:
 * parseFile gives exactly the stream's records, skips and first error, so the same writers
 * make the same bytes.
 */
async function viaParseFile(job) {
  const { input, plan } = job;
  const isXml = input.format === 'xml';
  const options = {
    ...(isXml ? plan.streamOptions.xml : plan.streamOptions.json),
    format: input.format,
    threads: job.threads,
    progressInterval: 100,
  };
  if (plan.partBytes !== undefined) options.partBytes = plan.partBytes;
  const records = parseFile(input.file, options);
  let skipped = 0;
  let count = 0;
  let bytes = 0;
  records.on('skip', (s) => {
    skipped++;
    job.onSkip(new FileError(input.file, bare(s.message), { code: s.code, line: s.line, column: s.column }));
  });
  // Bytes come from parseFile's progress, which counts what the part being emitted has read:
  // counting the parts parsed ahead would make the bar go back whenever one is redone.
  records.on('progress', (p) => {
    bytes = p.bytesRead;
  });
  // A second 'data' listener next to the pipe's: the records start flowing on the next tick,
  // after write() below has attached the pipe, and the pipe's pauses hold both.
  records.on('data', () => {
    count++;
  });
  job.setSampler(() => ({ bytes, records: count, skipped }));
  await write(job, records);
  return { records: count, bytes, skipped, parts: records.split.parts };
}

/** Writes the records through the output writer into the temporary file or stdout. */
async function write(job, records) {
  const { input, plan } = job;
  const writer = plan.outputFormat === 'json' ? toJsonArray() : toNdjson();
  const dest = job.tmp ? fs.createWriteStream(job.tmp) : stdoutSink();
  // The records before a parse error must all reach stdout, as the native path writes them:
  // an error inside pipeline() would destroy the writer with some of them still buffered. So
  // the error is held back until the writer has ended, without its closing text (a JSON
  // array's `]`), as the native path leaves it.
  let failure = null;
  async function* untilError() {
    try {
      for await (const record of records) yield record;
    } catch (err) {
      failure = err;
      writer._flush = (callback) => callback();
    }
  }
  try {
    await pipeline(untilError, writer, dest, { signal: job.signal });
    if (failure) throw failure;
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    if (typeof err.code === 'string' && err.code.startsWith('ERR_SLUICE_')) throw fromParseError(input.file, err);
    if (err.syscall && job.tmp && (err.path === job.tmp || err.syscall === 'write')) {
      throw fromIoError(input.file, err.syscall === 'open' ? 'create' : 'write', err);
    }
    if (err.syscall) throw fromIoError(input.file, err.syscall === 'open' ? 'open' : 'read', err);
    throw new FileError(input.file, err.message, { code: err.code });
  }
}

/**
 * Where the native converter may cut the file on several threads: the local names of the
 * records' start tags (null for any), as lib/split cuts for parseFile.
 */
function splitNamesOf(plan) {
  const names = recordNames(plan.streamOptions.xml.select ?? '/*');
  return names === null ? null : [...names];
}

async function viaNative(job) {
  const { input, plan } = job;
  const isXml = input.format === 'xml';
  const conv = isXml
    ? NativeFileConvert.xml(xmlNativeOptions(plan.streamOptions.xml))
    : NativeFileConvert.json(jsonNativeOptions({ ...plan.streamOptions.json, format: input.format }));
  job.setSampler(() => conv.progress());
  const cancel = () => conv.cancel();
  job.signal?.addEventListener('abort', cancel, { once: true });
  let r;
  try {
    const array = plan.outputFormat === 'json';
    // Smaller parts than parseFile's by default: the parts in flight hold only their NDJSON
    // bytes, and more of them share the work out more evenly.
    r = job.threads > 1
      ? await conv.runSplit(input.file, job.tmp, array, isXml ? splitNamesOf(plan) : null, plan.partBytes ?? NATIVE_PART_BYTES, job.threads)
      : await conv.run(input.file, job.tmp, array);
  } finally {
    job.signal?.removeEventListener('abort', cancel);
  }
  for (const s of r.skips) {
    job.onSkip(new FileError(input.file, s.error.message, { code: s.error.code, line: s.error.line, column: s.error.column }));
  }
  if (r.ok) return { records: r.records, bytes: r.bytes, skipped: r.skipped, parts: r.parts };
  if (r.cancelled) {
    const err = new Error('The operation was aborted');
    err.name = 'AbortError';
    throw err;
  }
  if (r.error) throw new FileError(input.file, r.error.message, { code: r.error.code, line: r.error.line, column: r.error.column });
  if (r.ioError) {
    const e = r.ioError;
    throw fromIoError(input.file, e.during, { message: e.message, errno: e.errno });
  }
  throw new FileError(input.file, `internal error in the native converter (a bug; please report it): ${r.internal}`, { code: 'ERR_SLUICE_INTERNAL' });
}

module.exports = { convertOne, nativeIsExact, FileError, fromIoError, TRANSIENT, NATIVE_PART_BYTES };
