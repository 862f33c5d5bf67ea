/**
 * Property tests (fast-check): whatever bytes arrive, the decoders only ever answer with a valid sample
 * or a DecodeError; no other exception, no hang, and no NaN/Infinity ever reaches the model.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CsvRowDecoder,
  DECODE_REASONS,
  DecodeError,
  decodeEvent,
  decodeLimits,
  decodeSample,
  decodeScore,
  encodeSample,
  parseLibsvmLine,
  tryDecodeEvent,
  tryDecodeSample,
  type DecodeLimits,
  type Sample,
} from '../src/index.js';

const RUNS = 1500;
const limits = decodeLimits({ maxBytes: 4096, maxFeatures: 64 });

/** Throws unless `value` is a sample (or, with requireLabel false, an event) the model can take. */
function assertModelSafe(value: unknown, requireLabel: boolean): void {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value));
  const m = value as Record<string, unknown>;
  if (requireLabel || m['label'] !== undefined) assert.ok(m['label'] === 0 || m['label'] === 1, `label ${String(m['label'])}`);
  assert.ok(typeof m['weight'] === 'number' && Number.isFinite(m['weight']) && m['weight'] >= 0, `weight ${String(m['weight'])}`);
  assert.ok((m['features'] === undefined) !== (m['x'] === undefined), 'exactly one of features and x');
  if (m['features'] !== undefined) {
    const features = m['features'] as Record<string, unknown>;
    assert.ok(typeof features === 'object' && features !== null && !Array.isArray(features));
    assert.ok(Object.keys(features).length <= limits.maxFeatures);
    for (const v of Object.values(features)) {
      assert.ok(typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)), `feature ${String(v)}`);
    }
  } else {
    const x = m['x'] as unknown[];
    assert.ok(Array.isArray(x) && x.length <= limits.maxFeatures);
    for (const v of x) assert.ok(typeof v === 'number' && Number.isFinite(v), `x ${String(v)}`);
  }
  if (m['id'] !== undefined) assert.ok(typeof m['id'] === 'string' && m['id'].length > 0);
  if (m['ts'] !== undefined) assert.ok(Number.isSafeInteger(m['ts']) && (m['ts'] as number) >= 0);
}

function assertDecodeError(error: unknown): void {
  assert.ok(error instanceof DecodeError, `not a DecodeError: ${String(error)}`);
  assert.ok((DECODE_REASONS as readonly string[]).includes(error.reason));
}

/** Runs every decoder on `input`; each must return a model-safe value or a DecodeError. */
function checkAllDecoders(input: Uint8Array | string): void {
  for (const requireLabel of [true, false]) {
    const result = requireLabel ? tryDecodeSample(input, limits) : tryDecodeEvent(input, limits);
    if (result.ok) assertModelSafe(result.value, requireLabel);
    else assertDecodeError(result.error);
    try {
      assertModelSafe(requireLabel ? decodeSample(input, limits) : decodeEvent(input, limits), requireLabel);
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      assertDecodeError(error);
    }
  }
  try {
    decodeScore(input, limits);
  } catch (error) {
    assertDecodeError(error);
  }
}

// Values likely to break a validator: edge numbers, spellings of non-finite numbers, wrong types.
const nasty = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, true, false, null, '', 'NaN', 'inf', '-Infinity', '1', '0', 'true', [], {}),
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.jsonValue({ maxDepth: 2 }),
);

const featureName = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'toString', '0', '', 'a.b'));

/** A valid sample, as a producer would build it. */
const validSample: fc.Arbitrary<Sample> = fc
  .record(
    {
      id: fc.string({ minLength: 1, maxLength: 12 }),
      ts: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      label: fc.constantFrom(0 as const, 1 as const),
      weight: fc.double({ min: 0, max: 1e6, noNaN: true }),
      input: fc.oneof(
        fc.dictionary(featureName, fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 10 }), fc.boolean()), { maxKeys: 10 }).map((features) => ({ features })),
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 10 }).map((x) => ({ x })),
      ),
    },
    { requiredKeys: ['label', 'weight', 'input'] },
  )
  .map(({ input, ...rest }) => ({ ...rest, ...input }) as Sample);

/** Text edits of a JSON message: bytes changed, inserted, removed; truncation. */
const textMutation = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), char: fc.constantFrom('"', '{', '}', ':', ',', '[', ']', '\\', 'N', '-', 'e', '9', '\u0000', '€', '\ud800') }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

