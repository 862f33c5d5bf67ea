/**
 * Online logistic regression on hashed sparse vectors (DESIGN §3): p = σ(w·x + b).
 *
 * `learn(x, y)` is one SGD-family update on one sample and costs O(nnz(x)); `predictProba(x)`
 * costs O(nnz(x)). Neither allocates. The same two calls serve trainer, scorer, CLI and benches.
 */
import { SampleError } from './errors.js';
import { slotCount } from './features.js';
import { logLoss, sigmoid } from './loss.js';
import { AdaGrad } from './adagrad.js';
import { Ftrl } from './ftrl.js';
import { RmsScaler } from './normalizer.js';
import { resolveLearnerOptions, type LearnerOptions, type LearnerOptionsInput } from './options.js';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { Sgd } from './sgd.js';
import { SparseVector } from './sparse-vector.js';

/**
 * Per-coordinate gradients are clipped to ±1e30. Sane data never gets near it (|x̃| is at most
 * √(occurrences) with normalisation); it keeps every optimizer's state finite under adversarial
 * input such as 1e300 with normalization 'none' (AdaGrad's and FTRL's sums of g² stay < 1e308).
 */
export const GRADIENT_LIMIT = 1e30;

/** A labeled sparse sample. */
export interface LabeledVector {
  readonly x: SparseVector;
  readonly y: 0 | 1;
  /** Importance weight ≥ 0, multiplies the gradient. Default 1. */
  readonly weight?: number;
}

/** Weight statistics for metrics (O(m)). Bias excluded. */
export interface WeightStats {
  /** Slots with a non-zero weight. */
  readonly nonzero: number;
  /** Total slots (2^bits). */
  readonly slots: number;
  /** Fraction of slots whose weight is exactly 0. */
  readonly sparsity: number;
  readonly l1Norm: number;
  readonly l2Norm: number;
}

/** Complete learner state, as stored in a checkpoint. Arrays are live references. */
export interface LearnerState {
  readonly options: LearnerOptions;
  readonly samplesSeen: number;
  readonly steps: number;
  readonly optimizer: OptimizerState;
  /** Per-slot RMS scale and occurrence counts (absent with normalization 'none'). */
  readonly scaler: { readonly scale: Float64Array; readonly count: Float64Array } | null;
}

export class LogisticRegression {
  readonly options: LearnerOptions;
  /** Number of weight slots, 2^bits. */
  readonly slots: number;
  private readonly optimizer: Optimizer;
  private readonly scaler: RmsScaler | null;
  private gradients = new Float64Array(64);
  private probabilities = new Float64Array(16);
  private readonly batchGradient = new SparseVector(256);
  private seen = 0;
  private stepCount = 0;

  constructor(options: LearnerOptionsInput = {}) {
    this.options = resolveLearnerOptions(options);
    this.slots = slotCount(this.options.featureSpace);
    this.optimizer = makeOptimizer(this.options, this.slots);
    this.scaler = this.options.normalization === 'rms' ? new RmsScaler(this.slots) : null;
  }

  /** Samples learned so far (a mini-batch of B counts B). */
  get samplesSeen(): number {
    return this.seen;
  }

  /** Optimizer steps so far (one per `learn`, one per mini-batch). */
  get steps(): number {
    return this.stepCount;
  }

  get bias(): number {
    return this.optimizer.bias;
  }

  /** w·x + b. O(nnz(x)), pure. */
  margin(x: SparseVector): number {
    return this.optimizer.margin(x, this.scaler === null ? null : this.scaler.scale);
  }

  /** P(y = 1 | x). O(nnz(x)), pure. */
  predictProba(x: SparseVector): number {
    return sigmoid(this.optimizer.margin(x, this.scaler === null ? null : this.scaler.scale));
  }

  /**
   * One update on (x, y) with importance `weight` (multiplies the gradient). Returns the
   * probability predicted BEFORE the update, identical to `predictProba(x)` called just
   * before, which is what progressive validation needs. O(nnz(x)), allocation-free.
   */
  learn(x: SparseVector, y: 0 | 1, weight = 1): number {
    if (y !== 0 && y !== 1) throw new SampleError('label', y, '0 or 1');
    if (!(weight >= 0) || weight === Infinity) throw new SampleError('weight', weight, 'a finite number ≥ 0');
    const scaler = this.scaler;
    const p = sigmoid(this.optimizer.prepareMargin(x, scaler === null ? null : scaler.scale));
    // The scale is updated after predicting, so learn() returns exactly predictProba(x).
    if (scaler !== null) scaler.observe(x);
    const g = (p - y) * weight;
    const nnz = x.nnz;
    if (this.gradients.length < nnz) this.gradients = new Float64Array(Math.max(nnz, this.gradients.length * 2));
    const grads = this.gradients;
    const indices = x.indices;
    const values = x.values;
    if (scaler === null) {
      for (let k = 0; k < nnz; k++) grads[k] = clip(g * values[k]!);
    } else {
      const scale = scaler.scale;
      for (let k = 0; k < nnz; k++) {
        const v = values[k]!;
        grads[k] = v === 0 ? 0 : clip(g * (v / scale[indices[k]!]!));
      }
    }
    this.seen++;
    this.optimizer.step(indices, grads, nnz, g, ++this.stepCount);
    return p;
  }

