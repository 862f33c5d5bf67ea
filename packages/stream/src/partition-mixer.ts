import { decodeCheckpoint, encodeCheckpoint, FeatureNames, LogisticRegression, type LearnerOptions, type SnapshotHeader } from '@streamlr/model';
import { CountingLearner } from './counting-learner.js';
import type { ProgressiveFigures, SnapshotBlobs, SnapshotContext, StreamLearner } from './learner.js';
import { carryLearner, defaultMixingRule, mixLearners, validateMixingRule, type MixingRule } from './logistic-mixing.js';
import { LogisticLearner, snapshotBlobs, storedFeatureNames } from './logistic-learner.js';

/** A partition learner's checkpoint that continued from the base, and the samples it learned since. */
export interface PartitionContribution {
  readonly checkpoint: Uint8Array;
  readonly samples: number;
}

/** The blobs of a mixed version (published like any version) and what its metadata says. */
export interface MixedVersion extends SnapshotBlobs {
  readonly samplesSeen: number;
  readonly metrics: ProgressiveFigures;
}

/**
 * How the partitioned pipeline combines partition learners into the next published version, one
 * implementation per learner kind. `base` is the checkpoint every contribution continued from (null
 * when nothing was published yet); contributions are the partitions that learned samples since. The
 * result's checkpoint is what every partition learner restores to continue (iterative parameter
 * mixing), its serving blob what scorers load.
 */
export interface PartitionMixer {
  mix(base: Uint8Array | null, contributions: readonly PartitionContribution[], context: SnapshotContext): MixedVersion;
  /**
   * Rebase without replay: the checkpoint of `base` (a new version) plus what `current` learned since
   * `written` (the state the new version includes for that partition; null = a fresh learner), so
   * records learned after the merged state need not be applied again. Null when this learner kind
   * cannot add an increment to another state; the pipeline then re-applies those records instead.
   */
  carry?(base: Uint8Array, written: Uint8Array | null, current: StreamLearner<unknown>): Uint8Array | null;
}

export interface LogisticMixerOptions {
  /** Mixing rule (see logistic-mixing.ts); default `adaptive` for FTRL, `average` otherwise. */
  readonly rule?: MixingRule;
  /** Slots whose feature names the mixed version keeps; default 100,000 (as LogisticLearner). */
  readonly namesCapacity?: number;
}

/** Logistic regression: decode the checkpoints, `mixLearners`, encode as `snapshotBlobs` does. */
export class LogisticMixer implements PartitionMixer {
  readonly rule: MixingRule;
  private readonly namesCapacity: number;

  constructor(
    readonly options: LearnerOptions,
    settings: LogisticMixerOptions = {},
  ) {
    this.rule = validateMixingRule(settings.rule ?? defaultMixingRule({ options }), options.optimizer.name);
    this.namesCapacity = settings.namesCapacity ?? 100_000;
  }

  mix(base: Uint8Array | null, contributions: readonly PartitionContribution[], context: SnapshotContext): MixedVersion {
    const from = base === null ? null : decodeCheckpoint(base);
    const parts = contributions.map((c) => ({ ...decodeCheckpoint(c.checkpoint), samples: c.samples }));
    const mixed = mixLearners(
      from?.learner ?? new LogisticRegression(this.options),
      parts.map((p) => ({ learner: p.learner, samples: p.samples })),
      this.rule,
    );
    const names = new FeatureNames(this.namesCapacity);
    for (const header of [...parts.map((p) => p.header), ...(from === null ? [] : [from.header])]) {
      for (const [slot, name] of storedFeatureNames(header.extra)) names.set(slot, name);
    }
    const metrics = weightedMetrics(parts.map((p) => ({ header: p.header, samples: p.samples })));
    const blobs = snapshotBlobs(
      mixed,
      {
        model: context.model,
        version: context.version,
        createdAt: context.createdAt,
        metrics,
        offsets: context.offsets,
        ...(context.extra === undefined ? {} : { extra: context.extra }),
      },
      names,
    );
    return { ...blobs, samplesSeen: mixed.samplesSeen, metrics };
  }

