/**
 * Parameter mixing of logistic-regression learners that each continued from one common base
 * (the scaled-out trainer's partition learners, see partitioned-training.ts): iterative parameter
 * mixing (McDonald, Hall & Mann 2010, "Distributed training strategies for the structured
 * perceptron", NAACL, Algorithm 4): every partition learner starts a round from the mixed model,
 * learns its own partition's records, and the round ends with a weighted mix that becomes the next
 * base.
 *
 * Two mixing rules:
 *
 * - `average` — the paper's rule with mixing weights = samples each learner saw since the base:
 *   `mergeLearners` of @streamlr/model (raw weights and bias averaged, AdaGrad G / FTRL n averaged,
 *   FTRL z solved so its closed-form weight is the average, scaler statistics pooled). Works with
 *   every optimizer. Two corrections make it a step of an iteration rather than a one-off merge of
 *   independent learners: samplesSeen is the base's plus every learner's increment (mergeLearners
 *   adds the totals, which would count the base K times per round), and so are the scaler counts
 *   (they set the step of later running-mean updates).
 *
 * - `adaptive` (FTRL only) — the same round structure, but each coordinate's weight increment is
 *   averaged with weights proportional to each learner's increment of n_j (its sum of squared
 *   gradients for that coordinate since the base), as in the per-coordinate adaptive averaging of
 *   Agarwal, Chapelle, Dudík & Langford 2014 ("A reliable effective terascale linear learning
 *   system", JMLR 15, §3: weights averaged per feature by the AdaGrad accumulators). A coordinate
 *   only one partition touched keeps that partition's whole update; the bias and dense numeric
 *   features, which every partition moves, are averaged. n_j grows by the sample-weighted mean of
 *   the increments (as `average` does) and z_j is solved from the mixed weight. Scaler statistics
 *   are pooled exactly: the base's (count, mean, M2) plus each learner's increment, combined with the
 *   parallel formulas of Chan, Golub & LeVeque (1979).
 *   Why: on the bundled movielens stream (3 partitions, FTRL + standardisation) `average` ends
 *   ~2% above the single trainer's held-out log loss whatever the mixing cadence, because each
 *   sample's update to a rare feature is divided by the number of partitions; `adaptive` is within
 *   1% when a round covers ≤ ~500 samples per partition (docs/architecture.md, "Scaling out").
 *
 * With one contributing learner both rules return that learner unchanged, so one partition with
 * one replica gives exactly the single trainer's weights.
 */
import { ftrlWeight, ftrlZ, LogisticRegression, mergeLearners, type LearnerState, type ScalerStatistics } from '@streamlr/model';

export type MixingRule = 'adaptive' | 'average';

export const MIXING_RULES: readonly MixingRule[] = ['adaptive', 'average'];

/** A learner that continued from the base, with the samples it learned since (its mixing weight). */
export interface MixInput {
  readonly learner: LogisticRegression;
  readonly samples: number;
}

/** The default rule for a learner configuration: `adaptive` for FTRL, `average` otherwise. */
export function defaultMixingRule(learner: Pick<LogisticRegression, 'options'>): MixingRule {
  return learner.options.optimizer.name === 'ftrl' ? 'adaptive' : 'average';
}

/** Throws a TypeError naming `mixing` when the rule cannot mix this optimizer. */
export function validateMixingRule(rule: unknown, optimizer: string): MixingRule {
  if (rule !== 'adaptive' && rule !== 'average') throw new TypeError(`mixing: must be one of ${MIXING_RULES.join(', ')}, got ${String(rule)}`);
  if (rule === 'adaptive' && optimizer !== 'ftrl') throw new TypeError(`mixing: 'adaptive' needs the ftrl optimizer (got ${optimizer}); use 'average'`);
  return rule;
}

/**
 * One mixing step: the next base from `base` and the learners that continued from it. Learners
 * that saw no sample since the base are equal to it and are left out. Never mutates its inputs;
 * may return `base` or one of the learners itself.
 */
