/**
 * FTRL-Proximal, per coordinate, as in McMahan et al. (2013), "Ad Click Prediction: a View
 * from the Trenches", Algorithm 1:
 *
 *   w_j = 0                                              if |z_j| ≤ λ1
 *   w_j = −(z_j − sgn(z_j)·λ1) / ((β + √n_j)/α + λ2)    otherwise
 *
 *   on gradient g_j:  σ = (√(n_j + g_j²) − √n_j)/α,  z_j ← z_j + g_j − σ·w_j,  n_j ← n_j + g_j²
 *
 * Weights are a closed-form function of (z_j, n_j), so they are lazy by construction: an update
 * touches only the sample's coordinates, L1 gives exact zeros, and the "eager" reference simply
 * materialises every w_j each step. w_j and √n_j are cached in the slot record when (z_j, n_j)
 * change, so a prediction reads one number per feature and an update takes one square root;
 * the caches are rebuilt from (z, n) on restore, bit for bit. The bias uses the same rule with
 * λ1 = λ2 = 0. `learningRate` is α (a number; FTRL has its own per-coordinate schedule).
 *
 * Width scaling (`widthExponent` e, issue #8): a sample's coordinate updates add up in its margin,
 * so with ω = nnz(x) + 1 coordinates updated at once, per-coordinate rates sized as if each
 * feature were alone move the margin of a wide sample of new, rare features ω times too far.
 * Each coordinate's n_j therefore grows by g_j²·ω^e instead of g_j², which shrinks its rate by
 * ω^(−e/2): e = 2 would be the 1/ω safe step of ω coupled coordinates updated together
 * (Richtárik & Takáč 2016, "Parallel coordinate descent methods for big data optimization",
 * Math. Programming 156), e = 1 a per-coordinate form of the normalised rate of Ross, Mineiro &
 * Langford (2013, "Normalized online learning", UAI). The default e = 0.9 with α 0.8 and
 * adaptive L1 κ 0.12 (below) was chosen on the training rows only (progressive log loss and a
 * validation slice, package README). It only changes what is added to n_j,
 * so the update stays O(nnz), lazy and in the same state. The bias is one of the ω coordinates
 * and is scaled alike.
 *
 * Adaptive L1 (`adaptiveL1` κ, issue #8): the L1 threshold of coordinate j is λ1 + κ·√n_j
 * instead of λ1, i.e. the regulariser is Σ_j (λ1 + κ·√n_j)·|w_j|. FTRL-Proximal allows
 * non-decreasing per-coordinate regularisers (McMahan 2017, "A survey of algorithms and analysis
 * for adaptive online learning", JMLR 18: r_{1:t} may grow with t, as its own proximal term
 * σ_{1:t} = √n/α does), and √n_j only grows. Since z_j is a sum of gradients and √n_j the root of
 * their (width-scaled) sum of squares, |z_j| > κ·√n_j is a significance test on the coordinate's
 * mean gradient: a coordinate stays at exactly 0 until its gradients agree in sign more than
 * noise would (a constant λ1 lets any coordinate through once its |z| is large enough, however
 * noisy). Through the width factor the test is stricter on wide samples (√n_j ∝ ω^(e/2)), where a
 * shared gradient says least about each coordinate. Once through, a frequent coordinate's weight
 * is shrunk by about α·κ. The weight is still a closed form of (z_j, n_j): lazy, exact zeros,
 * the same state.
 */
import {
  clipGradient,
  observeRmsScaled,
  observeStandardCommon,
  observeStandardScaled,
  rmsTerm,
  standardTerm,
  type FeatureScaler,
} from './normalizer.js';
import { readScalar, type Optimizer, type OptimizerState } from './optimizer.js';
import { readFieldAt, writeField, type SlotTable } from './slot-table.js';
import type { FtrlOptions } from './options.js';
import type { SparseVector } from './sparse-vector.js';

// Field offsets within the optimizer's part of a slot record.
const Z = 0;
const N = 1;
const W = 2;
const ROOT_N = 3;

export class Ftrl implements Optimizer {
  /** Fields per slot: z, n, cached w, cached √n. */
  static fields(_options: FtrlOptions): number {
    return 4;
  }

