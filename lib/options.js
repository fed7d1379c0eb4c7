'use strict';
const { optionError } = require('./errors');

// Every option each constructor takes, in one place: any other name is refused as a likely
// typo, with the nearest valid name. A new option goes here (and in index.d.ts, docs/options.md).
const STREAM_OPTIONS = ['maxRecordBytes', 'maxDepth', 'batchBytes', 'highWaterMark', 'progressInterval', 'totalBytes', 'signal'];
const OPTION_NAMES = {
  XmlStream: [
    ...STREAM_OPTIONS,
    'select',
    'ignoreAttributes',
    'attributeNamePrefix',
    'textNodeName',
    'trimValues',
    'removeNSPrefix',
    'parseTagValue',
    'parseAttributeValue',
    'cdataPropName',
    'alwaysArray',
    'namespaces',
    'onError',
    'resumeFrom',
    'encodingErrors',
    'expandInternalEntities',
    'maxEntityExpansion',
    'maxNameLength',
    'maxAttributes',
    'maxTextLength',
  ],
  JsonStream: [...STREAM_OPTIONS, 'select', 'format', 'onError', 'nullValue'],
};

/** Edit distance with transpositions (optimal string alignment), ignoring case. */
function distance(a, b) {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** The valid name nearest to `name`, if one is near enough to be what was meant. */
function nearest(name, valid) {
  let best = null;
  let bestDistance = Infinity;
  for (const v of valid) {
    const dist = distance(name, v);
    if (dist < bestDistance) [best, bestDistance] = [v, dist];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** Refuses an option `kind` (a key of OPTION_NAMES) does not take, naming the nearest one. */
function checkNames(kind, options) {
  const valid = OPTION_NAMES[kind];
  for (const name of Object.keys(options)) {
    if (valid.includes(name)) continue;
    const guess = nearest(name, valid);
    throw optionError(`unknown option \`${name}\`${guess ? `: did you mean \`${guess}\`?` : ` (${kind} takes ${valid.join(', ')})`}`);
  }
}

function bool(options, name, fallback) {
  const v = options[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw optionError(`\`${name}\` must be a boolean`);
  return v;
}

function string(options, name, fallback) {
  const v = options[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string') throw optionError(`\`${name}\` must be a string`);
  return v;
}

function positive(options, name, fallback, max = Number.MAX_SAFE_INTEGER) {
  const v = options[name];
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v <= 0) throw optionError(`\`${name}\` must be a positive integer`);
  if (v > max) throw optionError(`\`${name}\` can be at most ${max}`);
  return v;
}

/**
 * Validates `options` with `toNative` and builds the native parser; the core's own option
 * errors (bad selectors) come back as ERR_SLUICE_INVALID_OPTION too. With `kind` (a key of
 * OPTION_NAMES), an option name not listed there is refused first.
 */
function createNative(factory, toNative, options, kind) {
  if (options === null || typeof options !== 'object') throw optionError('options must be an object');
  if (kind) checkNames(kind, options);
  const native = toNative(options);
  try {
    return factory(native);
  } catch (err) {
    throw optionError(err.message);
  }
}

module.exports = { OPTION_NAMES, bool, string, positive, createNative, checkNames, nearest };
