import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createScorerMetrics, createTrainerMetrics, enableProcessMetrics, Registry, SCORE_BUCKETS } from '../src/index.js';

/** The value of `name{labels}` in the exposition text (labels in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^([^{ ]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (match?.[1] === name && match[2]?.split(',').sort().join(',') === want) return Number(match[3]);
  }
  return undefined;
}

const DESIGN_TRAINER = [
  ['streamlr_trainer_samples_total', 'counter'],
  ['streamlr_trainer_invalid_samples_total', 'counter'],
  ['streamlr_trainer_logloss', 'gauge'],
  ['streamlr_trainer_accuracy', 'gauge'],
  ['streamlr_trainer_auc', 'gauge'],
  ['streamlr_model_nonzero_weights', 'gauge'],
  ['streamlr_model_sparsity_ratio', 'gauge'],
  ['streamlr_trainer_snapshot_version', 'gauge'],
  ['streamlr_trainer_snapshot_duration_seconds', 'histogram'],
  ['streamlr_trainer_consumer_lag', 'gauge'],
] as const;

const DESIGN_SCORER = [
  ['streamlr_scorer_events_total', 'counter'],
  ['streamlr_scorer_latency_seconds', 'histogram'],
  ['streamlr_scorer_score', 'histogram'],
  ['streamlr_scorer_logloss', 'gauge'],
  ['streamlr_scorer_accuracy', 'gauge'],
  ['streamlr_scorer_model_version', 'gauge'],
  ['streamlr_scorer_model_age_seconds', 'gauge'],
  ['streamlr_model_nonzero_weights', 'gauge'],
  ['streamlr_model_sparsity_ratio', 'gauge'],
  ['streamlr_scorer_reload_failures_total', 'counter'],
] as const;

describe('trainer metrics', () => {
  it('defines the DESIGN section 9 names with a model label and renders values', async () => {
    const registry = new Registry();
    const metrics = createTrainerMetrics(registry);
    const m = metrics.forModel('ctr');
    m.samples.add(1000);
    m.samples.add();
    m.invalid('not_json').add(2);
    m.setProgressive({ logloss: 0.42, accuracy: 0.81, auc: 0.77 });
    m.setWeights(250, 1000);
    m.setConsumerLag('streamlr.samples', 3, 12);
    m.snapshotPublished({ version: 7, durationSeconds: 0.03, checkpointBytes: 8000, servingBytes: 1200, timestampSeconds: 1_764_000_000 });
    m.snapshotFailed('unavailable');
    m.setLearningRate(0.05);
    m.dlq('label_not_binary').add();

    const text = await registry.metrics();
    for (const [name, type] of DESIGN_TRAINER) {
      assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), name);
    }
    assert.equal(sample(text, 'streamlr_trainer_samples_total', { model: 'ctr' }), 1001);
    assert.equal(sample(text, 'streamlr_trainer_invalid_samples_total', { model: 'ctr', reason: 'not_json' }), 2);
    assert.equal(sample(text, 'streamlr_trainer_logloss', { model: 'ctr' }), 0.42);
    assert.equal(sample(text, 'streamlr_trainer_auc', { model: 'ctr' }), 0.77);
    assert.equal(sample(text, 'streamlr_model_nonzero_weights', { model: 'ctr', role: 'trainer' }), 250);
    assert.equal(sample(text, 'streamlr_model_sparsity_ratio', { model: 'ctr', role: 'trainer' }), 0.75);
    assert.equal(sample(text, 'streamlr_trainer_consumer_lag', { model: 'ctr', topic: 'streamlr.samples', partition: '3' }), 12);
    assert.equal(sample(text, 'streamlr_trainer_snapshot_version', { model: 'ctr' }), 7);
    assert.equal(sample(text, 'streamlr_trainer_snapshot_duration_seconds_count', { model: 'ctr' }), 1);
    assert.equal(sample(text, 'streamlr_trainer_snapshot_duration_seconds_bucket', { model: 'ctr', le: '0.05' }), 1);
    assert.equal(sample(text, 'streamlr_trainer_snapshot_duration_seconds_bucket', { model: 'ctr', le: '0.025' }), 0);
    assert.equal(sample(text, 'streamlr_trainer_snapshot_failures_total', { model: 'ctr', reason: 'unavailable' }), 1);
    assert.equal(sample(text, 'streamlr_trainer_snapshot_timestamp_seconds', { model: 'ctr' }), 1_764_000_000);
    assert.equal(sample(text, 'streamlr_trainer_snapshot_bytes', { model: 'ctr', part: 'checkpoint' }), 8000);
    assert.equal(sample(text, 'streamlr_trainer_learning_rate', { model: 'ctr' }), 0.05);
    assert.equal(sample(text, 'streamlr_trainer_dlq_total', { model: 'ctr', reason: 'label_not_binary' }), 1);
    assert.equal(sample(text, 'streamlr_trainer_paused', { model: 'ctr' }), 0);
    assert.equal(sample(text, 'streamlr_trainer_skipped_messages_total', { model: 'ctr' }), 0);
  });

  it('tallies reach the counter on every scrape and on flush, exactly', async () => {
    const registry = new Registry();
    const m = createTrainerMetrics(registry).forModel('hot');
    for (let i = 0; i < 10_000; i++) m.samples.add();
    assert.equal(sample(await registry.metrics(), 'streamlr_trainer_samples_total', { model: 'hot' }), 10_000);
    m.samples.add(5);
    m.flush();
    const json = await registry.getSingleMetric('streamlr_trainer_samples_total')?.get();
    assert.equal(json?.values[0]?.value, 10_005);
    assert.equal(sample(await registry.metrics(), 'streamlr_trainer_samples_total', { model: 'hot' }), 10_005);
  });

  it('is idempotent per registry and isolated between registries', async () => {
    const registry = new Registry();
    assert.equal(createTrainerMetrics(registry), createTrainerMetrics(registry));
    const other = new Registry();
    createTrainerMetrics(other).forModel('a').samples.add(3);
    assert.equal(sample(await registry.metrics(), 'streamlr_trainer_samples_total', { model: 'a' }), undefined);
    assert.equal(sample(await other.metrics(), 'streamlr_trainer_samples_total', { model: 'a' }), 3);
  });
});

describe('scorer metrics', () => {
  it('defines the DESIGN section 9 names and computes model age at scrape time', async () => {
    const registry = new Registry();
    let now = 1_764_000_100_000;
    const metrics = createScorerMetrics(registry, { now: () => now });
    const m = metrics.forModel('ctr');
    m.event('scored').add(3);
    m.event('invalid').add();
    m.observeLatency(0.00007);
    m.observeLatency(0.0003);
    for (const p of [0.02, 0.5, 0.97]) m.observeScore(p);
    m.setEvaluation({ logloss: 0.5, accuracy: 0.75 });
    m.modelLoaded({ version: 12, createdAtMs: 1_764_000_000_000, nonzero: 10, slots: 100, trigger: 'start' });
    m.reloadFailed('corrupt');

    let text = await registry.metrics();
    for (const [name, type] of DESIGN_SCORER) {
      assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), name);
    }
    assert.equal(sample(text, 'streamlr_scorer_events_total', { model: 'ctr', outcome: 'scored' }), 3);
    assert.equal(sample(text, 'streamlr_scorer_latency_seconds_bucket', { model: 'ctr', le: '0.0001' }), 1);
    assert.equal(sample(text, 'streamlr_scorer_latency_seconds_bucket', { model: 'ctr', le: '0.0005' }), 2);
    assert.equal(sample(text, 'streamlr_scorer_score_bucket', { model: 'ctr', le: '0.05' }), 1);
    assert.equal(sample(text, 'streamlr_scorer_score_bucket', { model: 'ctr', le: '0.5' }), 2);
    assert.equal(sample(text, 'streamlr_scorer_score_count', { model: 'ctr' }), 3);
    assert.equal(sample(text, 'streamlr_scorer_model_version', { model: 'ctr' }), 12);
    assert.equal(sample(text, 'streamlr_scorer_model_age_seconds', { model: 'ctr' }), 100);
    assert.equal(sample(text, 'streamlr_model_sparsity_ratio', { model: 'ctr', role: 'scorer' }), 0.9);
    assert.equal(sample(text, 'streamlr_scorer_reload_failures_total', { model: 'ctr', reason: 'corrupt' }), 1);
    assert.equal(sample(text, 'streamlr_scorer_reloads_total', { model: 'ctr', trigger: 'start' }), 1);
    now += 30_000;
    text = await registry.metrics();
    assert.equal(sample(text, 'streamlr_scorer_model_age_seconds', { model: 'ctr' }), 130);
    assert.equal(SCORE_BUCKETS.length, 20);
    assert.equal(SCORE_BUCKETS.at(-1), 1);
  });

  it('shares the model weight gauges with the trainer in one registry (one-process demo)', async () => {
    const registry = new Registry();
    createTrainerMetrics(registry).forModel('ctr').setWeights(5, 10);
    createScorerMetrics(registry).forModel('ctr').modelLoaded({ version: 1, createdAtMs: Date.now(), nonzero: 4, slots: 10, trigger: 'start' });
    const text = await registry.metrics();
    assert.equal(sample(text, 'streamlr_model_nonzero_weights', { model: 'ctr', role: 'trainer' }), 5);
    assert.equal(sample(text, 'streamlr_model_nonzero_weights', { model: 'ctr', role: 'scorer' }), 4);
  });
});

describe('process metrics', () => {
  it('are opt-in and idempotent', async () => {
    const registry = new Registry();
    createTrainerMetrics(registry);
    assert.doesNotMatch(await registry.metrics(), /process_cpu_user_seconds_total/);
    enableProcessMetrics(registry);
    enableProcessMetrics(registry);
    assert.match(await registry.metrics(), /process_cpu_user_seconds_total/);
  });
});
