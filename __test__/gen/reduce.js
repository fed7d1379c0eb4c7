'use strict';
// Shrinks a failing collide.js document: drops records, elements, attributes, text and
// options for as long as the failure keeps its signature. Only balanced pieces are removed,
// so the document stays well-formed unless a removed declaration was still needed, and then
// the signature changes and the step is refused.

/** Markup pieces of `xml` from `from` on: start/end/empty tags, text, CDATA, comments. */
function scan(xml, from) {
  const out = [];
  let i = from;
  while (i < xml.length) {
    if (xml.startsWith('<![CDATA[', i)) {
      const e = xml.indexOf(']]>', i) + 3;
      out.push({ type: 'cdata', s: i, e });
      i = e;
    } else if (xml.startsWith('<!--', i)) {
      const e = xml.indexOf('-->', i) + 3;
      out.push({ type: 'comment', s: i, e });
      i = e;
    } else if (xml.startsWith('<?', i)) {
      const e = xml.indexOf('?>', i) + 2;
      out.push({ type: 'pi', s: i, e });
      i = e;
    } else if (xml[i] === '<') {
      const e = xml.indexOf('>', i) + 1;
      const tag = xml.slice(i, e);
      const name = /^<\/?([^\s/>]+)/.exec(tag)[1];
      const type = tag[1] === '/' ? 'end' : tag.endsWith('/>') ? 'empty' : 'start';
      out.push({ type, s: i, e, name });
      i = e;
    } else {
      let e = xml.indexOf('<', i);
      if (e < 0) e = xml.length;
      out.push({ type: 'text', s: i, e });
      i = e;
    }
  }
  return out;
}

/** Candidate smaller documents, biggest cuts first. */
function* candidates(xml) {
  const body = xml.indexOf('<list>');
  const pieces = scan(xml, body < 0 ? 0 : body);
  const stack = [];
  const elements = [];
  for (const p of pieces) {
    if (p.type === 'start') stack.push(p);
    else if (p.type === 'end') {
      const open = stack.pop();
      if (open) elements.push({ open, close: p });
    } else if (p.type === 'empty') elements.push({ open: p, close: null });
  }
  elements.sort((a, b) => (b.close ?? b.open).e - b.open.s - ((a.close ?? a.open).e - a.open.s));
  const protectedNames = new Set(['root', 'list']);
  for (const { open, close } of elements) {
    if (protectedNames.has(open.name)) continue;
    const end = (close ?? open).e;
    // The record's wrapper goes whole; a record is never removed alone (it would leave an
    // empty item, a different document shape).
    if (/(^|:)rec$/.test(open.name)) continue;
    yield xml.slice(0, open.s) + xml.slice(end);
    // Keep the content, drop the element around it.
    if (close && open.name !== 'item') yield xml.slice(0, open.s) + xml.slice(open.e, close.s) + xml.slice(close.e);
  }
  for (const p of pieces) {
    if (p.type === 'text' || p.type === 'cdata' || p.type === 'comment') {
      yield xml.slice(0, p.s) + xml.slice(p.e);
      if (p.type === 'text') {
        // Just the token, or a shorter text.
        const t = xml.slice(p.s, p.e);
        const tok = /q\d+z/.exec(t);
        if (tok && tok[0] !== t) yield xml.slice(0, p.s) + tok[0] + xml.slice(p.e);
      }
    }
    if (p.type === 'start' || p.type === 'empty') {
      const tag = xml.slice(p.s, p.e);
      const attr = /\s+[^\s=]+\s*=\s*("[^"]*"|'[^']*')/g;
      let m;
      while ((m = attr.exec(tag))) {
        yield xml.slice(0, p.s) + tag.slice(0, m.index) + tag.slice(m.index + m[0].length) + xml.slice(p.e);
        const value = m[1].slice(1, -1);
        const tok = /q\d+z/.exec(value);
        if (tok && tok[0] !== value) {
          const q = m[1][0];
          const shorter = `${m[0].slice(0, m[0].indexOf('=') + 1)}${q}${tok[0]}${q}`;
          yield xml.slice(0, p.s) + tag.slice(0, m.index) + shorter + tag.slice(m.index + m[0].length) + xml.slice(p.e);
        }
      }
    }
  }
  // The XML declaration and the whitespace between items.
  if (xml.startsWith('<?xml')) yield xml.slice(xml.indexOf('?>') + 2).replace(/^\n/, '');
  const squeezed = xml.replace(/>\s+</g, '><');
  if (squeezed !== xml) yield squeezed;
}

/** Options with one key less, or alwaysArray with one name less. */
function* optionCandidates(o) {
  for (const k of Object.keys(o)) {
    const { [k]: _, ...rest } = o;
    yield rest;
    if (k === 'alwaysArray') {
      for (const name of o.alwaysArray) yield { ...o, alwaysArray: o.alwaysArray.filter((n) => n !== name) };
    }
  }
}

/**
 * Shrinks { xml, options } while `signature(xml, options)` (async) keeps returning `want`.
 * Bounded by `budget` evaluations.
 */
async function reduce(xml, options, want, signature, budget = 1500) {
  let spent = 0;
  let progress = true;
  while (progress && spent < budget) {
    progress = false;
    for (const o of optionCandidates(options)) {
      if (++spent > budget) break;
      if ((await signature(xml, o)) === want) {
        options = o;
        progress = true;
        break;
      }
    }
    if (progress) continue;
    for (const c of candidates(xml)) {
      if (++spent > budget) break;
      if (c.length < xml.length && (await signature(c, options)) === want) {
        xml = c;
        progress = true;
        break;
      }
    }
  }
  return { xml, options };
}

module.exports = { reduce, scan };
