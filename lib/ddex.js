'use strict';
// StreamingDDEXParser: DDEX ERN messages (NewReleaseMessage, PurgeReleaseMessage; ERN 3.x
// and 4.x) read as a stream of { kind, value } items: the message header, releases,
// resources and deals. The message's namespace URI is read from its root element, whatever
// prefix it is bound to, and the records are selected by that URI (`{uri}` selectors), so an
// `ern:`, `ernm:` or default-namespace message reads the same. Files go through parseFile
// and so use `parallelChunks` threads.
const fs = require('node:fs');
const { Readable } = require('node:stream');
const { performance } = require('node:perf_hooks');
const { NativeParser } = require('./native');
const { XmlStream, nativeOptions } = require('./xml');
const { parseFile } = require('./parse-file');
const { optionError } = require('./errors');

const KiB = 1024;
const MiB = 1024 * KiB;
// ERN 3.x and 4.x namespace URIs: http://ddex.net/xml/ern/382, .../ern/43, .../ern/37D2,
// and ERN 3.3's http://ddex.net/xml/2011/ern-main/33.
const ERN_URI = /^http:\/\/ddex\.net\/xml\/(?:ern\/[34][0-9A-Za-z]*|20\d\d\/ern-main\/3\d*)$/;
// Start tags a part of a file may start at: the usual record siblings. Only a hint for
// parallelism; parseFile checks every start.
const SPLIT_AT = [
  'Release',
  'TrackRelease',
  'SoundRecording',
  'Video',
  'Image',
  'Text',
  'SheetMusic',
  'Software',
  'MIDI',
  'UserDefinedResource',
  'ReleaseDeal',
  'PurgedRelease',
];
// Most bytes read looking for the root element.
const SNIFF_BYTES = 1 * MiB;

/** `'500MB'`, `'1GB'`, `'512KiB'` or a number of bytes. */
function parseBytes(v) {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.floor(v);
  const m = typeof v === 'string' && /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$/i.exec(v);
  if (!m) throw optionError("`maxMemory` must be a number of bytes or a size such as '500MB'");
  const unit = (m[2] || 'b').toLowerCase();
  const scale = unit.startsWith('g') ? 1024 ** 3 : unit.startsWith('m') ? MiB : unit.startsWith('k') ? KiB : 1;
  return Math.floor(Number(m[1]) * scale);
}

/** The tagged selectors for one ERN namespace URI, and the kind each selects. */
function selectorsFor(uri) {
  const nrm = `/{${uri}}NewReleaseMessage`;
  const prm = `/{${uri}}PurgeReleaseMessage`;
  const table = [
    [`${nrm}/MessageHeader`, 'header'],
    [`${nrm}/ResourceList/*`, 'resource'],
    [`${nrm}/ReleaseList/Release`, 'release'],
    [`${nrm}/ReleaseList/TrackRelease`, 'release'],
    [`${nrm}/DealList/ReleaseDeal/Deal`, 'deal'],
    [`${prm}/MessageHeader`, 'header'],
    [`${prm}/PurgedRelease`, 'release'],
  ];
  return { select: table.map(([s]) => s), kinds: new Map(table) };
}

// A message that is not ERN (or whose root never showed) selects nothing but is still read
// through, so that it is still checked.
const NOTHING = selectorsFor('urn:sluice:not-ern');

/**
 * The namespace URI of the root element, from the first bytes: a native parser reads them
 * until the root's first child ends, and its checkpoint path names the root with its
 * declarations. Null when that does not happen within what was given.
 */
async function rootUri(chunks) {
  const native = NativeParser.xml(nativeOptions({ select: '/*/*' }));
  try {
    for (const chunk of chunks) {
      await native.push(chunk);
      if (native.takeBatch() !== null) {
        const meta = native.takeBatchMeta();
        const root = meta.contexts.length > 0 ? JSON.parse(meta.contexts[0].json).path[0] : null;
        if (!root) return null;
        const colon = root.name.indexOf(':');
        const prefix = colon < 0 ? '' : root.name.slice(0, colon);
        const local = root.name.slice(colon + 1);
        if (local !== 'NewReleaseMessage' && local !== 'PurgeReleaseMessage') return null;
        const decl = root.ns.find(([p]) => p === prefix);
        return decl && ERN_URI.test(decl[1]) ? decl[1] : null;
      }
    }
    return null;
  } catch {
    return null;
  } finally {
    native.dispose().catch(() => {});
  }
}

