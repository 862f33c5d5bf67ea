import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogisticRegression, MergeError, mergeLearners } from '../src/index.js';
import { NORMALIZATIONS, OPTIMIZER_CASES, randomStream } from './helpers.js';

test('merging one learner, or identical learners, changes no prediction', () => {
  for (const c of OPTIMIZER_CASES) {
    const learner = new LogisticRegression({ featureSpace: { bits: 8 }, optimizer: c.optimizer });
    const stream = randomStream(800, 256, 4);
    for (const s of stream) learner.learn(s.x, s.y);
    const merged = mergeLearners([learner, learner.clone()]);
    for (const s of stream.slice(0, 100)) assert.ok(Math.abs(merged.predictProba(s.x) - learner.predictProba(s.x)) < 1e-12, c.name);
    assert.equal(merged.samplesSeen, 1600);
    assert.equal(merged.steps, 800);
  }
});

test('merged raw weights and bias are the mixture of the learners', () => {
  for (const c of OPTIMIZER_CASES) {
    for (const normalization of NORMALIZATIONS) {
      const options = { featureSpace: { bits: 8 }, optimizer: c.optimizer, normalization };
      const a = new LogisticRegression(options);
      const b = new LogisticRegression(options);
      for (const s of randomStream(700, 256, 1)) a.learn(s.x, s.y);
      for (const s of randomStream(500, 256, 2)) b.learn(s.x, s.y);
      const merged = mergeLearners([a, b], [3, 1]);
      for (let j = 0; j < 256; j++) {
        const expected = 0.75 * a.weight(j) + 0.25 * b.weight(j);
        assert.ok(Math.abs(merged.weight(j) - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${c.name}/${normalization} slot ${j}`);
      }
      assert.ok(Math.abs(merged.bias - (0.75 * a.bias + 0.25 * b.bias)) < 1e-12);
      // The merged learner keeps training.
      for (const s of randomStream(50, 256, 3)) assert.ok(Number.isFinite(merged.learn(s.x, s.y)));
    }
  }
});

test('merging learners with different options or bad mixing weights fails clearly', () => {
  const a = new LogisticRegression({ featureSpace: { bits: 8 } });
  const b = new LogisticRegression({ featureSpace: { bits: 9 } });
  assert.throws(() => mergeLearners([a, b]), MergeError);
  assert.throws(() => mergeLearners([]), MergeError);
  assert.throws(() => mergeLearners([a, a.clone()], [1]), MergeError);
  assert.throws(() => mergeLearners([a, a.clone()], [0, 0]), MergeError);
  assert.throws(() => mergeLearners([a, a.clone()], [1, -1]), MergeError);
});
