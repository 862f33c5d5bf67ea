import { createTrainerMetrics, enableProcessMetrics, Registry, startHttpServer, type Logger } from '@streamlr/metrics';
import { decodeLimits } from '@streamlr/protocol';
import { RedisModelStore, RedisPartitionStore, StoreUnavailableError } from '@streamlr/store';
import {
  CountingLearner,
  CountingMixer,
  DeadLetterSink,
  KafkaTransport,
  LEARNER_SETTINGS,
  LogisticLearner,
  LogisticMixer,
  PartitionedTrainingPipeline,
  SettingsError,
  kafkaOptions,
  learnerOptionsFrom,
  redactSettings,
  redisConnection,
  type MixingRule,
  type PartitionMixer,
  type Settings,
  type StreamLearner,
} from '@streamlr/stream';
import { TRAINER_SERVICE_SETTINGS as TRAINER_SETTINGS } from './settings.js';

type TrainerSettings = Settings<typeof TRAINER_SETTINGS>;

/** Exit codes as the single trainer's (run.ts). */
const EXIT = { ok: 0, failed: 1, fenced: 3, offsets: 4 } as const;

/** Settings that only mean something with --partitioned. */
export const PARTITIONED_ONLY = ['mixEvery', 'mixInterval', 'mixing'] as const;

/**
 * `streamlr trainer --partitioned`: one replica of a scaled-out trainer (DESIGN §7). Replicas are
 * plain trainer processes sharing one --group, each with its own --port; Kafka assigns the
 * partitions, Redis holds each partition's state and the merged versions scorers read. Only
 * wiring lives here; the pipeline is @streamlr/stream's PartitionedTrainingPipeline.
 */
