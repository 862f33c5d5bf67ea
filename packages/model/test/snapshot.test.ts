import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LogisticRegression,
  ServingModel,
  SnapshotError,
  assertFeatureSpaceCompatible,
  crc32c,
  decodeCheckpoint,
  decodeServing,
  encodeCheckpoint,
  encodeServing,
  inspectSnapshot,
  isFeatureSpaceCompatible,
  type SnapshotInfo,
} from '../src/index.js';
import { NORMALIZATIONS, OPTIMIZER_CASES, randomStream } from './helpers.js';

const INFO: SnapshotInfo = {
  model: 'ctr',
  version: 7,
  createdAt: 1_764_000_000_000,
  metrics: { logloss: 0.5, accuracy: 0.75, auc: NaN, n: 1000 },
  offsets: { 'streamlr.samples/0': '1234', 'streamlr.samples/1': '99' },
  extra: { writerEpoch: 3 },
};

describe('checkpoint N + restore + M == N+M, bit-identical', () => {
  for (const c of OPTIMIZER_CASES) {
    for (const normalization of NORMALIZATIONS) {
      test(`${c.name}, normalization ${normalization}`, () => {
        const options = { featureSpace: { bits: 10 }, optimizer: c.optimizer, normalization };
        const stream = randomStream(1500, 1024, 11);
        const straight = new LogisticRegression(options);
        const resumed = new LogisticRegression(options);
        stream.slice(0, 700).forEach((s) => {
          straight.learn(s.x, s.y);
          resumed.learn(s.x, s.y);
        });
        const { header, learner: restored } = decodeCheckpoint(encodeCheckpoint(resumed, INFO));
        assert.equal(header.samplesSeen, 700);
        for (const s of stream.slice(700)) {
          const p1 = straight.learn(s.x, s.y);
          const p2 = restored.learn(s.x, s.y);
          assert.equal(p1, p2);
        }
        for (let j = 0; j < straight.slots; j++) assert.ok(Object.is(straight.weight(j), restored.weight(j)), `slot ${j}`);
        assert.ok(Object.is(straight.bias, restored.bias));
        // The complete state, not just the weights: both checkpoints are byte-for-byte equal.
        assert.deepEqual(encodeCheckpoint(restored, INFO), encodeCheckpoint(straight, INFO));
      });
    }
  }
});

test('mini-batch state also resumes bit-identically', () => {
  const stream = randomStream(600, 256, 5);
  const a = new LogisticRegression({ featureSpace: { bits: 8 } });
  const b = new LogisticRegression({ featureSpace: { bits: 8 } });
  for (let i = 0; i < 300; i += 10) {
    a.learnBatch(stream.slice(i, i + 10));
    b.learnBatch(stream.slice(i, i + 10));
  }
  const restored = decodeCheckpoint(encodeCheckpoint(b, INFO)).learner;
  for (let i = 300; i < 600; i += 10) {
    a.learnBatch(stream.slice(i, i + 10));
    restored.learnBatch(stream.slice(i, i + 10));
  }
  assert.deepEqual(encodeCheckpoint(restored, INFO), encodeCheckpoint(a, INFO));
});

test('header round-trips, non-finite metrics become null', () => {
  const learner = new LogisticRegression({ featureSpace: { bits: 8 }, optimizer: { name: 'adagrad', l2: 0.01 } });
  for (const s of randomStream(50, 256, 1)) learner.learn(s.x, s.y);
  const header = inspectSnapshot(encodeServing(learner, INFO));
  assert.equal(header.kind, 'serving');
  assert.equal(header.formatVersion, 1);
  assert.equal(header.model, 'ctr');
  assert.equal(header.version, 7);
  assert.equal(header.createdAt, 1_764_000_000_000);
  assert.deepEqual(header.featureSpace, { bits: 8, seed: 0 });
  assert.deepEqual(header.optimizer, learner.options.optimizer);
  assert.equal(header.normalization, 'standard');
  assert.equal(header.samplesSeen, 50);
  assert.deepEqual(header.metrics, { logloss: 0.5, accuracy: 0.75, auc: null, n: 1000 });
  assert.deepEqual(header.offsets, INFO.offsets);
  assert.deepEqual(header.extra, { writerEpoch: 3 });
});

