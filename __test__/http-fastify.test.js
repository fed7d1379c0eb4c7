'use strict';
// sluice.fastify against a real Fastify 5 server on 127.0.0.1: request.body as records, the
// route's bodyLimit enforced by the plugin itself, errors through Fastify's error handler.
const test = require('node:test');
const assert = require('node:assert/strict');
const zlib = require('node:zlib');
const { Readable } = require('node:stream');
const Fastify = require('fastify');
const sluice = require('..');
const { request, partial, raw, heldEngines, deferred, native } = require('./http-helpers');

function catalog(n) {
  let s = '<Catalog>';
  for (let i = 0; i < n; i++) s += `<Release id="${i}"><Title>T${i}</Title></Release>`;
  return `${s}</Catalog>`;
}

async function server(pluginOptions, seen, started) {
  const app = Fastify({ bodyLimit: 64 * 1024 });
  await app.register(sluice.fastify, pluginOptions);
  const count = async (request) => {
    started?.resolve();
    const out = [];
    try {
      for await (const r of request.body) out.push(r);
    } catch (err) {
      seen?.resolve({ err, out });
      throw err;
    }
    seen?.resolve({ out });
    return { n: out.length, first: out[0] };
  };
  app.post('/catalog', count);
  app.post('/big', { bodyLimit: 1024 * 1024 }, count);
  app.post('/tiny', { bodyLimit: 500 }, count);
  app.post('/text', async (request) => ({ body: request.body }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address();
  return { app, port, url: `http://127.0.0.1:${port}` };
}

const OPTIONS = { xml: { select: 'Release' }, json: { select: '$.items[*]' }, ndjson: {} };

test('Fastify 5: XML, JSON and NDJSON records in request.body, on both paths', async () => {
  for (const streamThreshold of [64 * 1024, 0]) {
    const { app, url } = await server({ ...OPTIONS, streamThreshold });
    try {
      let r = await request(`${url}/catalog`, { headers: { 'content-type': 'application/xml' }, body: catalog(25) });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { n: 25, first: { '@_id': '0', Title: 'T0' } });
      r = await request(`${url}/catalog`, { headers: { 'content-type': 'application/atom+xml; charset=utf-8' }, body: catalog(2) });
      assert.equal(r.json.n, 2);
      r = await request(`${url}/catalog`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ a: 1 }, { a: 2 }] }),
      });
      assert.deepEqual(r.json, { n: 2, first: { a: 1 } });
      r = await request(`${url}/catalog`, { headers: { 'content-type': 'application/x-ndjson' }, body: '1\n2\n3\n' });
      assert.equal(r.json.n, 3);
      // Fastify's own text parser still serves other types.
      r = await request(`${url}/text`, { headers: { 'content-type': 'text/plain' }, body: 'hi' });
      assert.deepEqual(r.json, { body: 'hi' });
    } finally {
      await app.close();
    }
  }
});

test('Fastify 5: malformed bodies answer 400 with a position through the error handler', async () => {
  for (const streamThreshold of [64 * 1024, 0]) {
    const { app, url } = await server({ ...OPTIONS, streamThreshold });
    try {
      let r = await request(`${url}/catalog`, {
        headers: { 'content-type': 'application/xml' },
        body: '<Catalog><Release>a</Release>\n<Release>b</Releas></Catalog>',
      });
      assert.equal(r.status, 400);
      assert.equal(r.json.code, 'ERR_SLUICE_XML_MISMATCHED_TAG');
      assert.match(r.json.message, /line 2, column 11/);
      r = await request(`${url}/catalog`, { headers: { 'content-type': 'application/json' }, body: '{"items":[1,,2]}' });
      assert.equal(r.status, 400);
      assert.match(r.json.message, /line 1, column 13 \(byte 12\)/);
    } finally {
      await app.close();
    }
  }
});

test("Fastify 5: the route's bodyLimit, from Content-Length before reading and while streaming", async () => {
  const baseline = native.NativeParser.counts().held;
  const { app, port, url } = await server(OPTIONS);
  try {
    // The server default (64 KiB) applies, refused before the body is sent.
    let r = await partial(port, {
      path: '/catalog',
      headers: { 'Content-Type': 'application/xml', 'Content-Length': String(100 * 1024) },
      first: '<Catalog>',
    });
    assert.equal(r.status, 413);
    // A route's own bodyLimit, above the server's.
    r = await request(`${url}/big`, { headers: { 'content-type': 'application/xml' }, body: catalog(3000) });
    assert.equal(r.status, 200);
    assert.equal(r.json.n, 3000);
    // Chunked past the route's limit.
    const res = await fetch(`${url}/tiny`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: Readable.from([catalog(100)]),
      duplex: 'half',
    });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).statusCode, 413);
    // A zip bomb stops at the limit too.
    const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('<Catalog><Release>'), Buffer.alloc(16 * 1024 * 1024, 32)]));
    r = await request(`${url}/catalog`, {
      headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip' },
      body: bomb,
    });
    assert.equal(r.status, 413);
    r = await request(`${url}/catalog`, {
      headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip' },
      body: zlib.gzipSync(catalog(10)),
    });
    assert.equal(r.json.n, 10);
    // At most the baseline: an engine of an earlier test may be freed meanwhile.
    assert.ok((await heldEngines(baseline)) <= baseline, 'a native parser still holds its buffers');
  } finally {
    await app.close();
  }
});

test('Fastify 5: an aborted upload reaches the iteration as request.aborted, nothing leaks', async () => {
  const baseline = native.NativeParser.counts().held;
  const seen = deferred();
  const started = deferred();
  const { app, port } = await server({ ...OPTIONS, streamThreshold: 0 }, seen, started);
  try {
    const doc = catalog(2000);
    const socket = raw(
      port,
      `POST /big HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: ${doc.length * 2}\r\n\r\n${doc.slice(0, 20000)}`,
      () => {},
    );
    // Reset once the handler runs: a reset before the server read the headers is no request.
    await started.promise;
    socket.resetAndDestroy();
    const { err, out } = await seen.promise;
    assert.equal(err.type, 'request.aborted');
    assert.ok(out.length < 2000); // however many arrived before the reset
    // At most the baseline: an engine of an earlier test may be freed meanwhile.
    assert.ok((await heldEngines(baseline)) <= baseline, 'a native parser still holds its buffers');
  } finally {
    await app.close();
  }
});

test('Fastify 5: collect mode and 415s', async () => {
  const app = Fastify();
  await app.register(sluice.fastify, { select: 'Release', collect: true, maxRecords: 10 });
  app.post('/', async (request) => ({ n: request.body.length, array: Array.isArray(request.body) }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${app.server.address().port}/`;
  try {
    let r = await request(url, { headers: { 'content-type': 'text/xml' }, body: catalog(10) });
    assert.deepEqual(r.json, { n: 10, array: true });
    r = await request(url, { headers: { 'content-type': 'text/xml' }, body: catalog(11) });
    assert.equal(r.status, 413);
    r = await request(url, { headers: { 'content-type': 'text/xml; charset=nope' }, body: catalog(1) });
    assert.equal(r.status, 415);
    r = await request(url, { headers: { 'content-type': 'text/xml', 'content-encoding': 'zstd-ish' }, body: catalog(1) });
    assert.equal(r.status, 415);
  } finally {
    await app.close();
  }
  await assert.rejects(async () => {
    const f = Fastify();
    await f.register(sluice.fastify, { select: 'a', limit: '1mb' });
    await f.ready();
  }, /bodyLimit/);
});
