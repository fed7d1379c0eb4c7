'use strict';
const { releaseChecksum, SHAPES } = require('./common');
const { runSluiceFile } = require('./sluice-common');

runSluiceFile('sluice-file-1', { select: 'Release', threads: 1 }, (rel) => releaseChecksum(rel, SHAPES.fxp));
