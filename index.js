'use strict';
const { XmlStream } = require('./lib/xml');
const { JsonStream, NULL } = require('./lib/json');
const { parseFile } = require('./lib/parse-file');
const { plan, runPart, accepts } = require('./lib/split');
const { toNdjson, toJsonArray, toXml } = require('./lib/output');

module.exports = { XmlStream, JsonStream, NULL, parseFile, plan, runPart, accepts, toNdjson, toJsonArray, toXml };
