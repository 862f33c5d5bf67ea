/**
 * Eager reference learner: the textbook O(m)-per-update form of every optimizer, used by tests
 * (lazy == eager to 1e-9) and by the complexity benchmark. Do not train with it.
 *
 * Each step, for EVERY coordinate j (regularization.ts states these semantics):
 *   SGD / AdaGrad: w_j ← a·w_j, q_j ← a·q_j, u ← a·u + η_t·λ1 (a = 1 − η_t·λ2); gradient step
 *                  on the sample's coordinates; then Tsuruoka's clipped cumulative penalty
 *                  applied to every non-zero w_j.
 *   FTRL:          z, n updated on the sample's coordinates; then every w_j materialised from
 *                  (z_j, n_j) and stored, and predictions read the stored weights.
 * Normalisation, prediction order, gradient clipping and bias updates are those of
 * LogisticRegression, so the only difference is when regularisation reaches a coordinate.
 */
import { ADAGRAD_EPSILON } from './adagrad.js';
import { slotCount } from './features.js';
import { ftrlWeight, ftrlWidthFactor } from './ftrl.js';
import { sigmoid } from './loss.js';
import { FeatureScaler, clipGradient } from './normalizer.js';
import { createSlotTable } from './slot-table.js';
import { resolveLearnerOptions, type LearnerOptions, type LearnerOptionsInput } from './options.js';
import { makeSchedule, type LearningRateSchedule } from './schedules.js';
import type { SparseVector } from './sparse-vector.js';

export class EagerReferenceLearner {
  readonly options: LearnerOptions;
  readonly slots: number;
  private readonly w: Float64Array; // normalised-space weights, always fully up to date
  private readonly q: Float64Array; // Tsuruoka's applied penalty, in weight units
  private u = 0; // Tsuruoka's total penalty budget, in weight units
  private readonly acc: Float64Array; // AdaGrad G, or FTRL n
  private readonly z: Float64Array; // FTRL z
  private b = 0;
  private biasAcc = 0;
  private biasZ = 0;
  private readonly scaler: FeatureScaler | null;
  private readonly schedule: LearningRateSchedule | null;
  private t = 0;

  constructor(options: LearnerOptionsInput = {}) {
    this.options = resolveLearnerOptions(options);
    this.slots = slotCount(this.options.featureSpace);
    const m = this.slots;
    const o = this.options.optimizer;
    this.w = new Float64Array(m);
    this.q = new Float64Array(o.name === 'ftrl' ? 0 : m);
    this.acc = new Float64Array(o.name === 'sgd' ? 0 : m);
    this.z = new Float64Array(o.name === 'ftrl' ? m : 0);
    const mode = this.options.normalization;
    this.scaler = mode === 'none' ? null : new FeatureScaler(mode, createSlotTable(m, FeatureScaler.fields(mode)), 0);
    this.schedule = o.name === 'ftrl' ? null : makeSchedule(o.learningRate);
  }

  get bias(): number {
    return this.b;
  }

  /** Raw-space weight of a slot, as LogisticRegression.weight. */
  weight(slot: number): number {
    const w = this.w[slot]!;
    if (w === 0 || this.scaler === null) return w;
    return w * this.scaler.inverseScale(slot);
  }

  predictProba(x: SparseVector): number {
    let z = 0;
    for (let k = 0; k < x.nnz; k++) {
      const j = x.indices[k]!;
      const w = this.w[j]!;
      if (w === 0) continue;
      z += this.scaler === null ? w * x.values[k]! : w * this.scaler.inverseScale(j) * (x.values[k]! - this.scaler.center(j));
    }
    return sigmoid(z + this.b);
  }

  learn(x: SparseVector, y: 0 | 1, weight = 1): number {
    const p = this.predictProba(x);
    if (this.scaler !== null) this.scaler.observe(x);
    const g = (p - y) * weight;
    const t = ++this.t;
    const o = this.options.optimizer;
    const grads: number[] = [];
    for (let k = 0; k < x.nnz; k++) {
      const v = x.values[k]!;
      const xt = this.scaler === null ? v : this.scaler.normalize(x.indices[k]!, v);
      grads.push(clipGradient(g * xt));
    }
    if (o.name === 'ftrl') {
      this.ftrlStep(x, grads, g);
      return p;
    }
    const eta = this.schedule!.rate(t);
    const m = this.slots;
    if (o.l2 > 0) {
      const a = 1 - eta * o.l2;
      for (let j = 0; j < m; j++) this.w[j]! *= a;
      if (o.l1 > 0) for (let j = 0; j < m; j++) this.q[j]! *= a;
      this.u *= a;
    }
    if (o.l1 > 0) this.u += eta * o.l1;
    for (let k = 0; k < x.nnz; k++) {
      const j = x.indices[k]!;
      const gk = grads[k]!;
      if (o.name === 'sgd') {
        this.w[j]! -= eta * gk;
      } else {
        this.acc[j]! += gk * gk;
        this.w[j]! -= (eta * gk) / (Math.sqrt(this.acc[j]! + o.initialAccumulator) + ADAGRAD_EPSILON);
      }
    }
    if (o.l1 > 0) {
      const u = this.u;
      for (let j = 0; j < m; j++) {
        const w = this.w[j]!;
        if (w > 0) {
          const next = Math.max(0, w - (u + this.q[j]!));
          this.w[j] = next;
          this.q[j]! += next - w;
        } else if (w < 0) {
          const next = Math.min(0, w + (u - this.q[j]!));
          this.w[j] = next;
          this.q[j]! += next - w;
        }
      }
    }
    if (o.name === 'sgd') {
      this.b -= eta * g;
    } else {
      this.biasAcc += g * g;
      this.b -= (eta * g) / (Math.sqrt(this.biasAcc + o.initialAccumulator) + ADAGRAD_EPSILON);
    }
    return p;
  }

  private ftrlStep(x: SparseVector, grads: number[], g: number): void {
    const o = this.options.optimizer;
    if (o.name !== 'ftrl') return;
    const { beta, l1, l2, adaptiveL1 } = o;
    const inverseAlpha = 1 / o.learningRate;
    const width = ftrlWidthFactor(x.nnz, o.widthExponent);
    for (let k = 0; k < x.nnz; k++) {
      const j = x.indices[k]!;
      const gk = grads[k]!;
      const n = this.acc[j]!;
      const sigma = (Math.sqrt(n + gk * gk * width) - Math.sqrt(n)) * inverseAlpha;
      this.z[j]! += gk - sigma * this.w[j]!;
      this.acc[j] = n + gk * gk * width;
    }
    const bn = this.biasAcc + g * g * width;
    this.biasZ += g - (Math.sqrt(bn) - Math.sqrt(this.biasAcc)) * inverseAlpha * this.b;
    this.biasAcc = bn;
    // Materialise every weight, every step.
    for (let j = 0; j < this.slots; j++) this.w[j] = ftrlWeight(this.z[j]!, Math.sqrt(this.acc[j]!), inverseAlpha, beta, l1, l2, adaptiveL1);
    this.b = ftrlWeight(this.biasZ, Math.sqrt(this.biasAcc), inverseAlpha, beta, 0, 0, 0);
  }
}