describe('decoder properties', () => {
  it('random bytes: only samples that are model-safe, or DecodeErrors', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => checkAllDecoders(bytes)),
      { numRuns: RUNS },
    );
  });

  it('random JSON values and strings', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), fc.string({ maxLength: 200 }), fc.fullUnicodeString({ maxLength: 100 })), (text) =>
        checkAllDecoders(text),
      ),
      { numRuns: RUNS },
    );
  });

  it('message-shaped objects with arbitrary field values', { timeout: 60_000 }, () => {
    const shaped = fc.record(
      {
        id: nasty,
        ts: nasty,
        label: nasty,
        weight: nasty,
        features: fc.oneof(nasty, fc.dictionary(featureName, nasty, { maxKeys: 80 })),
        x: fc.oneof(nasty, fc.array(nasty, { maxLength: 80 })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(shaped, (message) => {
        const text = JSON.stringify(message);
        checkAllDecoders(text);
        checkAllDecoders(Buffer.from(text));
      }),
      { numRuns: RUNS },
    );
  });

  it('valid samples decode to themselves, through encodeSample too', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(validSample, (sample) => {
        const decoded = decodeSample(JSON.stringify(sample), limits);
        assertModelSafe(decoded, true);
        const normalize = (s: Sample): unknown => JSON.parse(JSON.stringify(s)); // -0 → 0, as JSON has no -0
        assert.deepEqual(normalize(decoded), normalize(sample));
        assert.deepEqual(normalize(decodeSample(encodeSample(sample, limits), limits)), normalize(sample));
      }),
      { numRuns: RUNS },
    );
  });

  it('mutations of valid samples: model-safe or DecodeError', { timeout: 60_000 }, () => {
    const fieldMutation = fc.record({ field: fc.constantFrom('id', 'ts', 'label', 'weight', 'features', 'x'), value: fc.option(nasty, { nil: undefined }) });
    fc.assert(
      fc.property(validSample, fc.array(fc.oneof(textMutation, fieldMutation), { maxLength: 4 }), (sample, mutations) => {
        const message: Record<string, unknown> = { ...sample };
        let text = JSON.stringify(message);
        for (const m of mutations) {
          if ('field' in m) {
            message[m.field] = m.value;
            text = JSON.stringify(message);
          } else if (text.length > 0) {
            const at = m.at % text.length;
            if (m.kind === 'replace') text = text.slice(0, at) + m.char + text.slice(at + 1);
            else if (m.kind === 'delete') text = text.slice(0, at) + text.slice(at + m.length);
            else text = text.slice(0, at);
          }
        }
        // An overflowing exponent is how Infinity sneaks through JSON: add some.
        checkAllDecoders(text.replace(/(\d)(?=[,\]}])/, '$1e999'));
        checkAllDecoders(text);
        checkAllDecoders(Buffer.from(text));
      }),
      { numRuns: RUNS },
    );
  });

  it('LIBSVM lines: model-safe, skipped (blank), or DecodeError', { timeout: 60_000 }, () => {
    const token = fc.oneof(
      fc.tuple(fc.oneof(fc.nat().map(String), fc.string({ maxLength: 3 })), fc.oneof(fc.double().map(String), fc.string({ maxLength: 4 }), fc.constantFrom('nan', 'inf', '1e999', ''))).map(([i, v]) => `${i}:${v}`),
      fc.constantFrom('1', '-1', '+1', '0', '2', '#', 'qid:1', ':', '::'),
      fc.string({ maxLength: 5 }),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), fc.constantFrom(' ', '\t', '  '), fc.boolean(), (tokens, sep, requireLabel) => {
        const result = parseLibsvmLine(tokens.join(sep), requireLabel, limits);
        if (result === undefined) return;
        if (result instanceof DecodeError) assertDecodeError(result);
        else assertModelSafe(result, requireLabel);
      }),
      { numRuns: RUNS },
    );
  });

  it('CSV rows: model-safe or DecodeError', { timeout: 60_000 }, () => {
    const cell = fc.oneof(fc.string({ maxLength: 6 }), fc.double().map(String), fc.constantFrom('', ' ', 'NaN', 'Inf', '-inf', '1e999', '0x1F', 'true', 'FALSE', '1.0', '-1'));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(cell, { maxLength: 10 }), fc.boolean(), (width, cells, requireLabel) => {
        const header = ['label', ...Array.from({ length: width - 1 }, (_, i) => `c${i}`)];
        const decoder = new CsvRowDecoder(header, { label: 'label', requireLabel, limits: limits as DecodeLimits });
        const result = decoder.decode(cells);
        if (result instanceof DecodeError) assertDecodeError(result);
        else assertModelSafe(result, requireLabel);
      }),
      { numRuns: RUNS },
    );
  });
});
