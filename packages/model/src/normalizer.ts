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
 * Scaler statistics are part of the checkpoint.
 */
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

type ScalerStatistics = { readonly count: Float64Array; readonly location: Float64Array; readonly spread: Float64Array };

/**
 * Per-slot scaling statistics, plus two derived arrays kept in step with them so the hot loops
 * read c_j and 1/s_j directly: `centers` (standard mode only) and `inverseScales`.
 */
export class FeatureScaler {
  readonly mode: 'standard' | 'rms';
  /** n_j: values seen in slot j (standard: all present values; rms: non-zero values). */
  readonly count: Float64Array;
  /** standard: running mean μ_j. rms: running RMS s_j. */
  readonly location: Float64Array;
  /** standard: running standard deviation σ_j (population). rms: unused (length 0). */
  readonly spread: Float64Array;
  /** c_j (standard mode; null in rms mode, where every centre is 0). Derived. */
  readonly centers: Float64Array | null;
  /** 1/s_j, 0 for a never-seen slot. Derived. */
  readonly inverseScales: Float64Array;

  /** A fresh scaler of `size` slots, or one over existing statistics (derived arrays rebuilt). */
  constructor(mode: 'standard' | 'rms', size: number, statistics?: ScalerStatistics) {
    this.mode = mode;
    this.count = statistics?.count ?? new Float64Array(size);
    this.location = statistics?.location ?? new Float64Array(size);
    this.spread = statistics?.spread ?? new Float64Array(mode === 'standard' ? size : 0);
    this.centers = mode === 'standard' ? new Float64Array(size) : null;
    this.inverseScales = new Float64Array(size);
    if (statistics !== undefined) for (let j = 0; j < size; j++) this.refresh(j);
  }

  /** c_j. */
  center(j: number): number {
    return this.centers === null ? 0 : this.centers[j]!;
  }

  /** s_j (≥ MIN_SCALE once the slot has been seen; Infinity for a never-seen slot). */
  scale(j: number): number {
    return 1 / this.inverseScales[j]!;
  }

  /** x̂ = (x − c_j)/s_j for slot j (0 for a never-seen slot), without intermediate overflow. */
  normalize(j: number, x: number): number {
    const inv = this.inverseScales[j]!;
    if (this.centers === null) return x * inv;
    const c = this.centers[j]!;
    const d = x - c;
    return d - d === 0 ? d * inv : (0.5 * x - 0.5 * c) * inv * 2;
  }

  /** Folds the values of `x` into their slots' statistics. O(nnz). */
  observe(x: SparseVector): void {
    if (this.mode === 'rms') this.observeRms(x);
    else this.observeStandard(x);
  }

  /**
   * `observe(x)`, then `out[k] = clip(g · x̂_k)` with the updated statistics: the per-coordinate
   * loss gradients of a sample whose ∂L/∂z is g. One pass over x.
   */
  observeGradients(x: SparseVector, g: number, out: Float64Array): void {
    this.observe(x);
    const indices = x.indices;
    const values = x.values;
    const inv = this.inverseScales;
    const centers = this.centers;
    for (let k = 0, nnz = x.nnz; k < nnz; k++) {
      const j = indices[k]!;
      let xh: number;
      if (centers === null) {
        xh = values[k]! * inv[j]!;
      } else {
        const d = values[k]! - centers[j]!;
        xh = d - d === 0 ? d * inv[j]! : this.normalize(j, values[k]!);
      }
      out[k] = clipGradient(g * xh);
    }
  }

  /** Recomputes the derived c_j and 1/s_j of slot j from its statistics. */
  private refresh(j: number): void {
    if (this.count[j] === 0) {
      this.inverseScales[j] = 0;
      if (this.centers !== null) this.centers[j] = 0;
      return;
    }
    if (this.mode === 'rms') {
      const s = this.location[j]!;
      this.inverseScales[j] = s === 0 ? 0 : 1 / s;
      return;
    }
    const sd = this.spread[j]!;
    if (sd > 0) {
      this.centers![j] = this.location[j]!;
      this.inverseScales[j] = 1 / (sd > MIN_SCALE ? sd : MIN_SCALE);
    } else {
      const a = Math.abs(this.location[j]!);
      this.centers![j] = 0;
      this.inverseScales[j] = 1 / (a > MIN_SCALE ? a : MIN_SCALE);
    }
  }

  private observeStandard(x: SparseVector): void {
    const indices = x.indices;
    const values = x.values;
    const count = this.count;
    const mean = this.location;
    const sd = this.spread;
    for (let k = 0, nnz = x.nnz; k < nnz; k++) {
      const j = indices[k]!;
      const v = values[k]!;
      const n = count[j]! + 1;
      count[j] = n;
      if (n === 1) {
        mean[j] = v;
        this.refresh(j);
        continue;
      }
      // Welford: μ' = μ + d/n, σ'² = ((n−1)/n)(σ² + d²/n), d = v − μ, n the new count; in
      // halves (dh = d/2, σh = σ/2) and relative to max(σh, |dh|) so nothing can overflow.
      const mu = mean[j]!;
      const dh = 0.5 * v - 0.5 * mu;
      const s = sd[j]!;
      if (dh === 0) {
        if (s > 0) {
          sd[j] = s * Math.sqrt((n - 1) / n);
          this.refresh(j);
        }
        continue; // one-hot slots: nothing changes, σ stays exactly 0
      }
      mean[j] = mu + (dh / n) * 2;
      const sh = 0.5 * s;
      const adh = dh < 0 ? -dh : dh;
      const m = sh > adh ? sh : adh;
      const rs = sh / m;
      const rd = adh / m;
      const next = 2 * m * Math.sqrt(((n - 1) / n) * (rs * rs + (rd * rd) / n));
      sd[j] = next < Number.MAX_VALUE ? next : Number.MAX_VALUE;
      this.refresh(j);
    }
  }

  private observeRms(x: SparseVector): void {
    const indices = x.indices;
    const values = x.values;
    const count = this.count;
    const scale = this.location;
    for (let k = 0, nnz = x.nnz; k < nnz; k++) {
      const a = Math.abs(values[k]!);
      if (a === 0) continue;
      const j = indices[k]!;
      const n = count[j]! + 1;
      count[j] = n;
      const s = scale[j]!;
      if (a === s) continue; // e.g. every one-hot value after the first
      if (s === 0) {
        scale[j] = a > MIN_SCALE ? a : MIN_SCALE;
      } else {
        // s' = sqrt((s²(n−1) + a²)/n), relative to max(s, a) so it cannot overflow.
        const m = a > s ? a : s;
        const rs = s / m;
        const ra = a / m;
        const next = m * Math.sqrt((rs * rs * (n - 1) + ra * ra) / n);
        scale[j] = next > MIN_SCALE ? next : MIN_SCALE;
      }
      this.refresh(j);
    }
  }
}
