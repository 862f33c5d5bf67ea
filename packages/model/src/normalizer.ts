/**
 * Online per-slot feature scaling, so features of wildly different scales train well without
 * pre-scaling. Every optimizer works on normalised values x̂_j = (x_j − c_j)/s_j; the model a
 * scorer evaluates is Σ_j w_j·(x_j − c_j) + b with raw weights w_j = w̃_j/s_j (normalised
 * weights w̃_j), so serving needs no scaler state beyond the centres c_j.
 *
 * Why an online scaler rather than only normalised updates (Ross, Mineiro & Langford 2013,
 * "Normalized online learning", NAG, Vowpal Wabbit's default): NAG makes updates invariant to
 * each feature's scale, which fixes wildly different scales, but it cannot fix a feature that
 * is far from zero relative to its spread (movielens `year`: 1900–2016, spread ~15): such a
 * feature is almost collinear with the bias and learns at the speed of the worst-conditioned
 * direction. Centering fixes that, as standardisation does for batch solvers. Measured on the
 * bundled data (train on the first 80%, file order), see the package README.
 *
 * Modes (LearnerOptions.normalization):
 *
 * - `standard` (default). Per slot, the running mean μ_j and standard deviation σ_j of the
 *   values it takes when present (Welford's online algorithm). A slot whose values vary
 *   (σ_j > 0: numeric features) is standardised: c_j = μ_j, s_j = σ_j. A slot whose value never
 *   varies (one-hot features, always 1) is only scaled: c_j = 0, s_j = |μ_j| (1 for one-hot),
 *   so categorical data is untouched. Consequence, by design: an ABSENT numeric feature counts
 *   as its mean (mean imputation, as scikit-learn's SimpleImputer + StandardScaler), while a
 *   present 0 is a real value (hashFeatures keeps explicit zeros for this reason).
 * - `rms`: scale only, c_j = 0, s_j = root-mean-square of the slot's non-zero values. An absent
 *   feature counts as 0 and serving is plain w·x + b. Right for sparse streams that omit zeros.
 * - `none`: raw values (for pre-scaled data).
 *
 * As in NAG, normalised weights w̃ are kept when (c_j, s_j) move, and the optimizer state lives
 * in normalised space, so scaling composes with SGD, AdaGrad and FTRL alike and costs
 * O(nnz(x)) per update. Regularisation applies to w̃, as with standardised batch features.
 * Scaler statistics are part of the checkpoint; they live in the learner's slot table.
 */
import { createSlotTable, readField, writeField, type SlotTable } from './slot-table.js';
import type { SparseVector } from './sparse-vector.js';

export type Normalization = 'standard' | 'rms' | 'none';

/**
 * Scales never go below this: values under 1e-100 in magnitude learn like 1e-100, which keeps
 * raw weights w̃/s finite even for denormal inputs.
 */
export const MIN_SCALE = 1e-100;

/**
 * Per-coordinate gradients are clipped to ±1e30. Sane data never gets near it (with scaling,
 * |x̂| ≤ √(occurrences)); it keeps every optimizer's state finite under adversarial input such
 * as 1e300 with normalization 'none' (AdaGrad's and FTRL's sums of g² stay below 1e308).
 */
export const GRADIENT_LIMIT = 1e30;

/** Clips a per-coordinate gradient to ±GRADIENT_LIMIT (NaN, impossible in practice, → 0). */
export function clipGradient(g: number): number {
  return g > GRADIENT_LIMIT ? GRADIENT_LIMIT : g < -GRADIENT_LIMIT ? -GRADIENT_LIMIT : g === g ? g : 0;
}

/** Scaler statistics as plain per-slot arrays (`spread` is empty in rms mode). */
export interface ScalerStatistics {
  readonly count: Float64Array;
  readonly location: Float64Array;
  readonly spread: Float64Array;
}

// Field offsets within the scaler's part of a slot record (exported for the learner's hot loops).
const COUNT = 0;
const LOCATION = 1; // standard: mean μ_j; rms: RMS s_j
const SPREAD = 2; // standard: standard deviation σ_j
export const SCALER_FIELD = { count: COUNT, location: LOCATION, spread: SPREAD, inverseStandard: 3, inverseRms: 2 } as const;

