'use strict';
const { jsonReleaseChecksum } = require('./common');
const { runSluice } = require('./sluice-common');

runSluice('sluice-ndjson-await', (s) => new s.JsonStream({ format: 'ndjson' }), jsonReleaseChecksum, 'await');
