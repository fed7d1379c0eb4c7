'use strict';
// A throwaway redis-server for the bullmq test and benchmark: on a free 127.0.0.1 port, with
// nothing saved to disk. The caller stops it (`redis.kill()`).
const net = require('node:net');
const { once } = require('node:events');
const { spawn } = require('node:child_process');

async function freePort() {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const p = s.address().port;
  s.close();
  await once(s, 'close');
  return p;
}

/** Resolves with `{ redis, port }` once the server accepts connections. */
async function startRedis() {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let seen = '';
  await new Promise((resolve, reject) => {
    const early = (code) => reject(new Error(`redis-server exited (${code}): ${seen}`));
    redis.once('exit', early);
    const onData = (d) => {
      seen += d;
      if (!seen.includes('Ready to accept connections')) return;
      redis.off('exit', early);
      redis.stdout.off('data', onData);
      redis.stdout.resume(); // its later log lines are not read
      resolve();
    };
    redis.stdout.on('data', onData);
  });
  return { redis, port };
}

module.exports = { startRedis };
