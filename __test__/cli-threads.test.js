'use strict';
// `sluice --threads N`: one file cut into parts (parseFile) gives byte for byte the output of
// one thread, on documents built to trap splitters, with parts small enough (4 KiB) that every
// document is cut many times. Malformed files give the same error line and exit code; skip
// mode the same output and skip count.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { rng, WORDS, trapDocument, jsonDocument } = require('./traps');

const BIN = path.join(__dirname, '..', 'bin', 'sluice.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cli-threads-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function sluice(args) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name, content) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return p;
}

const SPLIT = ['--threads', '2', '--part-bytes', '4096'];

/**
 * What must not depend on the threads in stderr: error and skip lines, "failed" lines, and the
 * summary's counts. Rates, times, the path taken and the bar's lines do.
 */
function essence(stderr) {
  return stderr
    .split('\n')
    .filter((l) => !/^ok {2}/.test(l) && !/\bMB\/s {2}\d[\d,]* records/.test(l))
    .map((l) => l.replace(/ in [\d.]+ s \([\d.]+ files\/s\)/, '').replace(/, [\d.]+ (B|KiB|MiB|GiB)( at [\d.]+ MB\/s)?$/, ''))
    .join('\n');
}

/** One thread (the native path for XML where it applies) against two, on the same flags. */
function same(args) {
  const one = sluice([...args, '--threads', '1']);
  const two = sluice([...args, ...SPLIT]);
  assert.equal(two.status, one.status, two.stderr);
  assert.equal(essence(two.stderr), essence(one.stderr));
  assert.equal(two.stdout, one.stdout);
  return one;
}

// A file whose records survive a JSON.parse round trip unchanged, so the stream path's bytes
// can be checked against JSON.stringify too.
function ndjsonLines(seed, n) {
  const r = rng(seed);
  const lines = [];
  for (let i = 0; i < n; i++) {
    if (r() < 0.05) lines.push('');
    lines.push(JSON.stringify({ i, s: WORDS[i % WORDS.length].repeat(1 + Math.floor(r() * 30)), n: [1, 2, { x: null }] }));
  }
  return lines;
}

test('XML traps: the same bytes with 2 threads, NDJSON and JSON array, several selectors', () => {
  const xml = file('traps.xml', trapDocument(1, 800));
  assert.ok(fs.statSync(xml).size > 20 * 4096, 'the file is cut into many parts');
  const r = same([xml, '--select', 'Release']);
  assert.ok(r.stdout.split('\n').length > 800);
  same([xml, '--select', 'Release', '--format', 'json']);
  same([xml, '--select', '/NewReleaseMessage/ReleaseList/Release']);
  same([xml, '--select', 'ReleaseList/Release', '--remove-ns-prefix', '--parse-tag-value']);
  same([xml, '--select', 'Release', '--select', 'Title']);
  // The stream path on one thread too, not only the native one.
  assert.equal(sluice([xml, '--select', 'Release', '--no-native']).stdout, r.stdout);
});

test('XML into an output file, with the per-file line naming the threads', () => {
  const xml = file('out.xml', trapDocument(2, 400));
  const one = sluice([xml, '--select', 'Release', '-o', 'one.ndjson']);
  const two = sluice([xml, '--select', 'Release', '-o', 'two.ndjson', '--progress', ...SPLIT]);
  assert.equal(one.status, 0);
  assert.equal(two.status, 0, two.stderr);
  assert.equal(fs.readFileSync(path.join(tmp, 'two.ndjson'), 'utf8'), fs.readFileSync(path.join(tmp, 'one.ndjson'), 'utf8'));
  assert.match(two.stderr, /ok {2}.*out\.xml {2}\d[\d,]* records .*\(2 threads\)/);
  assert.ok(!fs.existsSync(path.join(tmp, 'two.ndjson.partial')));
});

