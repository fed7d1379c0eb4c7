'use strict';
// What the Express middleware and the Fastify plugin share: options, the checks made on the
// headers alone, and the three ways to hand a body over (a record stream fed as the body
// arrives; the records of a small body parsed in one call; every record collected).
const zlib = require('node:zlib');
const { XmlStream } = require('../xml');
const { JsonStream } = require('../json');
const parseModule = require('../parse');
const { collect } = require('../collect');
const { optionError } = require('../errors');
const { bytes, contentType, typeMatcher, fromParser, errors } = require('./util');

// Options the middleware takes for itself; everything else is a parser option.
const OWN = new Set([
  'limit',
  'type',
  'collect',
  'memoryThreshold',
  'maxRecords',
  'streamThreshold',
  'inflate',
  'xml',
  'json',
  'ndjson',
  'tmpdir',
]);

const DEFAULT_TYPES = {
  xml: ['application/xml', 'text/xml', 'application/*+xml'],
  json: ['application/json', 'application/*+json'],
  ndjson: ['application/x-ndjson', 'application/jsonl'],
};

const ENCODINGS = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

// Parsers whose errors carry HTTP statuses: the error is decorated as the stream fails, so
// the iteration that throws it, and anything else watching the stream, sees the same object.
class HttpXmlStream extends XmlStream {
  _destroy(err, callback) {
    super._destroy(fromParser(err), callback);
  }
}
class HttpJsonStream extends JsonStream {
  _destroy(err, callback) {
    super._destroy(fromParser(err), callback);
  }
}

function noop() {}

/** JSON is UTF-8 only; XML says its own encoding, so the header's need only be one we can read. */
function charsetOk(format, charset) {
  if (charset === undefined) return true;
  if (format !== 'xml') return charset === 'utf-8' || charset === 'utf8';
  try {
    new TextDecoder(charset); // eslint-disable-line no-new
    return charset !== 'replacement';
  } catch {
    return false;
  }
}

/** Which formats the options ask for: sections named, else guessed from `select`. */
function formatsOf(options, parserOptions) {
  const named = ['xml', 'json', 'ndjson'].filter((f) => options[f] !== undefined && options[f] !== false);
  if (named.length > 0) return named;
  const select = parserOptions.select;
  if (select === undefined) return ['xml', 'json', 'ndjson'];
  const list = Array.isArray(select) ? select : [select];
  return list.every((s) => typeof s === 'string' && s.startsWith('$')) ? ['json', 'ndjson'] : ['xml'];
}

/**
 * Validates the options once, at setup. `fastify` asks for `type` as patterns only, since
 * Fastify routes content types itself.
 */
