'use strict';
// Where a part's bytes come from: a local file, or an http(s) URL that serves byte ranges (as
// object stores do), so that a worker on another machine reads only its range and what its
// boundary check needs. Both look like a FileHandle to the parts (`stat`, `read`, `close`),
// and count the bytes they read.
const fs = require('node:fs');

const isUrl = (source) => /^https?:\/\//i.test(String(source));

/** The path part of a source, for telling its format from its extension. */
function sourcePath(source) {
  const s = String(source);
  return isUrl(s) ? new URL(s).pathname : s;
}

class FileSource {
  bytesRead = 0;
  #fh;

  constructor(fh) {
    this.#fh = fh;
  }

  stat() {
    return this.#fh.stat();
  }

  async read(buf, offset, length, position) {
    const r = await this.#fh.read(buf, offset, length, position);
    this.bytesRead += r.bytesRead;
    return r;
  }

  close() {
    return this.#fh.close();
  }
}

function rangeError(url, message) {
  const err = new Error(`sluice: ${url}: ${message}`);
  err.code = 'ERR_SLUICE_SOURCE';
  return err;
}

class HttpSource {
  bytesRead = 0;
  #url;
  #size = null;

  constructor(url) {
    this.#url = String(url);
  }

  /** GET of `bytes=from-to`, which must be answered with exactly that range (206). */
  async #range(from, to) {
    const res = await fetch(this.#url, { headers: { range: `bytes=${from}-${to}` } });
    if (res.status !== 206) {
      await res.body?.cancel().catch(() => {});
      throw rangeError(this.#url, `expected 206 Partial Content for a Range request, got ${res.status}`);
    }
    const body = Buffer.from(await res.arrayBuffer());
    this.bytesRead += body.length;
    return { res, body };
  }

  // The size comes from the Content-Range of a one-byte GET, not a HEAD: URLs signed for
  // GET (object stores' presigned URLs) refuse HEAD.
  async stat() {
    if (this.#size === null) {
      const { res } = await this.#range(0, 0);
      const m = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '');
      if (!m) throw rangeError(this.#url, 'no total size in Content-Range');
      this.#size = Number(m[1]);
    }
    return { size: this.#size };
  }

  async read(buf, offset, length, position) {
    const { size } = await this.stat();
    const to = Math.min(position + length, size) - 1;
    if (to < position) return { bytesRead: 0, buffer: buf };
    const { body } = await this.#range(position, to);
    const n = body.copy(buf, offset, 0, Math.min(body.length, length));
    return { bytesRead: n, buffer: buf };
  }

  async close() {}
}

/**
 * Remembers what was read, in aligned blocks, up to a budget: planning a file again with
 * another part size reads the same head and the same stretches at the cuts.
 */
class CachedSource {
  static BLOCK = 64 * 1024;
  #src;
  #blocks = new Map();
  #budget;

  constructor(src, budget = 64 * 1024 * 1024) {
    this.#src = src;
    this.#budget = budget;
  }

  get bytesRead() {
    return this.#src.bytesRead;
  }

  stat() {
    return this.#src.stat();
  }

  async #block(i, size) {
    let b = this.#blocks.get(i);
    if (b) return b;
    const at = i * CachedSource.BLOCK;
    b = Buffer.allocUnsafe(Math.min(CachedSource.BLOCK, size - at));
    const { bytesRead } = await this.#src.read(b, 0, b.length, at);
    b = b.subarray(0, bytesRead);
    if (this.#budget >= b.length) {
      this.#budget -= b.length;
      this.#blocks.set(i, b);
    }
    return b;
  }

  async read(buf, offset, length, position) {
    const { size } = await this.stat();
    let n = 0;
    while (n < length && position + n < size) {
      const at = position + n;
      const b = await this.#block(Math.floor(at / CachedSource.BLOCK), size);
      const from = at % CachedSource.BLOCK;
      if (from >= b.length) break;
      n += b.copy(buf, offset + n, from, Math.min(b.length, from + length - n));
    }
    return { bytesRead: n, buffer: buf };
  }

  close() {
    this.#blocks.clear();
    return this.#src.close();
  }
}

/** Opens a local path or an http(s) URL for reading ranges. */
async function openSource(source) {
  if (isUrl(source)) return new HttpSource(source);
  return new FileSource(await fs.promises.open(source, 'r'));
}

module.exports = { openSource, sourcePath, isUrl, CachedSource };
