'use strict';
const { optionError } = require('./errors');

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
 * errors (bad selectors) come back as ERR_SLUICE_INVALID_OPTION too.
 */
function createNative(factory, toNative, options) {
  if (options === null || typeof options !== 'object') throw optionError('options must be an object');
  const native = toNative(options);
  try {
    return factory(native);
  } catch (err) {
    throw optionError(err.message);
  }
}

module.exports = { bool, string, positive, createNative };