function configure(options = {}, { fastify = false } = {}) {
  if (options === null || typeof options !== 'object') throw optionError('options must be an object');
  const parserOptions = {};
  for (const [k, v] of Object.entries(options)) if (!OWN.has(k)) parserOptions[k] = v;
  const names = formatsOf(options, parserOptions);
  if (options.type !== undefined && names.length !== 1) {
    throw optionError('`type` applies to one format; with several, give each its own (`xml: { type }`)');
  }
  const formats = names.map((name) => {
    const section = options[name] === true ? {} : (options[name] ?? {});
    if (typeof section !== 'object') throw optionError(`\`${name}\` must be an object of parser options`);
    const { type = options.type ?? DEFAULT_TYPES[name], ...own } = section;
    if (fastify && (typeof type === 'function' || ![type].flat().every((t) => typeof t === 'string' || t instanceof RegExp))) {
      throw optionError('with Fastify, `type` must be a media type, a RegExp or an array of them');
    }
    const po = { ...parserOptions, ...own };
    if (name === 'ndjson') po.format = 'ndjson';
    else if (name === 'json') po.format = po.format ?? 'json';
    const make = name === 'xml' ? () => new HttpXmlStream(po) : () => new HttpJsonStream(po);
    make().destroy(); // refuses bad options (selectors included) now, not on the first request
    const { format, ...rest } = po;
    const whole = parseModule.compile(name === 'xml' ? { ...rest, format: 'xml' } : { ...rest, format });
    return {
      name,
      types: [type].flat(),
      matches: fastify ? null : typeMatcher(type, name === 'xml' ? 'type' : `${name}.type`),
      make,
      whole,
      nullValue: name === 'xml' ? undefined : po.nullValue,
    };
  });
  const collectMode = options.collect ?? false;
  if (typeof collectMode !== 'boolean') throw optionError('`collect` must be a boolean');
  const maxRecords = options.maxRecords ?? Infinity;
  if (maxRecords !== Infinity && !(Number.isInteger(maxRecords) && maxRecords > 0)) {
    throw optionError('`maxRecords` must be a positive integer');
  }
  const inflate = options.inflate ?? true;
  if (typeof inflate !== 'boolean') throw optionError('`inflate` must be a boolean');
  return {
    formats,
    limit: options.limit === undefined ? undefined : bytes(options.limit, 'limit'),
    streamThreshold: bytes(options.streamThreshold ?? 64 * 1024, 'streamThreshold'),
    memoryThreshold: bytes(options.memoryThreshold ?? 5 * 1024 * 1024, 'memoryThreshold'),
    collect: collectMode,
    maxRecords,
    inflate,
    tmpdir: options.tmpdir,
  };
}

/** The records of a body parsed whole: an async iterable, as a stream would be. */
class ParsedRecords {
  #records;
  #error;

  constructor(records, error) {
    this.#records = records;
    this.#error = error;
  }

  async *[Symbol.asyncIterator]() {
    yield* this.#records;
    if (this.#error) throw this.#error;
  }

  /** Does nothing: there is no parser to free. Present so both paths take the same calls. */
  destroy() {
    return this;
  }
}

/**
 * The checks on headers alone. Returns an error, or `{ length, encoding }` with `length` the
 * Content-Length (NaN when chunked).
 */
function inspect(req, format, config, limit, ct) {
  if (!charsetOk(format.name, ct?.charset)) return errors.charset(ct.charset);
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && (!config.inflate || !ENCODINGS[encoding])) return errors.encoding(encoding);
  const length = req.headers['content-length'] === undefined ? NaN : Number(req.headers['content-length']);
  // The declared size is over the limit: refuse before reading a byte. (Compressed sizes say
  // little about inflated ones; those are counted as they inflate.)
  if (encoding === 'identity' && length > limit) return errors.tooLarge(limit, length);
  return { length, encoding };
}

/**
 * Reads the body of `req` (from `source`: `req` itself, or what Fastify hands over) and
 * calls `done(err, body)` once: with the record stream as soon as it is set up, or with the
 * records of a small body, or with every record in collect mode. Errors after `done` reach
 * whoever iterates the stream. `hooks.onEnd(fn)` registers `fn` for when the response is over;
 * `hooks.abandon()`, if given, is told that the rest of the body will not be read.
 */
