import sluice from './index.js';

export const {
  XmlStream,
  JsonStream,
  NULL,
  parse,
  collect,
  parseFile,
  plan,
  runPart,
  accepts,
  toNdjson,
  toJsonArray,
  toXml,
  express,
  fastify,
} = sluice;
export default sluice;
