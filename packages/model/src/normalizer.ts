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
import { createSlotTable, readFieldAt, writeField, type SlotTable } from './slot-table.js';
import type { SparseVector } from './sparse-vector.js';

export type Normalization = 'standard' | 'rms' | 'none';

/**
 * Scales never go below this: values under 1e-100 in magnitude learn like 1e-100, which keeps
 * raw weights w̃/s finite even for denormal inputs.
 */
export const MIN_SCALE = 1e-100;
// Hot code reads these unexported copies: V8 folds a module's own unexported constants into
// optimized code, but loads an exported binding from its module cell on every use (measured
// 10–15% of an update when the gradient clip read GRADIENT_LIMIT).
const SCALE_FLOOR = 1e-100;

/**
 * Per-coordinate gradients are clipped to ±1e30. Sane data never gets near it (with scaling,
 * |x̂| ≤ √(occurrences)); it keeps every optimizer's state finite under adversarial input such
 * as 1e300 with normalization 'none' (AdaGrad's and FTRL's sums of g² stay below 1e308).
 */
export const GRADIENT_LIMIT = 1e30;
const LIMIT = 1e30;

/** Clips a per-coordinate gradient to ±GRADIENT_LIMIT (NaN, impossible in practice, → 0). */
export function clipGradient(g: number): number {
  return g > LIMIT ? LIMIT : g < -LIMIT ? -LIMIT : g === g ? g : 0;
}

/** Scaler statistics as plain per-slot arrays (`spread` is empty in rms mode). */
export interface ScalerStatistics {
  readonly count: Float64Array;
  readonly location: Float64Array;
  readonly spread: Float64Array;
}

// Field offsets within the scaler's part of a slot record.
const COUNT = 0;
const LOCATION = 1; // standard: mean μ_j; rms: RMS s_j
const SPREAD = 2; // standard: standard deviation σ_j
const INVERSE_STANDARD = 3; // standard: 1/s_j
const INVERSE_RMS = 2; // rms: 1/s_j

// Per-record functions for the optimizers' per-sample loops: an optimizer writes one loop per
// mode, each calling these with its own local `data` array and `at` = j·stride + scaler offset.
// V8 inlines them, so nothing is re-read from an object per feature and no branch on the mode
// is left inside a loop.

/**
 * The margin term w·(1/s_j)·(v − c_j) of a value v whose slot's scaler fields start at `at`,
 * standard mode, evaluated left to right as everywhere else (c_j = μ_j when σ_j > 0, else 0).
 */
export function standardTerm(data: Float64Array, at: number, w: number, v: number): number {
  return w * data[at + INVERSE_STANDARD]! * (v - (data[at + SPREAD]! > 0 ? data[at + LOCATION]! : 0));
}

/** The margin term w·(1/s_j)·v, rms mode. */
export function rmsTerm(data: Float64Array, at: number, w: number, v: number): number {
  return w * data[at + INVERSE_RMS]! * v;
}

/**
 * Folds value v into the statistics of the slot whose scaler fields start at `at` (standard
 * mode) and returns x̂ = (v − c_j)/s_j with the updated statistics.
 */
export function observeStandardScaled(data: Float64Array, at: number, v: number): number {
  const common = observeStandardCommon(data, at, v);
  if (common === common) return common;
  const n = data[at + COUNT]! + 1;
  data[at + COUNT] = n;
  observeStandard(data, at, v, n);
  refresh(data, at, true);
  return standardized(v, data[at + SPREAD]! > 0 ? data[at + LOCATION]! : 0, data[at + INVERSE_STANDARD]!);
}

/**
 * `observeStandardScaled` for the common cases, without any call, so that V8 inlines it and
 * keeps the caller's loop in registers (a call anywhere in a loop, even never taken, cost ~15%
 * of an update): a one-hot slot's value (equal to the mean of a slot whose σ is 0) is only
 * counted; a numeric value takes Welford's step and 1/s is refreshed. For the rest (a slot's
 * first value, a value equal to the mean of a varying slot, values that could overflow, non-
 * finite values) it changes nothing and returns NaN: the caller then calls
 * `observeStandardScaled`, possibly later, since slots of one sample are independent.
 */
