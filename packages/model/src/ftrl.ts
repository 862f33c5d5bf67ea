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
 * materialises every w_j each step. The bias uses the same rule with λ1 = λ2 = 0.
 * `learningRate` is α (a number; FTRL has its own per-coordinate schedule √n_j/α).
 */
import { copyArray, readScalar, type Optimizer, type OptimizerState } from './optimizer.js';
import type { FtrlOptions } from './options.js';
import type { SparseVector } from './sparse-vector.js';

export class Ftrl implements Optimizer {
  readonly name = 'ftrl' as const;
  readonly size: number;
  readonly z: Float64Array;
  readonly n: Float64Array;
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
    this.alpha = options.learningRate;
    this.beta = options.beta;
    this.l1 = options.l1;
    this.l2 = options.l2;
  }

  get bias(): number {
    return ftrlWeight(this.biasZ, this.biasN, this.alpha, this.beta, 0, 0);
  }

  weight(j: number): number {
    return ftrlWeight(this.z[j]!, this.n[j]!, this.alpha, this.beta, this.l1, this.l2);
  }

  margin(x: SparseVector, scale: Float64Array | null): number {
    const { z, n, alpha, beta, l1, l2 } = this;
    const indices = x.indices;
    const values = x.values;
    let sum = 0;
    for (let k = 0, nnz = x.nnz; k < nnz; k++) {
      const j = indices[k]!;
      const zj = z[j]!;
      if (zj <= l1 && zj >= -l1) continue; // w_j = 0 (also covers never-touched slots)
      const weight = ftrlWeight(zj, n[j]!, alpha, beta, l1, l2);
      sum += scale === null ? weight * values[k]! : (weight / scale[j]!) * values[k]!;
    }
    return sum + this.bias;
  }

  prepareMargin(x: SparseVector, scale: Float64Array | null): number {
    return this.margin(x, scale);
  }

  step(indices: Int32Array, gradients: Float64Array, count: number, biasGradient: number, _t: number): void {
    const { z, n, alpha, beta, l1, l2 } = this;
    for (let k = 0; k < count; k++) {
      const j = indices[k]!;
      const g = gradients[k]!;
      const nj = n[j]!;
      const zj = z[j]!;
      const sqrtN = Math.sqrt(nj);
      const nNext = nj + g * g;
      const sqrtNext = Math.sqrt(nNext);
      const weight = zj <= l1 && zj >= -l1 ? 0 : -(zj - (zj > 0 ? l1 : -l1)) / ((beta + sqrtN) / alpha + l2);
      z[j] = zj + g - ((sqrtNext - sqrtN) / alpha) * weight;
      n[j] = nNext;
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
    this.biasZ = readScalar(state, 'biasZ');
    this.biasN = readScalar(state, 'biasN');
  }
}

/** The FTRL-Proximal closed-form weight of a coordinate with state (z, n). */
export function ftrlWeight(z: number, n: number, alpha: number, beta: number, l1: number, l2: number): number {
  if (z <= l1 && z >= -l1) return 0;
  return -(z - (z > 0 ? l1 : -l1)) / ((beta + Math.sqrt(n)) / alpha + l2);
}
