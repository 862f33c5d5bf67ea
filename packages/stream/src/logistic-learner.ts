import {
  DEFAULT_PROGRESSIVE_METRICS_OPTIONS,
  FeatureNames,
  LogisticRegression,
  ProgressiveMetrics,
  decodeCheckpoint,
  encodeSnapshot,
  slotCount,
  type LearnerOptions,
  SparseVector,
  type SnapshotInfo,
} from '@streamlr/model';
import { DEFAULT_DECODE_LIMITS, tryDecodeSample, type DecodeLimits, type Sample } from '@streamlr/protocol';
import { featurize } from './featurize.js';
import { HashedEntries, SampleScanner } from './sample-scanner.js';
import { SlotSet } from './slot-set.js';
import type {
  DecodeResult,
  ProgressiveFigures,
  RestoredState,
  SnapshotBlobs,
  SnapshotContext,
  StreamLearner,
  WeightFigures,
} from './learner.js';

/**
 * Logistic regression as trainer, replay and the CLI train it: a sample's features → hashed sparse vector (the same
 * hashing as trainer and scorer), the model's learner, progressive metrics, and snapshots that
 * carry a bounded slot → feature-name dictionary so `model inspect` can name the top weights.
 */

/**
 * Names of the heaviest weights stored in a snapshot's `extra.featureNames` as `[slot, name]`
 * pairs, |weight| descending: enough for `model inspect`, bounded whatever the stream.
 */
export const STORED_FEATURE_NAMES = 1_000;

/** Slot → display name (`country=US`, `amount`) of the features seen, bounded; see FeatureNames. */
export function topFeatureNames(names: FeatureNames, learner: LogisticRegression, k = STORED_FEATURE_NAMES): [number, string][] {
  return names.top((slot) => learner.weight(slot), k).map((row) => [row.slot, row.name]);
}

/** Reads `extra.featureNames` back (ignores anything malformed: names are a convenience). */
export function storedFeatureNames(extra: Readonly<Record<string, unknown>> | undefined): Map<number, string> {
  const out = new Map<number, string>();
  const pairs = extra?.['featureNames'];
  if (!Array.isArray(pairs)) return out;
  for (const pair of pairs) {
    if (Array.isArray(pair) && Number.isInteger(pair[0]) && typeof pair[1] === 'string') out.set(pair[0] as number, pair[1]);
  }
  return out;
}

/**
 * Checkpoint + serving blobs of a learner, the names of its heaviest weights in `extra`. With
 * `slots` (every slot the learner may have changed, ascending), encoding is O(slots) beyond one
 * export of the state (see encodeSnapshot), and so is naming: the names are looked up for those
 * slots' weights (`weights`, the learner's weights at `slots`, when the caller has them).
 */
export function snapshotBlobs(
  learner: LogisticRegression,
  info: SnapshotInfo,
  names: FeatureNames | null,
  slots?: Int32Array,
  weights?: Float64Array,
): SnapshotBlobs {
  const featureNames =
    names === null
      ? null
      : slots === undefined
        ? topFeatureNames(names, learner)
        : names.topAt(slots, weights ?? learner.weightsAt(slots), STORED_FEATURE_NAMES).map((row): [number, string] => [row.slot, row.name]);
  const extra = { ...(info.extra ?? {}), ...(featureNames === null ? {} : { featureNames }) };
  const full: SnapshotInfo = { ...info, extra };
  return encodeSnapshot(learner, full, slots === undefined ? {} : { slots });
}

export interface LogisticLearnerOptions {
  readonly limits?: DecodeLimits;
  /**
   * Decode messages of the common shape with the fused scanner (SampleScanner: bytes → hashed
   * features, no JSON.parse), and every other message with the protocol's decoder. The learner
   * ends up in exactly the same state either way. Default true; false is for comparisons.
   */
  readonly fastDecode?: boolean;
  /** Progressive-metrics window; default 10,000. */
  readonly window?: number;
  /** Slots whose feature names are remembered; default 100,000. */
  readonly namesCapacity?: number;
}

/**
 * A sample the fused scanner decoded: label, weight, and where its hashed features are in the
 * learner's arena. The message bytes stay with it, so that the features can be hashed again (the
 * arena has moved on) or decoded by the protocol's decoder (to record feature names).
 *
 * It is also its own successful DecodeResult (`ok: true`, `value` itself): one object per
 * message rather than two, on the trainer's hottest path.
 */
export class ScannedSample {
  readonly ok = true;
  readonly value: ScannedSample = this;

  constructor(
    readonly bytes: Uint8Array,
    readonly label: 0 | 1,
    readonly weight: number,
    /** The arena holding the entries, its lap, and where they start in it. */
    readonly arena: HashedEntries,
    readonly lap: number,
    readonly start: number,
    readonly count: number,
  ) {}

