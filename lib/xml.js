'use strict';
const { NativeParser } = require('./native');
const { RecordStream } = require('./stream');
const { optionError } = require('./errors');
const { bool, string, positive, createNative } = require('./options');
const { Checkpoints, resumeOptions } = require('./checkpoint');

const MiB = 1024 * 1024;
// Mirrors MAX_XML_DEPTH in src/limits.rs: deeper records could overflow a worker's stack.
const MAX_XML_DEPTH = 10000;
// The core keeps a record's text (its own and what its entities expand to) at 32-bit offsets:
// each of these limits below 2 GiB keeps their sum below 4 GiB, so the offsets cannot wrap.
const MAX_SPAN = 2 ** 31 - 1;

function nativeOptions(options) {
  const select = options.select ?? '/*';
  const tagged = Array.isArray(select);
  const selectors = tagged ? select : [select];
  if (selectors.length === 0 || !selectors.every((s) => typeof s === 'string' && s.length > 0)) {
    throw optionError('`select` must be a non-empty string or an array of them');
  }
  const alwaysArray = options.alwaysArray ?? [];
  if (!Array.isArray(alwaysArray) || !alwaysArray.every((s) => typeof s === 'string')) {
    throw optionError('`alwaysArray` must be an array of element names or paths');
  }
  const cdata = options.cdataPropName;
  if (cdata !== undefined && cdata !== false && (typeof cdata !== 'string' || cdata === '')) {
    throw optionError('`cdataPropName` must be false or a non-empty string');
  }
  const onError = options.onError ?? 'throw';
  if (onError !== 'throw' && onError !== 'skip') throw optionError("`onError` must be 'throw' or 'skip'");
  const encodingErrors = options.encodingErrors ?? 'fatal';
  if (encodingErrors !== 'fatal' && encodingErrors !== 'replace') {
    throw optionError("`encodingErrors` must be 'fatal' or 'replace'");
  }
  return {
    select: selectors,
    tagged,
    ignoreAttributes: bool(options, 'ignoreAttributes', false),
    attributeNamePrefix: string(options, 'attributeNamePrefix', '@_'),
    textNodeName: string(options, 'textNodeName', '#text'),
    trimValues: bool(options, 'trimValues', true),
    removeNsPrefix: bool(options, 'removeNSPrefix', false),
    parseTagValue: bool(options, 'parseTagValue', false),
    parseAttributeValue: bool(options, 'parseAttributeValue', false),
    cdataPropName: cdata || undefined,
    alwaysArray,
    namespaces: bool(options, 'namespaces', true),
    skipErrors: onError === 'skip',
    resume: resumeOptions(options.resumeFrom, select),
    encodingErrors,
    expandInternalEntities: bool(options, 'expandInternalEntities', false),
    maxEntityExpansion: positive(options, 'maxEntityExpansion', 64 * MiB, MAX_SPAN),
    maxRecordBytes: positive(options, 'maxRecordBytes', 64 * MiB, MAX_SPAN),
    maxDepth: positive(options, 'maxDepth', 256, MAX_XML_DEPTH),
    batchBytes: positive(options, 'batchBytes', 64 * 1024),
    maxNameLength: positive(options, 'maxNameLength', 50000, 2 ** 32 - 1),
    maxAttributes: positive(options, 'maxAttributes', 10000, 2 ** 32 - 1),
    maxTextLength: positive(options, 'maxTextLength', 16 * MiB, MAX_SPAN),
  };
}

/** XML bytes in, one plain object per selected element out. */
class XmlStream extends RecordStream {
  constructor(options = {}) {
    const native = createNative((o) => NativeParser.xml(o), nativeOptions, options, 'XmlStream');
    const checkpoints = new Checkpoints(options.select ?? '/*', options.resumeFrom);
    super(native, { ...options, checkpoints });
  }
}

module.exports = { XmlStream, nativeOptions };
