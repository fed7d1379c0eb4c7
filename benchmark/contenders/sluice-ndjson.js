'use strict';
const { jsonReleaseChecksum } = require('./common');
const { runSluice } = require('./sluice-common');

runSluice('sluice-ndjson', (s) => new s.JsonStream({ format: 'ndjson' }), jsonReleaseChecksum);
