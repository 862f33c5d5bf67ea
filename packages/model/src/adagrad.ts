/**
 * AdaGrad (Duchi, Hazan & Singer 2011; McMahan & Streeter 2010): per-coordinate rates
 *
 *   G_j ← G_j + g_j²,   w_j ← w_j − η_t·g_j / (√(G_j + G0) + ε)
 *
 * where G0 is `initialAccumulator` (as in TensorFlow/Keras' AdaGrad): it damps the first
 * steps of a new coordinate, which plain AdaGrad moves by a full η whatever the gradient size.
 * The bias has its own accumulator and is never regularised.
 *
 * Regularisation is decoupled from the adaptive rate: weight decay and the L1 cumulative
 * penalty use the base rate η_t, exactly as for SGD (cf. decoupled weight decay, Loshchilov &
 * Hutter 2019). Putting λ2·w into g_j would feed every coordinate's G_j on every step and
 * make O(nnz) updates impossible; decoupled, the lazy scheme of regularization.ts stays exact.
 */
import { sampleGradients, type FeatureScaler } from './normalizer.js';
import { LazyRegularizedWeights } from './regularization.js';
import { readScalar, type Optimizer, type OptimizerState } from './optimizer.js';
import { makeSchedule, type LearningRateSchedule } from './schedules.js';
import { lazyState, restoreLazy } from './sgd.js';
import { readFieldAt, writeField, type SlotTable } from './slot-table.js';
import type { AdaGradOptions } from './options.js';
import type { SparseVector } from './sparse-vector.js';

/** Keeps 0/0 out of the first step of a coordinate whose gradient is 0 when G0 = 0. */
export const ADAGRAD_EPSILON = 1e-12;
const EPSILON = 1e-12; // what the loops read (see SCALE_FLOOR in normalizer.ts)

export class AdaGrad implements Optimizer {
  /** Fields per slot: the lazy weight's, then G_j. */
  static fields(options: AdaGradOptions): number {
    return LazyRegularizedWeights.fields(options.l1) + 1;
  }

  readonly name = 'adagrad' as const;
  readonly size: number;
  private readonly w: LazyRegularizedWeights;
  /** Offset of G_j (sum of squared gradients) in a slot's record. */
  private readonly sumAt: number;
  private readonly fieldCount: number;
  private readonly schedule: LearningRateSchedule;
  private readonly g0: number;
  private b = 0;
  /** Scratch: the per-coordinate gradients of the current sample. */
  private gradients = new Float64Array(64);
  private biasSumSquares = 0;

  constructor(table: SlotTable, offset: number, options: AdaGradOptions) {
    this.size = table.size;
    this.w = new LazyRegularizedWeights(table, offset, options.l1, options.l2);
    this.sumAt = offset + LazyRegularizedWeights.fields(options.l1);
    this.fieldCount = AdaGrad.fields(options);
    this.schedule = makeSchedule(options.learningRate);
    this.g0 = options.initialAccumulator;
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
    const sumAt = this.sumAt;
    const rate = eta / w.scale; // η in stored units (w = S·v)
    const g0 = this.g0;
    const l1 = w.appliedAt >= 0;
    for (let k = 0; k < count; k++) {
      const j = indices[k]!;
      const b = j * stride;
      const g = gradients[k]!;
      const sum = data[b + sumAt]! + g * g;
      data[b + sumAt] = sum;
      data[b + at]! -= (rate * g) / (Math.sqrt(sum + g0) + EPSILON);
      if (l1) w.catchUp(j);
    }
    this.biasSumSquares += biasGradient * biasGradient;
    this.b -= (eta * biasGradient) / (Math.sqrt(this.biasSumSquares + g0) + EPSILON);
  }

  update(x: SparseVector, g: number, scaler: FeatureScaler | null, t: number): void {
    this.gradients = sampleGradients(x, g, scaler, this.gradients);
    this.step(x.indices, this.gradients, x.nnz, g, t);
  }

  margin(x: SparseVector, scaler: FeatureScaler | null, prepare: boolean): number {
    return this.w.margin(x, scaler, prepare);
  }

  state(slots: Int32Array | null = null): OptimizerState {
    const base = lazyState(this.w, { bias: this.b, biasSumSquares: this.biasSumSquares }, slots);
    return { arrays: { ...base.arrays, sumSquares: readFieldAt(this.w.table, this.sumAt, slots) }, scalars: base.scalars };
  }

  restore(state: OptimizerState): void {
    restoreLazy(this.w, state);
    writeField(this.w.table, this.sumAt, state.arrays['sumSquares'], 'sumSquares');
    this.b = readScalar(state, 'bias');
    this.biasSumSquares = readScalar(state, 'biasSumSquares');
  }
}
