import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LEARNER_OPTIONS, DEFAULT_OPTIMIZER_OPTIONS, LogisticRegression, OptionError, resolveLearnerOptions } from '../src/index.js';

const named = (option: string) => (e: unknown) => e instanceof OptionError && e.option === option && e.message.includes(option);

test('defaults are filled in per optimizer', () => {
  assert.deepEqual(resolveLearnerOptions(), DEFAULT_LEARNER_OPTIONS);
  assert.deepEqual(resolveLearnerOptions({ optimizer: 'sgd' }).optimizer, DEFAULT_OPTIMIZER_OPTIONS.sgd);
  assert.deepEqual(resolveLearnerOptions({ optimizer: { name: 'adagrad', l2: 0.01 } }).optimizer, { ...DEFAULT_OPTIMIZER_OPTIONS.adagrad, l2: 0.01 });
  assert.deepEqual(resolveLearnerOptions({ featureSpace: { bits: 18 } }).featureSpace, { bits: 18, seed: 0 });
  assert.equal(new LogisticRegression().slots, 2 ** 20);
});

test('bad options are rejected with an error naming the option', () => {
  assert.throws(() => resolveLearnerOptions({ featureSpace: { bits: 0 } }), named('featureSpace.bits'));
  assert.throws(() => resolveLearnerOptions({ featureSpace: { bits: 29 } }), named('featureSpace.bits'));
  assert.throws(() => resolveLearnerOptions({ featureSpace: { seed: -1 } }), named('featureSpace.seed'));
  assert.throws(() => resolveLearnerOptions({ normalization: 'minmax' as 'none' }), named('normalization'));
  assert.throws(() => resolveLearnerOptions({ optimizer: 'adam' as 'sgd' }), named('optimizer.name'));
  assert.throws(() => resolveLearnerOptions({ optimizer: { name: 'sgd', learningRate: -1 } }), named('optimizer.learningRate'));
  assert.throws(() => resolveLearnerOptions({ optimizer: { name: 'sgd', learningRate: { kind: 'inverse-scaling', eta0: 0.1, power: 2 } } }), named('optimizer.learningRate.power'));
  assert.throws(() => resolveLearnerOptions({ optimizer: { name: 'ftrl', learningRate: { kind: 'constant', eta: 0.1 } } }), named('optimizer.learningRate'));
  assert.throws(() => resolveLearnerOptions({ optimizer: { name: 'sgd', l1: NaN } }), named('optimizer.l1'));
  assert.throws(() => resolveLearnerOptions({ optimizer: { name: 'sgd', learningRate: 0.5, l2: 2 } }), named('optimizer.l2'));
  assert.throws(() => resolveLearnerOptions({ optimizer: { name: 'sgd', beta: 1 } }), named('optimizer.beta'));
  assert.throws(() => resolveLearnerOptions({ optimizer: { name: 'ftrl', initialAccumulator: 1 } }), named('optimizer.initialAccumulator'));
  assert.throws(() => resolveLearnerOptions({ learningRate: 0.1 } as never), named('learningRate'));
  for (const bad of [-0.5, NaN, Infinity, '1']) {
    assert.throws(() => resolveLearnerOptions({ optimizer: { name: 'ftrl', widthExponent: bad as number } }), named('optimizer.widthExponent'));
  }
  assert.throws(() => resolveLearnerOptions({ optimizer: { name: 'adagrad', widthExponent: 1 } }), named('optimizer.widthExponent'));
  for (const bad of [-0.1, NaN, Infinity, '1']) {
    assert.throws(() => resolveLearnerOptions({ optimizer: { name: 'ftrl', adaptiveL1: bad as number } }), named('optimizer.adaptiveL1'));
  }
  assert.throws(() => resolveLearnerOptions({ optimizer: { name: 'sgd', adaptiveL1: 0.1 } }), named('optimizer.adaptiveL1'));
});