test('without --threads, the cores are shared out among the files converted at once', () => {
  const cores = Math.min(64, os.availableParallelism());
  const label = (n) => (n > 1 ? `\\(${n} threads\\)` : '(?!.*threads)');
  const a = file('auto-a.xml', trapDocument(3, 400));
  const b = file('auto-b.xml', trapDocument(4, 400));
  const want = (f) => sluice([f, '--select', 'Release', '--threads', '1']).stdout;
  // One file: every core.
  const one = sluice([a, '--select', 'Release', '-o', 'auto.ndjson', '--progress', '--part-bytes', '4096']);
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stderr, new RegExp(`ok {2}.*auto-a\\.xml .*records .*MB/s ${label(cores)}`));
  assert.equal(fs.readFileSync(path.join(tmp, 'auto.ndjson'), 'utf8'), want(a));
  // Two files at once (-j 2): the cores split between them.
  const two = sluice([a, b, '--select', 'Release', '-j', '2', '-o', 'auto-out/', '--progress', '--part-bytes', '4096']);
  assert.equal(two.status, 0, two.stderr);
  const each = Math.max(1, Math.floor(cores / 2));
  for (const [f, name] of [[a, 'auto-a'], [b, 'auto-b']]) {
    assert.match(two.stderr, new RegExp(`ok {2}.*${name}\\.xml .*records .*MB/s ${label(each)}`));
    assert.equal(fs.readFileSync(path.join(tmp, 'auto-out', `${name}.ndjson`), 'utf8'), want(f));
  }
  // A file of under two parts is read whole, whatever --threads says, and its line says so.
  const small = sluice([a, '--select', 'Release', '-o', 'small.ndjson', '--progress', '--threads', '2']);
  assert.equal(small.status, 0, small.stderr);
  assert.doesNotMatch(small.stderr, /threads\)/);
  assert.equal(fs.readFileSync(path.join(tmp, 'small.ndjson'), 'utf8'), want(a));
  // So is a JSON document whose selection has no cuts (not the elements of one array).
  const doc = file('auto.json', jsonDocument(5, 300));
  for (const [select, cut] of [['$.releases[*]', true], ['$.releases[0]', false]]) {
    const r = sluice([doc, '--select', select, '-o', 'auto-doc.ndjson', '--progress', '--threads', '2', '--part-bytes', '4096']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(/\(2 threads\)/.test(r.stderr), cut, `${select}: ${r.stderr}`);
    assert.equal(fs.readFileSync(path.join(tmp, 'auto-doc.ndjson'), 'utf8'), sluice([doc, '--select', select, '--threads', '1']).stdout);
  }
});

test('NDJSON: the same bytes with 2 threads, and JSON.stringify per line', () => {
  const lines = ndjsonLines(21, 3000);
  const nd = file('lines.ndjson', `${lines.join('\n')}\n`);
  const r = same([nd]);
  const want = lines.filter((l) => l !== '').map((l) => `${JSON.stringify(JSON.parse(l))}\n`).join('');
  assert.equal(r.stdout, want);
  same([nd, '--select', '$.n[*]']);
  same([file('crlf.ndjson', lines.join('\r\n')), '--format', 'json']);
});

test('NDJSON on the native converter: values JSON.parse changes come out as JSON.stringify writes them', () => {
  // Records the JSON engine keeps as written: numbers in any form, repeated keys, integer
  // keys (which JavaScript puts first), escapes and lone surrogates, __proto__.
  const values = [
    '1.0', '-0', '-0.0e5', '1e400', '-1E+400', '1e21', '1e20', '0.0000001', '0.000001', '12345678901234567890',
    '9007199254740993', '123456789012345678901234', '5e-324', '2.5E-3', '0.1', '-12.50', '100e-2', '1.7976931348623157e308',
  ];
  const r = rng(7);
  const lines = [];
  for (let i = 0; i < 4000; i++) {
    const v = values[i % values.length];
    const k = Math.floor(r() * 50);
    lines.push(
      [
        `{"i":${i},"v":${v},"a":[${v},{"${k}":1,"b":2,"${k + 1}":${v},"b":[${v}]}]`,
        `"s":"\\u00e9\\ud800x\\udc00\\ud83d\\ude00\\u0007\\/","__proto__":{"x":${v}},"01":0,"4294967295":1,"4294967294":2,"i":"again"}`,
      ].join(','),
    );
    if (i % 500 === 0) lines.push(`${v}`, '"top"', '[]', '{}', 'null');
  }
  const nd = file('values.ndjson', `${lines.join('\n')}\n`);
  const want = lines.map((l) => `${JSON.stringify(JSON.parse(l))}\n`).join('');
  assert.equal(same([nd]).stdout, want);
  assert.equal(sluice([nd, ...SPLIT]).stdout, want);
  same([nd, '--select', '$.a[*]', '--format', 'json']);
  same([nd, '--select', '$.v', '--select', '$.s']);
});

