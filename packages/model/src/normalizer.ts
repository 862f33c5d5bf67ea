/**
 * Online per-slot scaling, so features of wildly different scales train without pre-scaling.
 *
 * Choice (see also the package README): every optimizer works on x̃_i = x_i / s_i, where s_i is
 * the running root-mean-square of the non-zero values seen in slot i, and the model is
 * w·x + b with w_i = w̃_i / s_i. This is the per-coordinate scale of Ross, Mineiro & Langford
 * (2013), "Normalized online learning" (NAG; Vowpal Wabbit's default), with two deliberate
 * differences:
 *
 * 1. s_i is the RMS of the slot's non-zero values, not their maximum. With heavy-tailed
 *    features (spam's capital-run lengths: typical 10², maximum 1.6·10⁴) the maximum shrinks
 *    typical values to ~10⁻² and those features barely learn; the RMS keeps typical |x̃| ≈ 1.
 *    One-hot features keep s_i = 1 exactly, so categorical data is untouched.
 * 2. As in NAG, normalised weights w̃ are kept when s_i changes (the raw weight follows), and
 *    the optimizer's state lives in normalised space, so the scaler composes with SGD, AdaGrad
 *    and FTRL alike, costs O(nnz(x)) per update, and never needs a pass over all slots.
 *
 * Serving folds the scale into the weights (w_i = w̃_i / s_i), so scorers compute plain w·x+b.
 * The scaler state (s_i and the occurrence count n_i) is part of the checkpoint.
 * Regularization (L1/L2) applies to the normalised weights w̃, as with standardised features.
 */
import type { SparseVector } from './sparse-vector.js';

/** `rms`: per-slot online RMS scaling (default). `none`: raw values (for pre-scaled data). */
export type Normalization = 'rms' | 'none';

/**
 * Scales never go below this: values under 1e-100 in magnitude learn like 1e-100, which keeps
 * raw weights w̃/s finite even for denormal inputs.
 */
export const MIN_SCALE = 1e-100;

export class RmsScaler {
  /** s_i: running RMS of non-zero values in slot i (0 = never seen). */
  readonly scale: Float64Array;
  /** n_i: number of non-zero values seen in slot i. */
  readonly count: Float64Array;

  constructor(size: number, scale?: Float64Array, count?: Float64Array) {
    this.scale = scale ?? new Float64Array(size);
    this.count = count ?? new Float64Array(size);
  }

  /** Folds the non-zero values of `x` into the running RMS of their slots. O(nnz). */
  observe(x: SparseVector): void {
    const indices = x.indices;
    const values = x.values;
    const scale = this.scale;
    const count = this.count;
    for (let k = 0, nnz = x.nnz; k < nnz; k++) {
      const a = Math.abs(values[k]!);
      if (a === 0) continue;
      const i = indices[k]!;
      const n = count[i]! + 1;
      count[i] = n;
      const s = scale[i]!;
      if (a === s) continue; // e.g. every one-hot value after the first
      if (s === 0) {
        scale[i] = a > MIN_SCALE ? a : MIN_SCALE;
        continue;
      }
      // s' = sqrt((s²(n−1) + a²)/n), computed relative to max(s, a) so it cannot overflow.
      const m = a > s ? a : s;
      const rs = s / m;
      const ra = a / m;
      const next = m * Math.sqrt((rs * rs * (n - 1) + ra * ra) / n);
      scale[i] = next > MIN_SCALE ? next : MIN_SCALE;
    }
  }
}
