'use strict';
const { XmlStream } = require('./lib/xml');
const { JsonStream, NULL } = require('./lib/json');
const { parse } = require('./lib/parse');
const { collect } = require('./lib/collect');

module.exports = { XmlStream, JsonStream, NULL, parse, collect };
// The HTTP adapters load on first use: `require('sluice')` costs nothing for stream users.
Object.defineProperties(module.exports, {
  express: { enumerable: true, get: () => require('./lib/http/express').express },
  fastify: { enumerable: true, get: () => require('./lib/http/fastify').fastify },
});
