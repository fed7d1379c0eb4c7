'use strict';
const { XmlStream } = require('./lib/xml');
const { JsonStream, NULL } = require('./lib/json');
const { parse } = require('./lib/parse');
const { collect } = require('./lib/collect');
const { parseFile } = require('./lib/parse-file');
const { plan, runPart, accepts } = require('./lib/split');
const { toNdjson, toJsonArray, toXml } = require('./lib/output');

module.exports = {
  XmlStream,
  JsonStream,
  NULL,
  parse,
  collect,
  parseFile,
  plan,
  runPart,
  accepts,
  toNdjson,
  toJsonArray,
  toXml,
};
// The HTTP adapters load on first use: `require('sluice')` costs nothing for stream users.
Object.defineProperties(module.exports, {
  express: { enumerable: true, get: () => require('./lib/http/express').express },
  fastify: { enumerable: true, get: () => require('./lib/http/fastify').fastify },
});
