import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import {
  DECODE_REASONS,
  DECODE_REASON_DESCRIPTIONS,
  DEFAULT_DECODE_LIMITS,
  DecodeError,
  InvalidOptionError,
  ProtocolError,
  decodeEvent,
  decodeLimits,
  decodeSample,
  isDecodeReason,
  tryDecodeEvent,
  tryDecodeSample,
  validateEvent,
  validateSample,
  type DecodeLimits,
  type DecodeReason,
} from '../src/index.js';

/** The DecodeError that decoding `input` as a sample (or event) gives. */
function rejection(input: Uint8Array | string | null, options: { event?: boolean; limits?: DecodeLimits } = {}): DecodeError {
  const limits = options.limits ?? DEFAULT_DECODE_LIMITS;
  const result = options.event ? tryDecodeEvent(input, limits) : tryDecodeSample(input, limits);
  assert.equal(result.ok, false, `expected ${String(input).slice(0, 80)} to be rejected`);
  if (result.ok) throw new Error('unreachable');
  assert.ok(result.error instanceof DecodeError);
  // The throwing variant throws the same reason and field.
  assert.throws(
    () => (options.event ? decodeEvent(input, limits) : decodeSample(input, limits)),
    (e: unknown) => e instanceof DecodeError && e.reason === result.error.reason && e.field === result.error.field,
  );
  return result.error;
}

function expectReason(input: Uint8Array | string | null, reason: DecodeReason, field?: string, options: { event?: boolean; limits?: DecodeLimits } = {}): DecodeError {
  const error = rejection(input, options);
  assert.equal(error.reason, reason, error.message);
  assert.equal(error.field, field, error.message);
  return error;
}

describe('decodeSample: valid messages', () => {
  it('decodes the DESIGN §4 example as is, from bytes and from a string', () => {
    const text = '{"id": "imp-81", "ts": 1764000000000, "label": 1, "features": {"country": "US", "device": "ios", "amount": 12.5}, "weight": 1.0}';
    const expected = { id: 'imp-81', ts: 1764000000000, label: 1, features: { country: 'US', device: 'ios', amount: 12.5 }, weight: 1 };
    assert.deepEqual(decodeSample(Buffer.from(text)), expected);
    assert.deepEqual(decodeSample(text), expected);
    assert.deepEqual(decodeSample(new TextEncoder().encode(text)), expected); // a plain Uint8Array
  });

  it('normalizes boolean labels to 0/1 and fills in weight 1', () => {
    assert.deepEqual(decodeSample('{"label":true,"features":{"a":1}}'), { label: 1, features: { a: 1 }, weight: 1 });
    assert.deepEqual(decodeSample('{"label":false,"x":[1,2]}'), { label: 0, x: [1, 2], weight: 1 });
    assert.equal(decodeSample('{"label":1.0,"x":[]}').label, 1);
    assert.ok(Object.is(decodeSample('{"label":-0,"x":[]}').label, 0), '-0 becomes 0');
  });

  it('accepts boolean and string feature values, empty features, weight 0, and -0', () => {
    const s = decodeSample('{"label":0,"features":{"vip":true,"country":"","z":-0},"weight":0}');
    assert.deepEqual(s.features, { vip: true, country: '', z: -0 });
    assert.equal(s.weight, 0);
    assert.deepEqual(decodeSample('{"label":1,"features":{}}').features, {});
  });

  it('keeps large finite numbers and a view into a larger buffer', () => {
    assert.equal(decodeSample('{"label":1,"x":[1e308]}').x?.[0], 1e308);
    const big = Buffer.from('xx{"label":1,"x":[3]}yy');
    assert.deepEqual(decodeSample(big.subarray(2, big.length - 2)).x, [3]);
  });

  it('ignores unknown top-level fields (forward compatibility)', () => {
    assert.equal(decodeSample('{"label":1,"x":[1],"source":"web"}').label, 1);
  });

  it('drops a UTF-8 byte-order mark', () => {
    assert.equal(decodeSample(Buffer.from('\ufeff{"label":1,"x":[1]}')).label, 1);
    assert.equal(decodeSample('\ufeff{"label":1,"x":[1]}').label, 1);
  });

  it('returns the same object JSON.parse made (no copy)', () => {
    const result = tryDecodeSample('{"label":1,"features":{"a":"b"}}');
    assert.ok(result.ok);
    assert.deepEqual(result.value, { label: 1, features: { a: 'b' }, weight: 1 });
  });
});

