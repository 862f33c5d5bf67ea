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
import { LazyRegularizedWeights } from './regularization.js';
import { copyArray, readScalar, type Optimizer, type OptimizerState } from './optimizer.js';
import { makeSchedule, type LearningRateSchedule } from './schedules.js';
import { lazyCatchUpMargin, lazyMargin, lazyState, restoreLazy } from './sgd.js';
import type { AdaGradOptions } from './options.js';
import type { SparseVector } from './sparse-vector.js';

/** Keeps 0/0 out of the first step of a coordinate whose gradient is 0 when G0 = 0. */
export const ADAGRAD_EPSILON = 1e-12;

export class AdaGrad implements Optimizer {
  readonly name = 'adagrad' as const;
  readonly size: number;
  private readonly w: LazyRegularizedWeights;
  /** G_j: sum of squared gradients of coordinate j. */
  private readonly sumSquares: Float64Array;
  private readonly schedule: LearningRateSchedule;
  private readonly g0: number;
  private b = 0;
  private biasSumSquares = 0;

  constructor(size: number, options: AdaGradOptions) {
    this.size = size;
    this.w = new LazyRegularizedWeights(size, options.l1, options.l2);
    this.sumSquares = new Float64Array(size);
    this.schedule = makeSchedule(options.learningRate);
    this.g0 = options.initialAccumulator;
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
    const G = this.sumSquares;
    const g0 = this.g0;
    const l1 = w.applied !== null;
    for (let k = 0; k < count; k++) {
      const j = indices[k]!;
      const g = gradients[k]!;
      const sum = G[j]! + g * g;
      G[j] = sum;
      stored[j]! -= (eta * g) / (Math.sqrt(sum + g0) + ADAGRAD_EPSILON) / s;
      if (l1) w.catchUp(j);
    }
    this.biasSumSquares += biasGradient * biasGradient;
    this.b -= (eta * biasGradient) / (Math.sqrt(this.biasSumSquares + g0) + ADAGRAD_EPSILON);
  }

  state(): OptimizerState {
    const base = lazyState(this.w, { bias: this.b, biasSumSquares: this.biasSumSquares });
    return { arrays: { ...base.arrays, sumSquares: this.sumSquares }, scalars: base.scalars };
  }

  restore(state: OptimizerState): void {
    restoreLazy(this.w, state);
    copyArray('sumSquares', this.sumSquares, state.arrays['sumSquares']);
    this.b = readScalar(state, 'bias');
    this.biasSumSquares = readScalar(state, 'biasSumSquares');
  }
}
