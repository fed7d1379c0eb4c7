'use strict';
// One HTTP server for benchmark/http.js, in its own process: `node http-server.js <contender>`.
// Every route answers { n } with the number of <Release> records, or an error status. It
// prints its port, then reports its RSS to the parent every 250 ms.
const http = require('node:http');
const path = require('node:path');

const contender = process.argv[2];
const LIMIT = '1mb';

function count(doc) {
  const r = doc?.Catalog?.Release;
  return r === undefined ? 0 : Array.isArray(r) ? r.length : 1;
}

async function start() {
  if (contender === 'sluice-express' || contender === 'express-fxp') {
    const express = require('express');
    const app = express();
    if (contender === 'sluice-express') {
      const sluice = require(path.join(__dirname, '..'));
      app.post('/', sluice.express({ select: 'Release', limit: LIMIT }), async (req, res, next) => {
        let n = 0;
        try {
          for await (const _ of req.records) n++; // eslint-disable-line no-unused-vars
        } catch (err) {
          return next(err);
        }
        res.json({ n });
      });
    } else {
      // The route users write today: the whole body as a string, validated, then parsed.
      const { XMLParser, XMLValidator } = require('fast-xml-parser');
      app.post('/', express.text({ type: ['application/xml', 'text/xml'], limit: LIMIT }), (req, res) => {
        const valid = XMLValidator.validate(req.body);
        if (valid !== true) return res.status(400).json({ error: valid.err.msg });
        const doc = new XMLParser({ ignoreAttributes: false }).parse(req.body);
        res.json({ n: count(doc) });
      });
    }
    app.use((err, req, res, _next) => res.status(err.status ?? 500).json({ error: err.message }));
    return new Promise((resolve) => {
      const server = http.createServer(app).listen(0, '127.0.0.1', () => resolve(server.address().port));
    });
  }
  const fastify = require('fastify')({ bodyLimit: 1024 * 1024 });
  if (contender === 'sluice-fastify') {
    const sluice = require(path.join(__dirname, '..'));
    await fastify.register(sluice.fastify, { xml: { select: 'Release' } });
    fastify.post('/', async (request) => {
      let n = 0;
      for await (const _ of request.body) n++; // eslint-disable-line no-unused-vars
      return { n };
    });
  } else if (contender === 'fastify-xml-body-parser') {
    // With `validate`, as a route that must refuse malformed bodies is written.
    await fastify.register(require('fastify-xml-body-parser'), { validate: true, ignoreAttributes: false });
    fastify.post('/', async (request) => ({ n: count(request.body) }));
  } else {
    throw new Error(`unknown contender ${contender}`);
  }
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  return fastify.server.address().port;
}

start().then((port) => {
  process.send({ port });
  setInterval(() => process.send({ rss: process.memoryUsage().rss }), 250).unref();
  process.on('disconnect', () => process.exit(0));
});
