/// <reference types="node" />
import type { ConnectionOptions, Job, JobsOptions, Worker, WorkerOptions } from 'bullmq';
import type { ParseFileOptions } from '../index';

export interface FileQueue {
  /** BullMQ's connection: ioredis options, or a client instance. */
  connection: ConnectionOptions;
  queueName: string;
  /** BullMQ's key prefix. Default 'bull'. */
  prefix?: string;
}

export interface EnqueueFileOptions extends Omit<ParseFileOptions, 'threads'> {
  /** Directory the parts' NDJSON files are written to, at the same path on every worker. */
  output: string;
  /** Parts wanted (fewer when records only start in part of the file). Default 8. */
  parts?: number;
  /** BullMQ job options for the file job and its parts (attempts, removeOnComplete...). */
  jobOptions?: JobsOptions;
}

/** The return value of a file job: its records, in NDJSON files, in file order. */
export interface FileManifest {
  records: number;
  parts: { path: string; records: number }[];
  /** Skip mode (`onError: 'skip'`): the records dropped, as one stream's 'skip' events. */
  skips: { code: string; message: string; line: number; column: number; offset: number; recordIndex: number }[];
}

/** A file job's progress: bytes parsed of `totalBytes` and records, over all its parts. */
export interface FileProgress {
  bytes: number;
  totalBytes: number;
  records: number;
  percent: number;
}

/** Plans `source` (a local path or an http(s) URL serving byte ranges) and enqueues it as a flow. */
export declare function enqueueFile(
  queue: FileQueue,
  source: string,
  options: EnqueueFileOptions,
): Promise<Job<{ source: string; output: string; total: number; parts: number }, FileManifest>>;

export interface PartWorkerOptions extends Omit<WorkerOptions, 'connection'> {
  connection: ConnectionOptions;
  queueName: string;
  /** Called for every record of a file, in file order, once the file is checked (at least once). */
  onRecord?: (record: any, info: { index: number; job: Job }) => unknown;
}

/** A BullMQ Worker that runs files' parts and their checks. */
export declare function createPartWorker(options: PartWorkerOptions): Worker;

/** The error code a failed file job failed with (the first parse error's), or null. */
export declare function failureCode(job: Job | undefined | null): string | null;

/** Closes the connections `enqueueFile` opened. */
export declare function close(): Promise<void>;
