'use strict';
// Output writers: records (objects) in, bytes out. Each is a Transform with an object-mode
// writable side and a byte readable side, so `pipeline(source, new XmlStream(), toNdjson(),
// fs.createWriteStream(...))` keeps backpressure from the file all the way to the parser.
const { Transform } = require('node:stream');
const { optionError } = require('../errors');
const { isXmlName, xmlWriter } = require('./xml');

// JsonStream hands out this symbol for a JSON `null` record (object streams cannot carry null).
const NULL = Symbol.for('sluice.null');

function stringify(record) {
  if (record === NULL) return 'null';
  const text = JSON.stringify(record);
  if (text === undefined) {
    const err = new TypeError(`sluice: a record of type ${typeof record} has no JSON form`);
    err.code = 'ERR_SLUICE_INVALID_RECORD';
    throw err;
  }
  return text;
}

/**
 * Encodes the records of one `write`/`writev` call into a single chunk: one Buffer per call
 * rather than per record keeps the byte side cheap when thousands of small records arrive.
 */
class RecordEncoder extends Transform {
  constructor(options, encode) {
    super({
      writableObjectMode: true,
      writableHighWaterMark: options.writableHighWaterMark ?? 1024,
      readableHighWaterMark: options.readableHighWaterMark ?? 64 * 1024,
    });
    this._encode = encode;
  }

  _transform(record, _encoding, callback) {
    let text;
    try {
      text = this._encode(record);
    } catch (err) {
      return callback(err);
    }
    callback(null, text);
  }

  _writev(entries, callback) {
    let text = '';
    try {
      for (const { chunk } of entries) text += this._encode(chunk);
    } catch (err) {
      return callback(err);
    }
    this.push(text);
    callback();
  }
}

/** Records in, NDJSON out: `JSON.stringify(record)` and a newline per record. */
function toNdjson(options = {}) {
  return new RecordEncoder(options, (record) => stringify(record) + '\n');
}

/**
 * Records in, one JSON array out: `[`, the records separated by `,\n`, then `]`. Each record is
 * on its own line, so the output is both valid JSON and easy to `head`. Empty input gives `[]`.
 */
function toJsonArray(options = {}) {
  let first = true;
  const stream = new RecordEncoder(options, (record) => {
    const text = stringify(record);
    if (first) {
      first = false;
      return '[\n' + text;
    }
    return ',\n' + text;
  });
  stream._flush = (callback) => callback(null, first ? '[]\n' : '\n]\n');
  return stream;
}

/**
 * Records in, one XML document out: the inverse of XmlStream's object shape with the same
 * shape options. See lib/output/xml.js for the rules.
 */
function toXml(options = {}) {
  if (options === null || typeof options !== 'object') throw optionError('toXml options must be an object');
  const writer = xmlWriter(options);
  const stream = new RecordEncoder(options, (record) => writer.record(record));
  stream._flush = (callback) => {
    let text;
    try {
      text = writer.end();
    } catch (err) {
      return callback(err);
    }
    callback(null, text);
  };
  return stream;
}

module.exports = { toNdjson, toJsonArray, toXml, isXmlName };