describe('decodeEvent', () => {
  it('accepts an event without a label and keeps a label when present', () => {
    const e = decodeEvent('{"id":"e1","features":{"country":"FR"}}');
    assert.deepEqual(e, { id: 'e1', features: { country: 'FR' }, weight: 1 });
    assert.equal('label' in e, false);
    assert.equal(decodeEvent('{"label":true,"x":[1]}').label, 1);
  });

  it('still rejects a present but bad label', () => {
    expectReason('{"label":"yes","x":[1]}', 'bad_label', 'label', { event: true });
  });
});

describe('DecodeError reasons', () => {
  const limits = decodeLimits({ maxBytes: 64, maxFeatures: 3 });

  it('oversize: checked on bytes before anything else, and on strings by UTF-8 size', () => {
    const e = expectReason(Buffer.alloc(65, 0xff), 'oversize', undefined, { limits }); // invalid UTF-8, never looked at
    assert.match(e.message, /65 bytes/);
    expectReason('x'.repeat(65), 'oversize', undefined, { limits });
    // 22 characters but 66 bytes of UTF-8
    expectReason('"' + '€'.repeat(21) + '"', 'oversize', undefined, { limits });
    expectReason(Buffer.from('{"label":1,"x":[' + '1,'.repeat(2_000_000) + '1]}'), 'oversize'); // default 1 MiB
  });

  it('bad_encoding: invalid UTF-8 bytes', () => {
    expectReason(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 'bad_encoding');
    expectReason(Buffer.from([0xed, 0xa0, 0x80]), 'bad_encoding'); // an encoded surrogate
  });

  it('not_json: syntax errors, empty input, null (a tombstone)', () => {
    const e = expectReason('{"label":1,', 'not_json');
    assert.ok(e.cause instanceof SyntaxError);
    expectReason('', 'not_json');
    expectReason(null, 'not_json');
    expectReason("{'label':1}", 'not_json');
  });

  it('non_finite: bare NaN/Infinity tokens, overflow to Infinity, strings spelling non-finite numbers in x', () => {
    expectReason('{"label":1,"features":{"a":NaN}}', 'non_finite');
    expectReason('{"label":1,"x":[1, -Infinity]}', 'non_finite');
    expectReason('{"label":1,"features":{"amount":1e400}}', 'non_finite', 'features.amount');
    expectReason('{"label":1,"features":{"amount":-1e400}}', 'non_finite', 'features.amount');
    expectReason('{"label":1,"x":[0,"NaN"]}', 'non_finite', 'x[1]');
    expectReason('{"label":1,"x":["-inf"]}', 'non_finite', 'x[0]');
  });

  it('not_object: any JSON that is not an object', () => {
    for (const text of ['[]', '[{"label":1,"x":[1]}]', '"text"', '42', 'null', 'true']) expectReason(text, 'not_object');
  });

  it('missing_label and bad_label', () => {
    expectReason('{"features":{"a":1}}', 'missing_label', 'label');
    for (const label of ['2', '"1"', '"true"', 'null', '0.5', '-1', '[1]', '{}']) {
      expectReason(`{"label":${label},"x":[1]}`, 'bad_label', 'label');
    }
  });

  it('missing_features and bad_features', () => {
    expectReason('{"label":1}', 'missing_features', 'features');
    expectReason('{"label":1,"features":null}', 'bad_features', 'features');
    expectReason('{"label":1,"features":[1,2]}', 'bad_features', 'features');
    expectReason('{"label":1,"features":"a=1"}', 'bad_features', 'features');
    expectReason('{"label":1,"x":{"0":1}}', 'bad_features', 'x');
    expectReason('{"label":1,"x":null}', 'bad_features', 'x');
    expectReason('{"label":1,"features":{"a":1},"x":[1]}', 'bad_features', 'x');
  });

  it('too_many_features: for named features and for x', () => {
    expectReason('{"label":1,"features":{"a":1,"b":2,"c":3,"d":4}}', 'too_many_features', 'features', { limits });
    expectReason('{"label":1,"x":[1,2,3,4]}', 'too_many_features', 'x', { limits });
    assert.equal(tryDecodeSample('{"label":1,"x":[1,2,3]}', limits).ok, true);
  });

  it('bad_value: null, objects, arrays as feature values; non-numbers in x', () => {
    expectReason('{"label":1,"features":{"a":null}}', 'bad_value', 'features.a');
    expectReason('{"label":1,"features":{"a":1,"b":{"c":1}}}', 'bad_value', 'features.b');
    expectReason('{"label":1,"features":{"a":[1]}}', 'bad_value', 'features.a');
    expectReason('{"label":1,"x":[1,"2"]}', 'bad_value', 'x[1]');
    expectReason('{"label":1,"x":[true]}', 'bad_value', 'x[0]');
    expectReason('{"label":1,"x":[null]}', 'bad_value', 'x[0]');
  });

  it('bad_id, bad_ts, bad_weight', () => {
    for (const id of ['""', '81', 'null', '{}']) expectReason(`{"label":1,"x":[1],"id":${id}}`, 'bad_id', 'id');
    for (const ts of ['-1', '1.5', '"2024-01-01"', 'null', '1e300']) expectReason(`{"label":1,"x":[1],"ts":${ts}}`, 'bad_ts', 'ts');
    for (const w of ['-0.1', '"1"', 'null', '1e400', 'true']) expectReason(`{"label":1,"x":[1],"weight":${w}}`, 'bad_weight', 'weight');
  });

  it('names a long feature in a bounded field path', () => {
    const name = 'n'.repeat(500);
    const e = expectReason(`{"label":1,"features":{"${name}":null}}`, 'bad_value', `features.${'n'.repeat(100)}…`);
    assert.ok(e.message.length < 400);
  });

  it('every reason is documented, and DecodeErrors are ProtocolErrors that are not retriable', () => {
    assert.equal(new Set(DECODE_REASONS).size, DECODE_REASONS.length);
    for (const reason of DECODE_REASONS) {
      assert.match(reason, /^[a-z_]+$/, 'usable as a Prometheus label value and a header');
      assert.ok(DECODE_REASON_DESCRIPTIONS[reason].length > 0);
      assert.ok(isDecodeReason(reason));
    }
    assert.equal(isDecodeReason('nope'), false);
    const e = rejection('{');
    assert.ok(e instanceof ProtocolError);
    assert.equal(e.retriable, false);
    assert.equal(e.name, 'DecodeError');
  });
});