describe('serving model predicts like the learner', () => {
  for (const c of OPTIMIZER_CASES) {
    for (const normalization of NORMALIZATIONS) {
      test(`${c.name}, normalization ${normalization}`, () => {
        const learner = new LogisticRegression({ featureSpace: { bits: 10 }, optimizer: c.optimizer, normalization });
        const stream = randomStream(1200, 1024, 21);
        for (const s of stream.slice(0, 1000)) learner.learn(s.x, s.y);
        const f64 = decodeServing(encodeServing(learner, INFO, { precision: 64 })).model;
        const f32 = decodeServing(encodeServing(learner, INFO)).model;
        assert.equal(f64.precision, 64);
        assert.equal(f32.precision, 32);
        assert.equal(f64.centers !== null, normalization === 'standard');
        for (const s of stream.slice(1000)) {
          const p = learner.predictProba(s.x);
          assert.equal(f64.predictProba(s.x), p, 'Float64 serving is bit-identical');
          assert.ok(Math.abs(f32.predictProba(s.x) - p) <= 1e-6, `Float32 within 1e-6: ${f32.predictProba(s.x)} vs ${p}`);
        }
        assert.equal(f64.weightStats().nonzero, learner.weightStats().nonzero);
      });
    }
  }
});

test('serving encoding is sparse for a sparse model and dense for a dense one', () => {
  const sparse = new LogisticRegression({ featureSpace: { bits: 16 } });
  for (const s of randomStream(200, 1000, 2)) sparse.learn(s.x, s.y);
  const sparseBlob = encodeServing(sparse, INFO);
  assert.ok(sparseBlob.length < 2 ** 16 * 4 / 4, `sparse blob ${sparseBlob.length} bytes is far below dense ${2 ** 16 * 4}`);

  const dense = new LogisticRegression({ featureSpace: { bits: 6 } });
  for (const s of randomStream(2000, 64, 2)) dense.learn(s.x, s.y);
  const denseBlob = encodeServing(dense, INFO);
  assert.ok(denseBlob.length >= 2 ** 6 * 4, 'dense weights stored densely');
  assert.ok(denseBlob.length < 2 ** 6 * 8 + 2048, 'but not as sparse pairs');
  // Both decode to the same predictions as their learners.
  const s = randomStream(1, 64, 9)[0]!;
  assert.ok(Math.abs(decodeServing(denseBlob).model.predictProba(s.x) - dense.predictProba(s.x)) < 1e-6);
});

describe('bad blobs are rejected with a SnapshotError naming the problem', () => {
  const learner = new LogisticRegression({ featureSpace: { bits: 8 } });
  for (const s of randomStream(100, 256, 4)) learner.learn(s.x, s.y);
  const checkpoint = encodeCheckpoint(learner, INFO);
  const serving = encodeServing(learner, INFO);
  const problem = (p: string) => (e: unknown) => e instanceof SnapshotError && e.problem === p;

  test('foreign: wrong magic, JSON, empty-ish garbage', () => {
    assert.throws(() => decodeCheckpoint(new TextEncoder().encode('{"weights": [1, 2, 3], "bias": 0.5, "padding": 1}')), problem('foreign'));
    const wrongMagic = checkpoint.slice();
    wrongMagic[0] = 0x58;
    assert.throws(() => decodeCheckpoint(wrongMagic), problem('foreign'));
    assert.throws(() => decodeServing(Uint8Array.of(1, 2, 3)), problem('foreign'));
  });

  test('truncated: any shorter prefix', () => {
    for (const length of [0, 5, 8, 20, 40, Math.floor(checkpoint.length / 2), checkpoint.length - 1]) {
      assert.throws(() => decodeCheckpoint(checkpoint.subarray(0, length)), problem('truncated'), `length ${length}`);
    }
  });

  test('corrupt: a flipped bit anywhere after the prelude, or trailing bytes', () => {
    for (const at of [30, Math.floor(checkpoint.length / 2), checkpoint.length - 10, checkpoint.length - 1]) {
      const bad = checkpoint.slice();
      bad[at]! ^= 0x04;
      assert.throws(() => decodeCheckpoint(bad), problem('corrupt'), `byte ${at}`);
    }
    const longer = new Uint8Array(serving.length + 3);
    longer.set(serving);
    assert.throws(() => decodeServing(longer), problem('corrupt'));
  });

  test('wrong kind and unsupported version', () => {
    assert.throws(() => decodeServing(checkpoint), problem('wrong-kind'));
    assert.throws(() => decodeCheckpoint(serving), problem('wrong-kind'));
    const future = serving.slice();
    new DataView(future.buffer).setUint16(8, 2, true);
    assert.throws(() => decodeServing(future), problem('unsupported-version'));
  });

  test('a well-formed blob with an unreadable header is corrupt, not a crash', () => {
    const bad = serving.slice();
    const view = new DataView(bad.buffer);
    bad[24] = 0x5b; // '[' instead of '{'
    view.setUint32(bad.length - 4, crc32c(bad.subarray(0, bad.length - 4)), true);
    assert.throws(() => decodeServing(bad), problem('corrupt'));
  });

  test('info is validated', () => {
    assert.throws(() => encodeServing(learner, { ...INFO, model: '' }), /model/);
    assert.throws(() => encodeServing(learner, { ...INFO, version: -1 }), /version/);
    assert.throws(() => encodeServing(learner, { ...INFO, offsets: { 'topic/0': '12x' } }), /offsets/);
    assert.throws(() => encodeServing(learner, { ...INFO, offsets: { topic: '12' } }), /topic\/partition/);
  });
});

