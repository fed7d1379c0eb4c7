'use strict';
// One object builder shared by every SAX-style contender, so that they differ only in
// their tokenizer. It produces the fast-xml-parser default shape (ignoreAttributes:false,
// parseTagValue:false, trimValues:true): attributes as '@_name', a leaf without
// attributes as a plain string, otherwise '#text', repeated children as arrays.

const ATTR_PREFIX = '@_';

class ObjectBuilder {
  constructor(select, onRecord) {
    this.select = select;
    this.onRecord = onRecord;
    this.depth = 0; // > 0 while inside a selected element
    this.stack = [];
    this.attrNames = new Map(); // name -> '@_' + name, saves a concat per attribute
  }

  open(name, attrs) {
    if (this.depth === 0) {
      if (name !== this.select) return;
    }
    this.depth++;
    let obj = null;
    if (attrs !== null && attrs !== undefined) {
      for (const k in attrs) {
        if (obj === null) obj = {};
        let key = this.attrNames.get(k);
        if (key === undefined) {
          key = ATTR_PREFIX + k;
          this.attrNames.set(k, key);
        }
        obj[key] = attrs[k];
      }
    }
    this.stack.push({ name, obj, text: '' });
  }

  text(s) {
    if (this.depth !== 0) this.stack[this.stack.length - 1].text += s;
  }

  close() {
    if (this.depth === 0) return;
    this.depth--;
    const frame = this.stack.pop();
    let value;
    if (frame.obj === null) {
      value = frame.text.trim();
    } else {
      value = frame.obj;
      const t = frame.text.trim();
      if (t !== '') value['#text'] = t;
    }
    if (this.depth === 0) {
      this.onRecord(value);
      return;
    }
    const parent = this.stack[this.stack.length - 1];
    if (parent.obj === null) parent.obj = {};
    const prev = parent.obj[frame.name];
    if (prev === undefined) parent.obj[frame.name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else parent.obj[frame.name] = [prev, value];
  }
}

module.exports = { ObjectBuilder };
