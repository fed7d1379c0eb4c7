import sluice from './index.js';

export const { XmlStream, JsonStream, NULL } = sluice;
export default sluice;
