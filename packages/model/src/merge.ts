/**
 * Parameter mixing (DESIGN §7): combine learners trained on different partitions into one, as
 * in iterative parameter mixing (McDonald, Hall & Mann 2010; Mann et al. 2009).
 *
 * Kept simple, and exact where it matters:
 * - The merged model's prediction function is exactly the mixture: raw weights and bias are the
 *   weighted average Σ λ_k·w_k (λ normalised to sum 1).
 * - Normaliser: occurrence counts add up; each slot's scale is the pooled RMS over all learners.
 *   Normalised weights are then w̃ = w̄·s, so raw weights stay the average.
 * - Optimizer accumulators are weighted averages (AdaGrad G, FTRL n); FTRL's z is solved so that
 *   its closed-form weight is the averaged one (z = −w̃·((β+√n)/α + λ2) − sgn(w̃)·λ1; for w̃ = 0
 *   the averaged z clipped to [−λ1, λ1]). For SGD/AdaGrad the L1 budget is the averaged one and
 *   every non-zero weight starts with no pending penalty (q = ∓U).
 * - samplesSeen adds up; the step counter (learning-rate schedules) is the maximum, so a merge
 *   never raises a decaying rate.
 * All learners must have identical options. Cost O(K·m).
 */
import { MergeError } from './errors.js';
import { LogisticRegression, type LearnerState } from './logistic-regression.js';
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

  // Pooled normaliser.
  let scaler: LearnerState['scaler'] = null;
  if (options.normalization === 'rms') {
    const scale = new Float64Array(m);
    const count = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let n = 0;
      let max = 0;
      for (const s of states) {
        n += s.scaler!.count[j]!;
        if (s.scaler!.scale[j]! > max) max = s.scaler!.scale[j]!;
      }
      count[j] = n;
      if (n === 0 || max === 0) continue;
      let sum = 0;
      for (const s of states) {
        const r = s.scaler!.scale[j]! / max;
        sum += s.scaler!.count[j]! * r * r;
      }
      scale[j] = max * Math.sqrt(sum / n);
      target[j]! *= scale[j]!; // now a normalised-space weight w̃
    }
    scaler = { scale, count };
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
    for (let j = 0; j < m; j++) {
      const w = target[j]!;
      if (w === 0) z[j] = Math.min(o.l1, Math.max(-o.l1, zAvg[j]!));
      else z[j] = -w * ((o.beta + Math.sqrt(n[j]!)) / o.learningRate + o.l2) - (w > 0 ? o.l1 : -o.l1);
    }
    const biasN = averageScalar('biasN');
    const biasZ = -bias * ((o.beta + Math.sqrt(biasN)) / o.learningRate);
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
