/**
 * One update from a known state, compared with central finite differences of the regularised
 * objective J(w, b) = L(σ(w·x + b), y) + λ1·‖w‖₁ + (λ2/2)·‖w‖₂², for every optimizer and
 * regulariser (DESIGN §3). Normalisation 'none' so that w is the optimised parameter.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LogisticRegression, SparseVector, logLoss, sigmoid, type LearnerOptionsInput } from '../src/index.js';
import { prng } from './helpers.js';

const BITS = 5;
const M = 2 ** BITS;

function objective(w: Float64Array, b: number, x: SparseVector, y: 0 | 1, l1: number, l2: number): number {
  let z = b;
  for (let k = 0; k < x.nnz; k++) z += w[x.indices[k]!]! * x.values[k]!;
  let penalty = 0;
  for (const v of w) penalty += l1 * Math.abs(v) + (l2 / 2) * v * v;
  return logLoss(sigmoid(z), y) + penalty;
}

/** Central differences of J in every coordinate and in b. */
function numericGradient(w: Float64Array, b: number, x: SparseVector, y: 0 | 1, l1: number, l2: number) {
  const h = 1e-6;
  const grad = new Float64Array(M);
  for (let j = 0; j < M; j++) {
    const up = Float64Array.from(w);
    const down = Float64Array.from(w);
    up[j]! += h;
    down[j]! -= h;
    grad[j] = (objective(up, b, x, y, l1, l2) - objective(down, b, x, y, l1, l2)) / (2 * h);
  }
  const gb = (objective(w, b + h, x, y, 0, 0) - objective(w, b - h, x, y, 0, 0)) / (2 * h);
  return { grad, gb };
}

function setup(seed: number) {
  const rand = prng(seed);
  // Weights well away from 0 so that neither |w| nor the finite differences cross 0.
  const w = Float64Array.from({ length: M }, () => (rand() < 0.5 ? -1 : 1) * (0.5 + rand()));
  const x = new SparseVector();
  for (let k = 0; k < 6; k++) x.add(Math.floor(rand() * M), rand() * 2 - 0.5);
  return { w, b: rand() - 0.5, x, y: (rand() < 0.5 ? 0 : 1) as 0 | 1 };
}

/** A learner at raw weights w and bias b, with all L1 penalty applied so far (none). */
function learnerAt(optimizer: NonNullable<LearnerOptionsInput['optimizer']>, w: Float64Array, b: number) {
  const options = new LogisticRegression({ featureSpace: { bits: BITS }, optimizer, normalization: 'none' }).options;
  const arrays: Record<string, Float64Array> = { weights: Float64Array.from(w) };
  if (options.optimizer.l1 > 0) arrays['l1Applied'] = new Float64Array(M);
  const scalars: Record<string, number> = { bias: b, scale: 1, l1Budget: 0 };
  if (options.optimizer.name === 'adagrad') {
    arrays['sumSquares'] = new Float64Array(M);
    scalars['biasSumSquares'] = 0;
  }
  return LogisticRegression.fromState({ options, samplesSeen: 0, steps: 0, scaler: null, optimizer: { arrays, scalars } });
}

const REGULARISERS = [
  { name: 'none', l1: 0, l2: 0 },
  { name: 'L1', l1: 0.01, l2: 0 },
  { name: 'L2', l1: 0, l2: 0.1 },
  { name: 'elastic net', l1: 0.01, l2: 0.1 },
];

describe('SGD step = −η·∇J (finite differences)', () => {
  for (const reg of REGULARISERS) {
    test(reg.name, () => {
      for (let seed = 1; seed <= 5; seed++) {
        const { w, b, x, y } = setup(seed);
        const eta = 0.05;
        const learner = learnerAt({ name: 'sgd', learningRate: eta, l1: reg.l1, l2: reg.l2 }, w, b);
        const { grad, gb } = numericGradient(w, b, x, y, reg.l1, reg.l2);
        learner.learn(x, y);
        for (let j = 0; j < M; j++) {
          assert.ok(Math.abs(learner.weight(j) - w[j]! - -eta * grad[j]!) < 1e-8, `seed ${seed} slot ${j}: Δw ${learner.weight(j) - w[j]!} vs −η∂J ${-eta * grad[j]!}`);
        }
        assert.ok(Math.abs(learner.bias - b - -eta * gb) < 1e-8, 'bias step');
      }
    });
  }
});

