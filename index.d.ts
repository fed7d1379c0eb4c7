/// <reference types="node" />
import { Transform } from 'node:stream';

/** A selector: `'Release'`, `'ReleaseList/Release'`, `'/NewReleaseMessage/ReleaseList/Release'`,
 * `'*'` for any one step, `'{http://ddex.net/xml/ern/43}Release'` to match a namespace URI. */
export type Selector = string;

/** Options every stream takes. */
export interface StreamOptions {
  /** Largest input span of one record (or pending markup/value). Default 64 MiB. */
  maxRecordBytes?: number;
  /** Deepest nesting. Default 256 for XML (at most 10,000), 1024 for JSON. */
  maxDepth?: number;
  /** Output text gathered per batch before it is handed to JavaScript. Default 64 KiB. */
  batchBytes?: number;
  /** Records buffered on the readable side before backpressure applies. Default 1024. */
  highWaterMark?: number;
  /** Minimum milliseconds between `'progress'` events. Default 250. */
  progressInterval?: number;
  /** Input size, for `percent` and `etaSeconds`; read from an `fs.ReadStream` piped in. */
  totalBytes?: number;
  signal?: AbortSignal;
}

export interface XmlStreamOptions extends StreamOptions {
  /** One selector (records are emitted as-is) or an array (records are emitted as
   * `{ selector, value }`). Default `'/*'`, the root element. */
  select?: Selector | Selector[];
  /** Default false. */
  ignoreAttributes?: boolean;
  /** Default `'@_'`. */
  attributeNamePrefix?: string;
  /** Default `'#text'`. */
  textNodeName?: string;
  /** Default true. */
  trimValues?: boolean;
  /** Default false. */
  removeNSPrefix?: boolean;
  /** Coerce numbers and booleans in text as fast-xml-parser does. Default false. */
  parseTagValue?: boolean;
  /** Coerce numbers and booleans in attribute values. Default false. */
  parseAttributeValue?: boolean;
  /** Put CDATA under this key instead of merging it into the text. Default false. */
  cdataPropName?: string | false;
  /** Element names (or `/`-separated paths) that are always arrays. */
  alwaysArray?: string[];
  /** Reject undeclared namespace prefixes; needed for `{uri}` selectors. Default true. */
  namespaces?: boolean;
  /** Longest element, attribute, processing-instruction target or entity name, in bytes.
   * Default 50,000 (`ERR_SLUICE_XML_NAME_TOO_LONG`). */
  maxNameLength?: number;
  /** Most attributes on one element, namespace declarations included. Default 10,000
   * (`ERR_SLUICE_XML_TOO_MANY_ATTRIBUTES`). */
  maxAttributes?: number;
  /** Longest text node (counted across chunks, inside records or not), CDATA section,
   * comment, processing instruction or attribute value, in bytes of input. Default 16 MiB
   * (`ERR_SLUICE_XML_TEXT_TOO_LONG`). */
  maxTextLength?: number;
  /** `'skip'` drops a malformed record, emits `'skip'` and resumes at the next record (see
   * docs/skip.md); errors outside records still fail the stream.
   * Default `'throw'`. */
  onError?: 'throw' | 'skip';
  /** Start just after the record a checkpoint was taken at; feed the input from
   * `checkpoint.offset` (e.g. `fs.createReadStream(file, { start: checkpoint.offset })`).
   * `select` must be the same as when it was taken. Not for ISO-2022-JP input (stateful). */
  resumeFrom?: Checkpoint;
  /** Bytes a non-UTF-8 document's encoding does not define: `'fatal'` (the default) fails
   * with `ERR_SLUICE_XML_ENCODING`, `'replace'` puts U+FFFD in their place. Invalid UTF-8 is
   * always an error. */
  encodingErrors?: 'fatal' | 'replace';
  /**
   * Expand general entities declared in the DOCTYPE's internal subset, in text and attribute
   * values. External entities are never read: a reference to one is an error. Default false
   * (a reference to a declared entity is then `ERR_SLUICE_XML_UNDEFINED_ENTITY`).
   */
  expandInternalEntities?: boolean;
  /**
   * Most bytes of replacement text entity expansion may produce in one document; past 64 KiB
   * expansion may also not exceed 100 times the input read. Beyond either:
   * `ERR_SLUICE_XML_ENTITY_EXPANSION`. Default 64 MiB.
   */
  maxEntityExpansion?: number;
}

/** An element open at a checkpoint, and the namespaces it declares. */
export interface CheckpointAncestor {
  /** Qualified name, as written. */
  name: string;
  /** `[prefix, uri]` declared on this element; `''` is the default namespace. */
  ns: Array<[string, string]>;
}

/** Where an `XmlStream` can resume: opaque, JSON-serialisable, from `checkpoint()` or a
 * `'progress'` event. */
export interface Checkpoint {
  version: 1;
  /** The `select` of the stream it was taken from. */
  select: Selector | Selector[];
  /** The input's encoding as found at its start (`'UTF-8'`, `'UTF-16LE'`, `'windows-1252'`,
   * ...); a resumed stream decodes with it. */
  encoding: string;
  /** Bytes of the original input up to just after the last record read. */
  offset: number;
  /** Records read before it (counting those before any earlier checkpoint resumed from). */
  records: number;
  /** Elements open there, root first; `[]` after the root closed; `null` before any record
   * (resume from the start). */
  path: CheckpointAncestor[] | null;
}