  /** The message as the protocol's decoder gives it (it accepts whatever the scanner accepts). */
  decoded(limits: DecodeLimits): Sample {
    const result = tryDecodeSample(this.bytes, limits);
    if (!result.ok) throw new Error(`internal: the sample scanner accepted a message the decoder refuses (${result.error.reason})`);
    return result.value;
  }
}

/** What LogisticLearner decodes to and learns from: a decoded message, or a scanned one. */
export type LearnerSample = Sample | ScannedSample;

/**
 * Most entries of scanned samples the arena holds before it starts its next lap at 0. It also
 * starts one when the last sample decoded is learned (a trainer step decodes up to 1,024 records,
 * then learns them all), so it grows only to a step's entries. A sample whose entries were
 * overwritten meanwhile is simply hashed again from its bytes.
 */
const ARENA_LAP = 1 << 16;

/**
 * StreamLearner over @streamlr/model (trainer service, replay, demo): decode with the fused
 * scanner or the protocol's decoder, one update per sample with progressive validation,
 * snapshots as `snapshotBlobs`.
 */
export class LogisticLearner implements StreamLearner<LearnerSample> {
  private model: LogisticRegression;
  private metrics: ProgressiveMetrics;
  private names: FeatureNames;
  /**
   * Every slot the model was trained on: all a snapshot or the weight figures look at. Null after
   * a restore until first needed (then read from the state, O(2^bits) once), so a learner that is
   * restored often and rarely snapshots (a partition learner) does not pay for it.
   */
  private trained: SlotSet | null;
  /** Slots whose name is known (or was looked for): a sample with none new skips the dictionary. */
  private named: SlotSet;
  private readonly vector = new SparseVector(64);
  private readonly limits: DecodeLimits;
  /** Null when fastDecode is off. */
  private readonly scanner: SampleScanner | null;
  /**
   * The hashed (slot, value) entries of scanned samples, appended by decode() and read by learn();
   * a lap starts at 0 once ARENA_LAP entries are used. An entry of the previous lap is intact
   * while the current lap has not reached it.
   */
  private readonly arena = new HashedEntries(1024);
  private lap = 0;
  /** Scratch for hashing a sample again when its arena entries were overwritten. */
  private readonly rescanned = new HashedEntries(64);
  /**
   * progressive() until the next update: a snapshot asks for it twice (the version's meta and
   * the blob header) and the model gauges once more, and each computes the window's AUC (a sort).
   */
  private figures: ProgressiveFigures | null = null;
  /** Non-zero weights counted by the last snapshot, until the next update (the model gauges ask right after one). */
  private nonzero = -1;

  constructor(
    readonly options: LearnerOptions,
    private readonly settings: LogisticLearnerOptions = {},
  ) {
    this.model = new LogisticRegression(options);
    this.metrics = new ProgressiveMetrics({ window: settings.window ?? DEFAULT_PROGRESSIVE_METRICS_OPTIONS.window });
    this.names = new FeatureNames(settings.namesCapacity ?? 100_000);
    this.trained = new SlotSet(this.model.slots);
    this.named = new SlotSet(this.model.slots);
    this.limits = settings.limits ?? DEFAULT_DECODE_LIMITS;
    this.scanner = settings.fastDecode === false ? null : new SampleScanner(options.featureSpace, this.limits);
  }

  get learner(): LogisticRegression {
    return this.model;
  }

  decode(bytes: Buffer | null): DecodeResult<LearnerSample> {
    const scanner = this.scanner;
    if (scanner !== null && bytes !== null) {
      const arena = this.arena;
      if (arena.length >= ARENA_LAP) {
        arena.length = 0;
        this.lap++;
      }
      const start = arena.length;
      if (scanner.scan(bytes, arena)) {
        return new ScannedSample(bytes, scanner.label, scanner.weight, arena, this.lap, start, arena.length - start);
      }
    }
    // Anything else (and every refusal with its reason) is the protocol decoder's.
    const result = tryDecodeSample(bytes, this.limits);
    if (result.ok) {
      // A dense vector longer than the feature space is valid JSON the protocol cannot judge
      // (it does not know the model's bits); learn() would throw on it, so refuse it here.
      const x = result.value.x;
      if (x !== undefined && x.length > slotCount(this.options.featureSpace)) {
        return { ok: false, error: { reason: 'too_many_features', field: 'x', message: `x: ${x.length} dense values do not fit in 2^${this.options.featureSpace.bits} slots` } };
      }
      return result;
    }
    return { ok: false, error: { reason: result.error.reason, field: result.error.field, message: result.error.message } };
  }

  learn(sample: LearnerSample): void {
    if (sample instanceof ScannedSample) {
      this.learnScanned(sample);
      return;
    }
    this.update(featurize(sample, this.options.featureSpace, this.vector), sample);
  }

