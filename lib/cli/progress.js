'use strict';
// The progress display on stderr. On a terminal one line is redrawn in place (carriage
// return, clear to end of line); elsewhere (--progress into a file or pipe) a plain line is
// written every few seconds, so a log does not fill with redraws.

const MiB = 1024 * 1024;

function bytes(n) {
  if (n >= 1024 * MiB) return `${(n / (1024 * MiB)).toFixed(2)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

function duration(seconds) {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (v) => String(v).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

const count = (n) => n.toLocaleString('en-US');

class Progress {
  /**
   * @param {object} o
   * @param {NodeJS.WriteStream} o.stream stderr
   * @param {boolean} o.enabled draw at all
   * @param {() => {bytes:number,total:number|null,records:number,errors:number,files:number,filesDone:number}} o.sample
   */
  constructor({ stream, enabled, sample }) {
    this.stream = stream;
    this.enabled = enabled;
    this.tty = Boolean(stream.isTTY);
    // https://no-color.org: any non-empty NO_COLOR turns colour off.
    this.color = this.tty && !process.env.NO_COLOR;
    this.sample = sample;
    this.started = performance.now();
    this.timer = null;
    this.drawn = false;
    this.lastBytes = 0;
    this.lastAt = this.started;
    this.rate = 0;
  }

  start() {
    if (!this.enabled) return;
    const every = this.tty ? 200 : 2000;
    this.timer = setInterval(() => this.draw(), every);
    this.timer.unref();
  }

  paint(code, text) {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  /** One status line, at most `width` columns. */
  line(width) {
    const s = this.sample();
    const now = performance.now();
    const elapsed = Math.max((now - this.started) / 1000, 1e-3);
    // A smoothed rate for the ETA (a file-cache burst should not promise too much), the
    // overall mean when there is no earlier sample.
    const dt = (now - this.lastAt) / 1000;
    if (dt > 0.05) {
      const instant = (s.bytes - this.lastBytes) / dt;
      this.rate = this.rate === 0 ? s.bytes / elapsed : 0.7 * this.rate + 0.3 * instant;
      this.lastBytes = s.bytes;
      this.lastAt = now;
    }
    const rate = this.rate || s.bytes / elapsed;
    const parts = [];
    if (s.files > 1) parts.push(`files ${s.filesDone}/${s.files}`);
    if (s.total) {
      const pct = Math.min(100, (s.bytes / s.total) * 100);
      const cells = 20;
      const full = Math.round((pct / 100) * cells);
      const bar = '#'.repeat(full) + '-'.repeat(cells - full);
      parts.push(`[${this.paint('36', bar)}] ${pct.toFixed(0).padStart(3)}%`);
      parts.push(`${bytes(s.bytes)} / ${bytes(s.total)}`);
    } else {
      parts.push(bytes(s.bytes));
    }
    parts.push(`${(rate / 1e6).toFixed(1)} MB/s`);
    parts.push(`${count(s.records)} records`);
    if (s.errors > 0) parts.push(this.paint('31', `${count(s.errors)} errors`));
    if (s.total && rate > 0) parts.push(`ETA ${duration((s.total - s.bytes) / rate)}`);
    else parts.push(duration(elapsed));
    parts.push(`RSS ${bytes(process.memoryUsage.rss())}`);
    let text = parts.join('  ');
    // Colour codes take no columns; cut only plain text.
    if (!this.color && text.length > width) text = text.slice(0, Math.max(0, width - 1));
    return text;
  }

  draw() {
    if (!this.enabled) return;
    if (this.tty) {
      const width = this.stream.columns || 100;
      this.stream.write(`\r${this.line(width)}\x1b[K`);
      this.drawn = true;
    } else {
      this.stream.write(`${this.line(Infinity)}\n`);
    }
  }

  /** Writes a line above the bar (a finished file, an error). */
  print(text) {
    if (this.drawn) {
      this.stream.write('\r\x1b[K');
      this.drawn = false;
    }
    this.stream.write(text + '\n');
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.enabled) return;
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

module.exports = { Progress, bytes, duration, count };