/**
 * Per-slot scaling statistics, as fields of a slot table: count n_j, location (mean or RMS),
 * spread (standard deviation, standard mode), and the derived 1/s_j, kept in step with them so
 * hot loops read c_j and 1/s_j from the same cache line as the weight.
 */
export class FeatureScaler {
  /** Fields per slot: 4 in standard mode (n, μ, σ, 1/s), 3 in rms mode (n, s, 1/s). */
  static fields(mode: 'standard' | 'rms'): number {
    return mode === 'standard' ? 4 : 3;
  }

  /** A scaler with its own table holding the given statistics (derived fields rebuilt). */
  static fromStatistics(mode: 'standard' | 'rms', statistics: ScalerStatistics): FeatureScaler {
    const scaler = new FeatureScaler(mode, createSlotTable(statistics.count.length, FeatureScaler.fields(mode)), 0);
    scaler.restore(statistics);
    return scaler;
  }

  readonly mode: 'standard' | 'rms';
  readonly table: SlotTable;
  private readonly data: Float64Array;
  private readonly stride: number;
  private readonly offset: number;
  /** Offset of 1/s_j within a slot's whole record. */
  private readonly inverseAt: number;
  private readonly standard: boolean;

  constructor(mode: 'standard' | 'rms', table: SlotTable, offset: number) {
    this.mode = mode;
    this.table = table;
    this.data = table.data;
    this.stride = table.stride;
    this.offset = offset;
    this.standard = mode === 'standard';
    this.inverseAt = offset + (mode === 'standard' ? 3 : 2);
  }

  /** Bytes of the scaler's fields. */
  get byteLength(): number {
    return this.table.size * 8 * FeatureScaler.fields(this.mode);
  }

  /** c_j: the mean of a slot whose values vary (standard mode), else 0. */
  center(j: number): number {
    if (!this.standard) return 0;
    const b = j * this.stride + this.offset;
    return this.data[b + SPREAD]! > 0 ? this.data[b + LOCATION]! : 0;
  }

  /** 1/s_j (0 for a never-seen slot). */
  inverseScale(j: number): number {
    return this.data[j * this.stride + this.inverseAt]!;
  }

  /** s_j (Infinity for a never-seen slot). */
  scale(j: number): number {
    return 1 / this.inverseScale(j);
  }

  /** x̂ = (x − c_j)/s_j for slot j (0 for a never-seen slot), without intermediate overflow. */
  normalize(j: number, x: number): number {
    const inv = this.inverseScale(j);
    if (!this.standard) return x * inv;
    const c = this.center(j);
    const d = x - c;
    return d - d === 0 ? d * inv : (0.5 * x - 0.5 * c) * inv * 2;
  }

  /** Folds the values of `x` into their slots' statistics. O(nnz). */
  observe(x: SparseVector): void {
    const indices = x.indices;
    const values = x.values;
    const nnz = x.nnz;
    if (this.standard) for (let k = 0; k < nnz; k++) this.observeStandard(indices[k]!, values[k]!);
    else for (let k = 0; k < nnz; k++) this.observeRms(indices[k]!, values[k]!);
  }

  /**
   * `observe(x)`, then `out[k] = clip(g · x̂_k)` with the updated statistics: the per-coordinate
   * loss gradients of a sample whose ∂L/∂z is g. One pass (slots of a SparseVector are distinct,
   * so updating slot by slot equals updating all first).
   */
  observeGradients(x: SparseVector, g: number, out: Float64Array): void {
    const indices = x.indices;
    const values = x.values;
    const nnz = x.nnz;
    const data = this.data;
    const stride = this.stride;
    const offset = this.offset;
    if (this.standard) {
      for (let k = 0; k < nnz; k++) {
        const j = indices[k]!;
        const v = values[k]!;
        this.observeStandard(j, v);
        const b = j * stride + offset;
        const c = data[b + SPREAD]! > 0 ? data[b + LOCATION]! : 0;
        const d = v - c;
        out[k] = clipGradient(g * (d - d === 0 ? d * data[b + 3]! : this.normalize(j, v)));
      }
    } else {
      for (let k = 0; k < nnz; k++) {
        const j = indices[k]!;
        const v = values[k]!;
        this.observeRms(j, v);
        out[k] = clipGradient(g * (v * this.inverseScale(j)));
      }
    }
  }

