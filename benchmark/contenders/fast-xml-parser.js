'use strict';
// Whole-document baseline: read everything, parse in one blocking call.
const fs = require('node:fs');
const { XMLParser } = require('fast-xml-parser');
const { runContender, releaseChecksum, SHAPES } = require('./common');

runContender('fast-xml-parser', async (ctx) => {
  const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false });
  const doc = parser.parse(fs.readFileSync(ctx.file, 'utf8'));
  const releases = SHAPES.fxp.list(doc['ern:NewReleaseMessage'].ReleaseList.Release);
  let checksum = 0;
  for (const rel of releases) checksum += releaseChecksum(rel, SHAPES.fxp);
  return { records: releases.length, checksum };
}, { wholeFile: true });
