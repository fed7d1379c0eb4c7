'use strict';
const { XmlStream } = require('./lib/xml');
const { JsonStream, NULL } = require('./lib/json');
const { toNdjson, toJsonArray, toXml } = require('./lib/output');

module.exports = { XmlStream, JsonStream, NULL, toNdjson, toJsonArray, toXml };
