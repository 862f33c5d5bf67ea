import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LogisticRegression, encodeCheckpoint, encodeServing, encodeSnapshot, decodeCheckpoint, type SnapshotInfo } from '../src/index.js';
import { NORMALIZATIONS, OPTIMIZER_CASES, randomStream } from './helpers.js';

const INFO: SnapshotInfo = { model: 'ctr', version: 3, createdAt: 1_764_000_000_000, offsets: { 't/0': '42' } };

/** The slots of every vector learned, ascending: what a trainer passes as `slots`. */
function trainedSlots(stream: ReturnType<typeof randomStream>): Int32Array {
  const seen = new Set<number>();
  for (const { x } of stream) for (let k = 0; k < x.nnz; k++) seen.add(x.indices[k]!);
  return Int32Array.from([...seen].sort((a, b) => a - b));
}

describe('exportState({ slots }): the state at chosen slots, as the full exportState has it', () => {
  for (const c of OPTIMIZER_CASES) {
    for (const normalization of NORMALIZATIONS) {
      test(`${c.name}, normalization ${normalization}`, () => {
        const learner = new LogisticRegression({ featureSpace: { bits: 12 }, optimizer: c.optimizer, normalization });
        const stream = randomStream(800, 3000, 5);
        for (const s of stream) learner.learn(s.x, s.y);
        const slots = trainedSlots(stream);
        const at = learner.exportState({ slots });
        const full = learner.exportState();
        assert.equal(at.samplesSeen, full.samplesSeen);
        assert.equal(at.steps, full.steps);
        assert.deepEqual(Object.keys(at.optimizer.arrays).sort(), Object.keys(full.optimizer.arrays).sort());
        assert.deepEqual(at.optimizer.scalars, full.optimizer.scalars);
        for (const [name, values] of Object.entries(full.optimizer.arrays)) {
          assert.deepEqual(at.optimizer.arrays[name], Float64Array.from(slots, (j) => values[j]!), name);
        }
        assert.equal(at.scaler === null, full.scaler === null);
        if (at.scaler !== null && full.scaler !== null) {
          const fullScaler = full.scaler;
          for (const key of ['count', 'location', 'spread'] as const) {
            const values: Float64Array = fullScaler[key];
            const expected: Float64Array = values.length === 0 ? new Float64Array(0) : Float64Array.from(slots, (j) => values[j]!);
            assert.deepEqual(at.scaler[key], expected, key);
          }
        }
      });
    }
  }
});

describe('encodeSnapshot with the trained slots: encodeCheckpoint and encodeServing byte for byte', () => {
  for (const c of OPTIMIZER_CASES) {
    for (const normalization of NORMALIZATIONS) {
      test(`${c.name}, normalization ${normalization}`, () => {
        const learner = new LogisticRegression({ featureSpace: { bits: 14 }, optimizer: c.optimizer, normalization });
        const stream = randomStream(1200, 5000, 9);
        for (const s of stream) learner.learn(s.x, s.y);
        const slots = trainedSlots(stream);
        const pair = encodeSnapshot(learner, INFO, { slots });
        assert.deepEqual(pair.checkpoint, encodeCheckpoint(learner, INFO));
        assert.deepEqual(pair.serving, encodeServing(learner, INFO));
        assert.deepEqual(encodeSnapshot(learner, INFO, { slots, precision: 64 }).serving, encodeServing(learner, INFO, { precision: 64 }));
        assert.deepEqual(encodeSnapshot(learner, INFO), pair);
        // And it resumes: the decoded learner encodes to the same checkpoint.
        assert.deepEqual(encodeCheckpoint(decodeCheckpoint(pair.checkpoint).learner, INFO), pair.checkpoint);
      });
    }
  }
});

test('encodeSnapshot with slots writes an array dense when that is smaller (most slots trained)', () => {
  const learner = new LogisticRegression({ featureSpace: { bits: 6 } });
  const stream = randomStream(500, 64, 3);
  for (const s of stream) learner.learn(s.x, s.y);
  const slots = trainedSlots(stream);
  assert.ok(slots.length > 48);
  const pair = encodeSnapshot(learner, INFO, { slots });
  assert.deepEqual(pair.checkpoint, encodeCheckpoint(learner, INFO));
  assert.deepEqual(pair.serving, encodeServing(learner, INFO));
});

test('exportState({ slots }) names a slot outside the table', () => {
  const learner = new LogisticRegression({ featureSpace: { bits: 4 } });
  assert.throws(() => learner.exportState({ slots: Int32Array.of(3, 16) }), /slot 16 at position 1/);
  assert.throws(() => learner.exportState({ slots: Int32Array.of(-1) }), /slot -1 at position 0/);
});

test('encodeSnapshot with no slots trained is the fresh learner', () => {
  const learner = new LogisticRegression({ featureSpace: { bits: 10 } });
  const pair = encodeSnapshot(learner, INFO, { slots: new Int32Array(0) });
  assert.deepEqual(pair.checkpoint, encodeCheckpoint(learner, INFO));
  assert.deepEqual(pair.serving, encodeServing(learner, INFO));
});

test('reserveMemory changes no value: a learner continues bit for bit', () => {
  const a = new LogisticRegression({ featureSpace: { bits: 12 } });
  const b = new LogisticRegression({ featureSpace: { bits: 12 } });
  const stream = randomStream(400, 4096, 5);
  for (const s of stream.slice(0, 200)) {
    a.learn(s.x, s.y);
    b.learn(s.x, s.y);
  }
  b.reserveMemory();
  for (const s of stream.slice(200)) assert.equal(b.learn(s.x, s.y), a.learn(s.x, s.y));
  assert.deepEqual(b.exportState(), a.exportState());
});
