'use strict';
// Whole-document baseline: read everything, parse in one blocking call.
const fs = require('node:fs');
const xml2js = require('xml2js');
const { runContender, releaseChecksum, SHAPES } = require('./common');

runContender('xml2js', async (ctx) => {
  const text = fs.readFileSync(ctx.file, 'utf8');
  // xml2js calls back synchronously unless {async: true}.
  const doc = await new Promise((resolve, reject) => {
    new xml2js.Parser().parseString(text, (err, result) => (err ? reject(err) : resolve(result)));
  });
  const releases = doc['ern:NewReleaseMessage'].ReleaseList[0].Release;
  let checksum = 0;
  for (const rel of releases) checksum += releaseChecksum(rel, SHAPES.xml2js);
  return { records: releases.length, checksum };
}, { wholeFile: true });
