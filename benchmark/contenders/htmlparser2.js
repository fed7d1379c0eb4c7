'use strict';
const { ObjectBuilder } = require('./builder');
const { runContender, releaseChecksum, SHAPES } = require('./common');

runContender('htmlparser2', async (ctx) => {
  // htmlparser2 >= 10 is ESM-only; import() also works on Node versions without require(esm).
  const { Parser } = await import('htmlparser2');
  let records = 0;
  let checksum = 0;
  const b = new ObjectBuilder('Release', (rel) => {
    records++;
    checksum += releaseChecksum(rel, SHAPES.fxp);
  });
  const p = new Parser(
    {
      onopentag: (name, attribs) => b.open(name, attribs),
      ontext: (t) => b.text(t), // CDATA content arrives here too in xmlMode
      onclosetag: () => b.close(),
      onerror: (err) => {
        throw err;
      },
    },
    { xmlMode: true },
  );
  await ctx.feed((chunk) => p.write(chunk), () => p.end(), { encoding: 'utf8' });
  return { records, checksum };
});
