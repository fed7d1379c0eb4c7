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

import { Readable } from 'node:stream';

/** Options of `parseFile`: every `XmlStream` / `JsonStream` option, plus how to split. */
export interface ParseFileOptions
  extends Omit<XmlStreamOptions, 'select' | 'resumeFrom'>,
    Omit<JsonStreamOptions, 'format' | 'select'> {
  select?: Selector | Selector[];
  /** Continue after the records read from an earlier `parseFile` of the same file, with the
   * same `select` (see docs/parse-file.md). XML takes an `XmlStream` checkpoint too. */
  resumeFrom?: FileCheckpoint | Checkpoint;
  /** Default from the extension: `.ndjson`/`.jsonl` NDJSON, `.json` JSON, anything else XML. */
  format?: 'xml' | 'json' | 'ndjson' | 'concatenated';
  /** Parts parsed at once. Default 1 (one stream). A JSON document is cut only when `select`
   * is one selector of object keys ending in `[*]` (`$[*]`, `$.releases[*]`); other JSON
   * selections and `'concatenated'` are read on one thread. */
  threads?: number;
  /** Target bytes per part, at least 4096. Default 16 MiB. */
  partBytes?: number;
  /** XML: local names of start tags a part may start at (default: the selectors' last steps). */
  splitAt?: string[];
}

/** What a `parseFile` checkpoint adds to an `XmlStream` one. */
export interface FileCheckpointSkips {
  /** Records after `offset` already read: a resumed `parseFile` reads them again and passes
   * over them. 0 unless a 'skip' was still to be reported for a record before the last read
   * (skip mode), for XML; for JSON formats, the records since the last clean start. */
  drop: number;
  /** Offset of the last 'skip' reported, or -1; a resumed `parseFile` does not report it, nor
   * those before it, again. */
  lastSkip: number;
  /** Skips reported at `lastSkip` (two records' errors may share an offset). */
  lastSkips: number;
}

/** An XML file's checkpoint: an `XmlStream` checkpoint (which `XmlStream` takes while `drop` is 0). */
export interface XmlFileCheckpoint extends Checkpoint, FileCheckpointSkips {}

/** A JSON or NDJSON file's checkpoint: a clean start and the records after it already read. */
export interface JsonFileCheckpoint extends FileCheckpointSkips {
  version: 1;
  format: 'json' | 'ndjson' | 'concatenated';
  select: JsonPath | JsonPath[];
  encoding: 'UTF-8';
  /** A line start where no line is open (NDJSON); a place between two elements of the
   * selected array, confirmed (a JSON document whose `select` names an array's elements);
   * otherwise 0. */
  offset: number;
  /** NDJSON: non-blank lines before `offset` ('skip' `recordIndex`es go on from it). A JSON
   * document: the file's line at `offset` (1-based; a resumed run's positions count from it). */
  line: number;
  /** A JSON document: the file's column at `offset` (1-based). */
  column?: number;
  /** Records read before it (counting those before any earlier checkpoint resumed from). */
  records: number;
}

/** Where `parseFile` can resume: JSON-serialisable, from `checkpoint()` or a `'progress'` event. */
export type FileCheckpoint = XmlFileCheckpoint | JsonFileCheckpoint;

/** A `parseFile` progress event: it always carries a checkpoint. */
export interface FileProgress extends Omit<Progress, 'checkpoint'> {
  totalBytes: number;
  percent: number;
  etaSeconds: number | null;
  checkpoint: FileCheckpoint;
}

