/// <reference types="node" />

export interface DDEXParserOptions {
  /** Budget for the parser's own buffers: a number of bytes or `'500MB'`. Default '500MB'. */
  maxMemory?: number | string;
  /** Threads for `parseFile`. Default 1. */
  parallelChunks?: number;
  /** Call `onProgress`. Default false. */
  enableProgress?: boolean;
  /** Records per `onChunkProcessed` call. Default 100. */
  chunkSize?: number;
  /** `'skip'` drops malformed records into `result.errors`. Default `'throw'`. */
  onError?: 'throw' | 'skip';
  /** Bytes per part for `parseFile` (default from maxMemory and parallelChunks). */
  partBytes?: number;
}

export interface DDEXProgress {
  bytesProcessed: number;
  totalBytes: number | undefined;
  percentComplete: number | null;
  /** Resident set size, MB. */
  memoryUsage: number;
  releases: number;
  resources: number;
  deals: number;
}

export interface DDEXChunk {
  index: number;
  headers: any[];
  releases: any[];
  resources: any[];
  deals: any[];
}

export interface DDEXResult {
  totalReleases: number;
  totalResources: number;
  totalDeals: number;
  totalHeaders: number;
  errors: any[];
  bytes: number;
  durationMs: number;
  peakMemoryMB: number;
}

export interface DDEXHandlers {
  onProgress?: (p: DDEXProgress) => void;
  onChunkProcessed?: (chunk: DDEXChunk) => void;
}

export interface DDEXItem {
  kind: 'header' | 'release' | 'resource' | 'deal';
  value: any;
}

export declare class StreamingDDEXParser {
  constructor(options?: DDEXParserOptions);
  parseStream(stream: NodeJS.ReadableStream | AsyncIterable<Buffer>, handlers?: DDEXHandlers): Promise<DDEXResult>;
  parseFile(path: string, handlers?: DDEXHandlers): Promise<DDEXResult>;
  iterate(input: string | NodeJS.ReadableStream | AsyncIterable<Buffer>): AsyncGenerator<DDEXItem>;
  iterateFile(path: string): AsyncGenerator<DDEXItem>;
  iterateStream(stream: NodeJS.ReadableStream | AsyncIterable<Buffer>): AsyncGenerator<DDEXItem>;
}

export declare function parseBytes(v: number | string): number;
export declare const ERN_URI: RegExp;