export function mixLearners(base: LogisticRegression, inputs: readonly MixInput[], rule: MixingRule): LogisticRegression {
  const parts = inputs.filter((p) => p.samples > 0);
  if (parts.length === 0) return base;
  if (parts.length === 1) return parts[0]!.learner;
  const optionsJson = JSON.stringify(base.options);
  for (const p of parts) {
    if (JSON.stringify(p.learner.options) !== optionsJson) throw new TypeError(`cannot mix learners with different options: ${optionsJson} vs ${JSON.stringify(p.learner.options)}`);
  }
  validateMixingRule(rule, base.options.optimizer.name);
  const b = base.exportState();
  const states = parts.map((p) => p.learner.exportState());
  const total = parts.reduce((acc, p) => acc + p.samples, 0);
  const lambda = parts.map((p) => p.samples / total);
  const samplesSeen = states.reduce((acc, s) => acc + (s.samplesSeen - b.samplesSeen), b.samplesSeen);
  if (rule === 'average') {
    const merged = mergeLearners(
      parts.map((p) => p.learner),
      parts.map((p) => p.samples),
    ).exportState();
    const scaler = merged.scaler === null ? null : { ...merged.scaler, count: pooledCounts(b.scaler!, states.map((s) => s.scaler!)) };
    return LogisticRegression.fromState({ ...merged, samplesSeen, scaler });
  }
  return LogisticRegression.fromState({
    options: b.options,
    samplesSeen,
    steps: states.reduce((acc, s) => acc + (s.steps - b.steps), b.steps),
    optimizer: adaptiveFtrl(b, states, lambda),
    scaler: b.scaler === null ? null : pooledScaler(b.options.normalization as 'standard' | 'rms', b.scaler, states.map((s) => ({ from: b.scaler!, to: s.scaler! }))),
  });
}

/**
 * Rebase without replay (FTRL only; null otherwise): `current` continued `written` by learning the
 * records that a new version `base` does not include; the result is `base` plus exactly that
 * increment — FTRL's z and n are sums over updates, so the increment adds (the updates were computed
 * against the older weights, a bounded delay as in Langford, Smola & Zinkevich 2009, "Slow learners
 * are fast"); scaler statistics, samplesSeen and steps add the same way. `written` null means a
 * fresh learner.
 */
export function carryLearner(base: LogisticRegression, written: LogisticRegression | null, current: LogisticRegression): LogisticRegression | null {
  if (base.options.optimizer.name !== 'ftrl') return null;
  const optionsJson = JSON.stringify(base.options);
  if (JSON.stringify(current.options) !== optionsJson || (written !== null && JSON.stringify(written.options) !== optionsJson)) {
    throw new TypeError(`cannot rebase a learner with different options: ${optionsJson} vs ${JSON.stringify(current.options)}`);
  }
  const b = base.exportState();
  const w = (written ?? new LogisticRegression(base.options)).exportState();
  const c = current.exportState();
  const add = (name: string): Float64Array => {
    const out = Float64Array.from(b.optimizer.arrays[name]!);
    const from = w.optimizer.arrays[name]!;
    const to = c.optimizer.arrays[name]!;
    for (let j = 0; j < out.length; j++) if (to[j] !== from[j]) out[j]! += to[j]! - from[j]!;
    return out;
  };
  const addScalar = (name: string): number => b.optimizer.scalars[name]! + (c.optimizer.scalars[name]! - w.optimizer.scalars[name]!);
  return LogisticRegression.fromState({
    options: b.options,
    samplesSeen: b.samplesSeen + (c.samplesSeen - w.samplesSeen),
    steps: b.steps + (c.steps - w.steps),
    optimizer: { arrays: { z: add('z'), n: add('n') }, scalars: { biasZ: addScalar('biasZ'), biasN: addScalar('biasN') } },
    scaler: b.scaler === null ? null : pooledScaler(b.options.normalization as 'standard' | 'rms', b.scaler, [{ from: w.scaler!, to: c.scaler! }]),
  });
}