export function observeStandardCommon(data: Float64Array, at: number, v: number): number {
  const n = data[at + COUNT]! + 1;
  const mu = data[at + LOCATION]!;
  const s = data[at + SPREAD]!;
  if (v === mu && n > 1 && !(s > 0) && v - v === 0) {
    data[at + COUNT] = n;
    return v * data[at + INVERSE_STANDARD]!;
  }
  const d = v - mu;
  if (!(v !== mu && n > 1 && d < 1e150 && d > -1e150 && s < 1e150)) return NaN;
  // observeStandard's common branch, then refresh.
  data[at + COUNT] = n;
  const r = 1 / n;
  const mean = mu + d * r;
  const sd = Math.sqrt((1 - r) * (s * s + d * d * r));
  data[at + LOCATION] = mean;
  data[at + SPREAD] = sd;
  const scale = sd > 0 ? sd : Math.abs(mean);
  const inverse = 1 / (scale > SCALE_FLOOR ? scale : SCALE_FLOOR);
  data[at + INVERSE_STANDARD] = inverse;
  // |v − c| ≤ |d| < 1e150 here (c is the new mean, or 0 when σ underflowed), so the plain
  // difference cannot overflow: this is `standardized` without its guard.
  return (v - (sd > 0 ? mean : 0)) * inverse;
}

/** As `observeStandardScaled`, rms mode: x̂ = v/s_j. */
export function observeRmsScaled(data: Float64Array, at: number, v: number): number {
  observeRms(data, at, v);
  return v * data[at + INVERSE_RMS]!;
}

/**
 * The per-coordinate loss gradients clip(g·x̂_k) of sample x whose loss has ∂L/∂z = g, the
 * scaler (when not null) observing each value first, into `out` (returned, or a larger copy
 * when it is too small). Same arithmetic as the optimizers' fused loops.
 */
export function sampleGradients(x: SparseVector, g: number, scaler: FeatureScaler | null, out: Float64Array): Float64Array {
  const nnz = x.nnz;
  const gradients = out.length >= nnz ? out : new Float64Array(Math.max(nnz, out.length * 2));
  const indices = x.indices;
  const values = x.values;
  if (scaler === null) {
    for (let k = 0; k < nnz; k++) gradients[k] = clipGradient(g * values[k]!);
    return gradients;
  }
  const { data, stride } = scaler.table;
  const at = scaler.offset;
  if (scaler.mode === 'standard') {
    // Common cases first (a call-free loop), then the few values they leave (marked NaN).
    let rare = false;
    for (let k = 0; k < nnz; k++) {
      const xk = observeStandardCommon(data, indices[k]! * stride + at, values[k]!);
      if (xk === xk) {
        gradients[k] = clipGradient(g * xk); // never NaN
      } else {
        gradients[k] = NaN;
        rare = true;
      }
    }
    if (rare) {
      for (let k = 0; k < nnz; k++) {
        if (gradients[k] !== gradients[k]) gradients[k] = clipGradient(g * observeStandardScaled(data, indices[k]! * stride + at, values[k]!));
      }
    }
  } else {
    for (let k = 0; k < nnz; k++) gradients[k] = clipGradient(g * observeRmsScaled(data, indices[k]! * stride + at, values[k]!));
  }
  return gradients;
}

/** (v − c)·inverse, halving v and c first when v − c overflows. */
function standardized(v: number, c: number, inverse: number): number {
  const d = v - c;
  return d - d === 0 ? d * inverse : (0.5 * v - 0.5 * c) * inverse * 2;
}

/**
 * Welford's update of a slot's mean and standard deviation with value v, its count already
 * incremented to n: μ' = μ + d/n, σ'² = ((n−1)/n)·(σ² + d²/n), d = v − μ, overflow-safe.
 * (A value equal to the mean of a slot that never varied changes nothing: not called for it.)
 */
function observeStandard(data: Float64Array, at: number, v: number, n: number): void {
  const mu = data[at + LOCATION]!;
  if (v === mu && n > 1) {
    // A value equal to the mean of a varying slot: σ shrinks, μ stays.
    data[at + SPREAD] = data[at + SPREAD]! * Math.sqrt((n - 1) / n);
  } else if (n === 1) {
    data[at + LOCATION] = v;
  } else {
    const s = data[at + SPREAD]!;
    const d = v - mu;
    if (d < 1e150 && d > -1e150 && s < 1e150) {
      const r = 1 / n;
      data[at + LOCATION] = mu + d * r;
      data[at + SPREAD] = Math.sqrt((1 - r) * (s * s + d * d * r));
    } else {
      // Same update in halves, relative to max(σ/2, |d|/2), so nothing can overflow.
      const dh = 0.5 * v - 0.5 * mu;
      data[at + LOCATION] = mu + (dh / n) * 2;
      const sh = 0.5 * s;
      const adh = dh < 0 ? -dh : dh;
      const m = sh > adh ? sh : adh;
      const rs = sh / m;
      const rd = adh / m;
      const next = 2 * m * Math.sqrt(((n - 1) / n) * (rs * rs + (rd * rd) / n));
      data[at + SPREAD] = next < Number.MAX_VALUE ? next : Number.MAX_VALUE;
    }
  }
}

