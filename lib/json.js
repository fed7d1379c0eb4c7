'use strict';
const { NativeParser } = require('./native');
const { RecordStream } = require('./stream');
const { optionError } = require('./errors');
const { positive, createNative } = require('./options');

/** Emitted in place of a JSON `null` record: object-mode streams cannot carry `null`. */
const NULL = Symbol.for('sluice.null');

function nativeOptions(options) {
  const select = options.select ?? '$';
  const tagged = Array.isArray(select);
  const selectors = tagged ? select : [select];
  if (selectors.length === 0 || !selectors.every((s) => typeof s === 'string' && s.length > 0)) {
    throw optionError('`select` must be a non-empty JSONPath string or an array of them');
  }
  const format = options.format ?? 'json';
  if (!['json', 'concatenated', 'ndjson'].includes(format)) {
    throw optionError("`format` must be 'json', 'concatenated' or 'ndjson'");
  }
  const onError = options.onError ?? 'throw';
  if (onError !== 'throw' && onError !== 'skip') throw optionError("`onError` must be 'throw' or 'skip'");
  if (onError === 'skip' && format !== 'ndjson') throw optionError("`onError: 'skip'` needs `format: 'ndjson'`");
  return {
    select: selectors,
    tagged,
    format,
    skipErrors: onError === 'skip',
    maxRecordBytes: positive(options, 'maxRecordBytes', 64 * 1024 * 1024),
    maxDepth: positive(options, 'maxDepth', 1024),
    batchBytes: positive(options, 'batchBytes', 64 * 1024),
  };
}

/** JSON or NDJSON bytes in, one value per selected element out. */
class JsonStream extends RecordStream {
  static NULL = NULL;

  constructor(options = {}) {
    const native = createNative((o) => NativeParser.json(o), nativeOptions, options, 'JsonStream');
    if (options.nullValue === null) throw optionError('`nullValue` cannot be null: it would end the stream');
    super(native, { ...options, nullValue: 'nullValue' in options ? options.nullValue : NULL });
  }
}

module.exports = { JsonStream, NULL, nativeOptions };
