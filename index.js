'use strict';
const { XmlStream } = require('./lib/xml');
const { JsonStream, NULL } = require('./lib/json');

module.exports = { XmlStream, JsonStream, NULL };