/** A record from a stream whose `select` was an array: the selector that matched it, and
 * the record itself. */
export interface TaggedRecord<T = XmlRecord> {
  selector: Selector;
  value: T;
}

/**
 * A record as sluice emits it by default: loosely typed, so that `r.ReleaseId.ICPN` compiles
 * without declaring the document's shape. Records are usually objects, but an element with
 * only text is a string (or a number or boolean with `parseTagValue`). For strict types, give
 * the stream a type argument: `new XmlStream<Release>(...)`, or `XmlObject` for the exact
 * shape any document can have.
 */
export interface XmlRecord {
  [key: string]: any;
}

/** What fast-xml-parser's object shape can hold. */
export type XmlValue = string | number | boolean | XmlObject | XmlValue[];
export interface XmlObject {
  [key: string]: XmlValue;
}

export interface Progress {
  bytesRead: number;
  records: number;
  mbPerSec: number;
  rss: number;
  heapUsed: number;
  totalBytes?: number;
  percent?: number;
  etaSeconds?: number | null;
  /** `XmlStream` only: where to resume after the records read so far. */
  checkpoint?: Checkpoint;
}

export interface Stats {
  bytes: number;
  records: number;
  batches: number;
  poolHits: number;
  poolMisses: number;
  /** Records dropped by skip-and-continue. */
  skipped: number;
}

/** Errors from malformed input: `code` is stable; positions are 1-based lines and columns
 * (in characters) and a 0-based byte offset into the input as it was given (not as decoded). */
export interface SluiceError extends Error {
  code: string;
  line: number;
  column: number;
  offset: number;
}

/** A JSONPath subset: `$`, `.key`, `['key']`, `[*]`, `.*`, `[n]`. */
export type JsonPath = string;

export interface JsonStreamOptions extends StreamOptions {
  /** One path (records are emitted as-is) or an array (records are `{ selector, value }`).
   * Default `'$'`. */
  select?: JsonPath | JsonPath[];
  /** `'json'` (one document, the default), `'concatenated'` (values separated by white space)
   * or `'ndjson'` (one value per line). */
  format?: 'json' | 'concatenated' | 'ndjson';
  /** With `'ndjson'`, `'skip'` drops a bad line and emits `'skip'`. Default `'throw'`. */
  onError?: 'throw' | 'skip';
  /** Emitted for a `null` record (object-mode streams end at `null`). Default `NULL`. */
  nullValue?: unknown;
}

/** A record (an XML element, an NDJSON line) dropped by `onError: 'skip'`. */
export interface Skip {
  code: string;
  message: string;
  line: number;
  column: number;
  offset: number;
  /** NDJSON: index of the line among the non-blank lines. XML: the index the record would
   * have had among the selected records of this stream, emitted and dropped alike. */
  recordIndex: number;
}

/** What `JsonStream` emits for a JSON `null` record unless `nullValue` says otherwise. */
export declare const NULL: unique symbol;

/** What both streams offer: a `Transform`, bytes in, records of type `T` out. */
export interface RecordStream<T> extends Transform {
  /** Counters kept by the native parser, plus `skipped`. */
  stats(): Stats;
  on(event: 'data', listener: (record: T) => void): this;
  on(event: 'progress', listener: (p: Progress) => void): this;
  on(event: 'skip', listener: (s: Skip) => void): this;
  on(event: 'error', listener: (err: SluiceError) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'data', listener: (record: T) => void): this;
  once(event: 'progress', listener: (p: Progress) => void): this;
  once(event: 'skip', listener: (s: Skip) => void): this;
  once(event: 'error', listener: (err: SluiceError) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  /** `for await (const r of stream)` yields records of type `T`. (The `any` half keeps the
   * stream assignable where @types/node expects a byte stream, as in `pipeline`.) */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> & AsyncIterableIterator<any>;
}

/** JSON, concatenated JSON or NDJSON bytes in, one value per selected element out. `T` is the
 * record type; it defaults to `any`, as `JSON.parse`'s result does. */
export interface JsonStream<T = any> extends RecordStream<T> {}

export interface JsonStreamConstructor {
  /** An array `select` tags each record: `{ selector, value }`. */
  new <T = TaggedRecord<any>>(options: JsonStreamOptions & { select: JsonPath[] }): JsonStream<T>;
  new <T = any>(options?: JsonStreamOptions): JsonStream<T>;
  readonly prototype: JsonStream<any>;
  readonly NULL: typeof NULL;
}
export declare const JsonStream: JsonStreamConstructor;

/** XML bytes in, one record per selected element out. `T` is the record type: the loose
 * `XmlRecord` by default, `TaggedRecord<XmlRecord>` when `select` is an array. */
export interface XmlStream<T = XmlRecord> extends RecordStream<T> {
  /** Where to resume after the records read from this stream so far (not those merely
   * buffered). */
  checkpoint(): Checkpoint;
}

export interface XmlStreamConstructor {
  /** An array `select` tags each record: `{ selector, value }`. */
  new <T = TaggedRecord<XmlRecord>>(options: XmlStreamOptions & { select: Selector[] }): XmlStream<T>;
  new <T = XmlRecord>(options?: XmlStreamOptions): XmlStream<T>;
  readonly prototype: XmlStream<any>;
}
export declare const XmlStream: XmlStreamConstructor;
