import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecodeError,
  EncodeError,
  decodeEvent,
  decodeLimits,
  decodeSample,
  decodeScore,
  encodeEvent,
  encodeSample,
  encodeScore,
  type Sample,
  type Score,
  type ScoreEvent,
} from '../src/index.js';

describe('encodeSample / encodeEvent', () => {
  it('writes the DESIGN §4 field order and round-trips through the decoder', () => {
    const sample: Sample = { id: 'imp-81', ts: 1764000000000, label: 1, features: { country: 'US', amount: 12.5 }, weight: 2 };
    const bytes = encodeSample(sample);
    assert.equal(bytes.toString(), '{"id":"imp-81","ts":1764000000000,"label":1,"features":{"country":"US","amount":12.5},"weight":2}');
    assert.deepEqual(decodeSample(bytes), sample);
  });

  it('takes producer-friendly input: boolean label, no weight', () => {
    assert.equal(encodeSample({ label: true, features: { a: 1 } }).toString(), '{"label":1,"features":{"a":1}}');
    assert.equal(encodeEvent({ x: [1] }).toString(), '{"x":[1]}');
  });

  it('leaves out absent fields and the default weight', () => {
    assert.equal(encodeSample({ label: 0, x: [1, 2], weight: 1 }).toString(), '{"label":0,"x":[1,2]}');
    const event: ScoreEvent = { features: { a: 'b' }, weight: 1 };
    assert.equal(encodeEvent(event).toString(), '{"features":{"a":"b"}}');
    assert.deepEqual(decodeEvent(encodeEvent(event)), event);
  });

  it('refuses what a consumer would reject, naming reason and field, without touching the input', () => {
    const nan = { label: 1, features: { amount: Number.NaN }, weight: 1 } as Sample;
    assert.throws(() => encodeSample(nan), (e: unknown) => e instanceof EncodeError && e.reason === 'non_finite' && e.field === 'features.amount');
    const unlabeled = { features: { a: 1 } } as unknown as Sample;
    // @ts-expect-error -- the types already forbid features and x together
    assert.throws(() => encodeSample({ label: 1, features: { a: 1 }, x: [1] }), (e: unknown) => e instanceof EncodeError && e.reason === 'bad_features');
    assert.throws(() => encodeSample(unlabeled), (e: unknown) => e instanceof EncodeError && e.reason === 'missing_label');
    assert.deepEqual(unlabeled, { features: { a: 1 } }, 'no weight filled in');
    const big = { label: 1, features: { a: 'x'.repeat(100) }, weight: 1 } as Sample;
    assert.throws(() => encodeSample(big, decodeLimits({ maxBytes: 50 })), (e: unknown) => e instanceof EncodeError && e.reason === 'oversize');
  });
});

describe('encodeScore / decodeScore', () => {
  const score: Score = { id: 'e1', score: 0.73, class: 1, model: 'ctr', version: 12, ts: 1764000000123 };

  it('writes {id, score, class, model, version, ts} and reads it back', () => {
    const bytes = encodeScore(score);
    assert.equal(bytes.toString(), '{"id":"e1","score":0.73,"class":1,"model":"ctr","version":12,"ts":1764000000123}');
    assert.deepEqual(decodeScore(bytes), score);
    const anonymous: Score = { ...score, id: null };
    assert.equal(JSON.parse(encodeScore(anonymous).toString()).id, null, 'id is always present');
    assert.deepEqual(decodeScore(encodeScore(anonymous)), anonymous);
  });

  it('rejects bad fields by name', () => {
    const cases: [Partial<Record<keyof Score, unknown>>, string, string][] = [
      [{ score: 1.5 }, 'bad_score', 'score'],
      [{ score: Number.NaN }, 'non_finite', 'score'],
      [{ class: 2 }, 'bad_score', 'class'],
      [{ model: '' }, 'bad_score', 'model'],
      [{ version: -1 }, 'bad_score', 'version'],
      [{ ts: 1.5 }, 'bad_ts', 'ts'],
      [{ id: '' }, 'bad_id', 'id'],
    ];
    for (const [change, reason, field] of cases) {
      const bad = { ...score, ...change } as Score;
      assert.throws(() => encodeScore(bad), (e: unknown) => e instanceof EncodeError && e.reason === reason && e.field === field, JSON.stringify(change));
      if (reason !== 'non_finite') {
        assert.throws(() => decodeScore(JSON.stringify(bad)), (e: unknown) => e instanceof DecodeError && e.reason === reason && e.field === field);
      }
    }
    assert.throws(() => decodeScore('nope'), (e: unknown) => e instanceof DecodeError && e.reason === 'not_json');
    assert.throws(() => decodeScore('[]'), (e: unknown) => e instanceof DecodeError && e.reason === 'not_object');
  });
});
