import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogisticRegression, OptionError, SparseVector, encodeCheckpoint, fitBatch, fitEpochs, fitMiniBatches, sigmoid } from '../src/index.js';
import { OPTIMIZER_CASES, randomStream } from './helpers.js';

const INFO = { model: 'm', version: 1, createdAt: 0 };

test('a mini-batch of one sample is exactly learn(), for every optimizer', () => {
  for (const c of OPTIMIZER_CASES) {
    const stream = randomStream(300, 256, 3);
    const a = new LogisticRegression({ featureSpace: { bits: 8 }, optimizer: c.optimizer });
    const b = new LogisticRegression({ featureSpace: { bits: 8 }, optimizer: c.optimizer });
    for (const s of stream) {
      a.learn(s.x, s.y, 0.5);
      b.learnBatch([{ ...s, weight: 0.5 }]);
    }
    assert.deepEqual(encodeCheckpoint(b, INFO), encodeCheckpoint(a, INFO), c.name);
  }
});

test('the batch rule: one step along the averaged gradient', () => {
  // Values scaled into [-1, 1]-ish: normalisation 'none' is for pre-scaled data.
  const stream = randomStream(40, 64, 8).map(({ x, y }) => {
    const scaled = new SparseVector();
    for (let k = 0; k < x.nnz; k++) scaled.add(x.indices[k]!, x.values[k]! / 100);
    return { x: scaled, y };
  });
  const eta = 0.1;
  const learner = new LogisticRegression({ featureSpace: { bits: 6 }, optimizer: { name: 'sgd', learningRate: eta }, normalization: 'none' });
  for (const s of stream.slice(0, 20)) learner.learn(s.x, s.y);
  const before = Array.from({ length: 64 }, (_, j) => learner.weight(j));
  const biasBefore = learner.bias;
  const batch = stream.slice(20);
  const expected = before.slice();
  let biasGradient = 0;
  let loss = 0;
  for (const { x, y } of batch) {
    let z = biasBefore;
    for (let k = 0; k < x.nnz; k++) z += before[x.indices[k]!]! * x.values[k]!;
    const p = sigmoid(z);
    loss += y === 1 ? -Math.log(p) : -Math.log(1 - p);
    for (let k = 0; k < x.nnz; k++) expected[x.indices[k]!]! -= (eta * (p - y) * x.values[k]!) / batch.length;
    biasGradient += (p - y) / batch.length;
  }
  const reported = fitBatch(learner, batch);
  assert.ok(Math.abs(reported - loss / batch.length) < 1e-12, `returns the mean loss before the step: ${reported} vs ${loss / batch.length}`);
  for (let j = 0; j < 64; j++) assert.ok(Math.abs(learner.weight(j) - expected[j]!) < 1e-12, `slot ${j}`);
  assert.ok(Math.abs(learner.bias - (biasBefore - eta * biasGradient)) < 1e-12);
  assert.equal(learner.samplesSeen, 40);
  assert.equal(learner.steps, 21);
});

test('epochs run in order and progressive loss falls on a learnable stream', () => {
  const stream = randomStream(2000, 256, 12);
  const learner = new LogisticRegression({ featureSpace: { bits: 8 } });
  const seen: number[] = [];
  const losses = fitEpochs(learner, stream, { epochs: 3, onEpoch: (e) => seen.push(e) });
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(losses.length, 3);
  assert.ok(losses[2]! < losses[0]!, `${losses.join(' > ')}`);
  assert.equal(learner.samplesSeen, 6000);
  const mini = new LogisticRegression({ featureSpace: { bits: 8 } });
  const loss = fitMiniBatches(mini, stream, 32);
  assert.ok(Number.isFinite(loss));
  assert.equal(mini.steps, Math.ceil(2000 / 32));
  assert.throws(() => fitEpochs(learner, stream, { epochs: 0 }), (e: unknown) => e instanceof OptionError && e.option === 'epochs');
  assert.throws(() => fitMiniBatches(learner, stream, 0), (e: unknown) => e instanceof OptionError && e.option === 'batchSize');
  assert.ok(Number.isNaN(learner.learnBatch([])));
});
