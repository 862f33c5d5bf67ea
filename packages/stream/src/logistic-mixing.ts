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
import { ftrlWeight, LogisticRegression, mergeLearners, type LearnerState, type ScalerStatistics } from '@streamlr/model';

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
    scaler: b.scaler === null ? null : pooledScaler(b.options.normalization as 'standard' | 'rms', b.scaler, states.map((s) => s.scaler!)),
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
    const mixed = mixCoordinate(zb[j]!, nb[j]!, zs, ns, j, lambda, inverseAlpha, o.beta, o.l1, o.l2);
    z[j] = mixed.z;
    n[j] = mixed.n;
  }
  const biasZ = parts.map((s) => Float64Array.of(s.optimizer.scalars['biasZ']!));
  const biasN = parts.map((s) => Float64Array.of(s.optimizer.scalars['biasN']!));
  const bias = mixCoordinate(base.optimizer.scalars['biasZ']!, base.optimizer.scalars['biasN']!, biasZ, biasN, 0, lambda, inverseAlpha, o.beta, 0, 0);
  return { arrays: { z, n }, scalars: { biasZ: bias.z, biasN: bias.n } };
}

/**
 * One FTRL coordinate (McMahan et al. 2013, closed form w = −(z − sgn(z)λ1)/((β+√n)/α + λ2)):
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
): { z: number; n: number } {
  const wBase = ftrlWeight(zBase, Math.sqrt(nBase), inverseAlpha, beta, l1, l2);
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
    dw += inc * (ftrlWeight(zk, Math.sqrt(nk), inverseAlpha, beta, l1, l2) - wBase);
    dz += inc * (zk - zBase);
    dn += lambda[k]! * inc;
  }
  if (touched === 0) return { z: zBase, n: nBase };
  const n = nBase + dn;
  // One learner touched it: its weight exactly (its whole update).
  const w = touched === 1 ? ftrlWeight(zs[only]![j]!, Math.sqrt(ns[only]![j]!), inverseAlpha, beta, l1, l2) : wBase + dw / weightSum;
  if (w === 0) return { z: Math.min(l1, Math.max(-l1, zBase + dz / weightSum)), n };
  return { z: -w * ((beta + Math.sqrt(n)) * inverseAlpha + l2) - (w > 0 ? l1 : -l1), n };
}

/**
 * Exact pooled scaler statistics of the base plus every learner's increment. Per slot: the
 * increment of learner k is extracted from its totals (count n_k = n_b + n_i, mean, M2 = n·σ²) and
 * the increments are added to the base with Chan, Golub & LeVeque's pairwise update
 * (δ = μ_i − μ, μ += δ·n_i/n', M2 += M2_i + δ²·n·n_i/n'). A slot touched by one learner takes
 * that learner's statistics exactly; slots whose values never varied stay exactly unvaried (one-hot
 * slots keep σ = 0, so they are never mistaken for centred numeric slots).
 */
function pooledScaler(mode: 'standard' | 'rms', base: ScalerStatistics, parts: readonly ScalerStatistics[]): ScalerStatistics {
  const m = base.count.length;
  const count = Float64Array.from(base.count);
  const location = Float64Array.from(base.location);
  const spread = mode === 'standard' ? Float64Array.from(base.spread) : new Float64Array(0);
  for (let j = 0; j < m; j++) {
    const nb = base.count[j]!;
    let touched = 0;
    let only = -1;
    for (let k = 0; k < parts.length; k++) {
      if (parts[k]!.count[j]! > nb) {
        touched++;
        only = k;
      }
    }
    if (touched === 0) continue;
    if (touched === 1) {
      const p = parts[only]!;
      count[j] = p.count[j]!;
      location[j] = p.location[j]!;
      if (mode === 'standard') spread[j] = p.spread[j]!;
      continue;
    }
    if (mode === 'rms') {
      let n = nb;
      let squares = nb * base.location[j]! * base.location[j]!;
      for (const p of parts) {
        const np = p.count[j]!;
        if (np <= nb) continue;
        n += np - nb;
        squares += np * p.location[j]! * p.location[j]! - nb * base.location[j]! * base.location[j]!;
      }
      count[j] = n;
      location[j] = Math.sqrt(Math.max(0, squares / n));
      continue;
    }
    const muB = base.location[j]!;
    const m2B = nb * base.spread[j]! * base.spread[j]!;
    let constant = nb === 0 || base.spread[j] === 0;
    let value = nb === 0 ? Number.NaN : muB;
    let n = nb;
    let mu = muB;
    let m2 = m2B;
    for (const p of parts) {
      const np = p.count[j]!;
      if (np <= nb) continue;
      const ni = np - nb;
      const muP = p.location[j]!;
      const sdP = p.spread[j]!;
      if (sdP !== 0 || (value === value && muP !== value)) constant = false;
      if (value !== value) value = muP;
      const muI = nb === 0 ? muP : (np * muP - nb * muB) / ni;
      const m2I = Math.max(0, np * sdP * sdP - m2B - (nb === 0 ? 0 : (muI - muB) * (muI - muB) * ((nb * ni) / np)));
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