/** The base's counts plus every learner's increment (what one scaler seeing all samples would count). */
function pooledCounts(base: ScalerStatistics, parts: readonly ScalerStatistics[]): Float64Array {
  const count = Float64Array.from(base.count);
  for (const p of parts) for (let j = 0; j < count.length; j++) count[j]! += p.count[j]! - base.count[j]!;
  return count;
}

function adaptiveFtrl(base: LearnerState, parts: readonly LearnerState[], lambda: readonly number[]): LearnerState['optimizer'] {
  const o = base.options.optimizer;
  if (o.name !== 'ftrl') throw new TypeError(`mixing: 'adaptive' needs the ftrl optimizer (got ${o.name})`);
  const inverseAlpha = 1 / o.learningRate;
  const zb = base.optimizer.arrays['z']!;
  const nb = base.optimizer.arrays['n']!;
  const zs = parts.map((s) => s.optimizer.arrays['z']!);
  const ns = parts.map((s) => s.optimizer.arrays['n']!);
  const m = zb.length;
  const z = new Float64Array(m);
  const n = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const mixed = mixCoordinate(zb[j]!, nb[j]!, zs, ns, j, lambda, inverseAlpha, o.beta, o.l1, o.l2, o.adaptiveL1);
    z[j] = mixed.z;
    n[j] = mixed.n;
  }
  const biasZ = parts.map((s) => Float64Array.of(s.optimizer.scalars['biasZ']!));
  const biasN = parts.map((s) => Float64Array.of(s.optimizer.scalars['biasN']!));
  const bias = mixCoordinate(base.optimizer.scalars['biasZ']!, base.optimizer.scalars['biasN']!, biasZ, biasN, 0, lambda, inverseAlpha, o.beta, 0, 0, 0);
  return { arrays: { z, n }, scalars: { biasZ: bias.z, biasN: bias.n } };
}

/**
 * One FTRL coordinate (McMahan et al. 2013, closed form w = −(z − sgn(z)λ)/((β+√n)/α + λ2) with
 * L1 threshold λ = λ1 + κ√n, κ the adaptive L1 of @streamlr/model's ftrl.ts):
 * the weight increments of the learners that touched it (Δn > 0), averaged with weights Δn; n grows
 * by the λ-weighted mean of the increments; z is solved so the closed form gives the mixed weight.
 */
function mixCoordinate(
  zBase: number,
  nBase: number,
  zs: readonly Float64Array[],
  ns: readonly Float64Array[],
  j: number,
  lambda: readonly number[],
  inverseAlpha: number,
  beta: number,
  l1: number,
  l2: number,
  adaptiveL1: number,
): { z: number; n: number } {
  const wBase = ftrlWeight(zBase, Math.sqrt(nBase), inverseAlpha, beta, l1, l2, adaptiveL1);
  let touched = 0;
  let only = -1;
  let weightSum = 0;
  let dw = 0;
  let dz = 0;
  let dn = 0;
  for (let k = 0; k < zs.length; k++) {
    const nk = ns[k]![j]!;
    const inc = nk - nBase;
    if (!(inc > 0)) continue;
    touched++;
    only = k;
    const zk = zs[k]![j]!;
    weightSum += inc;
    dw += inc * (ftrlWeight(zk, Math.sqrt(nk), inverseAlpha, beta, l1, l2, adaptiveL1) - wBase);
    dz += inc * (zk - zBase);
    dn += lambda[k]! * inc;
  }
  if (touched === 0) return { z: zBase, n: nBase };
  const n = nBase + dn;
  // One learner touched it: its weight exactly (its whole update).
  const w = touched === 1 ? ftrlWeight(zs[only]![j]!, Math.sqrt(ns[only]![j]!), inverseAlpha, beta, l1, l2, adaptiveL1) : wBase + dw / weightSum;
  return { z: ftrlZ(w, zBase + dz / weightSum, Math.sqrt(n), inverseAlpha, beta, l1, l2, adaptiveL1), n };
}

