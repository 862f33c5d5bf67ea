import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LEARNER_OPTIONS, decodeServing, SparseVector } from '@streamlr/model';
import { encodeSample, type Sample } from '@streamlr/protocol';
import { decodeCheckpoint } from '@streamlr/model';
import { featurize as vectorize, LEARNER_SETTINGS, learnerOptionsFrom, LogisticLearner, parseSettings, SettingsError, storedFeatureNames } from '../src/index.js';

const sample = (i: number): Sample => ({ label: (i % 3 === 0 ? 1 : 0) as 0 | 1, weight: 1, features: { colour: ['red', 'green', 'blue'][i % 3]!, size: (i % 5) / 5 } });

describe('LogisticLearner', () => {
  it('decodes with the protocol decoder and refuses bad bytes with the reason', () => {
    const learner = new LogisticLearner(DEFAULT_LEARNER_OPTIONS);
    const ok = learner.decode(encodeSample(sample(1)));
    assert.equal(ok.ok, true);
    const bad = learner.decode(Buffer.from('{"label": 2, "features": {}}'));
    assert.deepEqual(bad.ok ? null : [bad.error.reason, bad.error.field], ['bad_label', 'label']);
    assert.equal(learner.decode(null).ok, false);
  });

  it('learns with progressive metrics, and a snapshot restores the same model, position and names', () => {
    const learner = new LogisticLearner({ ...DEFAULT_LEARNER_OPTIONS, featureSpace: { bits: 12, seed: 0 } });
    for (let i = 0; i < 600; i++) learner.learn(sample(i));
    assert.equal(learner.samplesSeen, 600);
    const figures = learner.progressive();
    assert.equal(figures.n, 600);
    assert.ok(figures.accuracy > 0.9, `accuracy ${figures.accuracy}`);
    const blobs = learner.snapshot({ model: 'colours', version: 4, createdAt: 1, offsets: { 't/0': '600' }, extra: { run: 'x' } });
    const { header } = decodeCheckpoint(blobs.checkpoint);
    assert.deepEqual(header.extra?.['run'], 'x');
    assert.ok([...storedFeatureNames(header.extra).values()].includes('colour=red'));

    const restored = new LogisticLearner({ ...DEFAULT_LEARNER_OPTIONS, featureSpace: { bits: 12, seed: 0 } });
    assert.deepEqual(restored.restore(blobs.checkpoint), { offsets: { 't/0': '600' }, samplesSeen: 600 });
    const x = vectorize(sample(3), { bits: 12, seed: 0 }, new SparseVector());
    assert.equal(restored.learner.predictProba(x), learner.learner.predictProba(x));
    assert.ok(Math.abs(decodeServing(blobs.serving).model.predictProba(x) - learner.learner.predictProba(x)) < 1e-6);
    restored.reset();
    assert.equal(restored.samplesSeen, 0);
  });

  it('learner flags map to options, defaults included, and a bad one is named', () => {
    const options = (argv: string[], env: Record<string, string> = {}) => learnerOptionsFrom(parseSettings(LEARNER_SETTINGS, argv, env).values);
    assert.deepEqual(options([]), DEFAULT_LEARNER_OPTIONS);
    assert.deepEqual(options(['--optimizer', 'sgd', '--lr', '0.2'], { STREAMLR_BITS: '16' }).featureSpace, { bits: 16, seed: 0 });
    assert.throws(() => options(['--beta', 'x']), (e: unknown) => e instanceof SettingsError && /--beta/.test(e.message));
  });
});
