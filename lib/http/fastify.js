'use strict';
// Fastify (5) plugin: content-type parsers for XML, JSON and NDJSON that hand the handler
// `request.body` as the record stream (or the records, with `collect: true`). It never loads
// Fastify: a plugin is a plain function with Fastify's well-known symbols on it.
const { configure, inspect, read, contentType } = require('./body');
const { optionError } = require('../errors');

const cleanups = new WeakMap(); // request -> functions to run once the response is over

/** A body-parser-style pattern as Fastify routes content types: a string or an anchored RegExp. */
function fastifyType(pattern) {
  if (pattern instanceof RegExp) return pattern;
  const p = pattern.trim().toLowerCase();
  if (p === '*/*') return '*';
  if (!p.includes('*')) return p;
  const [type, sub] = p.split('/');
  const escape = (s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const t = type === '*' ? '[^/;\\s]+' : escape(type);
  const s = sub === '*' ? '[^;\\s]+' : sub.startsWith('*+') ? `[^;\\s]+${escape(sub.slice(1))}` : escape(sub);
  return new RegExp(`^${t}/${s}(?=$|\\s*;)`);
}

function sluiceFastify(fastify, options, done) {
  let config;
  try {
    if (options && options.limit !== undefined) {
      throw optionError("with Fastify the limit is the route's `bodyLimit` (or the server's); set that instead of `limit`");
    }
    config = configure(options, { fastify: true });
  } catch (err) {
    return done(err);
  }

  for (const format of config.formats) {
    const types = format.types.map(fastifyType);
    // Fastify has its own JSON parser; sluice's takes over where asked to.
    for (const t of types) if (typeof t === 'string' && fastify.hasContentTypeParser(t)) fastify.removeContentTypeParser(t);
    fastify.addContentTypeParser(types, (request, payload, callback) => {
      // Fastify hands custom parsers the raw payload without applying `bodyLimit`.
      const limit = request.routeOptions.bodyLimit;
      const req = request.raw;
      const head = inspect(req, format, config, limit, contentType(req.headers['content-type']));
      if (head instanceof Error) return callback(head);
      const onEnd = (fn) => {
        let list = cleanups.get(request);
        if (!list) cleanups.set(request, (list = []));
        list.push(fn);
      };
      read(req, payload, format, config, limit, head, { onEnd }, callback);
    });
  }

  const runCleanups = (request, _reply, next) => {
    const list = cleanups.get(request);
    if (list) {
      cleanups.delete(request);
      for (const fn of list) fn();
    }
    (typeof _reply === 'function' ? _reply : next)();
  };
  fastify.addHook('onResponse', runCleanups);
  fastify.addHook('onRequestAbort', runCleanups);
  done();
}

// Registered at the caller's level rather than in a child context, so its parsers apply to
// the routes beside it (what fastify-plugin does, without depending on it).
sluiceFastify[Symbol.for('skip-override')] = true;
sluiceFastify[Symbol.for('fastify.display-name')] = 'sluice';
sluiceFastify[Symbol.for('plugin-meta')] = { name: 'sluice', fastify: '5.x' };

module.exports = { fastify: sluiceFastify, fastifyType };