describe('validateSample / validateEvent (already-parsed values)', () => {
  it('validates and normalizes in place', () => {
    const value: unknown = { label: true, features: { a: 1 } };
    assert.equal(validateSample(value), value);
    assert.deepEqual(value, { label: 1, features: { a: 1 }, weight: 1 });
    assert.deepEqual(validateEvent({ x: [1] }), { x: [1], weight: 1 });
  });

  it('rejects what the decoders reject, including NaN that JSON cannot carry', () => {
    assert.throws(() => validateSample({ label: 1, x: [Number.NaN] }), (e: unknown) => e instanceof DecodeError && e.reason === 'non_finite' && e.field === 'x[0]');
    assert.throws(() => validateSample({ label: 1, features: { f: undefined } }), (e: unknown) => e instanceof DecodeError && e.reason === 'bad_value');
    assert.throws(() => validateSample(undefined), (e: unknown) => e instanceof DecodeError && e.reason === 'not_object');
  });
});

describe('decodeLimits', () => {
  it('fills defaults and validates each field by name', () => {
    assert.deepEqual(decodeLimits(), DEFAULT_DECODE_LIMITS);
    assert.deepEqual(decodeLimits({ maxFeatures: 5 }), { maxBytes: 1_048_576, maxFeatures: 5 });
    for (const [options, option] of [
      [{ maxBytes: 0 }, 'limits.maxBytes'],
      [{ maxBytes: 1.5 }, 'limits.maxBytes'],
      [{ maxBytes: 2 ** 40 }, 'limits.maxBytes'],
      [{ maxFeatures: -1 }, 'limits.maxFeatures'],
      [{ maxFeatures: Number.NaN }, 'limits.maxFeatures'],
    ] as const) {
      assert.throws(() => decodeLimits(options), (e: unknown) => e instanceof InvalidOptionError && e.option === option);
    }
  });

  it('the decoders refuse invalid limits with InvalidOptionError, not a DecodeError', () => {
    const bad = { maxBytes: -1, maxFeatures: 10 } as DecodeLimits;
    assert.throws(() => tryDecodeSample('{}', bad), InvalidOptionError);
  });
});
