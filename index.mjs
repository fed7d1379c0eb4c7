import sluice from './index.js';

export const { XmlStream, JsonStream, NULL, parseFile, plan, runPart, accepts } = sluice;
export default sluice;
