'use strict';
// A 200 MB upload, generated as it is sent, streamed through sluice.express by a server in a
// child process: every record arrives and the server's RSS stays far below the body's size.
// And backpressure: a handler that stops reading stops the upload.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const express = require('express');
const sluice = require('..');
const { listen } = require('./http-helpers');

const MiB = 1024 * 1024;

/** Records `from`.. as one buffer of about `size` bytes. */
function records(from, count) {
  let s = '';
  for (let i = from; i < from + count; i++) {
    s += `<Release id="${i}"><Title>Title ${i}</Title><Artist>Artist name ${i % 97}</Artist><Genre>Rock</Genre></Release>\n`;
  }
  return Buffer.from(s);
}

/** Sends a generated catalog of `total` bytes or a bit more, honouring backpressure. */
function upload(port, urlPath, total) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: urlPath, method: 'POST', headers: { 'content-type': 'application/xml' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text), sent }));
      },
    );
    req.on('error', reject);
    let sent = 0;
    let next = 0;
    const perChunk = 1000;
    req.write('<Catalog>\n');
    const write = () => {
      while (sent < total) {
        const chunk = records(next, perChunk);
        next += perChunk;
        sent += chunk.length;
        if (!req.write(chunk)) return req.once('drain', write);
      }
      req.end('</Catalog>');
    };
    write();
    upload.last = () => next; // records sent so far
  });
}

test('a 200 MB upload streams with the server RSS bounded', async (t) => {
  const child = spawn(process.execPath, [path.join(__dirname, 'http-upload-child.js')], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  try {
    let out = '';
    while (!out.includes('\n')) out += (await once(child.stdout, 'data'))[0];
    const port = Number(out.trim());
    const total = 200 * 1000 * 1000;
    const { status, body } = await upload(port, '/upload', total);
    assert.equal(status, 200);
    const expected = upload.last();
    assert.equal(body.n, expected);
    assert.equal(body.ids, expected, 'records in order and whole');
    assert.ok(body.bytes >= total);
    const growth = body.peak - body.start;
    // The body is 191 MiB; buffering it would grow RSS by at least that much. What grows is
    // the young generation and the parser's buffers, whatever the body's size.
    assert.ok(growth < 100 * MiB, `server RSS grew by ${(growth / MiB).toFixed(1)} MiB`);
    t.diagnostic(`server RSS ${(body.start / MiB).toFixed(1)} -> peak ${(body.peak / MiB).toFixed(1)} MiB`);
  } finally {
    child.kill();
  }
});

test('backpressure: a handler that stops reading stops the upload', async () => {
  let release;
  const gate = new Promise((r) => {
    release = r;
  });
  const report = {};
  const app = express();
  app.post('/', sluice.express({ select: 'Release', limit: '1gb' }), async (req, res) => {
    let n = 0;
    for await (const _ of req.records) { // eslint-disable-line no-unused-vars
      if (++n === 1) {
        // Wait until the bytes received stop growing: the socket, not memory, holds the rest.
        let last = -1;
        while (req.socket.bytesRead !== last) {
          last = req.socket.bytesRead;
          await new Promise((r) => setTimeout(r, 100));
        }
        report.stalledAt = last;
        release();
      }
    }
    res.json({ n });
  });
  const s = await listen(http.createServer(app));
  try {
    const total = 32 * MiB;
    const pending = upload(s.port, '/', total);
    await gate;
    assert.ok(report.stalledAt < 16 * MiB, `read ${(report.stalledAt / MiB).toFixed(1)} MiB of 32 while the handler waited`);
    const { body } = await pending;
    assert.equal(body.n, upload.last());
  } finally {
    await s.close();
  }
});
