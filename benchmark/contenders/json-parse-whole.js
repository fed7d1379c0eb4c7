'use strict';
// Whole-document baseline: read everything, parse in one blocking call. Past V8's string
// limit (about 512 MiB) readFileSync cannot make the string; that is reported as this
// contender's error rather than worked around.
const fs = require('node:fs');
const { runContender, jsonReleaseChecksum } = require('./common');

runContender('json-parse-whole', async (ctx) => {
  const doc = JSON.parse(fs.readFileSync(ctx.file, 'utf8'));
  const releases = doc.releases;
  let checksum = 0;
  for (const rel of releases) checksum += jsonReleaseChecksum(rel);
  return { records: releases.length, checksum };
}, { wholeFile: true });
