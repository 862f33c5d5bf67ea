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
import { FeatureScaler, clipGradient, type ScalerStatistics } from './normalizer.js';
import { resolveLearnerOptions, type LearnerOptions, type LearnerOptionsInput } from './options.js';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { Sgd } from './sgd.js';
import { createSlotTable, type SlotTable } from './slot-table.js';
import { SparseVector } from './sparse-vector.js';


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

/** Complete learner state, as stored in a checkpoint (plain per-slot arrays). */
export interface LearnerState {
  readonly options: LearnerOptions;
  readonly samplesSeen: number;
  readonly steps: number;
  readonly optimizer: OptimizerState;
  /** Per-slot scaler statistics (see FeatureScaler; null with normalization 'none'). */
  readonly scaler: ScalerStatistics | null;
}

/** Options of `LogisticRegression.exportState`. */
export interface ExportStateOptions {
  /**
   * Export only these slots (each in [0, 2^bits); a RangeError names the first that is not).
   * Default: every slot.
   */
  readonly slots?: Int32Array;
}

export class LogisticRegression {
  readonly options: LearnerOptions;
  /** Number of weight slots, 2^bits. */
  readonly slots: number;
  private readonly table: SlotTable;
  private readonly optimizer: Optimizer;
  private readonly scaler: FeatureScaler | null;
  private probabilities = new Float64Array(16);
  private readonly batchGradient = new SparseVector(256);
  private seen = 0;
  private stepCount = 0;

