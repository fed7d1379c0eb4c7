'use strict';
// The `sluice` command, run as a child process: its output equals the stream API's
// (JSON.stringify per record) on both its native and its stream paths, for XML, JSON and
// NDJSON; exit codes; a malformed file does not stop the others; stdout never carries
// progress; no partial output survives a failure or Ctrl-C.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { XmlStream, JsonStream, NULL } = require('..');
const { corpora, manifest } = require('./helpers');

const BIN = path.join(__dirname, '..', 'bin', 'sluice.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cli-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function sluice(args, { input, env } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    cwd: tmp,
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name, content) {
  const p = path.join(tmp, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

/** What the stream API gives, as the command writes it: JSON.stringify per line. */
async function expected(Stream, buf, options) {
  const lines = [];
  await pipeline(Readable.from([buf]), new Stream(options), async (src) => {
    for await (const r of src) lines.push((r === NULL ? 'null' : JSON.stringify(r)) + '\n');
  });
  return lines.join('');
}

// Text the native path must rewrite: non-ASCII (two, three, four bytes), escapes of every
// kind, entities, CDATA, numbers with --parse-tag-value (including -0 and exponents).
const XML = `<?xml version="1.0"?>
<!DOCTYPE c [<!ENTITY who "W&#233;b">]>
<c xmlns:x="urn:x">
  <r id="1" note="tab&#9;nl&#10;q&quot;">café 日本語 🎵 &amp; &lt;tag&gt; back\\slash "q" &#x7f; &#xE000;</r>
  <r id="2"><t>-0</t><t>1e21</t><t>0.1</t><t>00012</t><t>-5.50</t><t>true</t><x:y>ns</x:y></r>
  <r><![CDATA[ <raw> & ]]><e/><e></e></r>
  <r>${'long '.repeat(20000)}</r>
</c>`;

const XML_OPTION_SETS = [
  { args: [], options: {} },
  { args: ['--parse-tag-value', '--parse-attribute-value'], options: { parseTagValue: true, parseAttributeValue: true } },
  { args: ['--cdata', '#cdata', '--no-trim'], options: { cdataPropName: '#cdata', trimValues: false } },
  { args: ['--ignore-attributes', '--remove-ns-prefix', '--always-array', 't'], options: { ignoreAttributes: true, removeNSPrefix: true, alwaysArray: ['t'] } },
  { args: ['--expand-entities', '--attribute-prefix', '$'], options: { expandInternalEntities: true, attributeNamePrefix: '$' } },
  // Not exact natively (an empty prefix could collide with a child's name): the stream path.
  { args: ['--attribute-prefix', '', '--text-node-name', 'text'], options: { attributeNamePrefix: '', textNodeName: 'text' } },
];

test('XML: the output equals the stream API, natively and through the stream', async () => {
  const input = file('doc.xml', XML);
  for (const { args, options } of XML_OPTION_SETS) {
    const want = await expected(XmlStream, Buffer.from(XML), { select: 'r', ...options });
    for (const path_ of [[], ['--no-native']]) {
      const r = sluice([input, '--select', 'r', ...args, ...path_]);
      assert.equal(r.stderr, '', `${args} ${path_}`);
      assert.equal(r.status, 0);
      assert.equal(r.stdout, want, `${args.join(' ')} ${path_}`);
    }
  }
  // Entities of the internal subset, expanded on request.
  const ent = file('ent.xml', '<!DOCTYPE c [<!ENTITY who "W&#233;b">]><c><w>&who; &amp; x</w></c>');
  const entWant = await expected(XmlStream, fs.readFileSync(ent), { select: 'w', expandInternalEntities: true });
  assert.equal(sluice([ent, '-s', 'w', '--expand-entities']).stdout, entWant);
  assert.equal(sluice([ent, '-s', 'w']).status, 1);
  // Several selectors give tagged records; --format json gives one array of the same.
  const want = await expected(XmlStream, Buffer.from(XML), { select: ['t', 'w'] });
  assert.equal(sluice([input, '-s', 't', '-s', 'w']).stdout, want);
  for (const path_ of [[], ['--no-native']]) {
    const text = sluice([input, '-s', 'r', '--format', 'json', ...path_]).stdout;
    const lines = (await expected(XmlStream, Buffer.from(XML), { select: 'r' })).trimEnd().split('\n');
    assert.equal(text, `[\n${lines.join(',\n')}\n]\n`);
  }
});

test('XML: the DDEX corpus converts to the stream API output, and a malformed file does not stop the others', { skip: manifest('ddex') ? false : 'shared/corpora not found' }, async () => {
  const rows = manifest('ddex');
  const files = rows.map((row) => path.join(corpora, 'ddex', row.file));
  const out = path.join(tmp, 'ddex-out');
  const r = sluice([...files, '--select', 'Release', '-o', out + '/', '-j', '2']);
  // Two files of the corpus are broken on purpose: exit 1, positioned errors, the rest done.
  assert.equal(r.status, 1, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => /\[ERR_SLUICE_/.test(l));
  assert.equal(errors.length, 2, r.stderr);
  for (const line of errors) assert.match(line, /^\/.+\.xml:\d+:\d+: .+ \[ERR_SLUICE_XML_[A-Z_]+\]$/);
  assert.match(r.stderr, /59 files in .* \([\d.]+ files\/s\): 57 ok, 2 failed \(96\.6% success\)/);
  const written = fs.readdirSync(out, { recursive: true });
  assert.ok(!written.some((f) => f.endsWith('.partial')), 'no partial file is left');
  let compared = 0;
  for (const f of files) {
    // Outputs keep the inputs' paths below their common directory (names repeat across versions).
    const target = path.join(out, path.relative(path.join(corpora, 'ddex'), f).replace(/\.xml$/, '.ndjson'));
    let want;
    try {
      want = await expected(XmlStream, fs.readFileSync(f), { select: 'Release' });
    } catch {
      assert.ok(!fs.existsSync(target), `${target} of a failed file is not written`);
      continue;
    }
    assert.equal(fs.readFileSync(target, 'utf8'), want, f);
    compared++;
  }
  assert.ok(compared > 0);
});

const JSON_DOC = JSON.stringify({
  meta: { n: 1 },
  releases: [
    { id: 1, title: 'café 日本語 🎵', tags: ['a', 'b'], price: 1.5, big: 1e21, neg: -0, nothing: null },
    { '2': 'integer-like key', a: 1, b: [[], {}], s: 'ctl \u0001 \b \f "q" \\' },
    null,
    'string record',
    42,
  ],
}, null, 2).replace('"price": 1.5', '"price": 1.50').replace('"big": 1e+21', '"big": 1E21');

test('JSON from stdin: the output equals the stream API', async () => {
  const want = await expected(JsonStream, Buffer.from(JSON_DOC), { select: '$.releases[*]' });
  const r = sluice(['-', '--json', '--select', '$.releases[*]'], { input: JSON_DOC });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, want);
  const arr = sluice(['-', '--json', '--select', '$.releases[*]', '--format', 'json'], { input: JSON_DOC });
  assert.equal(arr.stdout, `[\n${want.trimEnd().split('\n').join(',\n')}\n]\n`);
  assert.deepEqual(JSON.parse(arr.stdout), JSON.parse(JSON_DOC).releases);
  // The extension decides the format when no flag does.
  const input = file('export.json', JSON_DOC);
  assert.equal(sluice([input, '-s', '$.releases[*]']).stdout, want);
});

test('NDJSON with --on-error skip: equal to the stream API, skipped records reported and counted', async () => {
  const text = '{"a":1}\n{"b":"é"}\n{broken\n[1,2]\nnull\n{"c":\n{"d":true}\n';
  const want = await expected(JsonStream, Buffer.from(text), { format: 'ndjson', onError: 'skip' });
  const input = file('big.ndjson', text);
  const r = sluice([input, '--ndjson', '--on-error', 'skip', '--progress']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, want);
  const skipped = r.stderr.split('\n').filter((l) => l.endsWith('(record skipped)'));
  assert.equal(skipped.length, 2, r.stderr);
  assert.match(skipped[0], /big\.ndjson:3:\d+: .+ \[ERR_SLUICE_JSON_[A-Z_]+\] \(record skipped\)$/);
  assert.match(r.stderr, /1 file in .*1 ok, 0 failed \(100\.0% success\), 5 records, 2 skipped/);
  // Without skip the first malformed line fails the file.
  const strict = sluice([input, '--quiet']);
  assert.equal(strict.status, 1);
  assert.match(strict.stderr, /big\.ndjson:3:\d+: .+ \[ERR_SLUICE_JSON_[A-Z_]+\]\n$/);
});

test('stdout never carries progress: --progress goes to stderr, stdout stays pure NDJSON', async () => {
  const input = file('p.xml', XML);
  const want = await expected(XmlStream, Buffer.from(XML), { select: 'r' });
  for (const extra of [[], ['--no-native']]) {
    const r = sluice([input, '-s', 'r', '--progress', ...extra]);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, want);
    assert.match(r.stderr, /MB\/s/);
    assert.match(r.stderr, /records/);
    assert.doesNotMatch(r.stderr, /\x1b\[/, 'no colour or redraw codes when stderr is not a terminal');
  }
  // Not a terminal and no --progress: nothing on stderr; --quiet silences even --progress.
  assert.equal(sluice([input, '-s', 'r']).stderr, '');
  assert.equal(sluice([input, '-s', 'r', '--progress', '--quiet']).stderr, '');
});

test('exit codes: 0 all good, 1 some file failed, 2 usage', () => {
  const good = file('good.xml', '<a><r>1</r></a>');
  const bad = file('bad.xml', '<a><r>1</r><r>2</a>');
  assert.equal(sluice([good, '-s', 'r']).status, 0);
  const r = sluice([bad, '-s', 'r']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '"1"\n', 'records before the error are written');
  for (const extra of [[], ['--no-native']]) {
    const cut = sluice([bad, '-s', 'r', '--format', 'json', ...extra]);
    assert.equal(cut.stdout, '[\n"1"', 'a cut-off array gets no closing bracket');
  }
  assert.match(r.stderr, /bad\.xml:1:\d+: .+ \[ERR_SLUICE_XML_[A-Z_]+\]\n$/);
  assert.equal(sluice([path.join(tmp, 'missing.xml')]).status, 1);
  assert.match(sluice([path.join(tmp, 'missing.xml')]).stderr, /missing\.xml: cannot open: .+ \[ENOENT\]/);
  for (const args of [
    [],
    ['--bogus', good],
    [good, '--jobs', '0'],
    [good, '--format', 'yaml'],
    [good, '--select', ''],
    [good, '--max-depth', 'lots'],
    ['noext'],
    ['-'],
    [good, good, '--format', 'json'],
    [file('x.json', '{}'), '--on-error', 'skip'],
    [file('y.json', '{}'), '--parse-tag-value'],
  ]) {
    const u = sluice(args);
    assert.equal(u.status, 2, `${args.join(' ')}: ${u.stderr}`);
    assert.match(u.stderr, /^sluice: .+\nTry 'sluice --help'/);
    assert.equal(u.stdout, '');
  }
});

test('-o: files appear only when complete; a failed file leaves nothing', () => {
  const good = file('o/good.xml', '<a><r>1</r></a>');
  const bad = file('o/bad.xml', '<a><r>1</r><r>');
  const target = path.join(tmp, 'o', 'single.ndjson');
  assert.equal(sluice([good, '-s', 'r', '-o', target]).status, 0);
  assert.equal(fs.readFileSync(target, 'utf8'), '"1"\n');
  const failed = path.join(tmp, 'o', 'failed.ndjson');
  for (const extra of [[], ['--no-native']]) {
    assert.equal(sluice([bad, '-s', 'r', '-o', failed, ...extra]).status, 1);
    assert.ok(!fs.existsSync(failed) && !fs.existsSync(failed + '.partial'));
  }
  const dir = path.join(tmp, 'o', 'out');
  const r = sluice([good, bad, '-s', 'r', '-o', dir, '-j', '1']);
  assert.equal(r.status, 1);
  assert.deepEqual(fs.readdirSync(dir), ['good.ndjson']);
  assert.match(r.stderr, /^ok {2}.*good\.xml {2}1 records {2}0 errors {2}.+ MB\/s/m);
  assert.match(r.stderr, /^failed {2}.*bad\.xml/m);
  assert.match(r.stderr, /2 files in .*files\/s\): 1 ok, 1 failed \(50\.0% success\), 2 records/);
});

test('--help lists every flag and three examples', () => {
  const r = sluice(['--help']);
  assert.equal(r.status, 0);
  const { FLAGS } = require('../lib/cli/args');
  for (const [name, spec] of Object.entries(FLAGS)) {
    assert.ok(r.stdout.includes(`--${name}`), `--${name} is in the help`);
    if (spec.short) assert.ok(r.stdout.includes(`-${spec.short}, --${name}`), `-${spec.short}`);
  }
  const examples = r.stdout.slice(r.stdout.indexOf('Examples')).split('\n').filter((l) => l.trim().startsWith('sluice ') || l.includes('| sluice '));
  assert.ok(examples.length >= 3, examples.join('\n'));
  assert.match(r.stdout, /Exit status/);
  assert.equal(sluice(['--version']).stdout.trim(), require('../package.json').version);
});

test('--retry retries transient read errors only', () => {
  const { fromIoError } = require('../lib/cli/convert');
  assert.equal(fromIoError('f', 'read', { message: 'EIO: i/o error', code: 'EIO' }).transient, true);
  assert.equal(fromIoError('f', 'open', { message: 'x', errno: os.constants.errno.EAGAIN }).transient, true);
  assert.equal(fromIoError('f', 'open', { message: 'x', code: 'ENOENT' }).transient, false);
  assert.equal(fromIoError('f', 'write', { message: 'x', code: 'EIO' }).transient, false);
  // A missing file is not retried: one error line, no retry line.
  const r = sluice([path.join(tmp, 'nope.xml'), '--retry', '3']);
  assert.equal(r.status, 1);
  assert.doesNotMatch(r.stderr, /retry/);
});

test('Ctrl-C stops cleanly: exit 130 and no output file, partial or complete', async () => {
  const target = path.join(tmp, 'sigint.ndjson');
  const child = spawn(process.execPath, [BIN, '-', '--xml', '-s', 'r', '-o', target], { cwd: tmp, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // Half a document, held open: the command is mid-file.
  child.stdin.write('<a>' + '<r>x</r>'.repeat(50000));
  for (let i = 0; i < 500 && !fs.existsSync(target + '.partial'); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(fs.existsSync(target + '.partial'), 'the conversion started');
  const code = await new Promise((resolve) => {
    child.on('exit', (c) => resolve(c));
    child.kill('SIGINT');
  });
  child.stdin.destroy();
  assert.equal(code, 130, stderr);
  assert.ok(!fs.existsSync(target) && !fs.existsSync(target + '.partial'));
  assert.match(stderr, /interrupted/);
});

test('Ctrl-C on the native path: a read blocked on a FIFO still ends in exit 130 and no output', { skip: process.platform === 'win32' }, async () => {
  const fifo = path.join(tmp, 'pipe.xml');
  const made = spawnSync('mkfifo', [fifo]);
  if (made.status !== 0) return;
  const target = path.join(tmp, 'fifo.ndjson');
  const child = spawn(process.execPath, [BIN, fifo, '-s', 'r', '-o', target], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  // Opening the FIFO for writing waits for the command's reader; then half a document.
  const fd = await new Promise((resolve, reject) => fs.open(fifo, 'w', (err, f) => (err ? reject(err) : resolve(f))));
  fs.writeSync(fd, '<a>' + '<r>x</r>'.repeat(50000));
  for (let i = 0; i < 500 && !fs.existsSync(target + '.partial'); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(fs.existsSync(target + '.partial'), 'the conversion started');
  child.kill('SIGINT');
  // The native reader stays blocked (nothing more is written): the grace period ends it.
  const code = await exited;
  fs.closeSync(fd);
  assert.equal(code, 130, stderr);
  assert.ok(!fs.existsSync(target) && !fs.existsSync(target + '.partial'));
  assert.match(stderr, /interrupted/);
});
