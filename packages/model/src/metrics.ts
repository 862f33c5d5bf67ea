/**
 * Evaluation metrics: log loss, accuracy and ROC AUC, for held-out sets (`evaluate`) and for
 * progressive validation (`ProgressiveMetrics`: predict each sample before learning it, as in
 * Blum, Kalai & Langford 1999), over a bounded window of recent samples plus cumulative totals.
 */
import { OptionError } from './errors.js';
import { logLoss } from './loss.js';
import type { LabeledVector } from './logistic-regression.js';
import type { SparseVector } from './sparse-vector.js';

export interface EvaluationResult {
  /** Mean log loss (p clipped to [1e-15, 1 − 1e-15]); NaN when n = 0. */
  readonly logloss: number;
  /** Fraction of samples with (p ≥ threshold) = y; NaN when n = 0. */
  readonly accuracy: number;
  /** Exact ROC AUC (ties count 1/2); NaN unless both classes are present. */
  readonly auc: number;
  readonly n: number;
}

/**
 * Exact ROC AUC = P(score of a positive > score of a negative) + ½·P(tie), the Mann–Whitney
 * statistic. Sorts both classes' scores: O(n log n).
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, n = scores.length): number {
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) positives++;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (labels[i] === 1) pos[a++] = scores[i]!;
    else neg[b++] = scores[i]!;
  }
  pos.sort();
  neg.sort();
  // For each positive, count negatives strictly below it and those equal to it.
  let below = 0;
  let wins = 0;
  for (let i = 0; i < positives; i++) {
    const s = pos[i]!;
    while (below < negatives && neg[below]! < s) below++;
    let equal = below;
    while (equal < negatives && neg[equal]! === s) equal++;
    wins += below + (equal - below) / 2;
  }
  return wins / (positives * negatives);
}

/** Log loss, accuracy and AUC of probabilities `scores` for labels (0/1). */
export function evaluateScores(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5): EvaluationResult {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`evaluateScores: ${n} scores but ${labels.length} labels`);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const p = scores[i]!;
    const y = labels[i]!;
    loss += logLoss(p, y);
    if ((p >= threshold ? 1 : 0) === y) correct++;
  }
  return { logloss: n === 0 ? NaN : loss / n, accuracy: n === 0 ? NaN : correct / n, auc: rocAuc(scores, labels, n), n };
}

/** Evaluates any model with `predictProba` (learner or serving model) on labeled samples. */
export function evaluate(
  model: { predictProba(x: SparseVector): number },
  samples: Iterable<LabeledVector>,
  threshold = 0.5,
): EvaluationResult {
  const scores: number[] = [];
  const labels: number[] = [];
  for (const s of samples) {
    scores.push(model.predictProba(s.x));
    labels.push(s.y);
  }
  return evaluateScores(scores, labels, threshold);
}

export interface ProgressiveMetricsOptions {
  /** Number of most recent samples the windowed metrics cover. Default 10,000. */
  readonly window: number;
  /** Class-1 threshold for accuracy. Default 0.5. */
  readonly threshold: number;
}

export const DEFAULT_PROGRESSIVE_METRICS_OPTIONS: ProgressiveMetricsOptions = Object.freeze({ window: 10_000, threshold: 0.5 });

export interface ProgressiveMetricsSnapshot extends EvaluationResult {
  /** Metrics over every sample since creation (AUC is not kept cumulatively: window only). */
  readonly total: { readonly logloss: number; readonly accuracy: number; readonly n: number; readonly positives: number };
}

/**
 * Windowed log loss, accuracy and exact AUC over the last `window` predictions, plus cumulative
 * log loss, accuracy and counts. `update` is O(1) and allocation-free; `auc()` sorts the window
 * (O(w log w)), so call it when metrics are read, not per sample.
 */
export class ProgressiveMetrics {
  readonly options: ProgressiveMetricsOptions;
  private readonly scores: Float64Array;
  private readonly labels: Uint8Array;
  private readonly losses: Float64Array;
  private head = 0;
  private filled = 0;
  private windowLoss = 0;
  private windowCorrect = 0;
  private totalLoss = 0;
  private totalCorrect = 0;
  private totalCount = 0;
  private totalPositives = 0;

  constructor(options: Partial<ProgressiveMetricsOptions> = {}) {
    const o = { ...DEFAULT_PROGRESSIVE_METRICS_OPTIONS, ...options };
    if (!Number.isInteger(o.window) || o.window < 1) throw new OptionError('window', o.window, 'a positive integer');
    if (typeof o.threshold !== 'number' || !(o.threshold >= 0 && o.threshold <= 1)) {
      throw new OptionError('threshold', o.threshold, 'a number in [0, 1]');
    }
    this.options = o;
    this.scores = new Float64Array(o.window);
    this.labels = new Uint8Array(o.window);
    this.losses = new Float64Array(o.window);
  }

  /** Records the prediction `p` made for a sample before learning its label `y`. */
  update(p: number, y: 0 | 1): void {
    const loss = logLoss(p, y);
    const correct = (p >= this.options.threshold ? 1 : 0) === y ? 1 : 0;
    const h = this.head;
    if (this.filled === this.scores.length) {
      this.windowLoss -= this.losses[h]!;
      this.windowCorrect -= (this.scores[h]! >= this.options.threshold ? 1 : 0) === this.labels[h] ? 1 : 0;
    } else {
      this.filled++;
    }
    this.scores[h] = p;
    this.labels[h] = y;
    this.losses[h] = loss;
    this.windowLoss += loss;
    this.windowCorrect += correct;
    this.head = h + 1 === this.scores.length ? 0 : h + 1;
    // Recompute the running sum exactly once per window so rounding cannot drift.
    if (this.head === 0) {
      let sum = 0;
      for (let i = 0; i < this.filled; i++) sum += this.losses[i]!;
      this.windowLoss = sum;
    }
    this.totalLoss += loss;
    this.totalCorrect += correct;
    this.totalCount++;
    this.totalPositives += y;
  }

  /** Samples in the window. */
  get windowCount(): number {
    return this.filled;
  }

  /** Samples recorded since creation. */
  get count(): number {
    return this.totalCount;
  }

  logLoss(): number {
    return this.filled === 0 ? NaN : this.windowLoss / this.filled;
  }

  accuracy(): number {
    return this.filled === 0 ? NaN : this.windowCorrect / this.filled;
  }

  auc(): number {
    return rocAuc(this.scores, this.labels, this.filled);
  }

  /** Windowed metrics (n = samples in the window) and cumulative totals. */
  snapshot(): ProgressiveMetricsSnapshot {
    return {
      logloss: this.logLoss(),
      accuracy: this.accuracy(),
      auc: this.auc(),
      n: this.filled,
      total: {
        logloss: this.totalCount === 0 ? NaN : this.totalLoss / this.totalCount,
        accuracy: this.totalCount === 0 ? NaN : this.totalCorrect / this.totalCount,
        n: this.totalCount,
        positives: this.totalPositives,
      },
    };
  }

  reset(): void {
    this.head = 0;
    this.filled = 0;
    this.windowLoss = 0;
    this.windowCorrect = 0;
    this.totalLoss = 0;
    this.totalCorrect = 0;
    this.totalCount = 0;
    this.totalPositives = 0;
  }
}
