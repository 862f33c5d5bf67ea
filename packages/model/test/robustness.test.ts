/** Every optimizer, with every normalisation, keeps its state finite on adversarial input. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LogisticRegression, SampleError, SparseVector, decodeCheckpoint, encodeCheckpoint, encodeServing, decodeServing } from '../src/index.js';
import { NORMALIZATIONS, OPTIMIZER_CASES, prng } from './helpers.js';

const EXTREMES = [1e300, -1e300, 1.7e308, -1.7e308, 1e-300, -1e-300, 5e-324, 1e-15, 1e15, 0, 1];

describe('weights stay finite on adversarial input', () => {
  for (const c of OPTIMIZER_CASES) {
    for (const normalization of NORMALIZATIONS) {
      test(`${c.name}, normalization ${normalization}`, () => {
        const learner = new LogisticRegression({ featureSpace: { bits: 6 }, optimizer: c.optimizer, normalization });
        const rand = prng(99);
        const x = new SparseVector();
        for (let i = 0; i < 3000; i++) {
          x.clear();
          const n = 1 + Math.floor(rand() * 5);
          for (let k = 0; k < n; k++) x.add(Math.floor(rand() * 64), EXTREMES[Math.floor(rand() * EXTREMES.length)]!);
          const y = rand() < 0.5 ? 0 : 1;
          const weight = rand() < 0.05 ? 1e6 : rand() < 0.05 ? 0 : 1;
          const p = learner.learn(x, y, weight);
          assert.ok(p >= 0 && p <= 1, `step ${i}: p = ${p}`);
          assert.ok(Number.isFinite(learner.bias), `step ${i}: bias ${learner.bias}`);
        }
        for (let j = 0; j < learner.slots; j++) assert.ok(Number.isFinite(learner.weight(j)), `slot ${j}: ${learner.weight(j)}`);
        const stats = learner.weightStats();
        assert.ok(Number.isFinite(stats.l1Norm) || stats.l1Norm === Infinity, 'norms are numbers');
        assert.ok(!Number.isNaN(stats.l2Norm));
        // The state survives a checkpoint and a Float32 serving model has no NaN.
        const restored = decodeCheckpoint(encodeCheckpoint(learner, { model: 'm', version: 1, createdAt: 0 })).learner;
        assert.ok(Object.is(restored.bias, learner.bias));
        const serving = decodeServing(encodeServing(learner, { model: 'm', version: 1, createdAt: 0 })).model;
        for (const w of serving.weights) assert.ok(Number.isFinite(w));
      });
    }
  }
});

test('invalid labels and weights are rejected with a SampleError naming the field', () => {
  const learner = new LogisticRegression({ featureSpace: { bits: 4 } });
  const x = SparseVector.from([[1, 1]]);
  assert.throws(() => learner.learn(x, 2 as 0), (e: unknown) => e instanceof SampleError && e.field === 'label');
  assert.throws(() => learner.learn(x, 1, -1), (e: unknown) => e instanceof SampleError && e.field === 'weight');
  assert.throws(() => learner.learn(x, 1, NaN), (e: unknown) => e instanceof SampleError && e.field === 'weight');
  assert.throws(() => learner.learnBatch([{ x, y: 1, weight: Infinity }]), (e: unknown) => e instanceof SampleError && e.field === 'weight');
  assert.equal(learner.samplesSeen, 0, 'rejected samples change nothing');
});

test('FTRL with standardisation: a zero weight whose x − c overflows adds nothing to the margin', () => {
  // Slot 3 is centred at about −1.65e308 (σ > 0) and λ1 keeps every weight at exactly 0, so
  // 1.7e308 − c overflows: the margin loop must skip the zero weight (0·∞ would be NaN).
  const learner = new LogisticRegression({
    featureSpace: { bits: 4 },
    optimizer: { name: 'ftrl', learningRate: 0.5, beta: 1, l1: 1e9, l2: 0 },
    normalization: 'standard',
  });
  learner.learn(SparseVector.from([[3, -1.7e308], [5, 1]]), 1);
  learner.learn(SparseVector.from([[3, -1.6e308], [5, 1]]), 0);
  assert.equal(learner.weight(3), 0);
  assert.ok(learner.center(3) < -1e308, `centre ${learner.center(3)}`);
  const x = SparseVector.from([[3, 1.7e308], [5, 1]]);
  assert.equal(learner.margin(x), learner.bias);
  const p = learner.learn(x, 1);
  assert.ok(p > 0 && p < 1, `p = ${p}`);
});
