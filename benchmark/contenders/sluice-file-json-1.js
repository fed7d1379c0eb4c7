'use strict';
const { jsonReleaseChecksum } = require('./common');
const { runSluiceFile } = require('./sluice-common');

runSluiceFile('sluice-file-json-1', { select: '$.releases[*]', threads: 1 }, jsonReleaseChecksum);
