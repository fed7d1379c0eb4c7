'use strict';
const { releaseChecksum, SHAPES } = require('./common');
const { runSluice } = require('./sluice-common');

runSluice('sluice', (s) => new s.XmlStream({ select: 'Release' }), (rel) => releaseChecksum(rel, SHAPES.fxp));
