import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogisticRegression, MergeError, mergeLearners, SparseVector } from '../src/index.js';
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

test('pooling the standardiser keeps a one-hot slot exact: centre 0, scale 1, whatever the counts', () => {
  // Three replicas saw the one-hot slot 1, 4 and 1 times. Pooling the means as Σ (n_k/n)·μ_k
  // gave 1/6 + 4/6 + 1/6 = 0.9999999999999999, hence a spread of ~1e-16: the slot looked
  // numeric, got centred at ~1, and every prediction that used it moved by its weight.
  const oneHot = 5;
  const numeric = 9;
  const learners = [1, 4, 1].map((count, k) => {
    const learner = new LogisticRegression({ featureSpace: { bits: 4 }, normalization: 'standard' });
    for (let i = 0; i < count; i++) {
      const x = new SparseVector(2);
      x.add(oneHot, 1);
      x.add(numeric, 10 + k + i);
      learner.learn(x, ((i + k) % 2) as 0 | 1);
    }
    return learner;
  });
  for (const l of learners) assert.equal(l.center(oneHot), 0);

  const merged = mergeLearners(learners);
  const scaler = merged.exportState().scaler!;
  assert.equal(scaler.count[oneHot], 6);
  assert.equal(scaler.location[oneHot], 1, 'pooled mean of a slot that is always 1');
  assert.equal(scaler.spread[oneHot], 0, 'pooled spread of a slot that never varies');
  assert.equal(merged.center(oneHot), 0);

  // With the centres agreeing, the merged margin is the mixture of the margins.
  const x = new SparseVector(1);
  x.add(oneHot, 1);
  const mixture = learners.reduce((acc, l) => acc + l.margin(x) / 3, 0);
  assert.ok(Math.abs(merged.margin(x) - mixture) < 1e-12, `margin ${merged.margin(x)} vs mixture ${mixture}`);
});

test('pooled mean and spread match the statistics of the concatenated values', () => {
  // Chan, Golub & LeVeque (1979): pooling per-replica (n, μ, σ) must give the (n, μ, σ) of all values.
  const slot = 3;
  const parts = [[2, 4, 4, 4], [5, 5, 7], [9, 1, 3, 8, 2]];
  const learners = parts.map((values) => {
    const learner = new LogisticRegression({ featureSpace: { bits: 4 }, normalization: 'standard' });
    for (const v of values) {
      const x = new SparseVector(1);
      x.add(slot, v);
      learner.learn(x, 1);
    }
    return learner;
  });
  const all = parts.flat();
  const mean = all.reduce((a, v) => a + v, 0) / all.length;
  const sd = Math.sqrt(all.reduce((a, v) => a + (v - mean) ** 2, 0) / all.length);
  const scaler = mergeLearners(learners).exportState().scaler!;
  assert.equal(scaler.count[slot], all.length);
  assert.ok(Math.abs(scaler.location[slot]! - mean) < 1e-12, `mean ${scaler.location[slot]} vs ${mean}`);
  assert.ok(Math.abs(scaler.spread[slot]! - sd) < 1e-12, `spread ${scaler.spread[slot]} vs ${sd}`);
});

test('pooling equal RMS scales gives exactly that scale', () => {
  // Σ n_k·s² / n rounds: 0.1 seen 1, 8 and 1 times pooled to 0.10000000000000002.
  const slot = 2;
  const learners = [1, 8, 1].map((count) => {
    const learner = new LogisticRegression({ featureSpace: { bits: 4 }, normalization: 'rms' });
    for (let i = 0; i < count; i++) {
      const x = new SparseVector(1);
      x.add(slot, 0.1);
      learner.learn(x, (i % 2) as 0 | 1);
    }
    return learner;
  });
  const scaler = mergeLearners(learners).exportState().scaler!;
  assert.equal(scaler.count[slot], 10);
  assert.equal(scaler.location[slot], 0.1);
});
