import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LEARNER_OPTIONS, decodeServing, SparseVector } from '@streamlr/model';
import { encodeSample, type Sample } from '@streamlr/protocol';
import { decodeCheckpoint, encodeCheckpoint, encodeServing, FeatureNames, type NamedFeatures } from '@streamlr/model';
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

  it('snapshots look at the trained slots only, yet equal the full encoding byte for byte, before and after a restore', () => {
    const options = { ...DEFAULT_LEARNER_OPTIONS, featureSpace: { bits: 16, seed: 0 } };
    const wide = (i: number): Sample => ({ label: (i % 4 === 1 ? 1 : 0) as 0 | 1, weight: 1, features: { user: `u${i % 97}`, item: `i${(i * 7) % 131}`, age: 18 + (i % 50) } });
    const learner = new LogisticLearner(options);
    for (let i = 0; i < 900; i++) learner.learn(wide(i));
    const context = { model: 'm', version: 1, createdAt: 5, offsets: { 't/0': '900' } };
    const blobs = learner.snapshot(context);
    const { header } = decodeCheckpoint(blobs.checkpoint);
    const info = { ...context, metrics: learner.progressive(), extra: header.extra ?? {} };
    assert.deepEqual(blobs.checkpoint, encodeCheckpoint(learner.learner, info));
    assert.deepEqual(blobs.serving, encodeServing(learner.learner, info));
    const stats = learner.learner.weightStats();
    assert.deepEqual(learner.weights(), { nonzero: stats.nonzero, slots: stats.slots, sparsity: stats.sparsity });

    // A restored learner knows its trained slots from the checkpoint; new slots come on top.
    const restored = new LogisticLearner(options);
    restored.restore(blobs.checkpoint);
    for (let i = 900; i < 1500; i++) {
      learner.learn(wide(i));
      restored.learn(wide(i));
    }
    const next = { ...context, version: 2, offsets: { 't/0': '1500' } };
    const a = learner.snapshot(next);
    const b = restored.snapshot(next);
    const infoB = { ...next, metrics: restored.progressive(), extra: decodeCheckpoint(b.checkpoint).header.extra ?? {} };
    assert.deepEqual(b.checkpoint, encodeCheckpoint(restored.learner, infoB));
    assert.deepEqual(b.serving, encodeServing(restored.learner, infoB));
    // Same model as the uninterrupted learner (names and metrics windows differ by design).
    assert.deepEqual(decodeCheckpoint(b.checkpoint).learner.exportState(), decodeCheckpoint(a.checkpoint).learner.exportState());
  });

  it('the feature-name dictionary skips samples with no new slot and keeps the same names', () => {
    const space = { bits: 8, seed: 0 };
    const learner = new LogisticLearner({ ...DEFAULT_LEARNER_OPTIONS, featureSpace: space });
    // 2^8 slots: names collide, and the first name of a slot must win as in FeatureNames.record.
    const features = (i: number): NamedFeatures => ({ user: `u${i % 300}`, colour: ['red', 'green', 'blue'][i % 3]!, n: i % 7 });
    const expected = new FeatureNames();
    for (let i = 0; i < 2000; i++) {
      learner.learn({ label: (i % 2) as 0 | 1, weight: 1, features: features(i) });
      expected.record(features(i), space);
    }
    const names = storedFeatureNames(decodeCheckpoint(learner.snapshot({ model: 'm', version: 1, createdAt: 1, offsets: {} }).checkpoint).header.extra);
    assert.ok(names.size > 50);
    for (const [slot, name] of names) assert.equal(name, expected.nameOf(slot), `slot ${slot}`);
  });
});
