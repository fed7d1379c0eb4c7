'use strict';
// A server in its own process, so the test can read its RSS alone: counts the records of one
// upload as they arrive and answers with the count and the RSS it sampled meanwhile.
const http = require('node:http');
const express = require('express');
const sluice = require('..');

const app = express();
app.post('/upload', sluice.express({ select: 'Release', limit: '1gb' }), async (req, res, next) => {
  const start = process.memoryUsage().rss;
  let peak = start;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  let n = 0;
  let ids = 0;
  try {
    for await (const r of req.records) {
      n++;
      ids += Number(r['@_id']) === n - 1 ? 1 : 0;
    }
  } catch (err) {
    clearInterval(sample);
    return next(err);
  }
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage().rss);
  res.json({ n, ids, start, peak, bytes: req.records.stats().bytes });
});
const server = http.createServer(app).listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('disconnect', () => process.exit(0));
