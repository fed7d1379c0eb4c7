import sluice from './index.js';

export const { XmlStream } = sluice;
export default sluice;
