'use strict';
// Measurement harness shared by the contenders. Each contender runs in its own process:
//   node contenders/<name>.js <file.xml|file.json|file.ndjson>
// and prints one JSON line: {name, records, checksum, seconds, mbPerSec, maxRssMiB,
// elDelayP99Ms, elDelayMaxMs, busyMsPerMB} or {name, error}.

const fs = require('node:fs');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');

const WARMUP_BYTES = 1e6; // the event-loop monitor starts after this much input
const MB = 1e6;

// Accessors for the different object shapes, so that one checksum definition works for all.
const list = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const SHAPES = {
  // fast-xml-parser default shape, also produced by builder.js and sluice
  fxp: {
    list,
    text: (v) => (v === undefined ? '' : typeof v === 'string' ? v : v['#text'] ?? ''),
    attr: (v, name) => (v && typeof v === 'object' ? v['@_' + name] ?? '' : ''),
  },
  // the XML-shaped JSON records (generate.js releaseXmlShaped): attributes as `@name`
  at: {
    list,
    text: (v) => (v === undefined ? '' : typeof v === 'string' ? v : v['#text'] ?? ''),
    attr: (v, name) => (v && typeof v === 'object' ? v['@' + name] ?? '' : ''),
  },
  // xml2js defaults: every child is an array, attributes under '$', text under '_'
  xml2js: {
    list,
    text: (v) => (v === undefined ? '' : typeof v === 'string' ? v : v._ ?? ''),
    attr: (v, name) => (v && v.$ ? v.$[name] ?? '' : ''),
  },
  // xml-stream: attributes under '$', text under '$text'
  xmlStream: {
    list,
    text: (v) => (v === undefined ? '' : typeof v === 'string' ? v : v.$text ?? ''),
    attr: (v, name) => (v && v.$ ? v.$[name] ?? '' : ''),
  },
  // xml-flow (simplifyNodes): attributes under '$attrs', or merged into a text-only node
  xmlFlow: {
    list,
    text: (v) => (v === undefined ? '' : typeof v === 'string' ? v : v.$text ?? ''),
    attr: (v, name) => (v && typeof v === 'object' ? (v.$attrs ? v.$attrs[name] : v[name]) ?? '' : ''),
  },
};

// Counts ResourceGroupContentItem in nested ResourceGroups, however deep (xml-flow
// collapses the single-child outer group).
function countItems(groups, l) {
  let n = 0;
  for (const g of l(groups)) {
    if (g !== null && typeof g === 'object') {
      n += l(g.ResourceGroupContentItem).length + countItems(g.ResourceGroup, l);
    }
  }
  return n;
}

// Touches text (with entities, CDATA and multi-byte characters), an attribute, and
// repeated nested children, so a contender must really have built the whole record.
function releaseChecksum(rel, shape) {
  const { list: l, text, attr } = shape;
  const title = l(rel.DisplayTitleText)[0];
  let sum = text(title).length + attr(title, 'LanguageAndScriptCode').length;
  sum += l(rel.DisplayArtist).length;
  sum += countItems(rel.ResourceGroup, l);
  sum += text(l(rel.Synopsis)[0]).length;
  for (const pline of l(rel.PLine)) sum += text(l(pline.PLineText)[0]).length;
  return sum;
}

// The same measure on the JSON catalog's records (generate.js releaseJson, or releaseXmlShaped,
// told apart by their keys). Release N gives the same number here as release N of the XML
// catalog of the same size gives above.
function jsonReleaseChecksum(rel) {
  if (rel.titles === undefined) return releaseChecksum(rel, SHAPES.at);
  const title = rel.titles[0];
  let sum = title.text.length + title.language.length;
  sum += rel.artists.length;
  for (const group of rel.resourceGroups) sum += group.items.length;
  sum += rel.synopsis.length;
  sum += rel.pLine.text.length;
  return sum;
}

function round(x, digits) {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Runs `body(ctx)` once and prints the result line. `body` resolves to
 * {records, checksum, extra?}; `extra` fields are appended to the line as they are.
 * ctx.open(opts) gives a read stream of the file whose first MB arms the event-loop monitor.
 * With {wholeFile: true} the monitor is armed before the clock starts instead, because
 * such a parser blocks the loop in one go.
 */
function runContender(name, body, { wholeFile = false } = {}) {
  const file = process.argv[2];
  if (!file) {
    console.error(`usage: node ${process.argv[1]} <file>`);
    process.exit(2);
  }
  const size = fs.statSync(file).size;
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let armed = false;
  const ctx = {
    file,
    size,
    startMonitor() {
      if (!armed) {
        armed = true;
        histogram.enable();
      }
    },
    open(opts) {
      const rs = fs.createReadStream(file, opts);
      const onData = () => {
        if (rs.bytesRead >= WARMUP_BYTES) {
          rs.removeListener('data', onData);
          ctx.startMonitor();
        }
      };
      rs.on('data', onData);
      return rs;
    },
    // Pushes every chunk into a synchronous parser; resolves after `finish` ran.
    feed(onChunk, finish, opts) {
      return new Promise((resolve, reject) => {
        const rs = ctx.open(opts);
        rs.on('data', (chunk) => {
          try {
            onChunk(chunk);
          } catch (err) {
            rs.destroy();
            reject(err);
          }
        });
        rs.on('end', () => {
          try {
            finish();
            resolve();
          } catch (err) {
            reject(err);
          }
        });
        rs.on('error', reject);
      });
    },
  };

  // Started from inside the event loop so that eventLoopUtilization() covers the whole run.
  setImmediate(async () => {
    if (wholeFile) {
      ctx.startMonitor();
      // The monitor records nothing until its first tick, so let it tick before blocking.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    let out;
    try {
      const { records, checksum, extra } = await body(ctx);
      const wallMs = performance.now() - t0;
      const elu = performance.eventLoopUtilization(elu0);
      // Let a pending monitor tick land, so a parse that blocked the loop is recorded.
      await new Promise((resolve) => setTimeout(resolve, 5));
      histogram.disable();
      const mb = size / MB;
      out = {
        name,
        records,
        checksum,
        bytes: size,
        seconds: round(wallMs / 1000, 3),
        mbPerSec: round(mb / (wallMs / 1000), 2),
        maxRssMiB: round(process.resourceUsage().maxRSS / 1024, 1),
        elDelayP99Ms: armed ? round(histogram.percentile(99) / 1e6, 2) : null,
        elDelayMaxMs: armed ? round(histogram.max / 1e6, 2) : null,
        busyMsPerMB: round((elu.utilization * wallMs) / mb, 2),
        ...extra,
      };
    } catch (err) {
      out = { name, error: String((err && err.message) || err).slice(0, 300) };
      process.exitCode = 1;
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  });
}

module.exports = { runContender, releaseChecksum, jsonReleaseChecksum, SHAPES };