  readonly name = 'ftrl' as const;
  readonly size: number;
  private readonly table: SlotTable;
  private readonly offset: number;
  private readonly inverseAlpha: number;
  private readonly beta: number;
  private readonly l1: number;
  private readonly l2: number;
  private readonly adaptiveL1: number;
  private readonly widthExponent: number;
  /** Memo of widthFactor: the last coordinate count and its ω^e. */
  private lastCoordinates = -1;
  private lastWidth = 1;
  private biasZ = 0;
  private biasN = 0;
  // The bias's weight and √n, cached like a slot's (recomputed whenever biasZ, biasN change).
  private biasWeight = 0;
  private biasRootN = 0;
  /** Scratch: positions of the entries left to observeStandardScaled by `update`. */
  private rare = new Int32Array(64);

  constructor(table: SlotTable, offset: number, options: FtrlOptions) {
    this.size = table.size;
    this.table = table;
    this.offset = offset;
    this.inverseAlpha = 1 / options.learningRate;
    this.beta = options.beta;
    this.l1 = options.l1;
    this.l2 = options.l2;
    this.adaptiveL1 = options.adaptiveL1;
    this.widthExponent = options.widthExponent;
  }

  /**
   * ω^e for a step updating `coordinates` slots (+ the bias); exactly 1 when e = 0. The last
   * count's factor is kept: sample widths repeat (every sample of a fixed schema has the same),
   * and Math.pow per sample was measurable next to a 40-feature update.
   */
  private widthFactor(coordinates: number): number {
    if (this.widthExponent === 0) return 1;
    if (coordinates !== this.lastCoordinates) {
      this.lastCoordinates = coordinates;
      this.lastWidth = ftrlWidthFactor(coordinates, this.widthExponent);
    }
    return this.lastWidth;
  }

  get bias(): number {
    return this.biasWeight;
  }

  get byteLength(): number {
    return this.size * 8 * 4;
  }

  weight(j: number): number {
    return this.table.data[j * this.table.stride + this.offset + W]!;
  }

  prepareWeight(j: number): number {
    return this.table.data[j * this.table.stride + this.offset + W]!;
  }

  step(indices: Int32Array, gradients: Float64Array, count: number, biasGradient: number, _t: number): void {
    const { inverseAlpha, beta, l1, l2, adaptiveL1 } = this;
    const data = this.table.data;
    const stride = this.table.stride;
    const offset = this.offset;
    const width = this.widthFactor(count);
    for (let k = 0; k < count; k++) ftrlStep(data, indices[k]! * stride + offset, gradients[k]!, inverseAlpha, beta, l1, l2, adaptiveL1, width);
    this.stepBias(biasGradient, width);
  }

  update(x: SparseVector, g: number, scaler: FeatureScaler | null, _t: number): void {
    const { inverseAlpha, beta, l1, l2, adaptiveL1 } = this;
    const data = this.table.data;
    const stride = this.table.stride;
    const offset = this.offset;
    const indices = x.indices;
    const values = x.values;
    const nnz = x.nnz;
    const width = this.widthFactor(nnz);
    if (scaler === null) {
      for (let k = 0; k < nnz; k++) ftrlStep(data, indices[k]! * stride + offset, clipGradient(g * values[k]!), inverseAlpha, beta, l1, l2, adaptiveL1, width);
    } else if (scaler.mode === 'standard') {
      // The scaler's common cases and the step in one call-free loop (see observeStandardCommon);
      // the few values it leaves are done after. Slots are distinct and a step touches only its
      // own slot, so the order of the steps does not change any value.
      const scalerAt = scaler.offset;
      if (this.rare.length < nnz) this.rare = new Int32Array(Math.max(nnz, this.rare.length * 2));
      const rare = this.rare;
      let rareCount = 0;
      for (let k = 0; k < nnz; k++) {
        const b = indices[k]! * stride;
        const xk = observeStandardCommon(data, b + scalerAt, values[k]!);
        if (xk === xk) ftrlStep(data, b + offset, clipGradient(g * xk), inverseAlpha, beta, l1, l2, adaptiveL1, width);
        else rare[rareCount++] = k;
      }
      for (let r = 0; r < rareCount; r++) {
        const k = rare[r]!;
        const b = indices[k]! * stride;
        ftrlStep(data, b + offset, clipGradient(g * observeStandardScaled(data, b + scalerAt, values[k]!)), inverseAlpha, beta, l1, l2, adaptiveL1, width);
      }
    } else {
      const scalerAt = scaler.offset;
      for (let k = 0; k < nnz; k++) {
        const b = indices[k]! * stride;
        ftrlStep(data, b + offset, clipGradient(g * observeRmsScaled(data, b + scalerAt, values[k]!)), inverseAlpha, beta, l1, l2, adaptiveL1, width);
      }
    }
    this.stepBias(g, width);
  }