  /** learn() of a scanned sample: the same steps on the entries the scanner hashed. */
  private learnScanned(sample: ScannedSample): void {
    let entries = this.arena;
    let start = sample.start;
    const current =
      sample.arena === entries && (sample.lap === this.lap || (sample.lap === this.lap - 1 && sample.start >= entries.length));
    if (!current) {
      entries = this.rescanned;
      entries.length = 0;
      start = 0;
      if (this.scanner === null || !this.scanner.scan(sample.bytes, entries)) {
        this.learn(sample.decoded(this.limits));
        return;
      }
    }
    // add() in the scanned order sums colliding slots exactly as hashFeatures does.
    const x = this.vector;
    x.clear();
    const { indices, values } = entries;
    const stop = start + sample.count;
    for (let k = start; k < stop; k++) x.add(indices[k]!, values[k]!);
    if (entries === this.arena && stop === entries.length) {
      // The last sample decoded: the next lap can start at 0 (anything left of this one is hashed again).
      entries.length = 0;
      this.lap++;
    }
    this.update(x, sample);
  }

  /** One update on `sample`, hashed into `x`: trained slots, feature names, model, progressive metrics. */
  private update(x: SparseVector, sample: LearnerSample): void {
    this.trained?.addAll(x.indices, x.nnz);
    // Names cost hashing and string allocations: only a sample with a slot not named yet is
    // recorded (the dictionary keeps the first name of a slot, so skipping the others changes
    // nothing), until the dictionary is full. A scanned sample is decoded for its names.
    if (this.names.size < this.names.capacity && !this.named.hasAll(x.indices, x.nnz)) {
      const features = sample instanceof ScannedSample ? sample.decoded(this.limits).features : sample.features;
      if (features !== undefined) {
        this.names.record(features, this.options.featureSpace);
        this.named.addAll(x.indices, x.nnz);
      }
    }
    const p = this.model.learn(x, sample.label, sample.weight);
    this.metrics.update(p, sample.label);
    this.figures = null;
    this.nonzero = -1;
  }

  get samplesSeen(): number {
    return this.model.samplesSeen;
  }

  progressive(): ProgressiveFigures {
    if (this.figures === null) {
      const s = this.metrics.snapshot();
      this.figures = { logloss: s.logloss, accuracy: s.accuracy, auc: s.auc, n: s.n };
    }
    return this.figures;
  }

  /** O(trained slots): an untrained slot's weight is 0 (a count: the slots in any order). */
  weights(): WeightFigures {
    let nonzero = this.nonzero;
    if (nonzero < 0) {
      this.trained ??= SlotSet.trainedSlotsOf(this.model);
      const slots = this.trained.members();
      nonzero = 0;
      for (let k = 0; k < slots.length; k++) if (this.model.weight(slots[k]!) !== 0) nonzero++;
      this.nonzero = nonzero;
    }
    const total = this.model.slots;
    return { nonzero, slots: total, sparsity: 1 - nonzero / total };
  }

  snapshot(context: SnapshotContext): SnapshotBlobs {
    const slots = this.trainedSlots();
    const weights = this.model.weightsAt(slots);
    let nonzero = 0;
    for (let k = 0; k < weights.length; k++) if (weights[k] !== 0) nonzero++;
    this.nonzero = nonzero;
    return snapshotBlobs(
      this.model,
      {
        model: context.model,
        version: context.version,
        createdAt: context.createdAt,
        metrics: this.progressive(),
        offsets: context.offsets,
        ...(context.extra === undefined ? {} : { extra: context.extra }),
      },
      this.names,
      slots,
      weights,
    );
  }

  /** The trained slots, ascending. */
  private trainedSlots(): Int32Array {
    this.trained ??= SlotSet.trainedSlotsOf(this.model);
    return this.trained.sorted();
  }

  restore(checkpoint: Uint8Array): RestoredState {
    const { header, learner } = decodeCheckpoint(checkpoint);
    this.model = learner;
    this.metrics.reset();
    this.figures = null;
    this.nonzero = -1;
    this.names = new FeatureNames(this.settings.namesCapacity ?? 100_000);
    this.trained = null;
    this.named = new SlotSet(learner.slots);
    for (const [slot, name] of storedFeatureNames(header.extra)) {
      this.names.set(slot, name);
      this.named.add(slot);
    }
    return { offsets: header.offsets, samplesSeen: header.samplesSeen };
  }

  reset(): void {
    this.model = new LogisticRegression(this.options);
    // A pipeline resets a learner to start fresh, just before consuming: map the whole table now,
    // as a restore does, so a fresh trainer learns at the speed of a resumed one from its first
    // sample instead of paying ~16k page faults (2^20 slots) during its first ~100k samples.
    this.model.reserveMemory();
    this.metrics.reset();
    this.figures = null;
    this.nonzero = -1;
    this.names = new FeatureNames(this.settings.namesCapacity ?? 100_000);
    this.trained = new SlotSet(this.model.slots);
    this.named = new SlotSet(this.model.slots);
  }
}