test('malformed XML: the same records before the error, the same error line and exit code', () => {
  const doc = trapDocument(3, 600);
  // Cut deep into the file, inside a record, so several parts come before the error.
  const at = doc.indexOf('</Title>', Math.floor(doc.length * 0.7));
  const bad = file('bad.xml', `${doc.slice(0, at)}</Titel>${doc.slice(at + 8)}`);
  const r = same([bad, '--select', 'Release']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^.*bad\.xml:\d+:\d+: .* \[ERR_SLUICE_XML_[A-Z_]+\]\n$/);
  assert.ok(r.stdout.split('\n').length > 100, 'records before the error are written');
  // All of them, on the one-thread stream path too (it once lost those still buffered), and
  // into a JSON array left without its closing bracket.
  assert.equal(sluice([bad, '--select', 'Release', '--no-native']).stdout, r.stdout);
  same([bad, '--select', 'Release', '--format', 'json']);
});

test('malformed NDJSON: the same error line; skip mode the same output and skips', () => {
  const lines = ndjsonLines(5, 3000).map((l, i) => (i % 397 === 5 ? l.slice(0, 10) : l));
  const bad = file('bad.ndjson', lines.join('\n'));
  const r = same([bad]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.ndjson:\d+:\d+: .*\[ERR_SLUICE_/);
  const skip = same([bad, '--on-error', 'skip', '--progress']);
  assert.equal(skip.status, 0);
  assert.match(skip.stderr, /\(record skipped\)/);
  const skips = (skip.stderr.match(/\(record skipped\)/g) ?? []).length;
  assert.ok(skips >= 5);
  assert.match(skip.stderr, new RegExp(` ${skips} skipped,`));
});

test('JSON and NDJSON on one thread: the native converter gives the bytes and errors of the stream path', () => {
  const viaStreams = (args) => {
    const native = sluice([...args, '--threads', '1']);
    const streams = sluice([...args, '--threads', '1', '--no-native']);
    assert.equal(native.status, streams.status, native.stderr);
    assert.equal(essence(native.stderr).replace(/ \(stream\)/g, ''), essence(streams.stderr).replace(/ \(stream\)/g, ''));
    assert.equal(native.stdout, streams.stdout);
    return native;
  };
  const values = ['1.0', '-0', '1e400', '1e21', '0.0000001', '12345678901234567890', '5e-324', '-12.50'];
  const records = values.map(
    (v, i) => `{"v":${v},"${i + 1}":[${v}],"b":1,"0":2,"b":"\\u00e9\\ud800\\/\u00e9","__proto__":{"x":${v}}}`,
  );
  const nd = file('one-thread.ndjson', `${records.join('\n')}\n`);
  assert.equal(viaStreams([nd]).stdout, records.map((l) => `${JSON.stringify(JSON.parse(l))}\n`).join(''));
  viaStreams([nd, '--format', 'json', '--select', '$.v']);
  const doc = file('one-thread.json', `{"head":1,"releases":[\n  ${records.join(',\n  ')}\n]}`);
  assert.equal(viaStreams([doc, '--select', '$.releases[*]']).stdout.split('\n').length, records.length + 1);
  viaStreams([doc, '--select', '$.releases[*].v', '--format', 'json']);
  // Malformed: the records before the error and the same error line; NDJSON skip mode too.
  const bad = file('one-thread-bad.json', `{"releases":[${records.join(',')},{"v":1,}]}`);
  assert.equal(viaStreams([bad, '--select', '$.releases[*]']).status, 1);
  const badLines = file('one-thread-bad.ndjson', records.map((l, i) => (i % 3 === 1 ? l.slice(0, 9) : l)).join('\n'));
  assert.equal(viaStreams([badLines]).status, 1);
  const skipped = viaStreams([badLines, '--on-error', 'skip', '--progress']);
  assert.equal(skipped.status, 0);
  assert.match(skipped.stderr, /\(record skipped\)/);
  // The per-file line names the stream path only when it was taken.
  assert.doesNotMatch(skipped.stderr, /\(stream\)/);
  assert.match(sluice([badLines, '--on-error', 'skip', '--progress', '--no-native']).stderr, /\(stream\)/);
});

test('XML skip mode: the same output, skip lines and count', () => {
  // Skip mode resumes at the record's end tag or its parent's (docs/skip.md), so the traps
  // that put either inside a record go: nested records and the ReleaseList look-alike. A few
  // titles get an undefined entity, spread through the file.
  const doc = trapDocument(4, 600)
    .replace(/<((?:\w+:)?)Release id="\d+-inner">[\s\S]*?<\/\1Release>/g, '')
    .replace(/<ReleaseList><x>[^<]*<\/x><\/ReleaseList>/g, '');
  let n = 0;
  const bad = doc.replace(/<Title>([^<]*)<\/Title>/g, (m, t) => (++n % 37 === 0 ? `<Title>${t} &nope;</Title>` : m));
  const f = file('skip.xml', bad);
  const r = same([f, '--select', 'Release', '--on-error', 'skip', '--progress']);
  assert.equal(r.status, 0, r.stderr);
  const skips = (r.stderr.match(/\(record skipped\)/g) ?? []).length;
  assert.ok(skips >= 10, r.stderr);
  assert.match(r.stderr, new RegExp(` ${skips} skipped,`));
});

test('--threads with stdin, JSON documents and several files', () => {
  const xml = trapDocument(6, 200);
  const a = file('a.xml', xml);
  const b = file('b.ndjson', `${ndjsonLines(7, 500).join('\n')}\n`);
  const j = file('c.json', JSON.stringify({ releases: [1, 2, { x: 'é' }] }));
  // stdin is read on one thread (and a small JSON document is one part); the flag is
  // accepted, the output the same.
  const viaStdin = spawnSync(process.execPath, [BIN, '-', '--xml', '--select', 'Release', ...SPLIT], { input: xml, encoding: 'utf8' });
  assert.equal(viaStdin.status, 0);
  assert.equal(viaStdin.stdout, sluice([a, '--select', 'Release']).stdout);
  same([j, '--select', '$.releases[*]']);
  // Each of several files gets the threads.
  const one = sluice([a, b, '-o', 'one/', '-q']);
  const two = sluice([a, b, '-o', 'two/', '-q', ...SPLIT]);
  assert.equal(one.status, 0);
  assert.equal(two.status, 0, two.stderr);
  for (const n of ['a.ndjson', 'b.ndjson']) {
    assert.equal(fs.readFileSync(path.join(tmp, 'two', n), 'utf8'), fs.readFileSync(path.join(tmp, 'one', n), 'utf8'));
  }
});

test('JSON documents cut between array elements: the same bytes, errors and exit codes', () => {
  for (const seed of [1, 3]) {
    const doc = jsonDocument(seed, 500);
    const j = file(`doc${seed}.json`, doc);
    assert.ok(fs.statSync(j).size > 20 * 4096, 'the file is cut into many parts');
    const r = same([j, '--select', '$.releases[*]']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n').length, 501);
    same([j, '--select', '$.releases[*]', '--format', 'json']);
    const want = sluice([j, '--select', '$.releases[*]', '--threads', '1']).stdout;
    for (const args of [['--threads', '3', '--part-bytes', '4096'], ['--threads', '2', '--part-bytes', '4096', '--no-native']]) {
      assert.equal(sluice([j, '--select', '$.releases[*]', ...args]).stdout, want, args.join(' '));
    }
    // Malformed: cut short, a bad byte deep in the file.
    const buf = Buffer.from(doc);
    const bad = Buffer.from(buf);
    bad[Math.floor(buf.length * 0.7)] = 0x01; // a control character: an error in a string and out of one
    for (const [name, content] of [[`short${seed}.json`, buf.subarray(0, Math.floor(buf.length * 0.8))], [`bad${seed}.json`, bad]]) {
      const e = same([file(name, content), '--select', '$.releases[*]']);
      assert.notEqual(e.status, 0, name);
    }
  }
  const top = file('top.json', `[${Array.from({ length: 3000 }, (_, i) => JSON.stringify({ i, s: 'é' })).join(',\n')}]`);
  same([top, '--select', '$[*]']);
});

test('--threads and --part-bytes: bad values are usage errors', () => {
  for (const args of [['--threads', '0'], ['--threads', '65'], ['--threads', 'x'], ['--part-bytes', '4095']]) {
    const r = sluice(['x.xml', ...args]);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /--(threads|part-bytes)/);
  }
  const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /--threads <n>/);
  assert.match(help.stdout, /--part-bytes <n>/);
});

