'use strict';
// What the fuzz tests compare sluice against: fast-xml-parser under the equivalent options,
// and, where fast-xml-parser itself drops a value, the weaker promise that sluice does not.

const fs = require('node:fs');
const path = require('node:path');
const { XMLParser } = require('fast-xml-parser');

/** Where the shared corpora are: SLUICE_CORPORA, or beside the checkout as in /work/main. */
const corpora = process.env.SLUICE_CORPORA || path.join(__dirname, '..', '..', '..', 'shared', 'corpora');
const haveCorpora = fs.existsSync(path.join(corpora, 'ddex', 'MANIFEST.tsv'));

/** fast-xml-parser options equivalent to sluice shape options `o`. */
function fxpOptions(o) {
  const alwaysArray = o.alwaysArray ?? [];
  return {
    ignoreAttributes: o.ignoreAttributes ?? false,
    attributeNamePrefix: o.attributeNamePrefix ?? '@_',
    textNodeName: o.textNodeName ?? '#text',
    trimValues: o.trimValues ?? true,
    removeNSPrefix: o.removeNSPrefix ?? false,
    parseTagValue: o.parseTagValue ?? false,
    parseAttributeValue: o.parseAttributeValue ?? false,
    cdataPropName: o.cdataPropName ?? false,
    htmlEntities: true,
    // sluice's alwaysArray names elements (output keys); fast-xml-parser also asks about
    // attributes, which sluice never turns into arrays.
    isArray: (name, _jpath, _leaf, isAttribute) => !isAttribute && alwaysArray.includes(name),
  };
}

const local = (k) => k.slice(k.indexOf(':') + 1);
const asArray = (v) => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/**
 * The records of a collide.js document (`root/list/item/rec`, any prefixes) as
 * fast-xml-parser gives them; throws what fast-xml-parser throws.
 */
function fxpRecords(xml, o) {
  const tree = new XMLParser(fxpOptions(o)).parse(xml);
  const root = tree[Object.keys(tree).find((k) => local(k) === 'root')];
  const items = asArray(root.list.item);
  return items.map((item) => {
    const key = Object.keys(item).find((k) => local(k) === 'rec');
    return item[key];
  });
}

/** Order-insensitive comparison key: keys sorted recursively (-0 and 0 kept apart). */
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return Object.is(v, -0) ? '-0 (number)' : v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
}

/** Every string (and number, as a string) anywhere in `v`. */
function strings(v, out = []) {
  if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v !== null && typeof v === 'object') Object.values(v).forEach((x) => strings(x, out));
  else if (v !== undefined && v !== null) out.push(String(v));
  return out;
}

/** The tokens of `expected` (collide.js's list for one record) missing from `record`. */
function missing(record, expected, o) {
  const all = strings(record);
  return expected
    .filter(({ kind }) => kind === 'text' || !o.ignoreAttributes)
    .map(({ token }) => token)
    .filter((t) => !all.some((s) => s.includes(t)));
}

/** An error a caller can act on: a sluice code and a position. */
function positioned(e) {
  return (
    e != null &&
    typeof e.code === 'string' &&
    e.code.startsWith('ERR_SLUICE_') &&
    Number.isInteger(e.line) &&
    e.line >= 1 &&
    Number.isInteger(e.column) &&
    e.column >= 1 &&
    Number.isInteger(e.offset) &&
    e.offset >= 0
  );
}

/**
 * "sluice does not lose a value silently": either the run failed with a positioned error, or
 * every token of every record appears in it; records before an error must be whole too.
 * Returns null when the promise holds, else why not.
 */
function silentLoss({ records, error }, tokens, o) {
  if (error && !positioned(error)) return `error without code and position: ${error.message}`;
  if (!error && records.length !== tokens.length) return `${records.length} records, expected ${tokens.length}`;
  for (let i = 0; i < records.length && i < tokens.length; i++) {
    const gone = missing(records[i], tokens[i], o);
    if (gone.length) return `record ${i} lost ${gone.join(', ')}: ${JSON.stringify(records[i])}`;
  }
  return null;
}

module.exports = { corpora, haveCorpora, fxpOptions, fxpRecords, canonical, strings, missing, positioned, silentLoss };

/**
 * For each record of `xml` (elements named `rec`, any prefix): whether fast-xml-parser's
 * answer for it is unusable because two different things meet under one key in a way it does
 * not merge into an array: two attributes, an attribute and a child, an attribute and the
 * text or CDATA key, or a child named like textNodeName or cdataPropName (which it refuses or
 * garbles).
 */
function collidingRecords(xml, o) {
  const { scan } = require('./reduce');
  const strip = !!o.removeNSPrefix;
  const prefix = o.attributeNamePrefix ?? '@_';
  const textKey = o.textNodeName ?? '#text';
  const cdataKey = o.cdataPropName || null;
  const trim = o.trimValues ?? true;
  const elementKey = (name) => (strip ? local(name) : name);
  const attrKeys = (tag) => {
    if (o.ignoreAttributes) return [];
    const keys = [];
    for (const m of tag.matchAll(/\s([^\s=/>]+)\s*=/g)) {
      const name = m[1];
      if (strip && (name === 'xmlns' || name.startsWith('xmlns:'))) continue;
      keys.push(prefix + (strip ? local(name) : name));
    }
    return keys;
  };
  const out = [];
  const stack = []; // open elements of the current record: { keys: Map(key -> kinds) }
  let inRecord = false;
  const note = (el, key, kind) => {
    const kinds = el.keys.get(key) ?? new Set();
    kinds.add(kind);
    el.keys.set(key, kinds);
  };
  const judge = (el) => {
    for (const [key, kinds] of el.keys) {
      if (el.attrCount.get(key) > 1) return true;
      if (kinds.size > 1) return true;
      if (kinds.has('child') && (key === textKey || key === cdataKey)) return true;
    }
    return false;
  };
  let bad = false;
  for (const p of scan(xml, 0)) {
    const tag = p.name !== undefined ? xml.slice(p.s, p.e) : null;
    if (!inRecord) {
      if ((p.type === 'start' || p.type === 'empty') && /(^|:)rec$/.test(p.name)) {
        inRecord = true;
        bad = false;
      } else continue;
    }
    if (p.type === 'start' || p.type === 'empty') {
      if (stack.length) note(stack[stack.length - 1], elementKey(p.name), 'child');
      const el = { keys: new Map(), attrCount: new Map() };
      for (const k of attrKeys(tag)) {
        el.attrCount.set(k, (el.attrCount.get(k) ?? 0) + 1);
        note(el, k, 'attr');
      }
      if (p.type === 'start') stack.push(el);
      else if (judge(el)) bad = true;
    } else if (p.type === 'end') {
      // Not `bad ||= judge(stack.pop())`: the pop must happen whatever `bad` is.
      if (judge(stack.pop())) bad = true;
    } else if (p.type === 'text' || p.type === 'cdata') {
      const el = stack[stack.length - 1];
      let text = xml.slice(p.s, p.e);
      if (p.type === 'cdata') text = text.slice(9, -3);
      if (trim) text = text.trim();
      if (text.length) note(el, p.type === 'cdata' && cdataKey ? cdataKey : textKey, p.type === 'cdata' && cdataKey ? 'cdata' : 'text');
    }
    if (stack.length === 0) {
      out.push(bad);
      inRecord = false;
    }
  }
  return out;
}

module.exports.collidingRecords = collidingRecords;