describe('AdaGrad step = −η·g/√(g² + G0) on the loss, −η·∂penalty decoupled (finite differences)', () => {
  for (const reg of REGULARISERS) {
    test(reg.name, () => {
      for (let seed = 11; seed <= 15; seed++) {
        const { w, b, x, y } = setup(seed);
        const eta = 0.1;
        const g0 = 0.1;
        const learner = learnerAt({ name: 'adagrad', learningRate: eta, l1: reg.l1, l2: reg.l2, initialAccumulator: g0 }, w, b);
        const loss = numericGradient(w, b, x, y, 0, 0);
        const penalty = numericGradient(w, b, new SparseVector(), y, reg.l1, reg.l2); // x = 0: penalty only
        learner.learn(x, y);
        for (let j = 0; j < M; j++) {
          const g = x.get(j) === 0 ? 0 : loss.grad[j]!;
          const expected = -(eta * g) / Math.sqrt(g * g + g0) - eta * penalty.grad[j]!;
          assert.ok(Math.abs(learner.weight(j) - w[j]! - expected) < 1e-8, `seed ${seed} slot ${j}`);
        }
        assert.ok(Math.abs(learner.bias - b - -(eta * loss.gb) / Math.sqrt(loss.gb ** 2 + g0)) < 1e-8, 'bias step');
      }
    });
  }
});

describe('FTRL-Proximal first step matches McMahan et al. (2013) with finite-difference gradients', () => {
  for (const reg of [{ l1: 0, l2: 0 }, { l1: 0.05, l2: 1 }]) {
    test(`l1=${reg.l1} l2=${reg.l2}`, () => {
      const { x, y } = setup(21);
      const alpha = 0.3;
      const beta = 1;
      const learner = new LogisticRegression({ featureSpace: { bits: BITS }, optimizer: { name: 'ftrl', learningRate: alpha, beta, ...reg, widthExponent: 0, adaptiveL1: 0 }, normalization: 'none' });
      const { grad, gb } = numericGradient(new Float64Array(M), 0, x, y, 0, 0);
      learner.learn(x, y);
      for (let j = 0; j < M; j++) {
        const g = grad[j]!; // z = g, n = g² after one step from 0
        const expected = Math.abs(g) <= reg.l1 ? 0 : -(g - Math.sign(g) * reg.l1) / ((beta + Math.abs(g)) / alpha + reg.l2);
        assert.ok(Math.abs(learner.weight(j) - expected) < 1e-8, `slot ${j}`);
      }
      assert.ok(Math.abs(learner.bias - -gb / ((beta + Math.abs(gb)) / alpha)) < 1e-8);
    });
  }
});

describe('width-scaled FTRL first step: n = g²·ω^e with ω = nnz(x) + 1, for every coordinate and the bias', () => {
  for (const e of [0.75, 1, 2]) {
    test(`widthExponent ${e}`, () => {
      const { x, y } = setup(21);
      const alpha = 0.5;
      const beta = 0.3;
      const l2 = 1;
      const learner = new LogisticRegression({ featureSpace: { bits: BITS }, optimizer: { name: 'ftrl', learningRate: alpha, beta, l2, widthExponent: e, adaptiveL1: 0 }, normalization: 'none' });
      const { grad, gb } = numericGradient(new Float64Array(M), 0, x, y, 0, 0);
      learner.learn(x, y);
      const rootWidth = Math.sqrt((x.nnz + 1) ** e);
      let moved = 0;
      for (let j = 0; j < M; j++) {
        const g = grad[j]!; // z = g, √n = |g|·√(ω^e) after one step from 0
        const expected = -g / ((beta + Math.abs(g) * rootWidth) / alpha + l2);
        assert.ok(Math.abs(learner.weight(j) - expected) < 1e-8, `slot ${j}`);
        if (g !== 0) moved++;
      }
      assert.ok(moved > 1, 'the sample updates several coordinates');
      assert.ok(Math.abs(learner.bias - -gb / ((beta + Math.abs(gb) * rootWidth) / alpha)) < 1e-8, 'bias step');
    });
  }
});

describe('adaptive L1 first step: threshold λ1 + κ·√n with √n = |g|·√(ω^e)', () => {
  for (const [l1, kappa] of [[0, 0.12], [0.01, 0.3], [0, 2]] as const) {
    test(`l1=${l1} adaptiveL1=${kappa}`, () => {
      const { x, y } = setup(21);
      const alpha = 0.8;
      const beta = 0.3;
      const l2 = 1;
      const e = 0.9;
      const learner = new LogisticRegression({ featureSpace: { bits: BITS }, optimizer: { name: 'ftrl', learningRate: alpha, beta, l1, l2, widthExponent: e, adaptiveL1: kappa }, normalization: 'none' });
      const { grad } = numericGradient(new Float64Array(M), 0, x, y, 0, 0);
      learner.learn(x, y);
      const rootWidth = Math.sqrt((x.nnz + 1) ** e);
      for (let j = 0; j < M; j++) {
        const g = grad[j]!; // z = g, √n = |g|·√(ω^e) after one step from 0
        const rootN = Math.abs(g) * rootWidth;
        const threshold = l1 + kappa * rootN;
        const expected = Math.abs(g) <= threshold ? 0 : -(g - Math.sign(g) * threshold) / ((beta + rootN) / alpha + l2);
        assert.ok(Math.abs(learner.weight(j) - expected) < 1e-8, `slot ${j}`);
        if (kappa * rootWidth >= 1) assert.equal(learner.weight(j), 0, 'κ·√(ω^e) ≥ 1: one step never passes');
      }
    });
  }
});