test('XML on the native converter with parts: part sizes, 3 threads, wrong guesses, the parseFile path', () => {
  const doc = trapDocument(8, 500);
  const xml = file('native-parts.xml', doc);
  const want = sluice([xml, '--select', 'Release', '--threads', '1']);
  assert.equal(want.status, 0);
  for (const args of [
    ['--threads', '2', '--part-bytes', '5000'],
    ['--threads', '3', '--part-bytes', '4096'],
    ['--threads', '2', '--part-bytes', '65536'],
    // The same parts through parseFile and the writers, not the native converter.
    ['--threads', '2', '--part-bytes', '4096', '--no-native'],
  ]) {
    const got = sluice([xml, '--select', 'Release', ...args]);
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.stdout, want.stdout, args.join(' '));
  }
  // The first candidate under another parent: every part's guess is wrong, so each is read
  // again by the part before it, and the output is still one thread's.
  const off = file('wrong-guess.xml', doc.replace('<ReleaseList>\n', '<ReleaseList>\n<Other><Release id="first"/></Other>\n'));
  same([off, '--select', 'Release']);
  same([off, '--select', '/NewReleaseMessage/ReleaseList/Release', '--remove-ns-prefix']);
});

test('XML whose records end long before the file: the trailer, cut nowhere, and its errors', () => {
  // A DealList as long as several parts after the releases: the last part is the longest,
  // and the parts just before it are cut finer than the others.
  const deals = [];
  for (let i = 0; i < 3000; i++) deals.push(`    <ReleaseDeal><DealReleaseReference>R${i}</DealReleaseReference><Deal n="${i}"/></ReleaseDeal>\n`);
  const doc = trapDocument(10, 600).replace('<DealList>', `<DealList>\n${deals.join('')}`);
  const xml = file('trailer.xml', doc);
  const want = sluice([xml, '--select', 'Release', '--threads', '1']);
  assert.equal(want.status, 0);
  for (const args of [
    ['--threads', '2', '--part-bytes', '4096'],
    ['--threads', '3', '--part-bytes', '20000'],
    ['--threads', '2', '--part-bytes', '65536'],
  ]) {
    const got = sluice([xml, '--select', 'Release', ...args]);
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.stdout, want.stdout, args.join(' '));
  }
  // An error in the trailer, parsed early on another thread, comes after all the records.
  const bad = file('trailer-bad.xml', doc.replace('<Deal n="2500"/>', '<Deal n="2500">'));
  const r = same([bad, '--select', 'Release']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, want.stdout);
});

test('XML skip mode then a fatal error: the skips before it are reported, as the stream path does', () => {
  const doc = trapDocument(9, 300)
    .replace(/<((?:\w+:)?)Release id="\d+-inner">[\s\S]*?<\/\1Release>/g, '')
    .replace(/<ReleaseList><x>[^<]*<\/x><\/ReleaseList>/g, '');
  let n = 0;
  const bad = doc.replace(/<Title>([^<]*)<\/Title>/g, (m, t) => (++n % 41 === 0 ? `<Title>${t} &nope;</Title>` : m));
  const f = file('skip-fatal.xml', bad.slice(0, bad.lastIndexOf('</Title>')));
  const args = [f, '--select', 'Release', '--on-error', 'skip'];
  const r = same(args);
  assert.equal(r.status, 1);
  assert.ok((r.stderr.match(/\(record skipped\)/g) ?? []).length >= 3, r.stderr);
  const stream = sluice([...args, '--no-native']);
  assert.equal(essence(stream.stderr), essence(r.stderr));
  assert.equal(stream.stdout, r.stdout);
});
