/**
 * Plain stochastic gradient descent (DESIGN §3), one rate η_t for every coordinate from a
 * schedule (constant or inverse scaling):
 *
 *   w_j ← (1 − η_t λ2)·w_j − η_t·g_j, then Tsuruoka's cumulative L1 penalty,   b ← b − η_t·g_b
 *
 * with the decay and the L1 penalty applied lazily (regularization.ts), so a step costs
 * O(nnz(x)) whatever the number of slots.
 */
import { sampleGradients, type FeatureScaler } from './normalizer.js';
import { LazyRegularizedWeights } from './regularization.js';
import { readScalar, type Optimizer, type OptimizerState } from './optimizer.js';
import { makeSchedule, type LearningRateSchedule } from './schedules.js';
import type { SgdOptions } from './options.js';
import type { SlotTable } from './slot-table.js';
import type { SparseVector } from './sparse-vector.js';

export class Sgd implements Optimizer {
  /** Fields per slot in the slot table. */
  static fields(options: SgdOptions): number {
    return LazyRegularizedWeights.fields(options.l1);
  }

  readonly name = 'sgd' as const;
  readonly size: number;
  private readonly w: LazyRegularizedWeights;
  private readonly schedule: LearningRateSchedule;
  private readonly fieldCount: number;
  private b = 0;
  /** Scratch: the per-coordinate gradients of the current sample. */
  private gradients = new Float64Array(64);

  constructor(table: SlotTable, offset: number, options: SgdOptions) {
    this.size = table.size;
    this.fieldCount = Sgd.fields(options);
    this.w = new LazyRegularizedWeights(table, offset, options.l1, options.l2);
    this.schedule = makeSchedule(options.learningRate);
  }

  get bias(): number {
    return this.b;
  }

  get byteLength(): number {
    return this.size * 8 * this.fieldCount;
  }

  weight(j: number): number {
    return this.w.weight(j);
  }

  prepareWeight(j: number): number {
    return this.w.prepareWeight(j);
  }

  step(indices: Int32Array, gradients: Float64Array, count: number, biasGradient: number, t: number): void {
    const eta = this.schedule.rate(t);
    const w = this.w;
    w.advance(eta);
    const data = w.table.data;
    const stride = w.table.stride;
    const at = w.valueAt;
    const rate = eta / w.scale; // η in stored units (w = S·v)
    const l1 = w.appliedAt >= 0;
    for (let k = 0; k < count; k++) {
      const j = indices[k]!;
      data[j * stride + at]! -= rate * gradients[k]!;
      if (l1) w.catchUp(j);
    }
    this.b -= eta * biasGradient;
  }

  update(x: SparseVector, g: number, scaler: FeatureScaler | null, t: number): void {
    this.gradients = sampleGradients(x, g, scaler, this.gradients);
    this.step(x.indices, this.gradients, x.nnz, g, t);
  }

  margin(x: SparseVector, scaler: FeatureScaler | null, prepare: boolean): number {
    return this.w.margin(x, scaler, prepare);
  }

  state(slots: Int32Array | null = null): OptimizerState {
    return lazyState(this.w, { bias: this.b }, slots);
  }

  restore(state: OptimizerState): void {
    restoreLazy(this.w, state);
    this.b = readScalar(state, 'bias');
  }
}

export function lazyState(w: LazyRegularizedWeights, scalars: Record<string, number>, slots: Int32Array | null): OptimizerState {
  return { arrays: w.arrays(slots), scalars: { ...scalars, scale: w.scale, l1Budget: w.budget } };
}

export function restoreLazy(w: LazyRegularizedWeights, state: OptimizerState): void {
  w.restoreArrays(state.arrays);
  w.scale = readScalar(state, 'scale');
  w.budget = readScalar(state, 'l1Budget');
}
