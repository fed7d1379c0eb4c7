import sluice from './index.js';

export const { XmlStream, JsonStream, NULL, parseFile, plan, runPart, accepts, toNdjson, toJsonArray, toXml } = sluice;
export default sluice;
