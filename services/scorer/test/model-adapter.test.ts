import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeServing, hashFeatures, SparseVector } from '@streamlr/model';
import { decodeServingModel, ModelLoadError, ScoringError } from '../src/index.js';
import { syntheticEvents, trainModel, withFeatureBits } from './fixtures/trained-model.js';

const context = { model: 'ctr', version: 3, createdAt: 1 };

describe('decodeServingModel (@streamlr/model serving snapshots)', () => {
  const trained = trainModel({ model: 'ctr', version: 3, bits: 12, createdAt: 1_764_000_000_000 });

  it('predicts exactly what the serving model predicts on the hashed event, and reports its header and weights', () => {
    const loaded = decodeServingModel(trained.serving, context);
    const { model } = decodeServing(trained.serving);
    assert.equal(loaded.model, 'ctr');
    assert.equal(loaded.version, 3);
    assert.equal(loaded.createdAt, 1_764_000_000_000);
    assert.deepEqual(loaded.featureSpace, { bits: 12, seed: 0 });
    assert.equal(loaded.slots, 4096);
    assert.equal(loaded.nonzero, model.weightStats().nonzero);
    assert.ok(loaded.nonzero > 0);
    const x = new SparseVector();
    for (const { features } of syntheticEvents(200, 9)) {
      const expected = model.predictProba(hashFeatures(features, { bits: 12, seed: 0 }, x));
      assert.equal(loaded.predict({ features, weight: 1 }), expected);
      // Float32 serving weights: within float32 rounding of the learner itself.
      assert.ok(Math.abs(expected - trained.learner.predictProba(hashFeatures(features, { bits: 12, seed: 0 }, x))) < 1e-5);
    }
  });

  it('scores dense x and refuses one longer than the feature space, naming x', () => {
    const loaded = decodeServingModel(trained.serving, context);
    assert.ok(loaded.predict({ x: [1, 0, 2.5], weight: 1 }) > 0);
    assert.throws(
      () => loaded.predict({ x: new Array(4097).fill(1), weight: 1 }),
      (error: unknown) => error instanceof ScoringError && error.reason === 'too_many_features' && error.field === 'x',
    );
  });

  it('refuses a corrupt blob, a checkpoint and foreign bytes as decode failures', () => {
    const corrupt = Uint8Array.from(trained.serving);
    corrupt[corrupt.length - 100]! ^= 0xff;
    for (const [what, bytes] of [
      ['corrupt', corrupt],
      ['checkpoint', trained.checkpoint],
      ['foreign', Buffer.from('{"weights": []}')],
      ['truncated', trained.serving.subarray(0, 100)],
    ] as const) {
      assert.throws(
        () => decodeServingModel(bytes, context),
        (error: unknown) => error instanceof ModelLoadError && error.reason === 'decode' && error.version === 3,
        what,
      );
    }
  });

  it('refuses a feature space it cannot read (bits beyond 28) as feature_space', () => {
    assert.throws(
      () => decodeServingModel(withFeatureBits(trained.serving, 12, 40), context),
      (error: unknown) => error instanceof ModelLoadError && error.reason === 'feature_space' && /feature space cannot be read/.test(error.message),
    );
  });
});