  /** The statistics as plain arrays (copies). O(m). */
  statistics(): ScalerStatistics {
    return {
      count: readField(this.table, this.offset + COUNT),
      location: readField(this.table, this.offset + LOCATION),
      spread: this.standard ? readField(this.table, this.offset + SPREAD) : new Float64Array(0),
    };
  }

  /** Loads statistics and rebuilds the derived fields. O(m). */
  restore(statistics: ScalerStatistics): void {
    writeField(this.table, this.offset + COUNT, statistics.count, 'scaler.count');
    writeField(this.table, this.offset + LOCATION, statistics.location, 'scaler.location');
    if (this.standard) writeField(this.table, this.offset + SPREAD, statistics.spread, 'scaler.spread');
    for (let j = 0; j < this.table.size; j++) this.refresh(j * this.stride + this.offset);
  }

  /** Recomputes 1/s_j of the scaler record at b (= j·stride + offset) from its statistics. */
  private refresh(b: number): void {
    const data = this.data;
    const inverseAt = b - this.offset + this.inverseAt;
    if (data[b + COUNT] === 0) {
      data[inverseAt] = 0;
      return;
    }
    let s: number;
    if (!this.standard) {
      s = data[b + LOCATION]!;
    } else {
      const sd = data[b + SPREAD]!;
      s = sd > 0 ? sd : Math.abs(data[b + LOCATION]!);
    }
    data[inverseAt] = 1 / (s > MIN_SCALE ? s : MIN_SCALE);
  }

  /**
   * Welford's update of slot j's mean and standard deviation with value v (n = new count):
   * μ' = μ + d/n, σ'² = ((n−1)/n)·(σ² + d²/n), d = v − μ.
   */
  private observeStandard(j: number, v: number): void {
    const data = this.data;
    const b = j * this.stride + this.offset;
    const n = data[b + COUNT]! + 1;
    data[b + COUNT] = n;
    const mu = data[b + LOCATION]!;
    if (v === mu && n > 1) {
      // One-hot slots (always 1) land here: σ stays exactly 0 and nothing else changes.
      const s = data[b + SPREAD]!;
      if (s > 0) {
        data[b + SPREAD] = s * Math.sqrt((n - 1) / n);
        this.refresh(b);
      }
      return;
    }
    if (n === 1) {
      data[b + LOCATION] = v;
      this.refresh(b);
      return;
    }
    const s = data[b + SPREAD]!;
    const d = v - mu;
    if (d < 1e150 && d > -1e150 && s < 1e150) {
      const r = 1 / n;
      data[b + LOCATION] = mu + d * r;
      data[b + SPREAD] = Math.sqrt((1 - r) * (s * s + d * d * r));
    } else {
      // Same update in halves, relative to max(σ/2, |d|/2), so nothing can overflow.
      const dh = 0.5 * v - 0.5 * mu;
      data[b + LOCATION] = mu + (dh / n) * 2;
      const sh = 0.5 * s;
      const adh = dh < 0 ? -dh : dh;
      const m = sh > adh ? sh : adh;
      const rs = sh / m;
      const rd = adh / m;
      const next = 2 * m * Math.sqrt(((n - 1) / n) * (rs * rs + (rd * rd) / n));
      data[b + SPREAD] = next < Number.MAX_VALUE ? next : Number.MAX_VALUE;
    }
    this.refresh(b);
  }

  /** Running RMS of slot j's non-zero values: s' = √((s²(n−1) + a²)/n), overflow-safe. */
  private observeRms(j: number, v: number): void {
    const a = v < 0 ? -v : v;
    if (a === 0) return;
    const data = this.data;
    const b = j * this.stride + this.offset;
    const n = data[b + COUNT]! + 1;
    data[b + COUNT] = n;
    const s = data[b + LOCATION]!;
    if (a === s) return; // e.g. every one-hot value after the first
    if (s === 0) {
      data[b + LOCATION] = a > MIN_SCALE ? a : MIN_SCALE;
    } else {
      const m = a > s ? a : s;
      const rs = s / m;
      const ra = a / m;
      const next = m * Math.sqrt((rs * rs * (n - 1) + ra * ra) / n);
      data[b + LOCATION] = next > MIN_SCALE ? next : MIN_SCALE;
    }
    this.refresh(b);
  }
}
