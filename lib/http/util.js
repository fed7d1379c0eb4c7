'use strict';
// Small pieces the HTTP middleware needs: byte sizes ('5gb'), Content-Type parsing and
// matching, and http-errors-style errors with body-parser's `type` strings, so error handlers
// written for body-parser work unchanged.
const { optionError } = require('../errors');

const UNITS = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 };

/** A byte count from a number or a string such as '100kb', '5gb', '1.5 MB' (1024-based). */
function bytes(value, name) {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value);
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|pb)?\s*$/i.exec(value);
    if (m) return Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]);
  }
  throw optionError(`\`${name}\` must be a number of bytes or a size such as '100kb' or '5gb'`);
}

/** `{ mediaType, charset }` of a Content-Type header value, lowercased; null when absent or broken. */
function contentType(header) {
  if (typeof header !== 'string' || header === '') return null;
  const semi = header.indexOf(';');
  const mediaType = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  if (!/^[a-z0-9!#$%&'*+.^_`|~-]+\/[a-z0-9!#$%&'*+.^_`|~-]+$/.test(mediaType)) return null;
  let charset;
  if (semi !== -1) {
    for (const param of header.slice(semi + 1).split(';')) {
      const eq = param.indexOf('=');
      if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
      charset = param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
    }
  }
  return { mediaType, charset };
}

/**
 * A predicate for one pattern: 'application/xml', 'application/*', '*\/*',
 * 'application/*+xml' (any subtype with that suffix).
 */
function mediaMatcher(pattern) {
  const p = String(pattern).trim().toLowerCase();
  const slash = p.indexOf('/');
  if (slash <= 0 || slash === p.length - 1) throw optionError(`\`type\` ${JSON.stringify(pattern)} is not a media type`);
  const type = p.slice(0, slash);
  const sub = p.slice(slash + 1);
  return (mediaType) => {
    const s = mediaType.indexOf('/');
    if (type !== '*' && mediaType.slice(0, s) !== type) return false;
    const actual = mediaType.slice(s + 1);
    if (sub === '*') return true;
    if (sub.startsWith('*+')) return actual.endsWith(sub.slice(1)) && actual.length > sub.length - 1;
    return actual === sub;
  };
}

/** `type` as body-parser takes it: a pattern, patterns, or a function of the request. */
function typeMatcher(type, name) {
  if (typeof type === 'function') return (req) => Boolean(type(req));
  const list = Array.isArray(type) ? type : [type];
  if (list.length === 0 || !list.every((t) => typeof t === 'string')) {
    throw optionError(`\`${name}\` must be a media type, an array of them, or a function`);
  }
  const matchers = list.map(mediaMatcher);
  return (req, ct) => ct !== null && matchers.some((m) => m(ct.mediaType));
}

/** An http-errors-style error: `status`, `statusCode`, `type`, `expose`. */
function httpError(status, type, message, props) {
  const err = new Error(message);
  return decorate(err, status, type, props);
}

function decorate(err, status, type, props) {
  err.status = status;
  err.statusCode = status;
  err.type = type;
  err.expose = status < 500;
  if (props) Object.assign(err, props);
  return err;
}

/**
 * A parser's error as the HTTP layer reports it: malformed input is the client's fault (400,
 * with the position the parser gave); an internal error stays a 500 and is not exposed.
 */
function fromParser(err) {
  if (!err || typeof err !== 'object' || err.status) return err;
  if (err.code === 'ERR_SLUICE_INTERNAL') return decorate(err, 500, 'internal.error');
  if (err.name === 'AbortError') return err;
  return decorate(err, 400, 'entity.parse.failed');
}

const errors = {
  tooLarge: (limit, length) =>
    httpError(413, 'entity.too.large', 'request entity too large', { limit, length, expected: length }),
  aborted: (received, expected) =>
    httpError(400, 'request.aborted', 'request aborted', { received, expected, code: 'ECONNABORTED' }),
  sizeInvalid: (received, expected) =>
    httpError(400, 'request.size.invalid', 'request size did not match content length', { received, expected }),
  charset: (charset) =>
    httpError(415, 'charset.unsupported', `unsupported charset "${charset.toUpperCase()}"`, { charset }),
  encoding: (encoding) =>
    httpError(415, 'encoding.unsupported', `unsupported content encoding "${encoding}"`, { encoding }),
  inflate: (err) => decorate(err, 400, 'entity.parse.failed'),
  tooManyRecords: (maxRecords) =>
    httpError(413, 'records.too.many', `too many records (more than ${maxRecords})`, { maxRecords }),
};

module.exports = { bytes, contentType, mediaMatcher, typeMatcher, httpError, fromParser, errors };
