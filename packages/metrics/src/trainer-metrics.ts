import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram, talliedCounter } from './define.js';
import { modelWeightMetrics, setWeightStats, type ModelWeightMetrics } from './model-metrics.js';
import type { Tally, TallySet } from './tally.js';

/** Snapshot publish durations: tens of ms for small models up to seconds for 2^24-slot checkpoints. */
export const SNAPSHOT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Every trainer metric (DESIGN section 9 plus operator additions), all labelled by `model`.
 * Prefer `forModel(model)` in service code: it binds the label once and uses Tallies for per-sample
 * counters.
 */
export interface TrainerMetrics extends ModelWeightMetrics {
  /** streamlr_trainer_samples_total: samples applied to the model. */
  samples: Counter<'model'>;
  /** streamlr_trainer_invalid_samples_total{reason}: samples rejected by decode/validate. */
  invalidSamples: Counter<'model' | 'reason'>;
  /** streamlr_trainer_logloss: progressive (predict-then-learn) log loss over the recent window. */
  logloss: Gauge<'model'>;
  /** streamlr_trainer_accuracy: progressive accuracy over the recent window. */
  accuracy: Gauge<'model'>;
  /** streamlr_trainer_auc: progressive ROC AUC over the recent window. */
  auc: Gauge<'model'>;
  /** streamlr_trainer_snapshot_version: last version published to the store. */
  snapshotVersion: Gauge<'model'>;
  /** streamlr_trainer_snapshot_duration_seconds: encode + publish time of a snapshot. */
  snapshotDuration: Histogram<'model'>;
  /** streamlr_trainer_consumer_lag{topic,partition}: high watermark minus next offset to process. */
  consumerLag: Gauge<'model' | 'topic' | 'partition'>;
  // ---- additions for operators ----
  /** streamlr_trainer_snapshot_failures_total{reason}: failed publishes (unavailable, stale_epoch, …). */
  snapshotFailures: Counter<'model' | 'reason'>;
  /** streamlr_trainer_snapshot_timestamp_seconds: Unix time of the last successful publish (alert on staleness). */
  snapshotTimestamp: Gauge<'model'>;
  /** streamlr_trainer_snapshot_bytes{part}: size of the last published checkpoint/serving blob. */
  snapshotBytes: Gauge<'model' | 'part'>;
  /** streamlr_trainer_learning_rate: current (base) learning rate η_t. */
  learningRate: Gauge<'model'>;
  /** streamlr_trainer_dlq_total{reason}: messages sent to the dead-letter topic. */
  dlq: Counter<'model' | 'reason'>;
  /** streamlr_trainer_skipped_messages_total: messages below the snapshot's stored offset, skipped to avoid double-applying. */
  skippedMessages: Counter<'model'>;
  /** streamlr_trainer_offset_anomalies_total{kind}: e.g. below_log_start, snapshot_backwards (DESIGN section 6: reported loudly). */
  offsetAnomalies: Counter<'model' | 'kind'>;
  /** streamlr_trainer_rebalances_total: partition assignments received (each reloads the snapshot). */
  rebalances: Counter<'model'>;
  /** streamlr_trainer_writer_epoch: the store epoch this trainer holds. */
  writerEpoch: Gauge<'model'>;
  /** streamlr_trainer_paused: 1 while training is paused because the store cannot be written. */
  paused: Gauge<'model'>;
  forModel(model: string): TrainerModelMetrics;
}

/** The trainer's metrics for one model, label bound once. */
export interface TrainerModelMetrics {
  readonly model: string;
  /** Per-sample counter: `samples.add()` per sample or `samples.add(n)` per batch. */
  readonly samples: Tally;
  invalid(reason: string): Tally;
  dlq(reason: string): Tally;
  readonly skipped: Tally;
  setProgressive(values: { logloss: number; accuracy: number; auc: number }): void;
  setWeights(nonzero: number, slots: number): void;
  setLearningRate(rate: number): void;
  setConsumerLag(topic: string, partition: number, lag: number): void;
  /** Records a successful publish. */
  snapshotPublished(snapshot: {
    version: number;
    durationSeconds: number;
    checkpointBytes: number;
    servingBytes: number;
    /** Unix seconds; default now. */
    timestampSeconds?: number;
  }): void;
  /** Records a failed publish; reason e.g. `unavailable`, `stale_epoch`, `not_forward`, `error`. */
  snapshotFailed(reason: string): void;
  setEpoch(epoch: number): void;
  setPaused(paused: boolean): void;
  offsetAnomaly(kind: string): void;
  rebalance(): void;
  /** Pushes pending Tallies into the counters now (scrapes do this by themselves). */
  flush(): void;
}

interface TrainerTallies {
  samples: TallySet<'model'>;
  invalid: TallySet<'model' | 'reason'>;
  dlq: TallySet<'model' | 'reason'>;
  skipped: TallySet<'model'>;
}

const perRegistry = new WeakMap<Registry, TrainerMetrics>();

/**
 * The trainer metrics in `registry` (a fresh `new Registry()` in tests). Idempotent per registry:
 * a second call returns the same object instead of failing on duplicate names.
 */
