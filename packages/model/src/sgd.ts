/**
 * Plain stochastic gradient descent (DESIGN §3), one rate η_t for every coordinate from a
 * schedule (constant or inverse scaling):
 *
 *   w_j ← (1 − η_t λ2)·w_j − η_t·g_j, then Tsuruoka's cumulative L1 penalty,   b ← b − η_t·g_b
 *
 * with the decay and the L1 penalty applied lazily (regularization.ts), so a step costs
 * O(nnz(x)) whatever the number of slots.
 */
import { LazyRegularizedWeights } from './regularization.js';
import { copyArray, readScalar, type Optimizer, type OptimizerState } from './optimizer.js';
import { makeSchedule, type LearningRateSchedule } from './schedules.js';
import type { SgdOptions } from './options.js';

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

  prepareWeight(j: number): number {
    return this.w.prepareWeight(j);
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