  /**
   * One (mini-)batch gradient step, the batch rule: predict every sample with the current
   * weights, average the gradients over the batch (Σ weight·(p−y)·x̃ / B), take one step.
   * With one sample it is exactly `learn`. Returns the mean log loss of the predictions made
   * before the step (NaN for an empty batch, which changes nothing). O(Σ nnz).
   */
  learnBatch(batch: ReadonlyArray<LabeledVector>): number {
    const size = batch.length;
    if (size === 0) return NaN;
    for (const sample of batch) {
      if (sample.y !== 0 && sample.y !== 1) throw new SampleError('label', sample.y, '0 or 1');
      const w = sample.weight ?? 1;
      if (!(w >= 0) || w === Infinity) throw new SampleError('weight', w, 'a finite number ≥ 0');
    }
    if (this.probabilities.length < size) this.probabilities = new Float64Array(Math.max(size, this.probabilities.length * 2));
    const probs = this.probabilities;
    const scaler = this.scaler;
    let loss = 0;
    for (let s = 0; s < size; s++) {
      const { x, y } = batch[s]!;
      const p = sigmoid(this.optimizer.prepareMargin(x, scaler === null ? null : scaler.scale));
      probs[s] = p;
      loss += logLoss(p, y);
    }
    if (scaler !== null) for (let s = 0; s < size; s++) scaler.observe(batch[s]!.x);
    const grad = this.batchGradient;
    grad.clear();
    let biasGradient = 0;
    for (let s = 0; s < size; s++) {
      const { x, y, weight = 1 } = batch[s]!;
      const g = ((probs[s]! - y) * weight) / size;
      biasGradient += g;
      for (let k = 0; k < x.nnz; k++) {
        const v = x.values[k]!;
        if (v === 0) continue;
        const j = x.indices[k]!;
        grad.add(j, g * (scaler === null ? v : v / scaler.scale[j]!));
      }
    }
    const values = grad.values;
    for (let k = 0; k < grad.nnz; k++) values[k] = clip(values[k]!);
    this.seen += size;
    this.optimizer.step(grad.indices, values, grad.nnz, biasGradient, ++this.stepCount);
    return loss / size;
  }

  /** Raw-space weight of `slot` (what serving uses: w̃/s with normalisation). O(1). */
  weight(slot: number): number {
    const w = this.optimizer.weight(slot);
    if (w === 0 || this.scaler === null) return w;
    return w / this.scaler.scale[slot]!;
  }

  /** All raw-space weights (O(m), allocates): the serving model's weight vector. */
  rawWeights(): Float64Array {
    const out = new Float64Array(this.slots);
    for (let j = 0; j < out.length; j++) out[j] = this.weight(j);
    return out;
  }

  /** Non-zero count, sparsity and norms of the raw weights. O(m): for metrics, not per sample. */
  weightStats(): WeightStats {
    let nonzero = 0;
    let l1 = 0;
    let l2 = 0;
    for (let j = 0; j < this.slots; j++) {
      const w = this.weight(j);
      if (w !== 0) {
        nonzero++;
        l1 += Math.abs(w);
        l2 += w * w;
      }
    }
    return { nonzero, slots: this.slots, sparsity: 1 - nonzero / this.slots, l1Norm: l1, l2Norm: Math.sqrt(l2) };
  }

  /** The complete state (live arrays; copy before mutating). Used by snapshots and merging. */
  exportState(): LearnerState {
    return {
      options: this.options,
      samplesSeen: this.seen,
      steps: this.stepCount,
      optimizer: this.optimizer.state(),
      scaler: this.scaler === null ? null : { scale: this.scaler.scale, count: this.scaler.count },
    };
  }

  /** Rebuilds a learner from a state (arrays are copied). */
  static fromState(state: LearnerState): LogisticRegression {
    const learner = new LogisticRegression(state.options);
    learner.optimizer.restore(state.optimizer);
    if (learner.scaler !== null) {
      if (state.scaler === null) throw new RangeError('learner state has no scaler but normalization is rms');
      copyExact('scale', learner.scaler.scale, state.scaler.scale);
      copyExact('count', learner.scaler.count, state.scaler.count);
    }
    if (!Number.isSafeInteger(state.samplesSeen) || state.samplesSeen < 0) throw new RangeError(`bad samplesSeen ${state.samplesSeen}`);
    if (!Number.isSafeInteger(state.steps) || state.steps < 0) throw new RangeError(`bad steps ${state.steps}`);
    learner.seen = state.samplesSeen;
    learner.stepCount = state.steps;
    return learner;
  }

  /** An independent copy with the same state. O(m). */
  clone(): LogisticRegression {
    return LogisticRegression.fromState(this.exportState());
  }
}

function makeOptimizer(options: LearnerOptions, size: number): Optimizer {
  const o = options.optimizer;
  switch (o.name) {
    case 'sgd':
      return new Sgd(size, o);
    case 'adagrad':
      return new AdaGrad(size, o);
    case 'ftrl':
      return new Ftrl(size, o);
  }
}

function clip(g: number): number {
  return g > GRADIENT_LIMIT ? GRADIENT_LIMIT : g < -GRADIENT_LIMIT ? -GRADIENT_LIMIT : g;
}

function copyExact(name: string, target: Float64Array, source: Float64Array): void {
  if (source.length !== target.length) throw new RangeError(`state array ${name}: expected ${target.length} values, got ${source.length}`);
  target.set(source);
}
