/**
 * The optimizer strategy interface. An optimizer owns the weights and its own per-coordinate
 * state, in normalised space (see normalizer.ts), as fields of the learner's slot table
 * (slot-table.ts), and the bias. The learner computes the loss gradient, the optimizer turns it
 * into a weight update.
 *
 * Contract, for every implementation:
 * - `weight` is pure; `prepareWeight` returns the same value but may first store the
 *   coordinate's pending lazy regularisation (it never changes the weight's value).
 * - `step` costs O(number of gradient entries), never O(size), except for rare amortised
 *   renormalisations; gradient entries have distinct slots.
 * - the bias is updated like a coordinate with x = 1 and is never regularised.
 * Normalisation is the learner's business: optimizers only see normalised-space weights w̃,
 * except that `margin` takes the scaler, so that a prediction is one loop inside one class
 * (no per-feature call through this interface).
 */
import type { FeatureScaler } from './normalizer.js';
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

  /** Same value as `weight(j)`, after storing coordinate j's pending lazy regularisation. */
  prepareWeight(j: number): number;

  /**
   * One update, step number t ≥ 1: `gradients[k]` is ∂L/∂w̃ for slot `indices[k]`
   * (k < count, distinct slots), `biasGradient` is ∂L/∂b.
   */
  step(indices: Int32Array, gradients: Float64Array, count: number, biasGradient: number, t: number): void;

  /**
   * One learning step on sample x whose loss has ∂L/∂z = g, step number t ≥ 1: the scaler (when
   * not null) observes each value, coordinate `x.indices[k]` steps with clip(g·x̂_k) (x̂ the
   * normalised value, after the observation), the bias with g. The same values as
   * `sampleGradients` followed by `step`, in one pass over x where the optimizer can fuse them.
   */
  update(x: SparseVector, g: number, scaler: FeatureScaler | null, t: number): void;

  /**
   * The sample's margin without the bias, Σ_k w̃_j·(1/s_j)·(x_k − c_j) in entry order
   * (j = x.indices[k]; 1/s_j and c_j from `scaler`, plain Σ w̃_j·x_k when null), reading each
   * weight as `prepareWeight(j)` with `prepare`, else as `weight(j)`. O(nnz(x)).
   */
  margin(x: SparseVector, scaler: FeatureScaler | null, prepare: boolean): number;

  /** Bytes held in typed arrays (state and caches), for memory reporting. */
  readonly byteLength: number;

  /**
   * The complete state as named per-slot arrays (copies) and scalars, O(m); with `slots`, each
   * array holds only those slots' values (the k-th is slot `slots[k]`'s), O(slots).
   */
  state(slots?: Int32Array | null): OptimizerState;

  /** Replaces the state with `state` (as produced by `state()` of the same kind). O(m). */
  restore(state: OptimizerState): void;
}

/** Reads a finite scalar of a state; used by `restore` implementations. */
export function readScalar(state: OptimizerState, name: string): number {
  const value = state.scalars[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`optimizer state scalar ${name}: expected a finite number, got ${String(value)}`);
  }
  return value;
}
