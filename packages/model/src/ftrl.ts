/**
 * FTRL-Proximal, per coordinate, as in McMahan et al. (2013), "Ad Click Prediction: a View
 * from the Trenches", Algorithm 1:
 *
 *   w_j = 0                                              if |z_j| ≤ λ1
 *   w_j = −(z_j − sgn(z_j)·λ1) / ((β + √n_j)/α + λ2)    otherwise
 *
 *   on gradient g_j:  σ = (√(n_j + g_j²) − √n_j)/α,  z_j ← z_j + g_j − σ·w_j,  n_j ← n_j + g_j²
 *
 * Weights are a closed-form function of (z_j, n_j), so they are lazy by construction: an update
 * touches only the sample's coordinates, L1 gives exact zeros, and the "eager" reference simply
 * materialises every w_j each step. Each w_j is cached in `w` when (z_j, n_j) change (so a
 * prediction reads one array instead of a square root and a division per feature); the cache is
 * rebuilt from (z, n) on restore, bit for bit. The bias uses the same rule with λ1 = λ2 = 0.
 * `learningRate` is α (a number; FTRL has its own per-coordinate schedule √n_j/α).
 */
import { copyArray, readScalar, type Optimizer, type OptimizerState } from './optimizer.js';
import type { FtrlOptions } from './options.js';

export class Ftrl implements Optimizer {
  readonly name = 'ftrl' as const;
  readonly size: number;
  readonly z: Float64Array;
  readonly n: Float64Array;
  /** w_j = ftrlWeight(z_j, n_j), cached. */
  readonly w: Float64Array;
  private readonly alpha: number;
  private readonly beta: number;
  private readonly l1: number;
  private readonly l2: number;
  private biasZ = 0;
  private biasN = 0;

  constructor(size: number, options: FtrlOptions) {
    this.size = size;
    this.z = new Float64Array(size);
    this.n = new Float64Array(size);
    this.w = new Float64Array(size);
    this.alpha = options.learningRate;
    this.beta = options.beta;
    this.l1 = options.l1;
    this.l2 = options.l2;
  }

  get bias(): number {
    return ftrlWeight(this.biasZ, this.biasN, this.alpha, this.beta, 0, 0);
  }

  weight(j: number): number {
    return this.w[j]!;
  }

  prepareWeight(j: number): number {
    return this.w[j]!;
  }

  step(indices: Int32Array, gradients: Float64Array, count: number, biasGradient: number, _t: number): void {
    const { z, n, w, alpha, beta, l1, l2 } = this;
    for (let k = 0; k < count; k++) {
      const j = indices[k]!;
      const g = gradients[k]!;
      const nj = n[j]!;
      const sqrtN = Math.sqrt(nj);
      const nNext = nj + g * g;
      const sqrtNext = Math.sqrt(nNext);
      const zNext = z[j]! + g - ((sqrtNext - sqrtN) / alpha) * w[j]!;
      z[j] = zNext;
      n[j] = nNext;
      // = ftrlWeight(zNext, nNext, ...), with the square root already at hand.
      w[j] = zNext <= l1 && zNext >= -l1 ? 0 : -(zNext - (zNext > 0 ? l1 : -l1)) / ((beta + sqrtNext) / alpha + l2);
    }
    const bw = this.bias;
    const bn = this.biasN + biasGradient * biasGradient;
    this.biasZ += biasGradient - ((Math.sqrt(bn) - Math.sqrt(this.biasN)) / alpha) * bw;
    this.biasN = bn;
  }

  state(): OptimizerState {
    return { arrays: { z: this.z, n: this.n }, scalars: { biasZ: this.biasZ, biasN: this.biasN } };
  }

  restore(state: OptimizerState): void {
    copyArray('z', this.z, state.arrays['z']);
    copyArray('n', this.n, state.arrays['n']);
    const { z, n, w, alpha, beta, l1, l2 } = this;
    for (let j = 0; j < this.size; j++) w[j] = ftrlWeight(z[j]!, n[j]!, alpha, beta, l1, l2);
    this.biasZ = readScalar(state, 'biasZ');
    this.biasN = readScalar(state, 'biasN');
  }
}

/** The FTRL-Proximal closed-form weight of a coordinate with state (z, n). */
export function ftrlWeight(z: number, n: number, alpha: number, beta: number, l1: number, l2: number): number {
  if (z <= l1 && z >= -l1) return 0;
  return -(z - (z > 0 ? l1 : -l1)) / ((beta + Math.sqrt(n)) / alpha + l2);
}
