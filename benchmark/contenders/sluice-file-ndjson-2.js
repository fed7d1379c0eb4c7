'use strict';
const { jsonReleaseChecksum } = require('./common');
const { runSluiceFile } = require('./sluice-common');

runSluiceFile('sluice-file-ndjson-2', { format: 'ndjson', threads: 2 }, jsonReleaseChecksum);
