// The mixing step of scaled-out training (logistic-mixing.ts, partition-mixer.ts): pure code, no I/O.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogisticRegression, SparseVector, hashFeatures, type LearnerOptionsInput, type NamedFeatures } from '@streamlr/model';
import { carryLearner, CountingLearner, CountingMixer, LogisticMixer, mixLearners, validateMixingRule } from '../src/index.js';

const OPTIONS: LearnerOptionsInput = { featureSpace: { bits: 10, seed: 0 } };

function learn(learner: LogisticRegression, rows: readonly [NamedFeatures, 0 | 1][]): LogisticRegression {
  const x = new SparseVector(8);
  for (const [features, y] of rows) learner.learn(hashFeatures(features, learner.options.featureSpace, x), y);
  return learner;
}

function rows(prefix: string, count: number, seed: number): [NamedFeatures, 0 | 1][] {
  const out: [NamedFeatures, 0 | 1][] = [];
  for (let i = 0; i < count; i++) {
    const v = (i * 7919 + seed * 104729) % 97;
    out.push([{ [`${prefix}`]: `v${v % 5}`, shared: 'yes', amount: 20 + (v % 13) * 1.5 + seed }, v % 3 === 0 ? 1 : 0]);
  }
  return out;
}

function slotOf(features: NamedFeatures, learner: LogisticRegression): number {
  return hashFeatures(features, learner.options.featureSpace, new SparseVector(2)).indices[0]!;
}

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('mixLearners', () => {
  it('no contributor gives the base, one contributor gives that learner itself, with either rule', () => {
    const base = learn(new LogisticRegression(OPTIONS), rows('a', 50, 1));
    const part = learn(base.clone(), rows('b', 20, 2));
    for (const rule of ['adaptive', 'average'] as const) {
      assert.equal(mixLearners(base, [], rule), base);
      assert.equal(mixLearners(base, [{ learner: base.clone(), samples: 0 }, { learner: part, samples: 20 }], rule), part);
    }
  });

  it('adaptive: a coordinate one partition touched keeps that partition\'s weight; samplesSeen counts each sample once', () => {
    const base = learn(new LogisticRegression(OPTIONS), rows('a', 200, 1));
    const left = learn(base.clone(), rows('left', 80, 2));
    const right = learn(base.clone(), rows('right', 40, 3));
    const mixed = mixLearners(base, [{ learner: left, samples: 80 }, { learner: right, samples: 40 }], 'adaptive');
    for (let v = 0; v < 5; v++) {
      const l = slotOf({ left: `v${v}` }, base);
      const r = slotOf({ right: `v${v}` }, base);
      close(mixed.weight(l), left.weight(l), 1e-12, `left v${v}`);
      close(mixed.weight(r), right.weight(r), 1e-12, `right v${v}`);
    }
    const shared = slotOf({ shared: 'yes' }, base);
    const lo = Math.min(left.weight(shared), right.weight(shared));
    const hi = Math.max(left.weight(shared), right.weight(shared));
    assert.ok(mixed.weight(shared) >= lo - 1e-12 && mixed.weight(shared) <= hi + 1e-12, 'a coordinate both touched lies between them');
    assert.ok(mixed.bias >= Math.min(left.bias, right.bias) - 1e-12 && mixed.bias <= Math.max(left.bias, right.bias) + 1e-12);
    assert.equal(mixed.samplesSeen, 320);
    assert.equal(mixed.steps, 320);
  });

  for (const normalization of ['standard', 'rms'] as const) {
    it(`adaptive: pooled ${normalization} scaler = one scaler that saw every sample; one-hot slots stay uncentred`, () => {
      const options = { ...OPTIONS, normalization };
      const base = learn(new LogisticRegression(options), rows('a', 300, 1));
      const b1 = rows('a', 120, 5);
      const b2 = rows('a', 90, 9);
      const left = learn(base.clone(), b1);
      const right = learn(base.clone(), b2);
      const sequential = learn(learn(base.clone(), b1), b2);
      const mixed = mixLearners(base, [{ learner: left, samples: 120 }, { learner: right, samples: 90 }], 'adaptive');
      const m = mixed.exportState().scaler!;
      const s = sequential.exportState().scaler!;
      for (let j = 0; j < m.count.length; j++) {
        assert.equal(m.count[j], s.count[j], `count of slot ${j}`);
        close(m.location[j]!, s.location[j]!, 1e-9, `location of slot ${j}`);
        if (normalization === 'standard') close(m.spread[j]!, s.spread[j]!, 1e-9, `spread of slot ${j}`);
      }
      const oneHot = slotOf({ shared: 'yes' }, base);
      assert.equal(mixed.center(oneHot), 0, 'a one-hot slot is never centred');
      if (normalization === 'standard') assert.equal(m.spread[oneHot], 0);
    });
  }

  it('average: the sample-weighted average of raw weights (McDonald et al.), with samplesSeen and scaler counts counted once', () => {
    const base = learn(new LogisticRegression(OPTIONS), rows('a', 100, 1));
    const left = learn(base.clone(), rows('a', 60, 2));
    const right = learn(base.clone(), rows('a', 20, 3));
    const mixed = mixLearners(base, [{ learner: left, samples: 60 }, { learner: right, samples: 20 }], 'average');
    assert.equal(mixed.samplesSeen, 180);
    const slot = slotOf({ a: 'v1' }, base);
    close(mixed.weight(slot), 0.75 * left.weight(slot) + 0.25 * right.weight(slot), 1e-9, 'weighted raw weight');
    close(mixed.bias, 0.75 * left.bias + 0.25 * right.bias, 1e-9, 'weighted bias');
    const counts = mixed.exportState().scaler!.count;
    const sequential = learn(learn(base.clone(), rows('a', 60, 2)), rows('a', 20, 3)).exportState().scaler!.count;
    assert.deepEqual([...counts], [...sequential]);
  });

  it('carry: the new version plus what a learner learned since its written state (FTRL); null for other optimizers', () => {
    const written = learn(new LogisticRegression(OPTIONS), rows('a', 150, 1));
    const current = learn(written.clone(), rows('b', 60, 4));
    const merged = learn(written.clone(), rows('c', 90, 6));
    const carried = carryLearner(merged, written, current)!;
    const sequential = learn(merged.clone(), rows('b', 60, 4));
    assert.equal(carried.samplesSeen, 150 + 90 + 60);
    // A coordinate only the carried records touched gets exactly their update: same z and n increments.
    const slot = slotOf({ b: 'v2' }, written);
    close(carried.weight(slot), current.weight(slot), 1e-12, 'b feature');
    // The scaler is exactly the one that saw all records.
    const c = carried.exportState().scaler!;
    const s = sequential.exportState().scaler!;
    for (let j = 0; j < c.count.length; j++) {
      assert.equal(c.count[j], s.count[j]);
      close(c.location[j]!, s.location[j]!, 1e-9, `location of slot ${j}`);
      close(c.spread[j]!, s.spread[j]!, 1e-9, `spread of slot ${j}`);
    }
    // Carrying onto the written state itself gives the current learner back.
    const same = carryLearner(written, written, current)!;
    for (let j = 0; j < same.slots; j++) close(same.weight(j), current.weight(j), 1e-12, `slot ${j}`);
    const sgd = new LogisticRegression({ ...OPTIONS, optimizer: { name: 'sgd' } });
    assert.equal(carryLearner(sgd, null, sgd.clone()), null);
  });

  it('refuses adaptive mixing for optimizers other than FTRL, naming the setting', () => {
    assert.throws(() => validateMixingRule('adaptive', 'sgd'), /mixing: 'adaptive' needs the ftrl optimizer/);
    assert.throws(() => validateMixingRule('median', 'ftrl'), /mixing: must be one of adaptive, average/);
    assert.throws(() => new LogisticMixer(new LogisticRegression({ ...OPTIONS, optimizer: { name: 'adagrad' } }).options, { rule: 'adaptive' }), /mixing/);
    assert.equal(new LogisticMixer(new LogisticRegression({ ...OPTIONS, optimizer: { name: 'adagrad' } }).options).rule, 'average');
  });
});

