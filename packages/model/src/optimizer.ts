/**
 * The optimizer strategy interface. An optimizer owns the weights and its own per-coordinate
 * state as typed arrays, in normalised space (see normalizer.ts), and the bias. The learner
 * computes the loss gradient, the optimizer turns it into a weight update.
 *
 * Contract, for every implementation:
 * - `margin` and `weight` are pure; `prepareMargin` returns the same number as `margin` but may
 *   first bring the touched coordinates' lazy bookkeeping up to date (never changing a weight).
 * - `step` costs O(number of gradient entries), never O(size), except for rare amortised
 *   renormalisations; gradient entries have distinct slots.
 * - the bias is updated like a coordinate with x = 1 and is never regularised.
 */
import type { SparseVector } from './sparse-vector.js';

export type OptimizerName = 'sgd' | 'adagrad' | 'ftrl';

/** Named typed arrays and scalars making up an optimizer's complete state (for snapshots). */
export interface OptimizerState {
  readonly arrays: Readonly<Record<string, Float64Array>>;
  readonly scalars: Readonly<Record<string, number>>;
}

export interface Optimizer {
  readonly name: OptimizerName;
  /** Number of weight slots. */
  readonly size: number;
  /** The bias b. */
  readonly bias: number;

  /** Normalised-space weight w̃_j of slot j, pending lazy regularisation included. Pure. */
  weight(j: number): number;

  /**
   * z = Σ_k (w̃_{i_k} / s_{i_k})·x_k + b over the entries of x, in entry order, bias added
   * last (serving models compute it the same way, so Float64 serving is bit-identical).
   * `scale` is the per-slot scale s, or null when features are not normalised.
   */
  margin(x: SparseVector, scale: Float64Array | null): number;

  /** Same value as `margin`, after catching up the lazy state of x's coordinates. */
  prepareMargin(x: SparseVector, scale: Float64Array | null): number;

  /**
   * One update, step number t ≥ 1: `gradients[k]` is ∂L/∂w̃ for slot `indices[k]`
   * (k < count, distinct slots), `biasGradient` is ∂L/∂b.
   */
  step(indices: Int32Array, gradients: Float64Array, count: number, biasGradient: number, t: number): void;

  /** The complete state (live references to the arrays: copy before mutating). */
  state(): OptimizerState;

  /** Replaces the state with a copy of `state` (as produced by `state()` of the same kind). */
  restore(state: OptimizerState): void;
}

/** Copies `source` into `target`, checking the length; used by `restore` implementations. */
export function copyArray(name: string, target: Float64Array, source: Float64Array | undefined): void {
  if (source === undefined || source.length !== target.length) {
    throw new RangeError(`optimizer state array ${name}: expected ${target.length} values, got ${source?.length ?? 'none'}`);
  }
  target.set(source);
}

/** Reads a finite scalar of a state; used by `restore` implementations. */
export function readScalar(state: OptimizerState, name: string): number {
  const value = state.scalars[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`optimizer state scalar ${name}: expected a finite number, got ${String(value)}`);
  }
  return value;
}
