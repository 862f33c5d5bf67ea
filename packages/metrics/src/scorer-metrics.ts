import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram, linearBuckets, talliedCounter } from './define.js';
import { modelWeightMetrics, setWeightStats, type ModelWeightMetrics } from './model-metrics.js';
import type { Tally, TallySet } from './tally.js';

/** Scoring latency: a sparse dot product is microseconds, so the buckets start at 50 µs. */
export const SCORER_LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Score distribution 0.05, 0.10, …, 1.00: enough to see calibration drift on a dashboard. */
export const SCORE_BUCKETS = linearBuckets(0.05, 20);

export interface ScorerMetricsOptions {
  /** Clock in ms for the model-age gauge, computed at scrape time. Default `Date.now`. */
  now: () => number;
}

export const DEFAULT_SCORER_METRICS_OPTIONS: Readonly<ScorerMetricsOptions> = Object.freeze({ now: () => Date.now() });

/** Every scorer metric (DESIGN section 9 plus operator additions), all labelled by `model`. */
export interface ScorerMetrics extends ModelWeightMetrics {
  /** streamlr_scorer_events_total{outcome}: events handled, e.g. scored, invalid, no_model, error. */
  events: Counter<'model' | 'outcome'>;
  /** streamlr_scorer_latency_seconds: decode + predict time per event. */
  latency: Histogram<'model'>;
  /** streamlr_scorer_score: distribution of predicted probabilities. */
  score: Histogram<'model'>;
  /** streamlr_scorer_logloss: log loss on labelled events (held-out, delayed feedback). */
  logloss: Gauge<'model'>;
  /** streamlr_scorer_accuracy: accuracy on labelled events. */
  accuracy: Gauge<'model'>;
  /** streamlr_scorer_model_version: version being served. */
  modelVersion: Gauge<'model'>;
  /** streamlr_scorer_model_age_seconds: now minus the served version's createdAt, computed at scrape time. */
  modelAge: Gauge<'model'>;
  /** streamlr_scorer_reload_failures_total{reason}: failed loads (old weights keep serving). */
  reloadFailures: Counter<'model' | 'reason'>;
  // ---- additions for operators ----
  /** streamlr_scorer_reloads_total{trigger}: successful loads by trigger (start, notification, poll, pinned). */
  reloads: Counter<'model' | 'trigger'>;
  /** streamlr_scorer_dlq_total{reason}: events sent to the dead-letter topic. */
  dlq: Counter<'model' | 'reason'>;
  forModel(model: string): ScorerModelMetrics;
}

export interface ScorerModelMetrics {
  readonly model: string;
  /** Per-event counter by outcome. */
  event(outcome: string): Tally;
  observeLatency(seconds: number): void;
  observeScore(probability: number): void;
  setEvaluation(values: { logloss: number; accuracy: number }): void;
  /** Records a successful (re)load of `version`, created at `createdAtMs`. */
  modelLoaded(loaded: { version: number; createdAtMs: number; nonzero: number; slots: number; trigger: string }): void;
  reloadFailed(reason: string): void;
  dlq(reason: string): Tally;
  flush(): void;
}

const perRegistry = new WeakMap<Registry, ScorerMetrics>();

/** The scorer metrics in `registry`; idempotent per registry (see createTrainerMetrics). */
export function createScorerMetrics(registry: Registry, options: Partial<ScorerMetricsOptions> = {}): ScorerMetrics {
  const existing = perRegistry.get(registry);
  if (existing !== undefined) return existing;
  const { now } = { ...DEFAULT_SCORER_METRICS_OPTIONS, ...options };
  const events = talliedCounter(registry, 'streamlr_scorer_events_total', 'Events handled, by outcome.', ['model', 'outcome']);
  const dlq = talliedCounter(registry, 'streamlr_scorer_dlq_total', 'Events sent to the dead-letter topic, by reason.', ['model', 'reason']);
  const createdAt = new Map<string, number>();
  const modelAge: Gauge<'model'> = gauge(
    registry,
    'streamlr_scorer_model_age_seconds',
    'Seconds since the served model version was created.',
    ['model'],
    () => {
      for (const [model, ms] of createdAt) modelAge.set({ model }, Math.max(0, (now() - ms) / 1000));
    },
  );
  const metrics: Omit<ScorerMetrics, 'forModel'> = {
    ...modelWeightMetrics(registry),
    events: events.counter,
    latency: histogram(registry, 'streamlr_scorer_latency_seconds', 'Decode and predict time per event.', ['model'], SCORER_LATENCY_BUCKETS),
    score: histogram(registry, 'streamlr_scorer_score', 'Predicted probabilities.', ['model'], SCORE_BUCKETS),
    logloss: gauge(registry, 'streamlr_scorer_logloss', 'Log loss on labelled events.', ['model']),
    accuracy: gauge(registry, 'streamlr_scorer_accuracy', 'Accuracy on labelled events.', ['model']),
    modelVersion: gauge(registry, 'streamlr_scorer_model_version', 'Model version being served.', ['model']),
    modelAge,
    reloadFailures: counter(
      registry,
      'streamlr_scorer_reload_failures_total',
      'Failed model loads, by reason; the previous weights keep serving.',
      ['model', 'reason'],
    ),
    reloads: counter(registry, 'streamlr_scorer_reloads_total', 'Successful model loads, by trigger.', ['model', 'trigger']),
    dlq: dlq.counter,
  };
  const tallies = { events: events.tallies, dlq: dlq.tallies };
  const full: ScorerMetrics = { ...metrics, forModel: (model) => bindScorer(metrics, tallies, createdAt, model) };
  perRegistry.set(registry, full);
  return full;
}

function bindScorer(
  metrics: Omit<ScorerMetrics, 'forModel'>,
  tallies: { events: TallySet<'model' | 'outcome'>; dlq: TallySet<'model' | 'reason'> },
  createdAt: Map<string, number>,
  model: string,
): ScorerModelMetrics {
  const labels = { model };
  const latency = metrics.latency.labels(labels);
  const score = metrics.score.labels(labels);
  return {
    model,
    event: (outcome) => tallies.events.get({ model, outcome }),
    observeLatency: (seconds) => latency.observe(seconds),
    observeScore: (probability) => score.observe(probability),
    setEvaluation(values) {
      metrics.logloss.set(labels, values.logloss);
      metrics.accuracy.set(labels, values.accuracy);
    },
    modelLoaded(loaded) {
      metrics.modelVersion.set(labels, loaded.version);
      createdAt.set(model, loaded.createdAtMs);
      setWeightStats(metrics, model, 'scorer', loaded.nonzero, loaded.slots);
      metrics.reloads.inc({ model, trigger: loaded.trigger });
    },
    reloadFailed: (reason) => metrics.reloadFailures.inc({ model, reason }),
    dlq: (reason) => tallies.dlq.get({ model, reason }),
    flush() {
      tallies.events.flushAll();
      tallies.dlq.flushAll();
    },
  };
}
