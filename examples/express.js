'use strict';
// A minimal Express app: records as the upload arrives.
//   node examples/express.js
//   curl -X POST -H 'content-type: application/xml' --data-binary @catalog.xml http://127.0.0.1:3000/catalog
//   printf '{"a":1}\n{"a":2}\n' | curl -X POST -H 'content-type: application/x-ndjson' --data-binary @- http://127.0.0.1:3000/events
const express = require('express');
const sluice = require('..'); // require('sluice') in your app

const app = express();

// Streaming: the handler runs as soon as the headers arrive; a slow handler slows the upload.
app.post('/catalog', sluice.express({ select: 'Release', limit: '5gb' }), async (req, res, next) => {
  let releases = 0;
  try {
    for await (const _release of req.records) releases++; // eslint-disable-line no-unused-vars
  } catch (err) {
    return next(err); // 400 entity.parse.failed (with line/column), 413, request.aborted...
  }
  res.json({ releases });
});

// Collect mode: every record in req.body (an array; past memoryThreshold, a temp file).
app.post('/events', sluice.express({ ndjson: {}, collect: true, limit: '50mb', maxRecords: 100000 }), async (req, res) => {
  let n = 0;
  for await (const _ of req.body) n++; // eslint-disable-line no-unused-vars
  res.json({ events: n, spilled: req.body.spilled === true });
});

// body-parser-style errors: `status`, `type`, `expose`.
app.use((err, req, res, _next) => {
  res.status(err.status ?? 500).json({
    error: err.expose ? err.message : 'internal error',
    type: err.type,
    ...(err.line ? { line: err.line, column: err.column } : {}),
  });
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