/** The records of `parseFile`, in file order, exactly as one stream over the file gives them. */
export declare class FileRecords<T = any> extends Readable {
  /** Parts planned, parts whose guessed start was confirmed, parts re-read by the part before. */
  readonly split: { parts: number; accepted: number; redone: number };
  /** Counters of what this stream emitted (`bytes`: of the file parsed for it). */
  stats(): Stats;
  /** Where a new `parseFile(path, { ...options, resumeFrom })` continues after the records
   * read from this one so far (not those merely buffered). */
  checkpoint(): FileCheckpoint;
  [Symbol.asyncIterator](): AsyncIterableIterator<T>;
  on(event: 'progress', listener: (p: FileProgress) => void): this;
  on(event: 'skip', listener: (s: Skip) => void): this;
  on(event: 'data', listener: (record: T) => void): this;
  on(event: 'error', listener: (err: SluiceError) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** One part of a file: plain data, so that it can be parsed elsewhere. */
export interface FilePart {
  format: 'xml' | 'json' | 'ndjson' | 'concatenated';
  path: string;
  start: number;
  end: number;
  /** The guessed state at `start`; null for a part whose start is known. XML: the open
   * elements; NDJSON: `{}` (a line start); a JSON document: the keys of the objects around
   * the array, the part starting between two of its elements. */
  guess: { path?: CheckpointAncestor[] | string[] } | null;
  /** XML: the name of the start tag at `start`. */
  name: string | null;
  /** A JSON document resumed from a checkpoint: its first part starts between two elements
   * of the selected array, a state known, not guessed. */
  element?: boolean;
  options: Record<string, unknown>;
}

/** The state of a part's parser where its range ends. */
export interface Verdict {
  offset: number;
  line: number;
  column: number;
  between: boolean;
  /** XML: the open elements; a JSON document: the keys around the array. */
  path: CheckpointAncestor[] | string[] | null;
  index: number;
}

export interface PartResult {
  /** JSON array texts of the part's records, in order. */
  batches: string[];
  skips: { error: { code: string; message: string; line: number; column: number; offset: number }; recordIndex: number }[];
  error: { code: string; message: string; line: number; column: number; offset: number } | null;
  /** Null for the last part and for a failed one. */
  verdict: Verdict | null;
}

/** One file, parsed in parts on `threads` threads, records exactly as one stream gives them. */
export declare function parseFile<T = any>(path: string, options?: ParseFileOptions): FileRecords<T>;
/** The parts of a file (a local path, or an http(s) URL serving byte ranges), as `runPart` takes them. */
export declare function plan(source: string, options?: ParseFileOptions): Promise<FilePart[]>;
/** Parses one part and reports the state where it ends. */
export declare function runPart(part: FilePart): Promise<PartResult>;
/** Whether `verdict` (of the part before) confirms `part`'s guessed start. */
export declare function accepts(verdict: Verdict | null, part: FilePart): boolean;
/** Options of `toNdjson()` and `toJsonArray()`. */
export interface RecordWriterOptions {
  /** Records buffered on the writable side before `write()` returns false. Default 1024. */
  writableHighWaterMark?: number;
  /** Bytes buffered on the readable side. Default 64 KiB. */
  readableHighWaterMark?: number;
}

/** Records in (object mode), NDJSON bytes out: `JSON.stringify(record)` and `\n` each;
 * `NULL` is written as `null`. */
export declare function toNdjson(options?: RecordWriterOptions): Transform;

/** Records in, one JSON array out: `[`, the records separated by `,\n`, `]` (`[]` when
 * there are none). */
export declare function toJsonArray(options?: RecordWriterOptions): Transform;

/** Options of `toXml()`: the document's names, and the shape options of `XmlStream` that
 * tell attributes, text and CDATA from child elements. */
export interface ToXmlOptions extends RecordWriterOptions {
  /** The document element's name. */
  root: string;
  /** Write each record as one `<element>` under the root. Without it each record is the
   * root's content (the first may carry the root's attributes), the shape `XmlStream` gives
   * with `select: '/*'`. */
  element?: string;
  /** Write `<?xml version="1.0" encoding="UTF-8"?>` first. Default true. */
  declaration?: boolean;
  /** Default false: keys starting with `attributeNamePrefix` are attributes. */
  ignoreAttributes?: boolean;
  /** Default `'@_'`; must not be empty unless `ignoreAttributes`. */
  attributeNamePrefix?: string;
  /** Default `'#text'`. */
  textNodeName?: string;
  /** Values under this key are written as CDATA sections. Default false. */
  cdataPropName?: string | false;
}

/** Records in, one XML document out: the inverse of `XmlStream`'s object shape with the same
 * options. Text and attribute values are escaped; a name XML does not allow, or a character
 * XML 1.0 cannot carry, fails the stream with `ERR_SLUICE_XML_WRITE`. */
export declare function toXml(options: ToXmlOptions): Transform;
// ---- sluice.parse, sluice.collect, sluice.express, sluice.fastify (docs/http.md) ----

export interface ParseOptions extends Omit<XmlStreamOptions, 'select'>, Omit<JsonStreamOptions, 'select' | 'format'> {
  select?: Selector | Selector[] | JsonPath | JsonPath[];
  /** Default: XML if the first byte past a BOM and whitespace is `<`, else `'json'`. */
  format?: 'xml' | 'json' | 'concatenated' | 'ndjson';
}

/** Thrown by `parse`: the parse error, with the records that ended before it. */
export interface ParseError<T = unknown> extends SluiceError {
  records: T[];
}

/** Every record of a whole document, parsed synchronously on the calling thread. For small
 * inputs; large ones belong in `XmlStream`/`JsonStream`, which keep the main thread free.
 * Throws a `ParseError`. */
export declare function parse<T = any>(input: Buffer | Uint8Array | string, options?: ParseOptions): T[];

export interface CollectOptions {
  /** Records kept in memory up to this many bytes (input bytes parsed, for sluice's streams;
   * JSON length otherwise); past it they go to a temp file. Default 5 MiB. */
  memoryThreshold?: number;
  /** More records than this rejects. Default unlimited. */
  maxRecords?: number;
  /** Directory for temp files. Default `os.tmpdir()`. */
  tmpdir?: string;
  /** What a spilled JSON `null` record reads back as. Default `NULL`. */
  nullValue?: unknown;
}

/** Records spilled to a temp file (NDJSON); iterable more than once until disposed of. */
export interface SpilledRecords<T = unknown> extends AsyncIterable<T> {
  readonly spilled: true;
  readonly path: string;
  /** How many records. */
  readonly length: number;
  /** Removes the temp file (also done at process exit, SIGINT, SIGTERM, uncaught exceptions). */
  dispose(): void;
}

/** Reads an async iterable of records to its end: an array if they fit `memoryThreshold`,
 * else a `SpilledRecords`. */
export declare function collect<T = unknown>(
  stream: AsyncIterable<T>,
  options?: CollectOptions,
): Promise<T[] | SpilledRecords<T>>;

/** body-parser's `type`: a media type (`'application/*+xml'` allowed), several, or a test. */
export type HttpType = string | string[] | ((req: any) => boolean);

export interface HttpFormatOptions extends Omit<ParseOptions, 'format'> {
  type?: HttpType;
  /** JSON only: `'json'` (default) or `'concatenated'`. */
  format?: 'json' | 'concatenated';
}

export interface HttpOptions extends Omit<ParseOptions, 'format'> {
  /** Largest body (inflated), bytes or `'100kb'`, `'5gb'`. Default `'100kb'` (Express); with
   * Fastify the route's `bodyLimit` applies instead. */
  limit?: number | string;
  /** Media types for the only format enabled. */
  type?: HttpType;
  /** Per-format parser options; naming any enables only those. Without them the formats
   * follow `select` (`$…` JSON and NDJSON, else XML), or all three. */
  xml?: HttpFormatOptions | boolean;
  json?: HttpFormatOptions | boolean;
  ndjson?: HttpFormatOptions | boolean;
  /** Bodies whose Content-Length is below this are read whole and parsed in one call.
   * Default 64 KiB. */
  streamThreshold?: number | string;
  /** `req.body` / `request.body` becomes every record (an array, or `SpilledRecords` past
   * `memoryThreshold`) and the handler runs once the body is parsed. Default false. */
  collect?: boolean;
  memoryThreshold?: number | string;
  maxRecords?: number;
  /** Inflate gzip, deflate and br bodies; false refuses them (415). Default true. */
  inflate?: boolean;
  /** Directory for spilled records. Default `os.tmpdir()`. */
  tmpdir?: string;
}

/** What `req.records` (Express) or `request.body` (Fastify) is, on either path: the record
 * stream, or the records of a small body. Iterating it throws the body's error, if any. */
export interface HttpRecords<T = any> extends AsyncIterable<T> {
  destroy(error?: Error): this;
}

/** The errors the middleware reports: http-errors style, body-parser's `type` strings. */
export interface HttpError extends Error {
  status: number;
  statusCode: number;
  expose: boolean;
  type:
    | 'entity.too.large'
    | 'entity.parse.failed'
    | 'request.aborted'
    | 'request.size.invalid'
    | 'charset.unsupported'
    | 'encoding.unsupported'
    | 'records.too.many'
    | (string & {});
  code?: string;
  line?: number;
  column?: number;
  offset?: number;
  limit?: number;
}

/** Express 4/5 middleware: sets `req.records` (or `req.body` with `collect`). */
export declare function express(options?: HttpOptions): (req: any, res: any, next: (err?: unknown) => void) => void;

/** Fastify 5 plugin: `request.body` is the records. Register with `fastify.register`. */
export declare function fastify(
  instance: any,
  options: Omit<HttpOptions, 'limit'>,
  done: (err?: Error) => void,
): void;
