'use strict';

/** Turns the native error record into an `Error` with `code`, `line`, `column`, `offset`. */
function parseError(info) {
  const where = info.line > 0 ? ` at line ${info.line}, column ${info.column} (byte ${info.offset})` : '';
  const err = new Error(`${info.message}${where}`);
  err.code = info.code;
  err.line = info.line;
  err.column = info.column;
  err.offset = info.offset;
  return err;
}

function internalError() {
  const err = new Error('sluice: internal error in the native parser (a bug; please report it with the input)');
  err.code = 'ERR_SLUICE_INTERNAL';
  return err;
}

function optionError(message) {
  const err = new TypeError(`sluice: ${message}`);
  err.code = 'ERR_SLUICE_INVALID_OPTION';
  return err;
}

module.exports = { parseError, internalError, optionError };
