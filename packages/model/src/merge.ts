/**
 * Parameter mixing (DESIGN §7): combine learners trained on different partitions into one, as
 * in iterative parameter mixing (McDonald, Hall & Mann 2010; Mann et al. 2009).
 *
 * Kept simple, and exact where it matters:
 * - The merged model's prediction function is exactly the mixture: raw weights and bias are the
 *   weighted average Σ λ_k·w_k (λ normalised to sum 1).
 * - Normaliser: statistics are pooled as if one scaler had seen every learner's values (counts
 *   add up; pooled mean and variance by Chan et al.'s pairwise update, exact when the parts
 *   agree; or pooled RMS). Normalised weights are w̃ = w̄·s, so raw
 *   weights stay the average. With `standard` normalisation the centres are pooled too, so the
 *   prediction of a centred feature uses w̄·(x − c̄) where the mixture has Σλ_k w_k (x − c_k):
 *   equal when the learners' centres agree, which they do once each has seen enough data.
 * - Optimizer accumulators are weighted averages (AdaGrad G, FTRL n); FTRL's z is solved so that
 *   its closed-form weight is the averaged one (z = −w̃·((β+√n)/α + λ2) − sgn(w̃)·λ1; for w̃ = 0
 *   the averaged z clipped to [−λ1, λ1]). For SGD/AdaGrad the L1 budget is the averaged one and
 *   every non-zero weight starts with no pending penalty (q = ∓U).
 * - samplesSeen adds up; the step counter (learning-rate schedules) is the maximum, so a merge
 *   never raises a decaying rate.
 * All learners must have identical options. Cost O(K·m).
 */
import { MergeError } from './errors.js';
import { ftrlZ } from './ftrl.js';
import { LogisticRegression, type LearnerState } from './logistic-regression.js';
import { FeatureScaler } from './normalizer.js';
import { pendingL1 } from './regularization.js';
import type { OptimizerState } from './optimizer.js';

export function mergeLearners(learners: readonly LogisticRegression[], mixing?: readonly number[]): LogisticRegression {
  if (learners.length === 0) throw new MergeError('mergeLearners needs at least one learner');
  const first = learners[0]!;
  const options = first.options;
  const optionsJson = JSON.stringify(options);
  for (const l of learners) {
    if (JSON.stringify(l.options) !== optionsJson) {
      throw new MergeError(`cannot merge learners with different options: ${optionsJson} vs ${JSON.stringify(l.options)}`);
    }
  }
  const lambda = mixingWeights(learners.length, mixing);
  const m = first.slots;
  const states = learners.map((l) => l.exportState());

  // Raw-space target: the mixture of prediction functions.
  const target = new Float64Array(m);
  let bias = 0;
  learners.forEach((l, k) => {
    const lk = lambda[k]!;
    for (let j = 0; j < m; j++) target[j]! += lk * l.weight(j);
    bias += lk * l.bias;
  });

  // Pooled normaliser statistics; normalised weights are then w̃ = w̄·s in the pooled scale.
  let scaler: LearnerState['scaler'] = null;
  if (options.normalization !== 'none') {
    const pooled = poolScalers(options.normalization, states.map((s) => s.scaler!), m);
    const view = FeatureScaler.fromStatistics(options.normalization, pooled);
    for (let j = 0; j < m; j++) if (target[j] !== 0) target[j]! *= view.scale(j);
    scaler = pooled;
  }

  const average = (name: string): Float64Array => {
    const out = new Float64Array(m);
    states.forEach((s, k) => {
      const a = s.optimizer.arrays[name]!;
      for (let j = 0; j < m; j++) out[j]! += lambda[k]! * a[j]!;
    });
    return out;
  };
  const averageScalar = (name: string): number => states.reduce((acc, s, k) => acc + lambda[k]! * s.optimizer.scalars[name]!, 0);

  const o = options.optimizer;
  let optimizer: OptimizerState;
  if (o.name === 'ftrl') {
    const n = average('n');
    const zAvg = average('z');
    const z = new Float64Array(m);
    const inverseAlpha = 1 / o.learningRate;
    for (let j = 0; j < m; j++) z[j] = ftrlZ(target[j]!, zAvg[j]!, Math.sqrt(n[j]!), inverseAlpha, o.beta, o.l1, o.l2, o.adaptiveL1);
    const biasN = averageScalar('biasN');
    const biasZ = -bias * ((o.beta + Math.sqrt(biasN)) * (1 / o.learningRate));
    optimizer = { arrays: { z, n }, scalars: { biasZ, biasN } };
  } else {
    // Budget in weight units (each learner's U is in its own stored units: U·S).
    const budget = states.reduce((acc, s, k) => acc + lambda[k]! * s.optimizer.scalars['l1Budget']! * s.optimizer.scalars['scale']!, 0);
    const arrays: Record<string, Float64Array> = { weights: target };
    if (o.l1 > 0) {
      const applied = new Float64Array(m);
      states.forEach((s, k) => {
        const v = s.optimizer.arrays['weights']!;
        const q = s.optimizer.arrays['l1Applied']!;
        const u = s.optimizer.scalars['l1Budget']!;
        const S = s.optimizer.scalars['scale']!;
        for (let j = 0; j < m; j++) {
          const caughtUp = v[j] === 0 ? 0 : pendingL1(v[j]!, q[j]!, u);
          applied[j]! += lambda[k]! * S * (q[j]! + caughtUp - v[j]!);
        }
      });
      for (let j = 0; j < m; j++) {
        const w = target[j]!;
        applied[j] = w > 0 ? -budget : w < 0 ? budget : Math.min(budget, Math.max(-budget, applied[j]!));
      }
      arrays['l1Applied'] = applied;
    }
    const scalars: Record<string, number> = { bias, scale: 1, l1Budget: budget };
    if (o.name === 'adagrad') {
      arrays['sumSquares'] = average('sumSquares');
      scalars['biasSumSquares'] = averageScalar('biasSumSquares');
    }
    optimizer = { arrays, scalars };
  }

  return LogisticRegression.fromState({
    options,
    samplesSeen: states.reduce((acc, s) => acc + s.samplesSeen, 0),
    steps: states.reduce((acc, s) => Math.max(acc, s.steps), 0),
    optimizer,
    scaler,
  });
}