export async function runPartitionedTrainer(
  values: TrainerSettings,
  given: ReadonlySet<string>,
  log: Logger,
  stopSignal: Promise<unknown>,
): Promise<number> {
  const model = values.model;
  let createLearner: () => StreamLearner<unknown>;
  let mixer: PartitionMixer;
  if (values.learner === 'counting') {
    const learnerFlag = [...Object.keys(LEARNER_SETTINGS), 'mixing'].find((k) => given.has(k));
    if (learnerFlag !== undefined) throw new SettingsError(`--${learnerFlag}: not a setting of the counting learner`, learnerFlag);
    createLearner = () => new CountingLearner() as StreamLearner<unknown>;
    mixer = new CountingMixer();
  } else {
    const options = learnerOptionsFrom(values);
    const limits = decodeLimits({ maxBytes: values.maxMessageBytes, maxFeatures: values.maxFeatures });
    createLearner = () => new LogisticLearner(options, { limits }) as StreamLearner<unknown>;
    try {
      mixer = new LogisticMixer(options, values.mixing === undefined ? {} : { rule: values.mixing as MixingRule });
    } catch (error) {
      throw new SettingsError(`--${error instanceof Error ? error.message : String(error)}`, 'mixing');
    }
  }
  if (values.mixEvery === 0 && values.mixInterval === 0) throw new SettingsError('--mix-every/--mix-interval: at least one must be > 0', 'mixEvery');

  const groupId = values.group ?? `streamlr-trainer-${model}`;
  const transport = new KafkaTransport({
    ...kafkaOptions(values),
    log: (level, message, fields) => (level === 'error' || level === 'warn' ? log[level](`kafka: ${message}`, fields) : undefined),
  });
  const redis = redisConnection(values);
  const store = new RedisModelStore({ ...redis, keep: values.keep });
  const states = new RedisPartitionStore({ ...redis });
  const registry = new Registry();
  enableProcessMetrics(registry);
  const metrics = createTrainerMetrics(registry).forModel(model);
  const producer = transport.producer();
  const deadLetters = new DeadLetterSink(producer, {
    service: 'trainer',
    onRetry: (error, attempt) => log.warn('dead-letter send failed, retrying', { error: String(error), attempt }),
  });
  let pipeline: PartitionedTrainingPipeline<unknown> | null = null;
  const refreshModelGauges = (): void => {
    if (pipeline === null) return;
    metrics.setProgressive(pipeline.progressive());
    const w = pipeline.weights();
    metrics.setWeights(w.nonzero, w.slots);
  };
  pipeline = new PartitionedTrainingPipeline(
    {
      createLearner,
      mixer,
      consumer: transport.consumer({ groupId, sessionTimeoutMs: values.sessionTimeout }),
      admin: transport.admin(),
      store,
      states,
      deadLetters,
      events: {
        progress: (learned, refused, skipped) => {
          metrics.samples.add(learned);
          metrics.skipped.add(skipped);
          for (const [reason, n] of refused) {
            metrics.invalid(reason).add(n);
            metrics.dlq(reason).add(n);
          }
        },
        lag: (topic, partition, lag) => metrics.setConsumerLag(topic, partition, lag),
        statesWritten: (count, seconds) => {
          metrics.setPaused(false);
          log.debug('partition states written', { model, count, seconds });
        },
        snapshotPublished: (meta, seconds) => {
          metrics.snapshotPublished({ version: meta.version, durationSeconds: seconds, checkpointBytes: 0, servingBytes: 0 });
          log.info('snapshot published', { model, version: meta.version, samplesSeen: meta.samplesSeen, offsets: meta.offsets, seconds });
        },
        rebased: (version, replayed) => {
          if (version !== null) metrics.snapshotPublished({ version, durationSeconds: 0, checkpointBytes: 0, servingBytes: 0 });
          refreshModelGauges();
          log.info('rebased', { model, version, replayed });
        },
        snapshotFailed: (error, attempt) => {
          metrics.setPaused(true);
          metrics.snapshotFailed(error instanceof StoreUnavailableError ? 'unavailable' : 'error');
          log.warn('state write or merge failed: training paused until the store is back', { model, attempt, error: String(error) });
        },
        warn: (message, fields) => log.warn(message, fields),
        info: (message, fields) => {
          if (message === 'assigned') metrics.rebalance();
          log.info(message, fields);
        },
      },
    },
    {
      model,
      topics: values.topic,
      groupId,
      reset: values.reset,
      schedule: { every: values.snapshotEvery, intervalMs: values.snapshotInterval * 1000 },
      mixing: { every: values.mixEvery, intervalMs: values.mixInterval * 1000 },
      extra: { learner: values.learner, partitioned: true },
    },
  );
  const running = pipeline;
  const http = await startHttpServer({
    port: values.port,
    host: values.host,
    registry,
    readiness: () => ({
      running: { ok: running.state === 'running', detail: running.state },
      assigned: { ok: running.partitions.length > 0, detail: `${running.partitions.length} partitions` },
      model: { ok: true, detail: `version ${running.version}` },
    }),
    onError: (error, request) => log.error('http handler failed', { error: String(error), ...request }),
  });
  const gauges = setInterval(refreshModelGauges, 5_000);
  gauges.unref();
  log.info('trainer starting', {
    settings: redactSettings(TRAINER_SETTINGS, values),
    model,
    topics: values.topic,
    groupId,
    http: http.url,
    learner: values.learner,
    partitioned: true,
    replica: running.replica,
  });
  let code: number = EXIT.ok;
  try {
    await producer.connect();
    await running.start();
    log.info('trainer running', { model, version: running.version, replica: running.replica });
    const reason = await Promise.race([stopSignal.then((s) => ({ stop: s })), running.finished.then(() => ({ stop: 'finished' }))]);
    log.info('trainer stopping', { reason: reason.stop });
  } catch (error) {
    code = exitCodeFor(error);
    log.error('trainer failed', { model, error: error instanceof Error ? error.message : String(error) });
  } finally {
    clearInterval(gauges);
    try {
      await running.stop();
      log.info('trainer stopped', { model, version: running.version, position: running.position });
    } catch (error) {
      if (code === EXIT.ok) code = exitCodeFor(error);
      log.error('final merge failed', { model, error: error instanceof Error ? error.message : String(error) });
    }
    await producer.disconnect().catch(() => undefined);
    await Promise.all([store.close(), states.close()]).catch(() => undefined);
    await http.close().catch(() => undefined);
  }
  return code;
}

function exitCodeFor(error: unknown): number {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'FencedError') return EXIT.fenced;
  if (name === 'OffsetOutOfRangeError') return EXIT.offsets;
  return EXIT.failed;
}
