'use strict';
// Options are checked before anything runs: a typo is an error naming the nearest valid
// option, a selector sluice cannot honour is refused rather than matching nothing, and every
// option error has the same form.
const test = require('node:test');
const assert = require('node:assert/strict');
const { XmlStream, JsonStream } = require('..');
const { OPTION_NAMES, nearest } = require('../lib/options');

function optionError(make) {
  try {
    make();
  } catch (err) {
    assert.equal(err.code, 'ERR_SLUICE_INVALID_OPTION', err.message);
    return err.message;
  }
  return assert.fail('no error');
}

test('an unknown option names the nearest valid one', () => {
  assert.equal(optionError(() => new XmlStream({ maxDepht: 3 })), 'sluice: unknown option `maxDepht`: did you mean `maxDepth`?');
  assert.equal(optionError(() => new XmlStream({ onerror: 'skip', maxDepht: 3 })), 'sluice: unknown option `onerror`: did you mean `onError`?');
  assert.equal(optionError(() => new XmlStream({ selct: 'a' })), 'sluice: unknown option `selct`: did you mean `select`?');
  assert.equal(optionError(() => new JsonStream({ fromat: 'ndjson' })), 'sluice: unknown option `fromat`: did you mean `format`?');
  // An option of the other stream is not one of this stream's.
  assert.match(optionError(() => new XmlStream({ format: 'ndjson' })), /^sluice: unknown option `format`/);
  assert.match(optionError(() => new JsonStream({ removeNSPrefix: true })), /^sluice: unknown option `removeNSPrefix`/);
  // Nothing near: the message lists what the stream takes.
  assert.match(optionError(() => new XmlStream({ zzz: 1 })), /^sluice: unknown option `zzz` \(XmlStream takes .*maxDepth/);
  // A typo is refused even with the value undefined.
  assert.match(optionError(() => new XmlStream({ maxDepht: undefined })), /did you mean `maxDepth`/);
});

test('every listed option is accepted', () => {
  for (const name of OPTION_NAMES.XmlStream) assert.ok(!/unknown/.test(tryOne(XmlStream, name)), name);
  for (const name of OPTION_NAMES.JsonStream) assert.ok(!/unknown/.test(tryOne(JsonStream, name)), name);
  function tryOne(Stream, name) {
    try {
      new Stream({ [name]: undefined }).destroy();
      return '';
    } catch (err) {
      return err.message;
    }
  }
});

test('nearest suggests only names that are near', () => {
  assert.equal(nearest('maxdepth', ['maxDepth', 'select']), 'maxDepth');
  assert.equal(nearest('trimValue', ['trimValues']), 'trimValues');
  assert.equal(nearest('colour', ['select', 'format']), null);
});

test('selector syntax sluice does not support is an option error', () => {
  for (const [select, why] of [
    ['a[1]', 'predicates such as `[1]` are not supported'],
    ['ReleaseList/Release[@id]', 'predicates'],
    ['@id', 'attributes cannot be selected'],
    ['child::Release', 'axes'],
    ['a//b', '`//` is not supported'],
    ['Re lease', '`Re lease` is not an element name'],
  ]) {
    const message = optionError(() => new XmlStream({ select }));
    assert.ok(message.startsWith(`sluice: invalid selector \`${select}\`: `), message);
    assert.ok(message.includes(why), message);
  }
  assert.match(optionError(() => new JsonStream({ select: '$..a' })), /^sluice: invalid JSON selector `\$\.\.a`: /);
  // Names with prefixes and namespace URIs are still selectors.
  new XmlStream({ select: ['ern:Release', '{http://ddex.net/xml/ern/43}Release', '/*', 'a/*/b'] }).destroy();
});

test('option errors share one form: `sluice: ` and no code in brackets', () => {
  const messages = [
    optionError(() => new XmlStream({ maxDepht: 1 })),
    optionError(() => new XmlStream({ select: 'a[1]' })),
    optionError(() => new XmlStream({ select: '{x}' })),
    optionError(() => new JsonStream({ select: 'a' })),
    optionError(() => new XmlStream({ maxDepth: -1 })),
    optionError(() => new XmlStream({ onError: 'ignore' })),
    optionError(() => new XmlStream(null)),
  ];
  for (const m of messages) {
    assert.match(m, /^sluice: /);
    assert.doesNotMatch(m, /\[ERR_|ERR_SLUICE_INVALID_OPTION/);
  }
});
