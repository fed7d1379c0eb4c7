'use strict';
const { jsonReleaseChecksum } = require('./common');
const { runSluice } = require('./sluice-common');

runSluice('sluice-json-await', (s) => new s.JsonStream({ select: '$.releases[*]' }), jsonReleaseChecksum, 'await');
