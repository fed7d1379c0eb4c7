// The output writers' typings, used as a reader of the README would use them.
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { XmlStream, JsonStream, toNdjson, toJsonArray, toXml } from 'sluice';
import type { ToXmlOptions, RecordWriterOptions } from 'sluice';

async function main(): Promise<void> {
  await pipeline(createReadStream('catalog.xml'), new XmlStream({ select: 'Release' }), toNdjson(), createWriteStream('out.ndjson'));
  const w: RecordWriterOptions = { writableHighWaterMark: 16 };
  await pipeline(createReadStream('x.ndjson'), new JsonStream({ format: 'ndjson' }), toJsonArray(w), createWriteStream('out.json'));
  const options: ToXmlOptions = { root: 'Releases', element: 'Release', attributeNamePrefix: '@_', cdataPropName: false };
  await pipeline(createReadStream('catalog.xml'), new XmlStream({ select: 'Release' }), toXml(options), createWriteStream('out.xml'));
  // @ts-expect-error root is required
  toXml({ element: 'x' });
  // @ts-expect-error cdataPropName is a string or false
  toXml({ root: 'r', cdataPropName: true });
}

void main;