/** Running RMS of a slot's non-zero values: s' = √((s²(n−1) + a²)/n) with a = |v|, overflow-safe. */
function observeRms(data: Float64Array, at: number, v: number): void {
  const a = v < 0 ? -v : v;
  if (a === 0) return;
  const n = data[at + COUNT]! + 1;
  data[at + COUNT] = n;
  const s = data[at + LOCATION]!;
  if (a === s) return; // e.g. every one-hot value after the first
  if (s === 0) {
    data[at + LOCATION] = a > SCALE_FLOOR ? a : SCALE_FLOOR;
  } else {
    const m = a > s ? a : s;
    const rs = s / m;
    const ra = a / m;
    const next = m * Math.sqrt((rs * rs * (n - 1) + ra * ra) / n);
    data[at + LOCATION] = next > SCALE_FLOOR ? next : SCALE_FLOOR;
  }
  refresh(data, at, false);
}

/** Recomputes 1/s_j of the scaler fields at `at` from the statistics (0 for a never-seen slot). */
function refresh(data: Float64Array, at: number, standard: boolean): void {
  const inverseAt = at + (standard ? INVERSE_STANDARD : INVERSE_RMS);
  if (data[at + COUNT] === 0) {
    data[inverseAt] = 0;
    return;
  }
  let s: number;
  if (!standard) {
    s = data[at + LOCATION]!;
  } else {
    const sd = data[at + SPREAD]!;
    s = sd > 0 ? sd : Math.abs(data[at + LOCATION]!);
  }
  data[inverseAt] = 1 / (s > SCALE_FLOOR ? s : SCALE_FLOOR);
}

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
  /** Offset of the scaler's fields within a slot record. */
  readonly offset: number;
  private readonly data: Float64Array;
  private readonly stride: number;
  private readonly standard: boolean;

  constructor(mode: 'standard' | 'rms', table: SlotTable, offset: number) {
    this.mode = mode;
    this.table = table;
    this.data = table.data;
    this.stride = table.stride;
    this.offset = offset;
    this.standard = mode === 'standard';
  }

  /** Bytes of the scaler's fields. */
  get byteLength(): number {
    return this.table.size * 8 * FeatureScaler.fields(this.mode);
  }

  /** c_j: the mean of a slot whose values vary (standard mode), else 0. */
  center(j: number): number {
    if (!this.standard) return 0;
    const at = j * this.stride + this.offset;
    return this.data[at + SPREAD]! > 0 ? this.data[at + LOCATION]! : 0;
  }

  /** 1/s_j (0 for a never-seen slot). */
  inverseScale(j: number): number {
    return this.data[j * this.stride + this.offset + (this.standard ? INVERSE_STANDARD : INVERSE_RMS)]!;
  }

  /** s_j (Infinity for a never-seen slot). */
  scale(j: number): number {
    return 1 / this.inverseScale(j);
  }

  /** x̂ = (x − c_j)/s_j for slot j (0 for a never-seen slot), without intermediate overflow. */
  normalize(j: number, x: number): number {
    const inverse = this.inverseScale(j);
    return this.standard ? standardized(x, this.center(j), inverse) : x * inverse;
  }

  /** Folds the values of `x` into their slots' statistics. O(nnz). */
  observe(x: SparseVector): void {
    const { data, stride, offset } = this;
    const indices = x.indices;
    const values = x.values;
    if (this.standard) for (let k = 0; k < x.nnz; k++) observeStandardScaled(data, indices[k]! * stride + offset, values[k]!);
    else for (let k = 0; k < x.nnz; k++) observeRms(data, indices[k]! * stride + offset, values[k]!);
  }

  /**
   * The statistics as plain arrays (copies), O(m); with `slots`, of those slots only (the k-th
   * value is slot `slots[k]`'s), O(slots). 1/s is derived, rebuilt by `restore`.
   */
  statistics(slots: Int32Array | null = null): ScalerStatistics {
    return {
      count: readFieldAt(this.table, this.offset + COUNT, slots),
      location: readFieldAt(this.table, this.offset + LOCATION, slots),
      spread: this.standard ? readFieldAt(this.table, this.offset + SPREAD, slots) : new Float64Array(0),
    };
  }

  /** Loads statistics and rebuilds the derived fields. O(m). */
  restore(statistics: ScalerStatistics): void {
    writeField(this.table, this.offset + COUNT, statistics.count, 'scaler.count');
    writeField(this.table, this.offset + LOCATION, statistics.location, 'scaler.location');
    if (this.standard) writeField(this.table, this.offset + SPREAD, statistics.spread, 'scaler.spread');
    for (let j = 0; j < this.table.size; j++) refresh(this.data, j * this.stride + this.offset, this.standard);
  }
}
