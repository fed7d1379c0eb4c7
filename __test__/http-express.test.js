'use strict';
// sluice.express against real Express 4 and 5 servers on 127.0.0.1: records as the body
// arrives, the small-body path, collect mode, every error status, inflation, aborts and leaks.
const test = require('node:test');
const assert = require('node:assert/strict');
const zlib = require('node:zlib');
const http = require('node:http');
const { Readable } = require('node:stream');
const sluice = require('..');
const { listen, request, partial, raw, heldEngines, deferred, native } = require('./http-helpers');

const VERSIONS = [
  ['Express 5', require('express')],
  ['Express 4', require('express4')],
];

function catalog(n, from = 0) {
  let s = '<?xml version="1.0"?><Catalog>';
  for (let i = from; i < from + n; i++) s += `<Release id="${i}"><Title>T${i} &amp; é</Title></Release>`;
  return `${s}</Catalog>`;
}

/** An app whose routes report what the handler saw, and whose error handler reports errors. */
function app(express, seen, started) {
  const a = express();
  const collectRecords = (req, res, next) => {
    started?.resolve();
    (async () => {
      const out = [];
      try {
        for await (const r of req.records) out.push(r);
      } catch (err) {
        seen?.resolve({ err, out });
        return next(err);
      }
      seen?.resolve({ out });
      res.json({ n: out.length, first: out[0], last: out[out.length - 1], kind: req.records.constructor.name });
    })();
  };
  a.post('/xml', sluice.express({ select: 'Release', limit: '1mb' }), collectRecords);
  a.post('/xml-stream', sluice.express({ select: 'Release', limit: '1mb', streamThreshold: 0 }), collectRecords);
  a.post('/json', sluice.express({ json: { select: '$.items[*]' }, ndjson: {}, limit: '1mb' }), collectRecords);
  a.post(
    '/json-stream',
    sluice.express({ json: { select: '$.items[*]' }, ndjson: {}, limit: '1mb', streamThreshold: 0 }),
    collectRecords,
  );
  a.post('/collect', sluice.express({ select: 'Release', collect: true, limit: '1mb', maxRecords: 50 }), (req, res) =>
    res.json({ n: req.body.length, array: Array.isArray(req.body) }),
  );
  a.post(
    '/collect-stream',
    sluice.express({ select: 'Release', collect: true, limit: '1mb', maxRecords: 50, streamThreshold: 0 }),
    (req, res) => res.json({ n: req.body.length, array: Array.isArray(req.body) }),
  );
  a.post('/small-limit', sluice.express({ select: 'Release', limit: 1000, streamThreshold: 0 }), collectRecords);
  a.post('/raw', sluice.express({ select: 'Release', inflate: false }), collectRecords);
  a.post('/untouched', sluice.express({ select: 'Release' }), (req, res) => {
    res.json({ records: req.records === undefined, readable: req.readable });
    req.resume();
  });
  // Reads nothing and answers at once: the parser must still be freed.
  a.post('/ignore', sluice.express({ select: 'Release', streamThreshold: 0, limit: '10mb' }), (req, res) =>
    res.json({ ok: true }),
  );
  a.use((err, req, res, _next) => {
    res.status(err.status ?? 500).json({
      type: err.type,
      message: err.message,
      code: err.code,
      line: err.line,
      column: err.column,
      offset: err.offset,
      expose: err.expose,
    });
  });
  return a;
}