describe('CountingMixer', () => {
  const context = { model: 'm', version: 2, createdAt: 1, offsets: { 't/0': '3', 't/1': '2' } };
  const snapshot = (ids: readonly string[]): Uint8Array => {
    const learner = new CountingLearner();
    for (const id of ids) learner.learn({ id });
    return learner.snapshot({ model: 'm', version: 1, createdAt: 1, offsets: {} }).checkpoint;
  };

  it('adds every partition\'s increment to the base', () => {
    const base = snapshot(['a']);
    const mixed = new CountingMixer().mix(base, [{ checkpoint: snapshot(['a', 'b', 'c']), samples: 2 }, { checkpoint: snapshot(['a', 'd']), samples: 1 }], context);
    const decoded = CountingLearner.decodeSnapshot(mixed.checkpoint);
    assert.deepEqual(new Map(decoded.counts), new Map([['a', 1], ['b', 1], ['c', 1], ['d', 1]]));
    assert.equal(mixed.samplesSeen, 4);
    assert.deepEqual(decoded.offsets, context.offsets);
  });

  it('carry adds what a learner applied since its written state to the new version', () => {
    const learner = new CountingLearner();
    for (const id of ['a', 'b', 'c']) learner.learn({ id });
    const carried = new CountingMixer().carry(snapshot(['a', 'x', 'y']), snapshot(['a']), learner);
    assert.deepEqual(new Map(CountingLearner.decodeSnapshot(carried!).counts), new Map([['a', 1], ['x', 1], ['y', 1], ['b', 1], ['c', 1]]));
  });

  it('shows a sample applied in two partitions twice, and refuses a state that does not continue the base', () => {
    const mixed = new CountingMixer().mix(null, [{ checkpoint: snapshot(['x']), samples: 1 }, { checkpoint: snapshot(['x']), samples: 1 }], context);
    assert.deepEqual(CountingLearner.decodeSnapshot(mixed.checkpoint).counts, [['x', 2]]);
    assert.throws(() => new CountingMixer().mix(snapshot(['y', 'y']), [{ checkpoint: snapshot(['y']), samples: 1 }], context), /below the base/);
  });
});
