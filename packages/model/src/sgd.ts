/**
 * Plain stochastic gradient descent (DESIGN §3), one rate η_t for every coordinate from a
 * schedule (constant or inverse scaling):
 *
 *   w_j ← (1 − η_t λ2)·w_j − η_t·g_j, then Tsuruoka's cumulative L1 penalty,   b ← b − η_t·g_b
 *
 * with the decay and the L1 penalty applied lazily (regularization.ts), so a step costs
 * O(nnz(x)) whatever the number of slots.
 */
import { LazyRegularizedWeights, pendingL1 } from './regularization.js';
import { copyArray, readScalar, type Optimizer, type OptimizerState } from './optimizer.js';
import { makeSchedule, type LearningRateSchedule } from './schedules.js';
import type { SgdOptions } from './options.js';
import type { SparseVector } from './sparse-vector.js';

export class Sgd implements Optimizer {
  readonly name = 'sgd' as const;
  readonly size: number;
  private readonly w: LazyRegularizedWeights;
  private readonly schedule: LearningRateSchedule;
  private b = 0;

  constructor(size: number, options: SgdOptions) {
    this.size = size;
    this.w = new LazyRegularizedWeights(size, options.l1, options.l2);
    this.schedule = makeSchedule(options.learningRate);
  }

  get bias(): number {
    return this.b;
  }

  weight(j: number): number {
    return this.w.weight(j);
  }

  margin(x: SparseVector, scale: Float64Array | null): number {
    return lazyMargin(this.w, x, scale) + this.b;
  }

  prepareMargin(x: SparseVector, scale: Float64Array | null): number {
    return lazyCatchUpMargin(this.w, x, scale) + this.b;
  }

  step(indices: Int32Array, gradients: Float64Array, count: number, biasGradient: number, t: number): void {
    const eta = this.schedule.rate(t);
    const w = this.w;
    w.advance(eta);
    const stored = w.stored;
    const s = w.scale;
    const l1 = w.applied !== null;
    for (let k = 0; k < count; k++) {
      const j = indices[k]!;
      stored[j]! -= (eta * gradients[k]!) / s;
      if (l1) w.catchUp(j);
    }
    this.b -= eta * biasGradient;
  }

  state(): OptimizerState {
    return lazyState(this.w, { bias: this.b });
  }

  restore(state: OptimizerState): void {
    restoreLazy(this.w, state);
    this.b = readScalar(state, 'bias');
  }
}

/**
 * Σ_k (w_{i_k} / s_{i_k})·x_k over lazily regularised weights, without mutating them.
 * Shared by SGD and AdaGrad; `w_j = S·pendingL1(v_j)` is exactly what `weight(j)` returns.
 */
export function lazyMargin(w: LazyRegularizedWeights, x: SparseVector, scale: Float64Array | null): number {
  const v = w.stored;
  const q = w.applied;
  const u = w.budget;
  const S = w.scale;
  const indices = x.indices;
  const values = x.values;
  let z = 0;
  for (let k = 0, nnz = x.nnz; k < nnz; k++) {
    const j = indices[k]!;
    let stored = v[j]!;
    if (stored === 0) continue;
    if (q !== null) stored = pendingL1(stored, q[j]!, u);
    const weight = S * stored;
    z += scale === null ? weight * values[k]! : (weight / scale[j]!) * values[k]!;
  }
  return z;
}

/**
 * Catches up x's coordinates (stores their pending L1 penalty) and returns the same sum as
 * `lazyMargin` did before the call: the caught-up value is bit-identical to `pendingL1`.
 */
export function lazyCatchUpMargin(w: LazyRegularizedWeights, x: SparseVector, scale: Float64Array | null): number {
  if (w.applied === null) return lazyMargin(w, x, scale);
  const v = w.stored;
  const S = w.scale;
  const indices = x.indices;
  const values = x.values;
  let z = 0;
  for (let k = 0, nnz = x.nnz; k < nnz; k++) {
    const j = indices[k]!;
    if (v[j] === 0) continue;
    w.catchUp(j);
    const weight = S * v[j]!;
    z += scale === null ? weight * values[k]! : (weight / scale[j]!) * values[k]!;
  }
  return z;
}

export function lazyState(w: LazyRegularizedWeights, scalars: Record<string, number>): OptimizerState {
  const arrays: Record<string, Float64Array> = { weights: w.stored };
  if (w.applied !== null) arrays['l1Applied'] = w.applied;
  return { arrays, scalars: { ...scalars, scale: w.scale, l1Budget: w.budget } };
}

export function restoreLazy(w: LazyRegularizedWeights, state: OptimizerState): void {
  copyArray('weights', w.stored, state.arrays['weights']);
  if (w.applied !== null) copyArray('l1Applied', w.applied, state.arrays['l1Applied']);
  w.scale = readScalar(state, 'scale');
  w.budget = readScalar(state, 'l1Budget');
}