for (const [name, express] of VERSIONS) {
  test(`${name}: XML records on both paths, small and streamed`, async () => {
    const s = await listen(http.createServer(app(express)));
    try {
      for (const path of ['/xml', '/xml-stream']) {
        const r = await request(`${s.url}${path}`, { headers: { 'content-type': 'application/xml' }, body: catalog(40) });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.n, 40);
        assert.deepEqual(r.json.first, { '@_id': '0', Title: 'T0 & é' });
        assert.equal(r.json.last['@_id'], '39');
        assert.equal(r.json.kind, path === '/xml' ? 'ParsedRecords' : 'HttpXmlStream');
      }
      // text/xml and a +xml type, with a charset the document agrees with.
      for (const type of ['text/xml; charset=utf-8', 'application/vnd.ddex+xml']) {
        const r = await request(`${s.url}/xml`, { headers: { 'content-type': type }, body: catalog(3) });
        assert.equal(r.json.n, 3, type);
      }
      // Chunked (no Content-Length) goes through the stream.
      const r = await fetch(`${s.url}/xml`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: Readable.from([catalog(10).slice(0, 50), catalog(10).slice(50)]),
        duplex: 'half',
      });
      assert.equal((await r.json()).n, 10);
    } finally {
      await s.close();
    }
  });

  test(`${name}: JSON and NDJSON records, other types untouched`, async () => {
    const s = await listen(http.createServer(app(express)));
    try {
      const body = JSON.stringify({ items: [{ a: 1 }, { a: 2 }, { a: 3 }] });
      for (const path of ['/json', '/json-stream']) {
        for (const type of ['application/json', 'application/vnd.api+json']) {
          const r = await request(`${s.url}${path}`, { headers: { 'content-type': type }, body });
          assert.equal(r.json.n, 3, `${path} ${type}`);
          assert.deepEqual(r.json.last, { a: 3 });
        }
        for (const type of ['application/x-ndjson', 'application/jsonl']) {
          const r = await request(`${s.url}${path}`, { headers: { 'content-type': type }, body: '{"a":1}\n{"a":2}\n' });
          assert.equal(r.json.n, 2, `${path} ${type}`);
        }
      }
      const r = await request(`${s.url}/untouched`, { headers: { 'content-type': 'text/plain' }, body: 'hello' });
      assert.deepEqual(r.json, { records: true, readable: true });
    } finally {
      await s.close();
    }
  });

  test(`${name}: malformed XML and JSON answer 400 entity.parse.failed with a position`, async () => {
    const s = await listen(http.createServer(app(express)));
    try {
      for (const path of ['/xml', '/xml-stream']) {
        const r = await request(`${s.url}${path}`, {
          headers: { 'content-type': 'application/xml' },
          body: '<Catalog><Release>a</Release>\n<Release>b</Releas></Catalog>',
        });
        assert.equal(r.status, 400, path);
        assert.equal(r.json.type, 'entity.parse.failed');
        assert.equal(r.json.code, 'ERR_SLUICE_XML_MISMATCHED_TAG');
        assert.equal(r.json.line, 2);
        assert.equal(r.json.column, 11);
        assert.equal(r.json.offset, 40);
        assert.equal(r.json.expose, true);
      }
      for (const path of ['/json', '/json-stream']) {
        const r = await request(`${s.url}${path}`, {
          headers: { 'content-type': 'application/json' },
          body: '{"items": [1,\n 2,, 3]}',
        });
        assert.equal(r.status, 400, path);
        assert.equal(r.json.type, 'entity.parse.failed');
        assert.equal(r.json.line, 2);
        assert.ok(r.json.column > 0 && r.json.offset > 0);
        assert.match(r.json.code, /^ERR_SLUICE_JSON/);
      }
    } finally {
      await s.close();
    }
  });

  test(`${name}: the records before an error reach the handler, then the iteration throws`, async () => {
    const seen = deferred();
    const s = await listen(http.createServer(app(express, seen)));
    try {
      const r = await request(`${s.url}/xml-stream`, {
        headers: { 'content-type': 'application/xml' },
        body: `${catalog(5).replace('</Catalog>', '')}<Release><oops></Release>`,
      });
      assert.equal(r.status, 400);
      const { err, out } = await seen.promise;
      assert.equal(out.length, 5);
      assert.equal(err.status, 400);
      assert.equal(err.type, 'entity.parse.failed');
    } finally {
      await s.close();
    }
  });

  test(`${name}: 413 from Content-Length before a byte of the body is read`, async () => {
    const s = await listen(http.createServer(app(express)));
    try {
      // The body is never sent: the answer cannot have waited for it.
      const r = await partial(s.port, {
        path: '/xml',
        headers: { 'Content-Type': 'application/xml', 'Content-Length': String(5 * 1024 ** 3) },
        first: '<Catalog>',
      });
      assert.equal(r.status, 413);
      assert.equal(JSON.parse(r.text).type, 'entity.too.large');
      assert.match(r.head, /connection: close/i);
    } finally {
      await s.close();
    }
  });

  test(`${name}: 413 while streaming a chunked body past the limit, parser freed`, async () => {
    const baseline = native.NativeParser.counts().held;
    const s = await listen(http.createServer(app(express)));
    try {
      async function* body() {
        yield '<Catalog>';
        for (let i = 0; i < 5000; i++) yield '<Release>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</Release>';
      }
      const r = await fetch(`${s.url}/small-limit`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: Readable.from(body()),
        duplex: 'half',
      }).catch((e) => e);
      // The server may close before the client finished sending; when the answer arrives it is 413.
      if (!(r instanceof Error)) {
        assert.equal(r.status, 413);
        assert.equal((await r.json()).type, 'entity.too.large');
      }
      // At most the baseline: an engine of an earlier test may be freed meanwhile.
      assert.ok((await heldEngines(baseline)) <= baseline, 'a native parser still holds its buffers');
    } finally {
      await s.close();
    }
  });

  test(`${name}: 415 for an unsupported charset or encoding, and inflate: false`, async () => {
    const s = await listen(http.createServer(app(express)));
    try {
      let r = await request(`${s.url}/json`, { headers: { 'content-type': 'application/json; charset=latin1' }, body: '{}' });
      assert.equal(r.status, 415);
      assert.equal(r.json.type, 'charset.unsupported');
      r = await request(`${s.url}/xml`, { headers: { 'content-type': 'application/xml; charset=klingon' }, body: '<a/>' });
      assert.equal(r.json.type, 'charset.unsupported');
      r = await request(`${s.url}/xml`, {
        headers: { 'content-type': 'application/xml', 'content-encoding': 'compress' },
        body: '<a/>',
      });
      assert.equal(r.status, 415);
      assert.equal(r.json.type, 'encoding.unsupported');
      r = await request(`${s.url}/raw`, {
        headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip' },
        body: zlib.gzipSync(catalog(2)),
      });
      assert.equal(r.json.type, 'encoding.unsupported');
    } finally {
      await s.close();
    }
  });

  test(`${name}: gzip, deflate and br bodies are inflated; a zip bomb stops at the limit`, async () => {
    const baseline = native.NativeParser.counts().held;
    const s = await listen(http.createServer(app(express)));
    try {
      const doc = catalog(30);
      for (const [encoding, pack] of [
        ['gzip', zlib.gzipSync],
        ['deflate', zlib.deflateSync],
        ['br', zlib.brotliCompressSync],
      ]) {
        const r = await request(`${s.url}/xml`, {
          headers: { 'content-type': 'application/xml', 'content-encoding': encoding },
          body: pack(doc),
        });
        assert.equal(r.json?.n, 30, `${encoding}: ${r.text}`);
      }
      // 64 MiB of whitespace inside a record, some 64 KiB gzipped: refused at the 1 MiB limit.
      const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('<Catalog><Release>'), Buffer.alloc(64 * 1024 * 1024, 32)]), {
        level: 9,
      });
      assert.ok(bomb.length < 200 * 1024);
      const r = await request(`${s.url}/xml`, {
        headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip' },
        body: bomb,
      });
      assert.equal(r.status, 413);
      assert.equal(r.json.type, 'entity.too.large');
      // Corrupt gzip: a 400, not a crash.
      const bad = await request(`${s.url}/xml`, {
        headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip' },
        body: Buffer.from('not gzip at all'),
      });
      assert.equal(bad.status, 400);
      // At most the baseline: an engine of an earlier test may be freed meanwhile.
      assert.ok((await heldEngines(baseline)) <= baseline, 'a native parser still holds its buffers');
    } finally {
      await s.close();
    }
  });

  test(`${name}: collect mode gives req.body as an array, bounded by maxRecords`, async () => {
    const s = await listen(http.createServer(app(express)));
    try {
      for (const path of ['/collect', '/collect-stream']) {
        let r = await request(`${s.url}${path}`, { headers: { 'content-type': 'application/xml' }, body: catalog(20) });
        assert.deepEqual(r.json, { n: 20, array: true }, path);
        r = await request(`${s.url}${path}`, { headers: { 'content-type': 'application/xml' }, body: catalog(51) });
        assert.equal(r.status, 413, path);
        assert.equal(r.json.type, 'records.too.many');
        r = await request(`${s.url}${path}`, { headers: { 'content-type': 'application/xml' }, body: '<Catalog><Release>' });
        assert.equal(r.status, 400, path);
        assert.equal(r.json.type, 'entity.parse.failed');
      }
    } finally {
      await s.close();
    }
  });

  test(`${name}: an upload aborted mid-body reaches the iteration as request.aborted, nothing leaks`, async () => {
    const baseline = native.NativeParser.counts().held;
    const seen = deferred();
    const started = deferred();
    const s = await listen(http.createServer(app(express, seen, started)));
    try {
      const doc = catalog(2000);
      const socket = raw(
        s.port,
        `POST /xml-stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: ${doc.length * 2}\r\n\r\n${doc.slice(0, 20000)}`,
        () => {},
      );
      // Reset once the handler runs: a reset before the server read the headers is no request.
      await started.promise;
      socket.resetAndDestroy();
      const { err, out } = await seen.promise;
      assert.equal(err.type, 'request.aborted');
      assert.equal(err.status, 400);
      assert.ok(out.length < 2000); // however many arrived before the reset
      // At most the baseline: an engine of an earlier test may be freed meanwhile.
      assert.ok((await heldEngines(baseline)) <= baseline, 'a native parser still holds its buffers');
    } finally {
      await s.close();
    }
  });

  test(`${name}: a handler that reads nothing still frees the parser`, async () => {
    const baseline = native.NativeParser.counts().held;
    const s = await listen(http.createServer(app(express)));
    try {
      const r = await request(`${s.url}/ignore`, { headers: { 'content-type': 'application/xml' }, body: catalog(3000) });
      assert.equal(r.status, 200);
      // At most the baseline: an engine of an earlier test may be freed meanwhile.
      assert.ok((await heldEngines(baseline)) <= baseline, 'a native parser still holds its buffers');
    } finally {
      await s.close();
    }
  });

  test(`${name}: a body shorter than its Content-Length is request.size.invalid`, async () => {
    for (const path of ['/xml', '/xml-stream']) {
      const errors = [];
      const a = app(express);
      // Node answers a half-closed, incomplete request itself; the error is what next() got.
      a.use((err, req, res, next) => next(err));
      const e = express();
      e.use((req, res, next) => {
        res.on('close', () => {});
        next();
      });
      const seen = deferred();
      e.post(path, sluice.express({ select: 'Release', streamThreshold: path === '/xml' ? 1e6 : 0 }), async (req, res, next) => {
        try {
          for await (const _ of req.records); // eslint-disable-line no-unused-vars
        } catch (err) {
          seen.resolve(err);
          return next(err);
        }
        res.end();
      });
      e.use((err, req, res, _next) => {
        errors.push(err);
        seen.resolve(err);
        res.status(err.status).end();
      });
      const s = await listen(http.createServer(e));
      try {
        raw(
          s.port,
          `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 1000\r\n\r\n<Catalog><Release/>`,
          (socket) => socket.end(),
        );
        const err = await seen.promise;
        assert.equal(err.type, 'request.size.invalid', path);
        assert.equal(err.status, 400);
        assert.equal(err.expected, 1000);
      } finally {
        await s.close();
      }
    }
  });
}

test('options: middleware options are checked at setup, parser options passed on', () => {
  assert.throws(() => sluice.express({ limit: 'lots' }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.throws(() => sluice.express({ select: '///' }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.throws(() => sluice.express({ xml: {}, json: {}, type: 'text/plain' }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.throws(() => sluice.express({ maxRecords: 0 }), { code: 'ERR_SLUICE_INVALID_OPTION' });
  assert.equal(typeof sluice.express({ select: 'a', limit: '5gb', memoryThreshold: '1mb', inflate: true }), 'function');
});

test('require("sluice") loads neither Express nor Fastify', () => {
  const { execFileSync } = require('node:child_process');
  const out = execFileSync(process.execPath, [
    '-e',
    "const s = require('.'); s.parse('<a/>'); typeof s.express; typeof s.fastify; console.log(Object.keys(require.cache).filter((f) => /node_modules[\\\\/](express|express4|fastify)[\\\\/]/.test(f)).length)",
  ], { cwd: require('node:path').join(__dirname, '..') });
  assert.equal(String(out).trim(), '0');
});