function mixingWeights(count: number, mixing: readonly number[] | undefined): number[] {
  if (mixing === undefined) return new Array<number>(count).fill(1 / count);
  if (mixing.length !== count) throw new MergeError(`mixing has ${mixing.length} weights for ${count} learners`);
  let sum = 0;
  for (const w of mixing) {
    if (typeof w !== 'number' || !(w >= 0) || w === Infinity) throw new MergeError(`mixing weight ${String(w)} is not a finite number ≥ 0`);
    sum += w;
  }
  if (!(sum > 0)) throw new MergeError('mixing weights sum to 0');
  return mixing.map((w) => w / sum);
}

type ScalerArrays = NonNullable<LearnerState['scaler']>;

function poolScalers(mode: 'standard' | 'rms', parts: ScalerArrays[], m: number): ScalerArrays {
  const count = new Float64Array(m);
  const location = new Float64Array(m);
  const spread = new Float64Array(mode === 'standard' ? m : 0);
  for (let j = 0; j < m; j++) {
    let n = 0;
    for (const p of parts) n += p.count[j]!;
    count[j] = n;
    if (n === 0) continue;
    if (mode === 'rms') {
      // The mean square pooled as the mean below, so equal RMS values pool to exactly that value.
      let seen = 0;
      let meanSquare = 0;
      for (const p of parts) {
        const nk = p.count[j]!;
        if (nk === 0) continue;
        seen += nk;
        meanSquare += (nk / seen) * (p.location[j]! * p.location[j]! - meanSquare);
      }
      location[j] = Math.sqrt(meanSquare);
    } else {
      // Chan, Golub & LeVeque's pairwise update ("Updating formulae and a pairwise algorithm for
      // computing sample variances", 1979), one part at a time with the running count n_a:
      //   μ ← μ + (n_k/n)·(μ_k − μ),  σ² ← σ² + (n_k/n)·(σ_k² − σ²) + (n_a·n_k/n²)·(μ_k − μ)².
      // Unlike Σ (n_k/n)·μ_k it is exact when the parts agree (every difference is 0): a
      // one-hot slot (μ_k = 1, σ_k = 0 everywhere) pools to exactly 1 and 0, so it stays a
      // scaled, uncentred slot instead of looking numeric by a rounding error.
      let seen = 0;
      let mean = 0;
      let variance = 0;
      for (const p of parts) {
        const nk = p.count[j]!;
        if (nk === 0) continue;
        const total = seen + nk;
        const mk = p.location[j]!;
        const vk = p.spread[j]! * p.spread[j]!;
        if (seen === 0) {
          mean = mk;
          variance = vk;
        } else {
          const d = mk - mean;
          const r = nk / total;
          mean += r * d;
          variance += r * (vk - variance) + (seen / total) * r * d * d;
        }
        seen = total;
      }
      location[j] = mean;
      spread[j] = Math.sqrt(variance);
    }
  }
  return { count, location, spread };
}
