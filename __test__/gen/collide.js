'use strict';
// Seeded generator of XML documents built so that different things in the input land on the
// same key of the output object: one local name under several prefixes, attributes `p:id` and
// `id`, attributes next to children of the same name (attributeNamePrefix ''), children named
// like textNodeName or cdataPropName, xmlns declarations, repeated siblings. Every text and
// attribute value that can be told apart carries a unique token (`q17z`), so a test can check
// that no value vanished even where fast-xml-parser has no usable answer.
//
// Avoided on purpose (README "Object shape" lists them as deliberate differences): entities
// other than the predefined five and character references, literal tabs/newlines/CRs in
// attribute values, processing instructions inside records, `__proto__`-like names. Also
// avoided: number-like text in an element whose text comes in several pieces (mixed content,
// comments, CDATA) under parseTagValue, since fast-xml-parser coerces each piece and then
// concatenates (issue 11 item 8, a separate decision).

const { rng } = require('../helpers');

// Distinct URIs: two prefixes bound to one URI would make `a:id` and `b:id` the same
// attribute, which is a well-formedness error rather than a collision.
const NS = { a: 'urn:a', b: 'urn:b', c: 'urn:c' };

// Local names shared by elements, attributes and the option values below, so collisions are
// frequent rather than lucky.
const ELEMENT_LOCALS = ['v', 'id', 'w', 'x', 'txt', 'cd'];
const ATTR_LOCALS = ['id', 'v', 'k', 'txt', 't'];
const DECOR = ['', 'é', ' 日本語', '🎵', ' &amp; ', '&lt;x&gt;', '&#233;', '&#x1F600;', '&amp;lt;', '&#38;', ' Ñandú ', '&quot;&apos;', '&#10;'];
const NUMERIC = ['42', '-0.50', '007', '1e3', '0x1F', 'true', ' 12 ', '+5', '.5', '1.0', '-0', 'false', '12abc'];

/**
 * Option sets over every shape option, with values chosen to meet the generated names; with
 * `collide: false`, values that cannot meet a plain document's names (for long runs after
 * anything but collisions, which otherwise mask the rest).
 */
function randomOptions(r, { collide = true } = {}) {
  const pick = (arr) => arr[Math.floor(r() * arr.length)];
  const o = {};
  if (r() < 0.2) o.ignoreAttributes = true;
  if (r() < 0.7) o.attributeNamePrefix = pick(collide ? ['@_', '', '', '$', '_'] : ['@_', '$', '']);
  if (r() < 0.6) o.textNodeName = pick(collide ? ['#text', 'txt', '_t', 'v'] : ['#text', 'txt', '_t']);
  if (r() < 0.3) o.trimValues = false;
  if (r() < 0.5) o.removeNSPrefix = true;
  if (r() < 0.3) o.parseTagValue = true;
  if (r() < 0.3) o.parseAttributeValue = true;
  if (r() < 0.4) o.cdataPropName = pick(collide ? ['__cdata', 'cd', 'w'] : ['__cdata', 'cd']);
  if (r() < 0.4) o.alwaysArray = ELEMENT_LOCALS.filter(() => r() < 0.35);
  if (r() < 0.15) o.namespaces = false;
  return o;
}

/**
 * A document `<root><list><item><rec>…</rec></item>…</list></root>` (each record wrapped in
 * its own `item` so fast-xml-parser's output keeps the records' order whatever their
 * prefixes). Returns { xml, tokens }: tokens[i] lists the tokens of record i as
 * { token, kind: 'text' | 'attr' }.
 */
