// Unit tests of the JavaScript half of the shell (src/shell/boundary.js): the rules, frame classification (readFrame, classify) and
// the channel check. Codes are read by name from `RULES` of boundary.js (the core's rules).
// Run: node --test tests/js/

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { checkChannel, classify, readFrame } from '../../src/shell/boundary.js';
import { rules, V, C, H, MAX } from './support.mjs';

describe('rules', () => {
  test('RULES is installed at load: a fresh module instance classifies and checks without setRules', async () => {
    const fresh = await import('../../src/shell/boundary.js?fresh-load');
    assert.deepEqual(fresh.RULES, rules);
    assert.equal(fresh.classify({ type: 'pong' }), V.PONG);
    assert.deepEqual(fresh.readFrame('{"type":"message"}', MAX).verdict, V.NO_CHANNEL);
    assert.equal(fresh.checkChannel('error'), C.RESERVED);
    assert.equal(fresh.hasRules, undefined, 'hasRules is gone');
  });

  test('setRules replaces the rules everything reads (frame types, reserved names, channel limit, templates, codes)', async () => {
    const fresh = await import('../../src/shell/boundary.js?fresh-set');
    const swapped = {
      ...rules,
      reserved: ['only'],
      types: ['msg', 'pong', 'connected', 'ping', 'subscribe', 'unsubscribe'],
      channelMaxBytes: 5,
      templates: rules.templates.map((t, i) => (i === 0 ? 'custom {1}/{0}' : t)),
      errorCodes: rules.errorCodes.map((c, i) => (i === 0 ? 'CUSTOM' : c)),
    };
    fresh.setRules(swapped);
    assert.equal(fresh.classify({ type: 'msg', channel: 'c' }), V.MESSAGE);
    assert.equal(fresh.classify({ type: 'message', channel: 'c' }), V.UNKNOWN_TYPE);
    assert.equal(fresh.classify({ type: 'msg' }), V.NO_CHANNEL);
    assert.equal(JSON.parse(fresh.encode('c', 1)).type, 'msg');
    assert.equal(fresh.checkChannel('only'), C.RESERVED);
    assert.equal(fresh.checkChannel('error'), C.OK);
    assert.equal(fresh.checkChannel('abcde'), C.OK);
    assert.equal(fresh.checkChannel('abcdef'), C.TOO_LONG);
    assert.equal(fresh.checkChannel('ééé'), C.TOO_LONG, '3 units, 6 bytes');
    const e = fresh.makeError(0, true, 'a', 'b');
    assert.equal(e.message, 'ZantaraWebSocket: custom b/a');
    assert.equal(e.code, 'CUSTOM');
    // Putting RULES back restores the core's rules.
    fresh.setRules(fresh.RULES);
    assert.equal(fresh.classify({ type: 'msg', channel: 'c' }), V.UNKNOWN_TYPE);
    assert.equal(fresh.checkChannel('error'), C.RESERVED);
    // This module instance was not touched.
    assert.equal(classify({ type: 'message', channel: 'c' }), V.MESSAGE);
  });

  test('a frame type\'s verdict code is its index in rules.types (classify relies on it)', () => {
    rules.types.forEach((t, i) => assert.equal(V[t.toUpperCase()], i, t));
  });

  test('one template per error code, using only {0} and {1}', () => {
    assert.equal(rules.templates.length, rules.errorCodes.length);
    assert.equal(new Set(rules.errorCodes).size, rules.errorCodes.length, 'codes are distinct');
    for (const t of rules.templates) {
      assert.equal(typeof t, 'string');
      const opens = t.split('{').length - 1;
      assert.equal(opens, t.split('{0}').length - 1 + (t.split('{1}').length - 1), t);
      assert.equal(t.split('}').length - 1, opens, t);
    }
  });

  test('the hub\'s event kinds: OPEN, ERROR, CLOSE, FRAME, THROWN, TIMER, PAGE, TOKEN, CREDIT, codes 0 to 8', () => {
    assert.deepEqual(Object.keys(H), ['OPEN', 'ERROR', 'CLOSE', 'FRAME', 'THROWN', 'TIMER', 'PAGE', 'TOKEN', 'CREDIT']);
    assert.deepEqual(Object.values(H), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('readFrame and classify', () => {
  test('a channel message: MESSAGE, its UTF-16 length and the parsed value', () => {
    const raw = JSON.stringify({ type: 'message', channel: 'chat', data: { text: 'hé😀' } });
    const f = readFrame(raw, MAX);
    assert.deepEqual(f, { verdict: V.MESSAGE, n: raw.length, v: { type: 'message', channel: 'chat', data: { text: 'hé😀' } } });
  });

  test('each control frame type has its own verdict', () => {
    const cases = [
      [{ type: 'pong' }, V.PONG],
      [{ type: 'connected', data: { clientId: 'x' } }, V.CONNECTED],
      [{ type: 'ping' }, V.PING],
      [{ type: 'subscribe', channel: 'c' }, V.SUBSCRIBE],
      [{ type: 'unsubscribe', channel: 'c' }, V.UNSUBSCRIBE],
    ];
    for (const [obj, verdict] of cases) {
      const raw = JSON.stringify(obj);
      assert.deepEqual(readFrame(raw, MAX), { verdict, n: raw.length, v: obj }, obj.type);
      assert.equal(classify(obj), verdict);
    }
  });

  test('text that is not JSON: NOT_JSON, not parsed', () => {
    for (const raw of ['nope', '{"type":', '', "{'type':'pong'}"]) {
      assert.deepEqual(readFrame(raw, MAX), { verdict: V.NOT_JSON, n: raw.length, v: undefined }, raw);
    }
  });

  test('JSON that is not an object: NOT_OBJECT (array, null, string, number, boolean)', () => {
    const cases = [['[1,2]', [1, 2]], ['[]', []], ['null', null], ['"pong"', 'pong'], ['42', 42], ['true', true]];
    for (const [raw, v] of cases) {
      assert.deepEqual(readFrame(raw, MAX), { verdict: V.NOT_OBJECT, n: raw.length, v }, raw);
    }
    assert.equal(classify(undefined), V.NOT_OBJECT);
    assert.equal(classify([{ type: 'pong' }]), V.NOT_OBJECT);
  });

  test('no type or a non-string type: NO_TYPE', () => {
    for (const raw of ['{}', '{"type":1}', '{"type":null}', '{"type":["pong"]}', '{"type":{"a":1}}', '{"kind":"pong"}']) {
      const f = readFrame(raw, MAX);
      assert.equal(f.verdict, V.NO_TYPE, raw);
      assert.equal(f.n, raw.length);
      assert.deepEqual(f.v, JSON.parse(raw));
    }
  });

  test('an unknown type: UNKNOWN_TYPE (names match exactly)', () => {
    for (const t of ['hello', 'MESSAGE', 'Pong', '', 'message ', 'constructor', '__proto__', 'toString']) {
      const raw = JSON.stringify({ type: t, channel: 'c' });
      assert.equal(readFrame(raw, MAX).verdict, V.UNKNOWN_TYPE, t);
    }
  });

  test('a message without a usable channel: NO_CHANNEL (missing, empty, non-string), parsed', () => {
    const cases = [{ type: 'message', data: 1 }, { type: 'message', channel: '' }, { type: 'message', channel: 5 },
      { type: 'message', channel: null }, { type: 'message', channel: ['c'] }];
    for (const obj of cases) {
      const raw = JSON.stringify(obj);
      assert.deepEqual(readFrame(raw, MAX), { verdict: V.NO_CHANNEL, n: raw.length, v: obj }, raw);
    }
  });

  test('a binary frame: BINARY with its byteLength, not parsed', () => {
    assert.deepEqual(readFrame(new ArrayBuffer(7), MAX), { verdict: V.BINARY, n: 7, v: undefined });
    assert.deepEqual(readFrame(new ArrayBuffer(0), MAX), { verdict: V.BINARY, n: 0, v: undefined });
    // Binary frames are never too large here: the limit is in UTF-16 units of text.
    assert.deepEqual(readFrame(new ArrayBuffer(100), 10), { verdict: V.BINARY, n: 100, v: undefined });
  });

  test('text longer than max UTF-16 units: TOO_LARGE, not parsed; exactly max is parsed', () => {
    const raw = '{"type":"pong","x":"😀😀é"}'; // 27 UTF-16 units (33 UTF-8 bytes)
    assert.equal(raw.length, 27);
    assert.deepEqual(readFrame(raw, 27), { verdict: V.PONG, n: 27, v: { type: 'pong', x: '😀😀é' } });
    assert.deepEqual(readFrame(raw, 26), { verdict: V.TOO_LARGE, n: 27, v: undefined });
    assert.deepEqual(readFrame('x'.repeat(11), 10), { verdict: V.TOO_LARGE, n: 11, v: undefined });
    assert.deepEqual(readFrame('', 0), { verdict: V.NOT_JSON, n: 0, v: undefined });
  });
});

describe('checkChannel', () => {
  test('a usable name is OK (code 0)', () => {
    assert.equal(C.OK, 0);
    for (const c of ['chat', 'a', 'room:1/x', ' ', 'Connected', 'MESSAGE', 'messages', '😀', 'a\uD83D\uDE00b']) {
      assert.equal(checkChannel(c), C.OK, c);
    }
  });

  test('not a string, or empty: NOT_STRING', () => {
    for (const c of [undefined, null, 1, 0, true, {}, ['chat'], Symbol('x'), () => 'chat', new String('chat'), '']) {
      assert.equal(checkChannel(c), C.NOT_STRING, String(typeof c));
    }
  });

  test('a lone surrogate, high or low: LONE_SURROGATE; a valid pair is OK', () => {
    for (const c of ['\uD800', 'a\uD83Db', 'ab\uD83D', '\uDC00', 'a\uDE00b', '\uDE00\uD83D', '\uD83D\uD83D\uDE00', '\uD83D\uDE00\uDE00']) {
      assert.equal(checkChannel(c), C.LONE_SURROGATE, JSON.stringify(c));
    }
    assert.equal(checkChannel('\uD83D\uDE00'), C.OK);
  });

  test('the same without String.prototype.isWellFormed (older engines: the regular expression)', () => {
    const desc = Object.getOwnPropertyDescriptor(String.prototype, 'isWellFormed');
    delete String.prototype.isWellFormed;
    try {
      assert.equal(''.isWellFormed, undefined);
      for (const c of ['\uD800', 'a\uD83Db', 'ab\uD83D', '\uDC00', 'a\uDE00b', '\uDE00\uD83D', '\uD83D\uD83D\uDE00', '\uD83D\uDE00\uDE00']) {
        assert.equal(checkChannel(c), C.LONE_SURROGATE, JSON.stringify(c));
      }
      assert.equal(checkChannel('\uD83D\uDE00'), C.OK);
      assert.equal(checkChannel('a\uD83D\uDE00\uD83D\uDE00b'), C.OK);
    } finally {
      if (desc) Object.defineProperty(String.prototype, 'isWellFormed', desc);
    }
  });

  test('at most rules.channelMaxBytes UTF-8 bytes: 256 is OK, 257 is TOO_LONG (multibyte counted in bytes)', () => {
    assert.equal(rules.channelMaxBytes, 256);
    const cases = [
      ['a'.repeat(256), C.OK],
      ['a'.repeat(257), C.TOO_LONG],
      ['é'.repeat(128), C.OK], // 2 bytes each
      ['é'.repeat(128) + 'a', C.TOO_LONG],
      ['€'.repeat(85) + 'a', C.OK], // 3 bytes each: 255 + 1
      ['€'.repeat(85) + 'é', C.TOO_LONG], // 255 + 2
      ['😀'.repeat(64), C.OK], // 4 bytes each, 128 UTF-16 units
      ['😀'.repeat(64) + 'a', C.TOO_LONG],
      ['€'.repeat(86), C.TOO_LONG],
    ];
    for (const [c, code] of cases) {
      assert.equal(Buffer.byteLength(c, 'utf8') <= 256, code === C.OK, 'the case itself');
      assert.equal(checkChannel(c), code, `${c.length} units, ${Buffer.byteLength(c, 'utf8')} bytes`);
    }
  });

  test('each reserved event name: RESERVED', () => {
    assert.ok(rules.reserved.length >= 8);
    for (const c of rules.reserved) assert.equal(checkChannel(c), C.RESERVED, c);
  });
});