  /** FTRL: `carryLearner` (z, n and scaler statistics add); other optimizers replay (null). */
  carry(base: Uint8Array, written: Uint8Array | null, current: StreamLearner<unknown>): Uint8Array | null {
    if (!(current instanceof LogisticLearner) || this.options.optimizer.name !== 'ftrl') return null;
    const { header, learner } = decodeCheckpoint(base);
    const carried = carryLearner(learner, written === null ? null : decodeCheckpoint(written).learner, current.learner);
    if (carried === null) return null;
    // The base's header (its feature names included) with the carried state.
    return encodeCheckpoint(carried, {
      model: header.model,
      version: header.version,
      createdAt: header.createdAt,
      metrics: header.metrics,
      offsets: header.offsets,
      ...(header.extra === undefined ? {} : { extra: header.extra }),
    });
  }
}

/** Progressive metrics of the contributions, weighted by their samples (unknown values skipped). */
function weightedMetrics(parts: readonly { header: SnapshotHeader; samples: number }[]): ProgressiveFigures {
  const mean = (pick: (h: SnapshotHeader) => number | null): number => {
    let sum = 0;
    let weight = 0;
    for (const { header, samples } of parts) {
      const v = pick(header);
      if (v === null || !Number.isFinite(v) || samples <= 0) continue;
      sum += v * samples;
      weight += samples;
    }
    return weight > 0 ? sum / weight : Number.NaN;
  };
  return {
    logloss: mean((h) => h.metrics.logloss),
    accuracy: mean((h) => h.metrics.accuracy),
    auc: mean((h) => h.metrics.auc),
    n: parts.reduce((acc, p) => acc + p.header.metrics.n, 0),
  };
}

/**
 * The counting oracle: the mixed counts are the base's plus every partition's increment, so a
 * sample applied once in any partition counts exactly once in the mixed version (and a sample
 * applied twice, in one partition or in two, shows 2). A contribution that does not continue the
 * base (a count below the base's) is refused.
 */
export class CountingMixer implements PartitionMixer {
  mix(base: Uint8Array | null, contributions: readonly PartitionContribution[], context: SnapshotContext): MixedVersion {
    const out = new CountingLearner();
    const baseCounts = new Map<string, number>();
    if (base !== null) {
      out.restore(base);
      for (const [id, n] of CountingLearner.decodeSnapshot(base).counts) baseCounts.set(id, n);
    }
    for (const c of contributions) {
      for (const [id, n] of CountingLearner.decodeSnapshot(c.checkpoint).counts) {
        const increment = n - (baseCounts.get(id) ?? 0);
        if (increment < 0) throw new TypeError(`counting mixer: a contribution has ${n} applications of '${id}', below the base's ${baseCounts.get(id)}`);
        for (let k = 0; k < increment; k++) out.learn({ id });
      }
    }
    return { ...out.snapshot(context), samplesSeen: out.samplesSeen, metrics: out.progressive() };
  }

  /** The base's counts plus what `current` applied since `written`. */
  carry(base: Uint8Array, written: Uint8Array | null, current: StreamLearner<unknown>): Uint8Array | null {
    if (!(current instanceof CountingLearner)) return null;
    const parsed = CountingLearner.decodeSnapshot(base);
    const before = new Map(written === null ? [] : CountingLearner.decodeSnapshot(written).counts);
    const out = new CountingLearner();
    out.restore(base);
    for (const [id, n] of current.applied()) {
      const increment = n - (before.get(id) ?? 0);
      if (increment < 0) throw new TypeError(`counting mixer: the learner has ${n} applications of '${id}', below the written state's ${before.get(id)}`);
      for (let k = 0; k < increment; k++) out.learn({ id });
    }
    return out.snapshot({ model: '', version: parsed.version, createdAt: 0, offsets: parsed.offsets }).checkpoint;
  }
}
