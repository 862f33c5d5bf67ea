/** L1 produces exact zeros, and more of them as λ1 grows (SGD cumulative penalty and FTRL). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LogisticRegression, SparseVector, type LabeledVector, type LearnerOptionsInput } from '../src/index.js';
import { prng } from './helpers.js';

/** 20 informative one-hot features among 400 noise features. */
function stream(): LabeledVector[] {
  const rand = prng(5);
  const out: LabeledVector[] = [];
  for (let i = 0; i < 6000; i++) {
    const x = new SparseVector();
    let z = 0;
    for (let k = 0; k < 3; k++) {
      const informative = Math.floor(rand() * 20);
      x.add(informative, 1);
      z += informative % 2 === 0 ? 1.5 : -1.5;
    }
    for (let k = 0; k < 5; k++) x.add(20 + Math.floor(rand() * 400), 1);
    out.push({ x, y: rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0 });
  }
  return out;
}

function nonzeroAfterTraining(optimizer: NonNullable<LearnerOptionsInput['optimizer']>): number {
  const learner = new LogisticRegression({ featureSpace: { bits: 9 }, optimizer });
  for (const s of stream()) learner.learn(s.x, s.y);
  const stats = learner.weightStats();
  assert.equal(stats.slots, 512);
  assert.equal(stats.sparsity, 1 - stats.nonzero / 512);
  // L1 removes noise first: informative slots keep a larger non-zero fraction than noise slots.
  let informative = 0;
  for (let j = 0; j < 20; j++) if (learner.weight(j) !== 0) informative++;
  assert.ok(informative >= 15, `${informative}/20 informative slots survive`);
  assert.ok(informative / 20 >= (stats.nonzero - informative) / 400, 'noise is zeroed first');
  return stats.nonzero;
}

describe('L1 sparsity grows with λ1 and reaches exact zeros', () => {
  for (const [name, strengths, make] of [
    ['sgd', [0, 0.0005, 0.001, 0.002], (l1: number) => ({ name: 'sgd', learningRate: 0.05, l1 }) as const],
    ['ftrl', [0, 1, 3, 10], (l1: number) => ({ name: 'ftrl', l1, adaptiveL1: 0 }) as const],
    // Adaptive L1 (threshold κ·√n_j): sparsity grows with κ too.
    ['ftrl adaptive', [0, 0.12, 0.3, 0.6], (adaptiveL1: number) => ({ name: 'ftrl', adaptiveL1 }) as const],
  ] as const) {
    test(name, () => {
      const counts = strengths.map((l1) => nonzeroAfterTraining(make(l1)));
      assert.equal(counts[0], 420, 'without L1 every seen slot is non-zero');
      for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! < counts[i - 1]!, `λ1 step ${i}: ${counts.join(' > ')}`);
      assert.ok(counts[counts.length - 1]! < 100, `strong L1 zeroes most noise features: ${counts.join(', ')}`);
    });
  }
});