  margin(x: SparseVector, scaler: FeatureScaler | null, _prepare: boolean): number {
    const data = this.table.data;
    const stride = this.table.stride;
    const weightAt = this.offset + W;
    const indices = x.indices;
    const values = x.values;
    const nnz = x.nnz;
    let z = 0;
    if (scaler === null) {
      // No test of w = 0 (with adaptive L1 about half the weights are 0, and the branch on that
      // mispredicted): a zero weight adds ±0, which leaves the sum's bits unchanged (x ± 0 = x,
      // and the sum starts at +0), and w·x is finite for finite x.
      for (let k = 0; k < nnz; k++) z += data[indices[k]! * stride + weightAt]! * values[k]!;
    } else if (scaler.mode === 'standard') {
      const scalerAt = scaler.offset;
      // As above, no test of w = 0; but here a zero weight's term 0·(1/s)·(x − c) is NaN when
      // x − c overflows (|x| near 1.7e308 and a centre of the other sign), where skipping it
      // gave a number. So a NaN sum is summed again skipping zero weights: every term that is
      // not NaN is the same in both sums, so the result is exactly the skipping loop's.
      for (let k = 0; k < nnz; k++) {
        const b = indices[k]! * stride;
        z += standardTerm(data, b + scalerAt, data[b + weightAt]!, values[k]!);
      }
      if (z !== z) {
        z = 0;
        for (let k = 0; k < nnz; k++) {
          const b = indices[k]! * stride;
          const w = data[b + weightAt]!;
          if (w !== 0) z += standardTerm(data, b + scalerAt, w, values[k]!);
        }
      }
    } else {
      const scalerAt = scaler.offset;
      for (let k = 0; k < nnz; k++) {
        const b = indices[k]! * stride;
        // As above: w·(1/s)·x with w = 0 is ±0 (1/s ≤ 1e100 and x are finite).
        z += rmsTerm(data, b + scalerAt, data[b + weightAt]!, values[k]!);
      }
    }
    return z;
  }

  /** The bias's FTRL step (λ1 = λ2 = 0), exactly as a coordinate's, width factor included. */
  private stepBias(g: number, width: number): void {
    const bn = this.biasN + g * g * width;
    const rootNext = Math.sqrt(bn);
    this.biasZ += g - (rootNext - this.biasRootN) * this.inverseAlpha * this.biasWeight;
    this.biasN = bn;
    this.biasRootN = rootNext;
    this.biasWeight = ftrlWeight(this.biasZ, rootNext, this.inverseAlpha, this.beta, 0, 0, 0);
  }

  state(slots: Int32Array | null = null): OptimizerState {
    return {
      // Only z and n: w and √n are caches, rebuilt from them by `restore`.
      arrays: { z: readFieldAt(this.table, this.offset + Z, slots), n: readFieldAt(this.table, this.offset + N, slots) },
      scalars: { biasZ: this.biasZ, biasN: this.biasN },
    };
  }

  restore(state: OptimizerState): void {
    writeField(this.table, this.offset + Z, state.arrays['z'], 'z');
    writeField(this.table, this.offset + N, state.arrays['n'], 'n');
    const { inverseAlpha, beta, l1, l2, adaptiveL1 } = this;
    const data = this.table.data;
    for (let j = 0; j < this.size; j++) {
      const b = j * this.table.stride + this.offset;
      data[b + ROOT_N] = Math.sqrt(data[b + N]!);
      data[b + W] = ftrlWeight(data[b + Z]!, data[b + ROOT_N]!, inverseAlpha, beta, l1, l2, adaptiveL1);
    }
    this.biasZ = readScalar(state, 'biasZ');
    this.biasN = readScalar(state, 'biasN');
    this.biasRootN = Math.sqrt(this.biasN);
    this.biasWeight = ftrlWeight(this.biasZ, this.biasRootN, inverseAlpha, beta, 0, 0, 0);
  }
}

