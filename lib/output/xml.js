'use strict';
// The XML writer behind toXml(): XmlStream's object shape turned back into markup, with the
// same shape options, so that parse → write → parse gives equal records.
//
//   key starting with attributeNamePrefix  → attribute (unless ignoreAttributes)
//   key equal to textNodeName              → character data
//   key equal to cdataPropName             → a CDATA section
//   any other key                          → a child element; an array value → one per item
//   string / number / boolean value        → an element with that text; null or '' → empty
//
// Children come out grouped by name, which is how the object shape holds them anyway.
const { optionError } = require('../errors');

const START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF' +
  '\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const REST = START + '\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040';
// The Name production of XML 1.0 (fifth edition).
const NAME = new RegExp(`^[${START}][${REST}]*$`, 'u');
// Characters XML 1.0 cannot carry at all, not even as character references.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const NULL = Symbol.for('sluice.null');

function isXmlName(name) {
  return typeof name === 'string' && NAME.test(name);
}

function writeError(message) {
  const err = new Error(`sluice: toXml: ${message}`);
  err.code = 'ERR_SLUICE_XML_WRITE';
  return err;
}

function checkName(name, what) {
  if (!isXmlName(name)) throw writeError(`${JSON.stringify(name)} is not an allowed XML ${what} name`);
  return name;
}

function checkChars(text, where) {
  const bad = NOT_XML_CHAR.exec(text);
  if (bad) {
    const cp = bad[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw writeError(`U+${cp} cannot be written in XML 1.0 (in ${where})`);
  }
  return text;
}

// `>` is escaped too: a literal `]]>` is not allowed in character data. `\r` becomes a
// reference because the parser would otherwise normalise it to `\n`.
function escapeText(text, where) {
  return checkChars(text, where).replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

const ATTR_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };
// Whitespace in attribute values is escaped because attribute-value normalisation would turn
// a literal tab or newline into a space.
function escapeAttr(text, where) {
  return checkChars(text, where).replace(/[&<>"\t\n\r]/g, (c) => ATTR_ESCAPES[c]);
}

function cdata(text, where) {
  // `]]>` cannot appear inside a section: end it after `]]` and start another before `>`.
  return `<![CDATA[${checkChars(text, where).replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

function scalar(v) {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint';
}

function xmlWriter(options) {
  const root = checkName(options.root, 'root element');
  const element = options.element === undefined ? null : checkName(options.element, 'element');
  const ignoreAttributes = options.ignoreAttributes ?? false;
  const prefix = options.attributeNamePrefix ?? '@_';
  const textNodeName = options.textNodeName ?? '#text';
  const cdataPropName = options.cdataPropName || null;
  const declaration = options.declaration ?? true;
  if (typeof prefix !== 'string') throw optionError('`attributeNamePrefix` must be a string');
  if (typeof textNodeName !== 'string') throw optionError('`textNodeName` must be a string');
  if (!ignoreAttributes && prefix === '') {
    throw optionError('toXml needs a non-empty `attributeNamePrefix` to tell attributes from child elements');
  }
  const isAttr = (key) => !ignoreAttributes && key.startsWith(prefix) && key !== textNodeName && key !== cdataPropName;

  function attributes(obj, path) {
    let out = '';
    for (const key of Object.keys(obj)) {
      if (!isAttr(key)) continue;
      const name = checkName(key.slice(prefix.length), 'attribute');
      const v = obj[key];
      if (!scalar(v)) throw writeError(`attribute ${path}/@${name} must be a string, number or boolean`);
      out += ` ${name}="${escapeAttr(String(v), `${path}/@${name}`)}"`;
    }
    return out;
  }

  function content(obj, path) {
    let out = '';
    for (const key of Object.keys(obj)) {
      if (isAttr(key)) continue;
      const v = obj[key];
      if (key === textNodeName) {
        for (const t of Array.isArray(v) ? v : [v]) if (t !== null && t !== undefined) out += escapeText(String(t), path);
      } else if (key === cdataPropName) {
        for (const t of Array.isArray(v) ? v : [v]) if (t !== null && t !== undefined) out += cdata(String(t), path);
      } else {
        out += elements(key, v, path);
      }
    }
    return out;
  }

  function elements(name, value, path) {
    checkName(name, 'element');
    if (!Array.isArray(value)) return one(name, value, `${path}/${name}`);
    let out = '';
    for (let i = 0; i < value.length; i++) {
      if (Array.isArray(value[i])) throw writeError(`${path}/${name}[${i}] is an array inside an array`);
      out += one(name, value[i], `${path}/${name}[${i}]`);
    }
    return out;
  }

  function one(name, value, path) {
    if (value === null || value === undefined || value === '' || value === NULL) return `<${name}/>`;
    if (scalar(value)) return `<${name}>${escapeText(String(value), path)}</${name}>`;
    if (typeof value !== 'object') throw writeError(`${path} is a ${typeof value}, which has no XML form`);
    const attrs = attributes(value, path);
    const inner = content(value, path);
    return inner === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${inner}</${name}>`;
  }

  let started = false;
  let count = 0;
  const head = () => (declaration ? '<?xml version="1.0" encoding="UTF-8"?>\n' : '');

  return {
    record(record) {
      const path = `/${root}[record ${count++}]`;
      let out = '';
      if (element !== null) {
        if (!started) out += `${head()}<${root}>`;
        started = true;
        return out + '\n' + elements(element, record, path);
      }
      // Without `element`, records are the root's content: the first one may carry the
      // root's attributes (XmlStream with select '/*' gives exactly that shape).
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        if (!scalar(record)) throw writeError(`${path}: a record must be an object or a scalar`);
        if (!started) out += `${head()}<${root}>`;
        started = true;
        return out + escapeText(String(record), path);
      }
      const attrs = attributes(record, path);
      if (!started) out += `${head()}<${root}${attrs}>`;
      else if (attrs !== '') throw writeError(`${path}: only the first record may carry attributes of the root element`);
      started = true;
      return out + content(record, path);
    },
    end() {
      if (!started) return `${head()}<${root}/>\n`;
      return `${element !== null ? '\n' : ''}</${root}>\n`;
    },
  };
}

module.exports = { xmlWriter, isXmlName };
