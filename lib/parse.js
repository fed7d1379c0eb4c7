'use strict';
// A whole document parsed in one synchronous native call on the calling thread. For small
// inputs a worker hop, a promise per chunk and a Transform cost more than the parse itself;
// large inputs belong in XmlStream/JsonStream, which keep the main thread free.
const native = require('./native');
const { parseError, internalError, optionError } = require('./errors');
const xml = require('./xml');
const json = require('./json');

const FORMATS = ['xml', 'json', 'concatenated', 'ndjson'];

/**
 * Validates `options` once and returns a function that parses a Buffer into
 * `{ records, error }`: the records that ended before the error, and the error (or null).
 * The HTTP middleware keeps one per route, so per-request work is the parse alone.
 */
function compile(options = {}) {
  if (options === null || typeof options !== 'object') throw optionError('options must be an object');
  const { format, nullValue, ...rest } = options;
  if (format !== undefined && !FORMATS.includes(format)) {
    throw optionError("`format` must be 'xml', 'json', 'concatenated' or 'ndjson'");
  }
  if (nullValue === null) throw optionError('`nullValue` cannot be null');
  const nullRecord = nullValue === undefined ? json.NULL : nullValue;
  let xmlOptions;
  let jsonOptions;
  const xmlCall = (buf) => native.parseXmlSync((xmlOptions ??= xml.nativeOptions(rest)), buf);
  const jsonCall = (buf) =>
    native.parseJsonSync((jsonOptions ??= json.nativeOptions({ ...rest, format: format ?? 'json' })), buf);
  // Validate now rather than on the first document.
  if (format === 'xml') xmlOptions = xml.nativeOptions(rest);
  else if (format !== undefined) jsonOptions = json.nativeOptions({ ...rest, format });

  return function run(buf) {
    const isXml = format === 'xml' || (format === undefined && looksLikeXml(buf));
    let out;
    try {
      out = isXml ? xmlCall(buf) : jsonCall(buf);
    } catch (err) {
      // The core refuses bad options (selectors) when the engine is built.
      if (err && err.code === 'InvalidArg') throw optionError(err.message);
      throw err;
    }
    const records = JSON.parse(out.records);
    if (!isXml) {
      for (let i = 0; i < records.length; i++) if (records[i] === null) records[i] = nullRecord;
    }
    const error = out.panicked ? internalError() : out.error ? parseError(out.error) : null;
    return { records, error };
  };
}

/** Without a `format`: XML if the first byte past a BOM and whitespace is `<`. */
function looksLikeXml(buf) {
  let i = 0;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3;
  else if ((buf[0] === 0xfe && buf[1] === 0xff) || (buf[0] === 0xff && buf[1] === 0xfe)) return true; // UTF-16: JSON is UTF-8 only
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
  return buf[i] === 0x3c;
}

function toBuffer(input) {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (Buffer.isBuffer(input)) return input;
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('sluice.parse: input must be a Buffer, a Uint8Array or a string');
}

/**
 * The records of a whole document, parsed synchronously on this thread. Throws the parse
 * error (with `code`, `line`, `column`, `offset`, and `records`: those that ended before it).
 */
function parse(input, options = {}) {
  const { records, error } = compile(options)(toBuffer(input));
  if (error) {
    error.records = records;
    throw error;
  }
  return records;
}

module.exports = { parse, compile, toBuffer };
