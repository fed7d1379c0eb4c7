'use strict';
const { jsonReleaseChecksum } = require('./common');
const { runSluiceFile } = require('./sluice-common');

runSluiceFile('sluice-file-json-2', { select: '$.releases[*]', threads: 2 }, jsonReleaseChecksum);
