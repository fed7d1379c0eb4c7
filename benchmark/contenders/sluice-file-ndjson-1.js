'use strict';
const { jsonReleaseChecksum } = require('./common');
const { runSluiceFile } = require('./sluice-common');

runSluiceFile('sluice-file-ndjson-1', { format: 'ndjson', threads: 1 }, jsonReleaseChecksum);
