import sluice from './index.js';

export const { XmlStream, JsonStream, NULL, parse, collect, express, fastify } = sluice;
export default sluice;
