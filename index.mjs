import sluice from './index.js';

export const { XmlStream, JsonStream, NULL, toNdjson, toJsonArray, toXml } = sluice;
export default sluice;