function read(req, source, format, config, limit, head, hooks, done) {
  const { onEnd, abandon = noop } = hooks;
  const { length, encoding } = head;
  const small = encoding === 'identity' && length < config.streamThreshold;
  if (small) return readWhole(req, source, format, config, length, done);

  const parser = format.make();
  parser.on('error', noop); // a failed body must never crash the process, read or not
  let inflater = null;
  let input = source;
  if (encoding !== 'identity') {
    inflater = ENCODINGS[encoding]();
    source.pipe(inflater);
    input = inflater;
  }
  let received = 0; // bytes of the body as the parser sees them (inflated)
  let raw = 0; // bytes as sent
  const countRaw = (chunk) => {
    raw += chunk.length;
  };
  if (inflater) source.on('data', countRaw);
  let finished = false;

  const stop = () => {
    if (finished) return;
    finished = true;
    if (!req.complete) abandon();
    input.removeListener('data', onData);
    input.removeListener('end', onEnd2);
    parser.removeListener('drain', onDrain);
    req.removeListener('close', onClose);
    if (inflater) {
      source.removeListener('data', countRaw);
      source.unpipe(inflater);
      inflater.destroy();
    }
    source.pause();
  };
  const fail = (err) => {
    stop();
    parser.destroy(err);
  };
  const onData = (chunk) => {
    received += chunk.length;
    if (!inflater) raw = received;
    if (received > limit) return fail(errors.tooLarge(limit, Number.isNaN(length) ? undefined : length));
    if (!parser.write(chunk)) input.pause();
  };
  const onDrain = () => {
    if (!finished) input.resume();
  };
  const onEnd2 = () => {
    stop();
    parser.end();
  };
  const onClose = () => {
    if (req.complete || finished) return;
    fail(aborted(req, raw, length));
  };
  input.on('data', onData);
  input.on('end', onEnd2);
  if (inflater) inflater.on('error', (err) => fail(errors.inflate(err)));
  source.on('error', noop); // the client went away: seen as 'close' without `complete`
  parser.on('drain', onDrain);
  // The parser failed (malformed body) or was destroyed by the handler: stop reading.
  parser.on('close', stop);
  req.on('close', onClose);
  onEnd(() => {
    // The response is over. If the body is not, the connection may have dropped before the
    // request's own 'close' says so: whoever still iterates must see an abort, not an end.
    if (!finished && !req.complete) return fail(aborted(req, raw, length));
    stop();
    if (!parser.destroyed) parser.destroy();
  });

  if (!config.collect) return done(null, parser);
  collect(parser, {
    memoryThreshold: config.memoryThreshold,
    maxRecords: config.maxRecords,
    tmpdir: config.tmpdir,
    nullValue: format.nullValue,
    onTooMany: errors.tooManyRecords,
  }).then(
    (body) => {
      if (body.spilled) onEnd(() => body.dispose());
      done(null, body);
    },
    (err) => {
      stop();
      done(err);
    },
  );
}

/** A clean end of the connection with bytes missing is a short body; anything else, an abort. */
function aborted(req, received, length) {
  const expected = Number.isNaN(length) ? undefined : length;
  if (req.socket?.readableEnded && expected !== undefined) return errors.sizeInvalid(received, expected);
  return errors.aborted(received, expected);
}

/** A small body: read whole, parsed in one synchronous call. */
function readWhole(req, source, format, config, length, done) {
  const chunks = [];
  let received = 0;
  let over = false;
  const cleanup = () => {
    source.removeListener('data', onData);
    source.removeListener('end', onEndWhole);
    req.removeListener('close', onClose);
  };
  const onData = (chunk) => {
    received += chunk.length;
    chunks.push(chunk);
  };
  const onEndWhole = () => {
    cleanup();
    if (over) return;
    const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
    if (received !== length) return done(errors.sizeInvalid(received, length));
    let out;
    try {
      out = format.whole(buf);
    } catch (err) {
      return done(err);
    }
    const error = out.error ? fromParser(out.error) : null;
    if (!config.collect) return done(null, new ParsedRecords(out.records, error));
    if (error) return done(error);
    if (out.records.length > config.maxRecords) return done(errors.tooManyRecords(config.maxRecords));
    done(null, out.records);
  };
  const onClose = () => {
    if (req.complete) return;
    over = true;
    cleanup();
    done(aborted(req, received, length));
  };
  source.on('error', noop);
  source.on('data', onData);
  source.on('end', onEndWhole);
  req.on('close', onClose);
}

/** Whether the request has a body at all (as type-is decides it). */
function hasBody(req) {
  return req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
}

module.exports = { configure, inspect, read, hasBody, contentType, DEFAULT_TYPES, ParsedRecords };