async function readHead(path) {
  const fh = await fs.promises.open(path, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    const chunks = [];
    for (let at = 0; at < bytesRead; at += 16 * KiB) chunks.push(buf.subarray(at, Math.min(bytesRead, at + 16 * KiB)));
    return chunks;
  } finally {
    await fh.close();
  }
}

class StreamingDDEXParser {
  #maxMemory;
  #threads;
  #progress;
  #chunkSize;
  #onError;
  #partBytes;

  /**
   * `maxMemory` (default '500MB'): the parser's own buffers stay under it, and a record that
   * cannot be held within it fails cleanly (ERR_SLUICE_RECORD_TOO_LARGE). `parallelChunks`
   * (default 1): threads for files (parseFile). `enableProgress`: call `onProgress`.
   * `chunkSize` (default 100): records per `onChunkProcessed` call. `onError: 'skip'` drops
   * malformed records into `result.errors` instead of failing.
   */
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') throw optionError('options must be an object');
    this.#maxMemory = parseBytes(options.maxMemory ?? '500MB');
    if (this.#maxMemory < 1 * MiB) throw optionError('`maxMemory` must be at least 1 MiB');
    this.#threads = options.parallelChunks ?? 1;
    if (!Number.isInteger(this.#threads) || this.#threads < 1 || this.#threads > 64) {
      throw optionError('`parallelChunks` must be an integer from 1 to 64');
    }
    this.#progress = options.enableProgress ?? false;
    this.#chunkSize = options.chunkSize ?? 100;
    if (!Number.isInteger(this.#chunkSize) || this.#chunkSize < 1) throw optionError('`chunkSize` must be a positive integer');
    this.#onError = options.onError ?? 'throw';
    // Parts in flight each hold their part's records: a quarter of the budget in all.
    this.#partBytes = options.partBytes ?? Math.max(64 * KiB, Math.min(16 * MiB, Math.floor(this.#maxMemory / (4 * this.#threads))));
  }

  /** The sluice options the budget allows. */
  #streamOptions(selectors) {
    const maxRecordBytes = Math.min(64 * MiB, Math.floor(this.#maxMemory / 4));
    return {
      select: selectors.select,
      onError: this.#onError,
      maxRecordBytes,
      maxTextLength: Math.min(16 * MiB, maxRecordBytes),
      batchBytes: Math.min(64 * KiB, Math.floor(maxRecordBytes / 4)),
      highWaterMark: 256,
    };
  }

  /** `{ kind, value }` items of a file (a path, read in parts on `parallelChunks` threads). */
  async *iterateFile(path) {
    yield* this.#items(await this.#openFile(path));
  }

  /** `{ kind, value }` items of a byte stream. */
  async *iterateStream(stream) {
    yield* this.#items(await this.#openStream(stream));
  }

  /** Items of a path or a byte stream: `for await (const { kind, value } of parser.iterate(x))`. */
  iterate(input) {
    return typeof input === 'string' ? this.iterateFile(input) : this.iterateStream(input);
  }

  /** Parses a byte stream: resolves with the counts (see README). */
  async parseStream(stream, handlers = {}) {
    return this.#consume(await this.#openStream(stream), handlers);
  }

  /** Parses a file on `parallelChunks` threads: resolves with the counts. */
  async parseFile(path, handlers = {}) {
    return this.#consume(await this.#openFile(path), handlers);
  }

  async #openFile(path) {
    const uri = await rootUri(await readHead(path));
    const selectors = uri ? selectorsFor(uri) : NOTHING;
    const { size } = await fs.promises.stat(path);
    const records = parseFile(path, {
      ...this.#streamOptions(selectors),
      format: 'xml',
      threads: this.#threads,
      partBytes: this.#partBytes,
      splitAt: SPLIT_AT,
    });
    return { records, kinds: selectors.kinds, totalBytes: size };
  }

  async #openStream(stream) {
    if (!stream || typeof stream[Symbol.asyncIterator] !== 'function') {
      throw optionError('parseStream needs a readable byte stream');
    }
    // The head is read until the root is known, then replayed ahead of the rest.
    const it = stream[Symbol.asyncIterator]();
    const head = [];
    let held = 0;
    let ended = false;
    while (held < SNIFF_BYTES) {
      const { value, done } = await it.next();
      if (done) {
        ended = true;
        break;
      }
      const chunk = typeof value === 'string' ? Buffer.from(value) : value;
      head.push(chunk);
      held += chunk.length;
      if (held >= 4 * KiB && (await rootUri(head))) break;
    }
    const uri = await rootUri(head);
    const selectors = uri ? selectorsFor(uri) : NOTHING;
    const source = Readable.from(
      (async function* replay() {
        yield* head;
        if (ended) return;
        for (;;) {
          const { value, done } = await it.next();
          if (done) return;
          yield value;
        }
      })(),
      { objectMode: false },
    );
    let totalBytes;
    if (typeof stream.path === 'string') {
      totalBytes = await fs.promises.stat(stream.path).then((s) => s.size - (stream.start ?? 0), () => undefined);
    }
    const records = source.pipe(new XmlStream({ ...this.#streamOptions(selectors), totalBytes }));
    source.on('error', (err) => records.destroy(err));
    return { records, kinds: selectors.kinds, totalBytes };
  }

  async *#items({ records, kinds }) {
    for await (const { selector, value } of records) yield { kind: kinds.get(selector), value };
  }

  async #consume({ records, kinds, totalBytes }, { onProgress, onChunkProcessed } = {}) {
    const started = performance.now();
    const result = { totalReleases: 0, totalResources: 0, totalDeals: 0, totalHeaders: 0, errors: [], bytes: 0, durationMs: 0, peakMemoryMB: 0 };
    let peak = process.memoryUsage().rss;
    let chunk = { releases: [], resources: [], deals: [], headers: [] };
    let inChunk = 0;
    let chunkIndex = 0;
    const flush = () => {
      if (inChunk === 0) return;
      if (onChunkProcessed) onChunkProcessed({ index: chunkIndex, ...chunk });
      chunkIndex++;
      chunk = { releases: [], resources: [], deals: [], headers: [] };
      inChunk = 0;
    };
    records.on('skip', (s) => result.errors.push(s));
    records.on('progress', (p) => {
      peak = Math.max(peak, p.rss);
      result.bytes = Math.max(result.bytes, p.bytesRead);
      if (this.#progress && onProgress) {
        const total = p.totalBytes ?? totalBytes;
        onProgress({
          bytesProcessed: p.bytesRead,
          totalBytes: total,
          percentComplete: total ? Math.min(100, (p.bytesRead / total) * 100) : null,
          memoryUsage: Math.round((p.rss / MiB) * 10) / 10,
          releases: result.totalReleases,
          resources: result.totalResources,
          deals: result.totalDeals,
        });
      }
    });
    for await (const { selector, value } of records) {
      switch (kinds.get(selector)) {
        case 'release':
          result.totalReleases++;
          if (onChunkProcessed) chunk.releases.push(value);
          break;
        case 'resource':
          result.totalResources++;
          if (onChunkProcessed) chunk.resources.push(value);
          break;
        case 'deal':
          result.totalDeals++;
          if (onChunkProcessed) chunk.deals.push(value);
          break;
        default:
          result.totalHeaders++;
          if (onChunkProcessed) chunk.headers.push(value);
      }
      if (++inChunk >= this.#chunkSize) flush();
    }
    flush();
    peak = Math.max(peak, process.memoryUsage().rss);
    if (totalBytes !== undefined) result.bytes = totalBytes;
    result.durationMs = performance.now() - started;
    result.peakMemoryMB = Math.round((peak / MiB) * 10) / 10;
    return result;
  }
}

module.exports = { StreamingDDEXParser, parseBytes, ERN_URI };
