'use strict';
const { XmlStream } = require('./lib/xml');

module.exports = { XmlStream };