function generate(seed, options = {}, { collide = true } = {}) {
  const r = rng(seed);
  const pick = (arr) => arr[Math.floor(r() * arr.length)];
  // A third of the documents keep names apart (no prefixes below the record, element and
  // attribute names disjoint), so failures other than collisions are not always masked.
  const plain = r() < 0.33 || !collide;
  // An element named `xmlns` meets the default namespace declaration under
  // attributeNamePrefix ''; under removeNSPrefix fast-xml-parser turns its name into ''.
  const elementLocals = plain ? ['v', 'w', 'x'] : options.removeNSPrefix ? ELEMENT_LOCALS : [...ELEMENT_LOCALS, 'xmlns'];
  const attrLocals = plain ? ['id', 'k', 't'] : ATTR_LOCALS;
  let next = 0;
  const tokens = [];
  let mine; // tokens of the record being built
  const kinds = new Map();

  const token = (kind) => {
    const t = `q${next++}z`;
    mine.push({ token: t, kind });
    kinds.set(t, kind);
    return t;
  };
  const decorated = (t) => {
    const d = pick(DECOR);
    return r() < 0.5 ? `${d}${t}` : `${t}${d}`;
  };
  const attrValue = () => {
    // `&#10;` is kept as a newline by XML's normalisation, where a literal one would not be.
    return r() < 0.2 ? pick(NUMERIC) : decorated(token('attr'));
  };
  // Prefixes in scope: the root binds a and b; c is bound locally when used.
  const qname = (locals, inScope) => {
    const local = pick(locals);
    if (plain || local === 'xmlns') return local;
    const p = r();
    if (p < 0.45) return local;
    if (p < 0.7) return `a:${local}`;
    if (p < 0.9) return `b:${local}`;
    inScope.add('c');
    return `c:${local}`;
  };
  const attrs = (scope) => {
    const names = new Set();
    const out = [];
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      const name = qname(attrLocals, scope);
      if (names.has(name)) continue; // a repeated attribute is an error, not a collision
      names.add(name);
      const q = r() < 0.5 ? '"' : "'";
      out.push(`${name}=${q}${attrValue()}${q}`);
    }
    // Redeclared to the same URI only: `a:id` and `c:id` in one namespace would be a repeated
    // attribute.
    if (r() < 0.15) {
      const p = pick(['a', 'b', 'c']);
      out.push(`xmlns:${p}="${NS[p]}"`);
    }
    if (r() < 0.08) out.push(`xmlns="${pick(Object.values(NS))}"`);
    return out;
  };
  // Declarations go on the element that first needs `c:`, or stay where they are.
  const withDecls = (list, scope, declared) => {
    if (scope.has('c') && !declared.has('c') && !list.some((a) => a.startsWith('xmlns:c='))) {
      list.push(`xmlns:c="${NS.c}"`);
    }
    return list.length ? ` ${list.join(' ')}` : '';
  };

  const element = (depth, declared) => {
    const scope = new Set();
    const name = qname(elementLocals, scope);
    const as = attrs(scope);
    const inner = new Set(declared);
    if (scope.has('c') || as.some((a) => a.startsWith('xmlns:c='))) inner.add('c');
    const open = (n) => `<${n}${withDecls(as, scope, declared)}`;
    const kind = r();
    if (kind < 0.12) return `${open(name)}/>`;
    if (kind < 0.18) return `${open(name)}></${name}>`;
    if (kind < 0.4 || depth > 2) {
      // A simple leaf: one text piece, so number-like text is safe under parseTagValue.
      const text = r() < 0.3 ? pick(NUMERIC) : decorated(token('text'));
      return `${open(name)}>${text}</${name}>`;
    }
    return `${open(name)}>${content(depth + 1, inner)}</${name}>`;
  };

  // Mixed content: text pieces carry tokens only, never bare numbers (see the header).
  const content = (depth, declared) => {
    let s = '';
    const n = 1 + Math.floor(r() * 5);
    for (let i = 0; i < n; i++) {
      const k = r();
      if (k < 0.5) {
        // Repeated siblings: the same element again, possibly under another prefix.
        const el = element(depth, declared);
        s += el;
        if (r() < 0.3) s += el.replace(/q\d+z/g, (t) => token(kinds.get(t)));
      } else if (k < 0.7) s += decorated(token('text'));
      else if (k < 0.8) s += `<![CDATA[${pick(['<raw> & ', ' ', '', 'é '])}${token('text')}]]>`;
      else if (k < 0.87) s += `<!-- ${pick(['c', 'é', '<v>'])} -->`;
      else if (k < 0.95) s += pick(['\n  ', ' ', '\n']);
      else s += `<v/>`;
    }
    return s;
  };

  const record = (declared) => {
    mine = [];
    const scope = new Set();
    const name = r() < 0.8 ? 'rec' : pick(['a:rec', 'b:rec']);
    const as = attrs(scope);
    const inner = new Set(declared);
    if (scope.has('c') || as.some((a) => a.startsWith('xmlns:c='))) inner.add('c');
    const head = `<${name}${withDecls(as, scope, declared)}`;
    let body;
    const k = r();
    if (k < 0.08) body = null;
    else if (k < 0.2) body = r() < 0.3 ? pick(NUMERIC) : decorated(token('text'));
    else body = content(1, inner);
    tokens.push(mine);
    return body === null ? `${head}/>` : `${head}>${body}</${name}>`;
  };

  const declared = new Set(['a', 'b']);
  let xml = `<?xml version="1.0" encoding="UTF-8"?>\n<root xmlns:a="${NS.a}" xmlns:b="${NS.b}"${r() < 0.2 ? ` xmlns="${NS.c}"` : ''}>\n<list>`;
  const n = 1 + Math.floor(r() * 5);
  for (let i = 0; i < n; i++) xml += `\n  <item>${record(declared)}</item>`;
  xml += '\n</list>\n</root>\n';
  return { xml, tokens };
}

module.exports = { generate, randomOptions, NS };

/**
 * The tokens of each record of a collide.js document (or a reduced one), read back from the
 * text: in a tag they are attribute values, in text or CDATA text; comments hold none.
 */
function tokensOf(xml) {
  const { scan } = require('./reduce');
  const records = [];
  let cur = null;
  let depth = 0;
  for (const p of scan(xml, 0)) {
    const isRec = p.name !== undefined && /(^|:)rec$/.test(p.name);
    if (cur === null) {
      if (isRec && (p.type === 'start' || p.type === 'empty')) {
        cur = [];
        records.push(cur);
        depth = p.type === 'start' ? 1 : 0;
      }
    } else if (p.type === 'start') depth++;
    else if (p.type === 'end') depth--;
    if (cur !== null && p.type !== 'comment') {
      const kind = p.type === 'text' || p.type === 'cdata' ? 'text' : 'attr';
      for (const m of xml.slice(p.s, p.e).matchAll(/q\d+z/g)) cur.push({ token: m[0], kind });
    }
    if (cur !== null && depth === 0) cur = null;
  }
  return records;
}

module.exports.tokensOf = tokensOf;
