/** Shared test helpers: a seeded PRNG and random sparse streams. */
import { SparseVector, seededRandom, type LabeledVector, type LearnerOptionsInput } from '../src/index.js';

/** The seeded PRNG of the model package, under the name the model's tests use. */
export { seededRandom as prng } from '../src/index.js';

/**
 * A stream of `count` samples over `slots` slots: a few one-hot-like slots (value 1) and a few
 * numeric slots with varied scales and offsets, labels from a hidden linear model plus noise.
 */
export function randomStream(count: number, slots: number, seed: number): LabeledVector[] {
  const rand = seededRandom(seed);
  const truth = Array.from({ length: slots }, () => (rand() - 0.5) * 4);
  const out: LabeledVector[] = [];
  for (let i = 0; i < count; i++) {
    const x = new SparseVector(16);
    const k = 2 + Math.floor(rand() * 6);
    for (let e = 0; e < k; e++) {
      const slot = Math.floor(rand() * slots);
      const numeric = slot % 3 === 0;
      x.add(slot, numeric ? 10 + (rand() - 0.3) * (1 + (slot % 7) * 20) : 1);
    }
    let z = -0.2;
    for (let e = 0; e < x.nnz; e++) z += truth[x.indices[e]!]! * (x.values[e]! > 1 ? 0.05 : 1);
    const y: 0 | 1 = rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    out.push({ x, y });
  }
  return out;
}

/** Every optimizer with every regulariser, for contract tests. */
export const OPTIMIZER_CASES: ReadonlyArray<{ name: string; optimizer: NonNullable<LearnerOptionsInput['optimizer']> }> = [
  { name: 'sgd', optimizer: { name: 'sgd', learningRate: 0.05 } },
  { name: 'sgd+l1', optimizer: { name: 'sgd', learningRate: 0.05, l1: 0.002 } },
  { name: 'sgd+l2', optimizer: { name: 'sgd', learningRate: { kind: 'inverse-scaling', eta0: 0.2, power: 0.5 }, l2: 0.05 } },
  { name: 'sgd+en', optimizer: { name: 'sgd', learningRate: 0.05, l1: 0.002, l2: 0.05 } },
  { name: 'adagrad', optimizer: { name: 'adagrad', learningRate: 0.3 } },
  { name: 'adagrad+l1', optimizer: { name: 'adagrad', learningRate: 0.3, l1: 0.0005 } },
  { name: 'adagrad+l2', optimizer: { name: 'adagrad', learningRate: 0.3, l2: 0.05 } },
  { name: 'adagrad+en', optimizer: { name: 'adagrad', learningRate: { kind: 'inverse-scaling', eta0: 0.3, power: 0.3 }, l1: 0.0005, l2: 0.05 } },
  // Plain FTRL-Proximal (widthExponent 0, adaptiveL1 0): α 0.3 is the default before issue #8, so these
  // cases keep the golden fingerprints recorded from the reference implementation.
  { name: 'ftrl', optimizer: { name: 'ftrl', learningRate: 0.3, widthExponent: 0, adaptiveL1: 0 } },
  { name: 'ftrl+l1+l2', optimizer: { name: 'ftrl', learningRate: 0.2, beta: 1, l1: 0.5, l2: 2, widthExponent: 0, adaptiveL1: 0 } },
  // Width-scaled FTRL: today's defaults (adaptive L1 included), and a stronger exponent with regularisation.
  { name: 'ftrl+width', optimizer: { name: 'ftrl' } },
  { name: 'ftrl+width1+l1+l2', optimizer: { name: 'ftrl', learningRate: 0.2, beta: 1, l1: 0.5, l2: 2, widthExponent: 1, adaptiveL1: 0 } },
  // Adaptive L1 (threshold λ1 + κ√n), with a constant λ1 and the width factor.
  { name: 'ftrl+width+adaptive-l1', optimizer: { name: 'ftrl', learningRate: 0.8, beta: 0.3, l1: 0.05, l2: 1, adaptiveL1: 0.1, widthExponent: 0.9 } },
];

export const NORMALIZATIONS = ['standard', 'rms', 'none'] as const;

/** True when a and b agree to `rel` relative (absolute floor `abs` for values near zero). */
export function close(a: number, b: number, rel = 1e-9, abs = 1e-15): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + abs;
}
