'use strict';
// Command-line flags → a plan: inputs, output, and the options handed to XmlStream /
// JsonStream. Only options those streams know are passed on, so their own checks apply.
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

/** A usage error: exit code 2, and a hint to read --help. */
class UsageError extends Error {}

const FLAGS = {
  select: { type: 'string', short: 's', multiple: true },
  xml: { type: 'boolean' },
  json: { type: 'boolean' },
  ndjson: { type: 'boolean' },
  concatenated: { type: 'boolean' },
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  jobs: { type: 'string', short: 'j' },
  threads: { type: 'string', short: 't' },
  'part-bytes': { type: 'string' },
  retry: { type: 'string' },
  'on-error': { type: 'string' },
  progress: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'no-native': { type: 'boolean' },
  // XmlStream's shape options.
  'ignore-attributes': { type: 'boolean' },
  'attribute-prefix': { type: 'string' },
  'text-node-name': { type: 'string' },
  'no-trim': { type: 'boolean' },
  'remove-ns-prefix': { type: 'boolean' },
  'parse-tag-value': { type: 'boolean' },
  'parse-attribute-value': { type: 'boolean' },
  cdata: { type: 'string' },
  'always-array': { type: 'string', multiple: true },
  'no-namespaces': { type: 'boolean' },
  'encoding-errors': { type: 'string' },
  'expand-entities': { type: 'boolean' },
  'max-entity-expansion': { type: 'string' },
  // Limits, shared by both formats where they apply.
  'max-record-bytes': { type: 'string' },
  'max-depth': { type: 'string' },
  'max-name-length': { type: 'string' },
  'max-attributes': { type: 'string' },
  'max-text-length': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

const HELP = `Usage: sluice [options] <input>...

Streams XML, JSON or NDJSON files into records, one JSON value per selected element,
written as NDJSON (one record per line) or as a JSON array. Each record is exactly what
XmlStream / JsonStream give with the same options.

Input
  <input>...                 files to read; - reads stdin
  --xml | --json | --ndjson  input format; otherwise from the extension
                             (.xml; .json; .ndjson or .jsonl)
  --concatenated             JSON values one after another, any whitespace between
  -s, --select <expr>        what a record is: an element name or path for XML
                             (Release, ReleaseList/Release, /Catalog/Release), a
                             JSONPath for JSON ($.releases[*]). Default: the root element (XML),
                             the whole document or each line (JSON). Repeat it to select
                             several kinds; records then come as {selector, value}.

Output
  -f, --format <fmt>         ndjson (default) or json (one JSON array)
  -o, --output <path>        write to this file instead of stdout; with several inputs,
                             a directory that gets one <name>.ndjson (or .json) per input.
                             Files appear under their name only when complete.
  -j, --jobs <n>             files converted at once (default: number of cores, ${os.availableParallelism()})
  -t, --threads <n>          threads for each XML, NDJSON or JSON file: the file is cut
                             into parts parsed at once (a JSON document between the
                             elements of its --select '$.a[*]' array); the output is
                             identical to one thread's. Default: the cores divided
                             among the files converted at once (one file gets all
                             ${os.availableParallelism()}). Stdin and files of under two parts are
                             read whole
  --part-bytes <n>           target size of one part with --threads (default 4 MiB on
                             the native path, 16 MiB otherwise; at least 4096)
  --retry <n>                retry a file up to n times after a transient read error
                             (EAGAIN, EBUSY, EIO, ETIMEDOUT...; default 0)
  --on-error <mode>          throw (default): a malformed file stops with a positioned
                             error; skip: drop malformed records, go on, count them
                             (XML, and --ndjson input)
  --progress                 show the progress bar even when stderr is not a terminal
  -q, --quiet                no progress bar, no per-file lines; errors still show
  --no-native                parse through the JavaScript stream API even where the
                             native file-to-NDJSON path applies (same output, slower)

XML shape (as XmlStream's options)
  --ignore-attributes        drop attributes
  --attribute-prefix <s>     prefix of attribute keys (default @_)
  --text-node-name <s>       key of an element's text next to attributes (default #text)
  --no-trim                  keep whitespace around text
  --remove-ns-prefix         drop namespace prefixes from names
  --parse-tag-value          numbers and booleans in text become JSON numbers/booleans
  --parse-attribute-value    the same for attribute values
  --cdata <key>              keep CDATA sections apart under this key
  --always-array <name>      this element is always an array (repeatable)
  --no-namespaces            do not check namespace prefixes
  --encoding-errors <mode>   fatal (default) or replace undecodable bytes with U+FFFD
  --expand-entities          expand entities declared in the internal DTD subset
  --max-entity-expansion <n> most bytes entity expansion may produce (default 64 MiB)

Limits (bytes or counts; each has a safe default)
  --max-record-bytes <n>  --max-depth <n>  --max-name-length <n>
  --max-attributes <n>    --max-text-length <n>

  -h, --help                 this help
  -V, --version              the version

Exit status
  0  every file converted     1  some file failed (others still ran)
  2  usage error              130  interrupted (Ctrl-C); no partial output is left

Examples
  sluice catalog.xml --select Release > releases.ndjson
  sluice feeds/*.xml --select Release -j 2 -o out/
  sluice huge.xml --select Release --threads 2 -o releases.ndjson
  cat export.json | sluice - --json --select '$.releases[*]' --format json
  sluice big.ndjson --ndjson --on-error skip > clean.ndjson

Progress goes to stderr, only when it is a terminal (or with --progress); NO_COLOR is
respected. Errors read file:line:column: message [code].
`;

function integer(values, name, { min = 1, fallback } = {}) {
  const v = values[name];
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`--${name} needs a whole number${min > 1 ? ` of at least ${min}` : min > 0 ? ' above 0' : ''}, not ${JSON.stringify(v)}`);
  }
  return Number(v);
}