  constructor(options: LearnerOptionsInput = {}) {
    this.options = resolveLearnerOptions(options);
    this.slots = slotCount(this.options.featureSpace);
    // One interleaved record per slot: the optimizer's fields, then the scaler's (slot-table.ts).
    const mode = this.options.normalization;
    const optimizerFields = fieldsOf(this.options);
    this.table = createSlotTable(this.slots, optimizerFields + (mode === 'none' ? 0 : FeatureScaler.fields(mode)));
    this.optimizer = makeOptimizer(this.options, this.table);
    this.scaler = mode === 'none' ? null : new FeatureScaler(mode, this.table, optimizerFields);
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

  /**
   * w·x + b = Σ_k w_{i_k}·(x_k − c_{i_k}) + b in raw space (w_j = w̃_j/s_j), summed in entry
   * order with the bias last, exactly as ServingModel does. O(nnz(x)), pure.
   */
  margin(x: SparseVector): number {
    return this.computeMargin(x, false);
  }

  /** P(y = 1 | x). O(nnz(x)), pure. */
  predictProba(x: SparseVector): number {
    return sigmoid(this.computeMargin(x, false));
  }

  /**
   * One update on (x, y) with importance `weight` (multiplies the gradient). Returns the
   * probability predicted BEFORE the update, identical to `predictProba(x)` called just
   * before, which is what progressive validation needs. O(nnz(x)), allocation-free.
   */
  learn(x: SparseVector, y: 0 | 1, weight = 1): number {
    if (y !== 0 && y !== 1) throw new SampleError('label', y, '0 or 1');
    if (!(weight >= 0) || weight === Infinity) throw new SampleError('weight', weight, 'a finite number ≥ 0');
    const optimizer = this.optimizer;
    const p = sigmoid(optimizer.margin(x, this.scaler, true) + optimizer.bias);
    // The scaler observes x after the prediction, so learn() returns exactly predictProba(x).
    this.seen++;
    optimizer.update(x, (p - y) * weight, this.scaler, ++this.stepCount);
    return p;
  }

  /**
   * The margin Σ_k (w̃_j·(1/s_j))·(x_k − c_j) + b, summed in entry order with the bias last.
   * The loop is the optimizer's (one class, no per-feature dispatch), reading 1/s_j and c_j from
   * the slot record next to the weight. With `prepare`, each coordinate's lazy state is stored
   * first (same value).
   */
  private computeMargin(x: SparseVector, prepare: boolean): number {
    return this.optimizer.margin(x, this.scaler, prepare) + this.optimizer.bias;
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
      const p = sigmoid(this.computeMargin(x, true));
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
        const j = x.indices[k]!;
        const v = x.values[k]!;
        grad.add(j, g * (scaler === null ? v : scaler.normalize(j, v)));
      }
    }
    const values = grad.values;
    for (let k = 0; k < grad.nnz; k++) values[k] = clipGradient(values[k]!);
    this.seen += size;
    this.optimizer.step(grad.indices, values, grad.nnz, biasGradient, ++this.stepCount);
    return loss / size;
  }

  /** Raw-space weight w_j = w̃_j·(1/s_j) of `slot` (what serving uses). O(1). */
  weight(slot: number): number {
    const w = this.optimizer.weight(slot);
    if (w === 0 || this.scaler === null) return w;
    return w * this.scaler.inverseScale(slot);
  }

  /** Centre c_j of `slot` (0 unless normalization 'standard' centres it). O(1). */
  center(slot: number): number {
    return this.scaler === null ? 0 : this.scaler.center(slot);
  }

  /** All centres (O(m), allocates), or null when no slot can be centred. */
  centers(): Float64Array | null {
    if (this.scaler === null || this.scaler.mode !== 'standard') return null;
    const out = new Float64Array(this.slots);
    for (let j = 0; j < out.length; j++) out[j] = this.scaler.center(j);
    return out;
  }

  /** `weight` of each of `slots` (the k-th value is slot `slots[k]`'s). O(slots), allocates. */
  weightsAt(slots: Int32Array): Float64Array {
    const out = new Float64Array(slots.length);
    for (let k = 0; k < slots.length; k++) out[k] = this.weight(slots[k]!);
    return out;
  }

  /** `center` of each of `slots` (the k-th value is slot `slots[k]`'s). O(slots), allocates. */
  centersAt(slots: Int32Array): Float64Array {
    const out = new Float64Array(slots.length);
    for (let k = 0; k < slots.length; k++) out[k] = this.center(slots[k]!);
    return out;
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

  /** Bytes of memory held by the model's per-slot records (weights, optimizer and scaler state). */
  get byteLength(): number {
    return this.table.data.byteLength;
  }

  /**
   * Writes every page of the slot table once (each value with itself: nothing changes), so the
   * operating system maps the whole table now instead of one page per first touch while
   * learning. A new table is allocated zeroed but unmapped: at 2^20 slots (64 MiB) a fresh
   * learner otherwise pays ~16k page faults spread over its first samples, while one restored from
   * a checkpoint (which writes every slot) pays none. O(m / 512); the table becomes resident.
   */
  reserveMemory(): void {
    const data = this.table.data;
    // 512 doubles = 4 KiB, the smallest page size in use; larger pages are merely written more than once.
    for (let i = 0; i < data.length; i += 512) data[i] = data[i]!;
  }

  /**
   * The complete state as plain arrays (copies, O(m)). Used by snapshots and merging.
   *
   * With `slots`, every per-slot array holds only the values of those slots, the k-th being slot
   * `slots[k]`'s (an array the full export gives empty stays empty), at O(slots) instead of one
   * pass over all 2^bits records per array: what a snapshot of a sparse model needs (see
   * encodeSnapshot's `slots`). Scalars and counters are those of the full export.
   */
  exportState(options: ExportStateOptions = {}): LearnerState {
    const slots = options.slots ?? null;
    return {
      options: this.options,
      samplesSeen: this.seen,
      steps: this.stepCount,
      optimizer: this.optimizer.state(slots),
      scaler: this.scaler === null ? null : this.scaler.statistics(slots),
    };
  }

  /** Rebuilds a learner from a state (arrays are copied). */
  static fromState(state: LearnerState): LogisticRegression {
    const learner = new LogisticRegression(state.options);
    learner.optimizer.restore(state.optimizer);
    if (learner.scaler !== null) {
      if (state.scaler === null) throw new RangeError(`learner state has no scaler but normalization is ${learner.options.normalization}`);
      learner.scaler.restore(state.scaler);
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

function fieldsOf(options: LearnerOptions): number {
  const o = options.optimizer;
  switch (o.name) {
    case 'sgd':
      return Sgd.fields(o);
    case 'adagrad':
      return AdaGrad.fields(o);
    case 'ftrl':
      return Ftrl.fields(o);
  }
}

function makeOptimizer(options: LearnerOptions, table: SlotTable): Optimizer {
  const o = options.optimizer;
  switch (o.name) {
    case 'sgd':
      return new Sgd(table, 0, o);
    case 'adagrad':
      return new AdaGrad(table, 0, o);
    case 'ftrl':
      return new Ftrl(table, 0, o);
  }
}