/** The change from `from` to `to` of one learner's scaler: the statistics of the values it saw in between. */
interface ScalerIncrement {
  readonly from: ScalerStatistics;
  readonly to: ScalerStatistics;
}

/**
 * Exact pooled scaler statistics: `start` plus every increment. Per slot, an increment's statistics
 * are extracted from its two totals (counts n_f ≤ n_t, means, M2 = n·σ²) and added with the
 * pairwise update of Chan, Golub & LeVeque (1979) (δ = μ_i − μ, μ += δ·n_i/n', M2 += M2_i +
 * δ²·n·n_i/n'). A slot only one increment touched, starting from `start` itself, takes that
 * learner's statistics exactly; a slot whose values never varied stays exactly unvaried (one-hot
 * slots keep σ = 0, so they are never mistaken for centred numeric slots).
 */
function pooledScaler(mode: 'standard' | 'rms', start: ScalerStatistics, increments: readonly ScalerIncrement[]): ScalerStatistics {
  const m = start.count.length;
  const count = Float64Array.from(start.count);
  const location = Float64Array.from(start.location);
  const spread = mode === 'standard' ? Float64Array.from(start.spread) : new Float64Array(0);
  for (let j = 0; j < m; j++) {
    let touched = 0;
    let only = -1;
    for (let k = 0; k < increments.length; k++) {
      const { from, to } = increments[k]!;
      if (to.count[j]! > from.count[j]!) {
        touched++;
        only = k;
      }
    }
    if (touched === 0) continue;
    if (touched === 1 && increments[only]!.from === start) {
      const p = increments[only]!.to;
      count[j] = p.count[j]!;
      location[j] = p.location[j]!;
      if (mode === 'standard') spread[j] = p.spread[j]!;
      continue;
    }
    const n0 = start.count[j]!;
    if (mode === 'rms') {
      let n = n0;
      let squares = n0 * start.location[j]! * start.location[j]!;
      for (const { from, to } of increments) {
        const nf = from.count[j]!;
        const nt = to.count[j]!;
        if (nt <= nf) continue;
        n += nt - nf;
        squares += nt * to.location[j]! * to.location[j]! - nf * from.location[j]! * from.location[j]!;
      }
      count[j] = n;
      location[j] = Math.sqrt(Math.max(0, squares / n));
      continue;
    }
    let constant = n0 === 0 || start.spread[j] === 0;
    let value = n0 === 0 ? Number.NaN : start.location[j]!;
    let n = n0;
    let mu = start.location[j]!;
    let m2 = n0 * start.spread[j]! * start.spread[j]!;
    for (const { from, to } of increments) {
      const nf = from.count[j]!;
      const nt = to.count[j]!;
      if (nt <= nf) continue;
      const ni = nt - nf;
      const muF = from.location[j]!;
      const m2F = nf * from.spread[j]! * from.spread[j]!;
      const muT = to.location[j]!;
      const sdT = to.spread[j]!;
      if (sdT !== 0 || (value === value && muT !== value)) constant = false;
      if (value !== value) value = muT;
      const muI = nf === 0 ? muT : (nt * muT - nf * muF) / ni;
      const m2I = Math.max(0, nt * sdT * sdT - m2F - (nf === 0 ? 0 : (muI - muF) * (muI - muF) * ((nf * ni) / nt)));
      const next = n + ni;
      const delta = muI - mu;
      mu += delta * (ni / next);
      m2 += m2I + delta * delta * ((n * ni) / next);
      n = next;
    }
    count[j] = n;
    if (constant) {
      location[j] = value;
      spread[j] = 0;
    } else {
      location[j] = mu;
      spread[j] = Math.sqrt(Math.max(0, m2 / n));
    }
  }
  return { count, location, spread };
}