// parseFile's own bound: more threads than that only adds parts held in memory. Undefined
// when not given: main shares the cores out among the files converted at once.
function threadsOf(values) {
  const n = integer(values, 'threads');
  if (n === undefined) return undefined;
  if (n > 64) throw new UsageError(`--threads is at most 64, not ${n}`);
  return n;
}

function oneOf(values, name, allowed, fallback) {
  const v = values[name];
  if (v === undefined) return fallback;
  if (!allowed.includes(v)) throw new UsageError(`--${name} must be ${allowed.join(' or ')}, not ${JSON.stringify(v)}`);
  return v;
}

const EXTENSIONS = { '.xml': 'xml', '.json': 'json', '.ndjson': 'ndjson', '.jsonl': 'ndjson' };

/** The input format of `file`: from the flags, else its extension, else null. */
function formatOf(file, forced) {
  if (forced) return forced;
  return EXTENSIONS[path.extname(file).toLowerCase()] ?? null;
}

/** Parses argv into a plan; throws UsageError. Returns { help } or { version } early. */
function parse(argv) {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true }));
  } catch (err) {
    throw new UsageError(err.message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (values.help) return { help: true };
  if (values.version) return { version: true };
  if (positionals.length === 0) throw new UsageError('no input: give a file, or - for stdin');

  const forced = ['xml', 'json', 'ndjson', 'concatenated'].filter((f) => values[f]);
  if (forced.length > 1) throw new UsageError(`choose one input format, not --${forced.join(' and --')}`);
  const inputs = positionals.map((file) => {
    const format = formatOf(file, forced[0]);
    if (!format) {
      throw new UsageError(
        file === '-'
          ? 'stdin has no extension: say --xml, --json or --ndjson'
          : `cannot tell the format of ${file} from its extension: say --xml, --json or --ndjson`,
      );
    }
    return { file, format };
  });
  if (inputs.filter((i) => i.file === '-').length > 1) throw new UsageError('stdin (-) can be read once');

  const outputFormat = oneOf(values, 'format', ['ndjson', 'json'], 'ndjson');
  const onError = oneOf(values, 'on-error', ['throw', 'skip'], 'throw');
  if (onError === 'skip') {
    const bad = inputs.find((i) => i.format === 'json' || i.format === 'concatenated');
    if (bad) throw new UsageError(`--on-error skip works on XML and NDJSON input, not on the JSON document ${bad.file}`);
  }
  if (inputs.length > 1 && values.output === undefined && outputFormat === 'json') {
    throw new UsageError('several inputs with --format json need -o <directory> (one array per file)');
  }

  const select = values.select === undefined ? undefined : values.select.length === 1 ? values.select[0] : values.select;
  // Options both streams share, then each format's own; undefined means the stream's default.
  const common = {
    select,
    onError,
    maxRecordBytes: integer(values, 'max-record-bytes'),
    maxDepth: integer(values, 'max-depth'),
  };
  const xml = {
    ...common,
    ignoreAttributes: values['ignore-attributes'],
    attributeNamePrefix: values['attribute-prefix'],
    textNodeName: values['text-node-name'],
    trimValues: values['no-trim'] ? false : undefined,
    removeNSPrefix: values['remove-ns-prefix'],
    parseTagValue: values['parse-tag-value'],
    parseAttributeValue: values['parse-attribute-value'],
    cdataPropName: values.cdata,
    alwaysArray: values['always-array'],
    namespaces: values['no-namespaces'] ? false : undefined,
    encodingErrors: oneOf(values, 'encoding-errors', ['fatal', 'replace']),
    expandInternalEntities: values['expand-entities'],
    maxEntityExpansion: integer(values, 'max-entity-expansion'),
    maxNameLength: integer(values, 'max-name-length'),
    maxAttributes: integer(values, 'max-attributes'),
    maxTextLength: integer(values, 'max-text-length'),
  };
  const json = { ...common };
  const xmlOnly = Object.keys(xml).filter((k) => !(k in common) && xml[k] !== undefined);
  if (xmlOnly.length > 0 && inputs.every((i) => i.format !== 'xml')) {
    throw new UsageError('XML shape options were given but no input is XML');
  }

  return {
    inputs,
    outputFormat,
    output: values.output,
    jobs: integer(values, 'jobs', { fallback: os.availableParallelism() }),
    threads: threadsOf(values),
    partBytes: integer(values, 'part-bytes', { min: 4096 }),
    retry: integer(values, 'retry', { min: 0, fallback: 0 }),
    progress: values.progress ?? false,
    quiet: values.quiet ?? false,
    native: !values['no-native'],
    streamOptions: { xml: clean(xml), json: clean(json) },
  };
}

function clean(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

module.exports = { parse, HELP, FLAGS, UsageError, formatOf };
