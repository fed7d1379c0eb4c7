'use strict';
// Express (4 and 5) middleware. It never loads Express: a middleware is a plain function.
const { configure, inspect, read, hasBody, contentType } = require('./body');

/**
 * `sluice.express(options)`: for matching requests, `req.records` is the record stream (or,
 * with `collect: true`, `req.body` the records) and the next handler runs. Other requests
 * pass through untouched.
 */
function express(options = {}) {
  const config = configure(options);
  const limit = config.limit ?? 100 * 1024;

  return function sluiceBody(req, res, next) {
    // Another body parser already read it (body-parser's convention), or there is no body.
    if (req._body || !hasBody(req)) return next();
    const ct = contentType(req.headers['content-type']);
    const format = config.formats.find((f) => f.matches(req, ct));
    if (!format) return next();
    req._body = true;

    const head = inspect(req, format, config, limit, ct);
    if (head instanceof Error) {
      // The body stays unread: ask Node not to drain it to keep the connection alive.
      if (!res.headersSent) res.setHeader('Connection', 'close');
      return next(head);
    }
    const hooks = {
      onEnd: (fn) => res.once('close', fn),
      // Node would otherwise read the rest of the body to keep the connection alive.
      abandon: () => {
        if (!res.headersSent) res.setHeader('Connection', 'close');
      },
    };
    read(req, req, format, config, limit, head, hooks, (err, body) => {
      if (err) return next(err);
      if (config.collect) req.body = body;
      else req.records = body;
      next();
    });
  };
}

module.exports = { express };
