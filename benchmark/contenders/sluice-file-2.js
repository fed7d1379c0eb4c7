'use strict';
const { releaseChecksum, SHAPES } = require('./common');
const { runSluiceFile } = require('./sluice-common');

runSluiceFile('sluice-file-2', { select: 'Release', threads: 2 }, (rel) => releaseChecksum(rel, SHAPES.fxp));
