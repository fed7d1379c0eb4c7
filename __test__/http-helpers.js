'use strict';
// Shared by the http-*.test.js files: servers on 127.0.0.1, raw requests, leak counts.
const http = require('node:http');
const net = require('node:net');
const { once } = require('node:events');
const native = require('../lib/native');

/** Listens on 127.0.0.1, a free port; resolves with the base URL and a close(). */
async function listen(server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A request through http.request, body written as given; resolves with status, headers, text. */
function request(url, { method = 'POST', headers = {}, body, agent = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends headers and the first bytes of a body that is never finished, and resolves with the
 * response (which must come without the rest), then drops the connection.
 */
function partial(port, { path = '/', headers, first }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.on('connect', () => socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\n${first ?? ''}`));
    socket.on('data', (d) => {
      got += d;
      const end = got.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = /content-length: *(\d+)/i.exec(got.slice(0, end));
      if (length && got.length - end - 4 < Number(length[1])) return;
      socket.destroy();
      const status = Number(got.slice(9, 12));
      resolve({ status, text: got.slice(end + 4), head: got.slice(0, end) });
    });
    socket.on('error', reject);
  });
}

/** Opens a raw connection, sends `data`, then calls `then(socket)` (to end or destroy it). */
function raw(port, data, then) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.on('connect', () => {
    socket.write(data, () => setTimeout(() => then(socket), 20));
  });
  return socket;
}

/** Native parsers still holding buffers, once runs in flight have had a chance to end. */
async function heldEngines(baseline) {
  for (let i = 0; i < 200; i++) {
    const { held } = native.NativeParser.counts();
    if (held <= baseline) return held;
    await new Promise((r) => setTimeout(r, 10));
  }
  return native.NativeParser.counts().held;
}

/** A deferred: the test waits on what a server handler saw. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

module.exports = { listen, request, partial, raw, heldEngines, deferred, native };