/**
 * ω^e, the width factor of a step updating `coordinates` slots and the bias (see the file
 * comment). Shared by the lazy and eager learners so both add the same bits to n.
 */
export function ftrlWidthFactor(coordinates: number, exponent: number): number {
  return exponent === 0 ? 1 : Math.pow(coordinates + 1, exponent);
}

/**
 * One coordinate's step with gradient g, its fields at b (Algorithm 1, see the file comment);
 * n grows by g²·width (width = 1: plain FTRL, the same bits since g²·1 = g²).
 */
function ftrlStep(data: Float64Array, b: number, g: number, inverseAlpha: number, beta: number, l1: number, l2: number, adaptiveL1: number, width: number): void {
  const nNext = data[b + N]! + g * g * width;
  const rootNext = Math.sqrt(nNext);
  const zNext = data[b + Z]! + g - (rootNext - data[b + ROOT_N]!) * inverseAlpha * data[b + W]!;
  data[b + Z] = zNext;
  data[b + N] = nNext;
  data[b + ROOT_N] = rootNext;
  data[b + W] = ftrlWeight(zNext, rootNext, inverseAlpha, beta, l1, l2, adaptiveL1);
}

/**
 * The FTRL-Proximal closed-form weight of a coordinate with state z and √n (`sqrtN`), where
 * `inverseAlpha` = 1/α, and L1 threshold λ1 + κ·√n (κ = `adaptiveL1`, see the file comment; with
 * κ = 0 the threshold is λ1 bit for bit, since 0·√n = 0). Every place that materialises a weight uses this expression, so cached,
 * restored and eager weights agree bit for bit.
 */
export function ftrlWeight(z: number, sqrtN: number, inverseAlpha: number, beta: number, l1: number, l2: number, adaptiveL1: number): number {
  const threshold = l1 + adaptiveL1 * sqrtN;
  // w = 0 when |z| ≤ threshold, else −(z − sgn(z)·threshold)/denominator: computed WITHOUT a
  // branch on the test. Which coordinates of a sample are past their threshold is random (with
  // adaptive L1 about half of them), and as a branch it mispredicted on those (measured: the
  // default update ×1.35). `keep` is the test as 0 or 1 (a flag, not a jump); NaN z keeps its
  // NaN weight, as `|z| ≤ threshold` is false for it.
  const keep = +!(Math.abs(z) <= threshold);
  // z − sgn(z)·threshold is z itself when threshold = 0 (sgn(z)·0 is ±0) and z ≠ 0; a kept z is
  // never 0. sgn(z) by Math.sign: also no branch on the sign of z, which is random.
  const shrunk = z - Math.sign(z) * threshold;
  // When kept, (1 − keep) = 0 and the division is exactly the closed form's. When not, the
  // denominator is ≥ 1 (β = λ2 = n = 0 would otherwise make 0/0 = NaN) and keep·(…) is ±0;
  // + 0 makes it +0, the value the closed form gives, so caches and snapshots see the same bits.
  return keep * (-shrunk / ((beta + sqrtN) * inverseAlpha + l2 + (1 - keep))) + 0;
}

/**
 * The z that gives weight `w` at √n = `sqrtN`: `ftrlWeight` solved for z, for mixing and merging
 * learners, which decide a coordinate's weight and must store a state that yields it. For w ≠ 0
 * the closed form inverted; for w = 0 every |z| ≤ λ1 + κ√n gives it, and `zAtZero` (the caller's
 * estimate of z) is kept, clamped into that range.
 */
export function ftrlZ(w: number, zAtZero: number, sqrtN: number, inverseAlpha: number, beta: number, l1: number, l2: number, adaptiveL1: number): number {
  const threshold = l1 + adaptiveL1 * sqrtN;
  if (w === 0) return Math.min(threshold, Math.max(-threshold, zAtZero));
  return -w * ((beta + sqrtN) * inverseAlpha + l2) - (w > 0 ? threshold : -threshold);
}
