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

function positive(options, name, fallback) {
  const v = options[name];
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v <= 0) throw optionError(`\`${name}\` must be a positive integer`);
  return v;
}

module.exports = { bool, string, positive };