export function createTrainerMetrics(registry: Registry): TrainerMetrics {
  const existing = perRegistry.get(registry);
  if (existing !== undefined) return existing;
  const samples = talliedCounter(registry, 'streamlr_trainer_samples_total', 'Samples applied to the model.', ['model']);
  const invalid = talliedCounter(
    registry,
    'streamlr_trainer_invalid_samples_total',
    'Samples rejected by decode or validation, by reason.',
    ['model', 'reason'],
  );
  const dlq = talliedCounter(registry, 'streamlr_trainer_dlq_total', 'Messages sent to the dead-letter topic, by reason.', ['model', 'reason']);
  const skipped = talliedCounter(
    registry,
    'streamlr_trainer_skipped_messages_total',
    'Messages below the stored snapshot offset, skipped so no sample is applied twice.',
    ['model'],
  );
  const tallies: TrainerTallies = { samples: samples.tallies, invalid: invalid.tallies, dlq: dlq.tallies, skipped: skipped.tallies };
  const metrics: Omit<TrainerMetrics, 'forModel'> = {
    ...modelWeightMetrics(registry),
    samples: samples.counter,
    invalidSamples: invalid.counter,
    logloss: gauge(registry, 'streamlr_trainer_logloss', 'Progressive (predict-then-learn) log loss over the recent window.', ['model']),
    accuracy: gauge(registry, 'streamlr_trainer_accuracy', 'Progressive accuracy over the recent window.', ['model']),
    auc: gauge(registry, 'streamlr_trainer_auc', 'Progressive ROC AUC over the recent window.', ['model']),
    snapshotVersion: gauge(registry, 'streamlr_trainer_snapshot_version', 'Last snapshot version published to the store.', ['model']),
    snapshotDuration: histogram(
      registry,
      'streamlr_trainer_snapshot_duration_seconds',
      'Time to encode and publish a snapshot.',
      ['model'],
      SNAPSHOT_DURATION_BUCKETS,
    ),
    consumerLag: gauge(
      registry,
      'streamlr_trainer_consumer_lag',
      'Messages behind the partition high watermark.',
      ['model', 'topic', 'partition'],
    ),
    snapshotFailures: counter(registry, 'streamlr_trainer_snapshot_failures_total', 'Failed snapshot publishes, by reason.', ['model', 'reason']),
    snapshotTimestamp: gauge(
      registry,
      'streamlr_trainer_snapshot_timestamp_seconds',
      'Unix time of the last successful snapshot publish.',
      ['model'],
    ),
    snapshotBytes: gauge(registry, 'streamlr_trainer_snapshot_bytes', 'Size of the last published blob, by part.', ['model', 'part']),
    learningRate: gauge(registry, 'streamlr_trainer_learning_rate', 'Current base learning rate.', ['model']),
    dlq: dlq.counter,
    skippedMessages: skipped.counter,
    offsetAnomalies: counter(
      registry,
      'streamlr_trainer_offset_anomalies_total',
      'Stored offsets below the log start or snapshots that went backwards, by kind.',
      ['model', 'kind'],
    ),
    rebalances: counter(registry, 'streamlr_trainer_rebalances_total', 'Partition assignments received.', ['model']),
    writerEpoch: gauge(registry, 'streamlr_trainer_writer_epoch', 'Store writer epoch held by this trainer.', ['model']),
    paused: gauge(registry, 'streamlr_trainer_paused', '1 while training is paused because the store cannot be written.', ['model']),
  };
  const full: TrainerMetrics = { ...metrics, forModel: (model) => bindTrainer(metrics, tallies, model) };
  perRegistry.set(registry, full);
  return full;
}

function bindTrainer(metrics: Omit<TrainerMetrics, 'forModel'>, tallies: TrainerTallies, model: string): TrainerModelMetrics {
  const labels = { model };
  const logloss = metrics.logloss.labels(labels);
  const accuracy = metrics.accuracy.labels(labels);
  const auc = metrics.auc.labels(labels);
  // Export counters at 0 from the start so rate() and absent-alerts see the series immediately.
  for (const metric of [metrics.samples, metrics.skippedMessages, metrics.rebalances]) metric.inc(labels, 0);
  metrics.paused.set(labels, 0);
  return {
    model,
    samples: tallies.samples.get(labels),
    skipped: tallies.skipped.get(labels),
    invalid: (reason) => tallies.invalid.get({ model, reason }),
    dlq: (reason) => tallies.dlq.get({ model, reason }),
    setProgressive(values) {
      logloss.set(values.logloss);
      accuracy.set(values.accuracy);
      auc.set(values.auc);
    },
    setWeights: (nonzero, slots) => setWeightStats(metrics, model, 'trainer', nonzero, slots),
    setLearningRate: (rate) => metrics.learningRate.set(labels, rate),
    setConsumerLag: (topic, partition, lag) => metrics.consumerLag.set({ model, topic, partition: String(partition) }, lag),
    snapshotPublished(snapshot) {
      metrics.snapshotVersion.set(labels, snapshot.version);
      metrics.snapshotDuration.observe(labels, snapshot.durationSeconds);
      metrics.snapshotBytes.set({ model, part: 'checkpoint' }, snapshot.checkpointBytes);
      metrics.snapshotBytes.set({ model, part: 'serving' }, snapshot.servingBytes);
      metrics.snapshotTimestamp.set(labels, snapshot.timestampSeconds ?? Date.now() / 1000);
    },
    snapshotFailed: (reason) => metrics.snapshotFailures.inc({ model, reason }),
    setEpoch: (epoch) => metrics.writerEpoch.set(labels, epoch),
    setPaused: (paused) => metrics.paused.set(labels, paused ? 1 : 0),
    offsetAnomaly: (kind) => metrics.offsetAnomalies.inc({ model, kind }),
    rebalance: () => metrics.rebalances.inc(labels),
    flush() {
      for (const set of Object.values(tallies)) set.flushAll();
    },
  };
}