test('feature-space compatibility', () => {
  assert.ok(isFeatureSpaceCompatible({ bits: 20, seed: 0 }, { bits: 20, seed: 0 }));
  assert.ok(!isFeatureSpaceCompatible({ bits: 20, seed: 0 }, { bits: 18, seed: 0 }));
  assert.ok(!isFeatureSpaceCompatible({ bits: 20, seed: 0 }, { bits: 20, seed: 1 }));
  assert.throws(() => assertFeatureSpaceCompatible({ bits: 20, seed: 0 }, { bits: 22, seed: 0 }), (e: unknown) => e instanceof SnapshotError && e.problem === 'incompatible' && /bits=20/.test(e.message));
  const model = ServingModel.fromLearner(new LogisticRegression({ featureSpace: { bits: 4 } }));
  assert.doesNotThrow(() => assertFeatureSpaceCompatible(model.featureSpace, { bits: 4, seed: 0 }));
});

test('FTRL headers store widthExponent only when it is not 0; a header without it reads as plain FTRL', () => {
  const has = (blob: Uint8Array) => Buffer.from(blob).includes('widthExponent');
  const plain = new LogisticRegression({ featureSpace: { bits: 8 }, optimizer: { name: 'ftrl', learningRate: 0.3, widthExponent: 0, adaptiveL1: 0 } });
  const wide = new LogisticRegression({ featureSpace: { bits: 8 }, optimizer: { name: 'ftrl', widthExponent: 1 } });
  for (const s of randomStream(50, 256, 2)) {
    plain.learn(s.x, s.y);
    wide.learn(s.x, s.y);
  }
  const plainBlob = encodeCheckpoint(plain, INFO);
  const wideBlob = encodeCheckpoint(wide, INFO);
  // Plain FTRL writes the header of checkpoints from before the option (data/checkpoint-a5bbf5d-*).
  assert.equal(has(plainBlob), false);
  assert.equal(has(encodeServing(plain, INFO)), false);
  assert.equal(has(wideBlob), true);
  const decodedPlain = decodeCheckpoint(plainBlob);
  assert.deepEqual(decodedPlain.header.optimizer, plain.options.optimizer);
  assert.equal(decodedPlain.learner.options.optimizer.name === 'ftrl' && decodedPlain.learner.options.optimizer.widthExponent, 0);
  assert.deepEqual(inspectSnapshot(plainBlob).optimizer, plain.options.optimizer);
  assert.deepEqual(decodeCheckpoint(wideBlob).learner.options.optimizer, wide.options.optimizer);
});

test('FTRL headers store adaptiveL1 only when it is not 0; a header without it reads as 0', () => {
  const has = (blob: Uint8Array) => Buffer.from(blob).includes('adaptiveL1');
  const without = new LogisticRegression({ featureSpace: { bits: 8 }, optimizer: { name: 'ftrl', adaptiveL1: 0 } });
  const adaptive = new LogisticRegression({ featureSpace: { bits: 8 }, optimizer: { name: 'ftrl', l1: 0.05, adaptiveL1: 0.2 } });
  for (const s of randomStream(50, 256, 2)) {
    without.learn(s.x, s.y);
    adaptive.learn(s.x, s.y);
  }
  const withoutBlob = encodeCheckpoint(without, INFO);
  const adaptiveBlob = encodeCheckpoint(adaptive, INFO);
  assert.equal(has(withoutBlob), false);
  assert.equal(has(adaptiveBlob), true);
  assert.deepEqual(decodeCheckpoint(withoutBlob).learner.options.optimizer, without.options.optimizer);
  const decoded = decodeCheckpoint(adaptiveBlob).learner;
  assert.deepEqual(decoded.options.optimizer, adaptive.options.optimizer);
  // Exact zeros survive the round trip (weights are rebuilt from z and n with the same threshold).
  for (let j = 0; j < adaptive.slots; j++) assert.equal(decoded.weight(j), adaptive.weight(j));
  assert.ok(adaptive.weightStats().nonzero < without.weightStats().nonzero, 'adaptive L1 zeroes some weights');
});
