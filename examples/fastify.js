'use strict';
// A minimal Fastify app: request.body is the records, as the upload arrives.
//   node examples/fastify.js
//   curl -X POST -H 'content-type: application/xml' --data-binary @catalog.xml http://127.0.0.1:3000/catalog
//   curl -X POST -H 'content-type: application/json' -d '{"items":[1,2,3]}' http://127.0.0.1:3000/catalog
const sluice = require('..'); // require('sluice') in your app

async function main() {
  // The plugin enforces each route's bodyLimit (Fastify does not, for stream parsers).
  const fastify = require('fastify')({ bodyLimit: 100 * 1024 * 1024 });
  await fastify.register(sluice.fastify, { xml: { select: 'Release' }, json: { select: '$.items[*]' } });
  fastify.post('/catalog', async (request) => {
    let n = 0;
    for await (const _ of request.body) n++; // eslint-disable-line no-unused-vars
    return { n };
  });
  const port = Number(process.env.PORT ?? 3000);
  await fastify.listen({ port, host: '127.0.0.1' });
  console.log(`listening on http://127.0.0.1:${port}`);
}

main();
