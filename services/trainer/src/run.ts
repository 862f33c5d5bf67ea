import { makeSchedule, type LogisticRegression } from '@streamlr/model';
import { createLogger, createTrainerMetrics, enableProcessMetrics, Registry, startHttpServer, type Logger } from '@streamlr/metrics';
import { DECODE_REASONS, decodeLimits } from '@streamlr/protocol';
import { RedisModelStore, StoreUnavailableError } from '@streamlr/store';
import {
  CountingLearner,
  LEARNER_SETTINGS,
  LogisticLearner,
  SettingsError,
  learnerOptionsFrom,
  DeadLetterSink,
  FencedError,
  KafkaTransport,
  OffsetOutOfRangeError,
  TrainingPipeline,
  kafkaOptions,
  flagName,
  parseSettings,
  redisConnection,
  redactSettings,
  type Settings,
  type StreamLearner,
} from '@streamlr/stream';
import { faultHooks, withCrashPoint, withSlowLearning, type FaultHooks } from './fault-hooks.js';
import { PARTITIONED_ONLY, runPartitionedTrainer } from './run-partitioned.js';
import { TRAINER_SERVICE_SETTINGS as TRAINER_SETTINGS } from './settings.js';

export interface RunTrainerOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Resolves when the service should stop (default: SIGTERM or SIGINT). */
  readonly stopSignal?: Promise<unknown>;
  readonly log?: Logger;
}

/** Exit codes: 0 clean stop, 1 failure, 2 bad settings, 3 fenced by a newer trainer, 4 offsets gone. */
export const TRAINER_EXIT = { ok: 0, failed: 1, settings: 2, fenced: 3, offsets: 4 } as const;

function signals(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

/**
 * The trainer service: Kafka → decode → learn → Redis snapshots, with /metrics /healthz /readyz.
 * Only wiring lives here; the pipeline is @streamlr/stream's TrainingPipeline.
 */
export async function runTrainer(argv: readonly string[], options: RunTrainerOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const { values, given } = parseSettings(TRAINER_SETTINGS, argv, env);
  const log = options.log ?? createLogger({ service: 'trainer', level: values.logLevel as 'info' });
  if (values.partitioned) return runPartitionedTrainer(values, given, log, options.stopSignal ?? signals());
  const partitionedFlag = PARTITIONED_ONLY.find((k) => given.has(k));
  if (partitionedFlag !== undefined) throw new SettingsError(`--${flagName(partitionedFlag)}: only with --partitioned`, partitionedFlag);
  let learner: StreamLearner<unknown>;
  if (values.learner === 'counting') {
    const learnerFlag = Object.keys(LEARNER_SETTINGS).find((k) => given.has(k as keyof typeof TRAINER_SETTINGS & string));
    if (learnerFlag !== undefined) throw new SettingsError(`--${learnerFlag}: not a setting of the counting learner`, learnerFlag);
    learner = new CountingLearner() as StreamLearner<unknown>;
  } else {
    const limits = decodeLimits({ maxBytes: values.maxMessageBytes, maxFeatures: values.maxFeatures });
    learner = new LogisticLearner(learnerOptionsFrom(values), { limits }) as StreamLearner<unknown>;
  }
  return serve(values, learner, log, options.stopSignal ?? signals(), faultHooks(env));
}

async function serve(
  values: Settings<typeof TRAINER_SETTINGS>,
  learner: StreamLearner<unknown>,
  log: Logger,
  stopSignal: Promise<unknown>,
  hooks: FaultHooks,
): Promise<number> {
  const model = values.model;
  const groupId = values.group ?? `streamlr-trainer-${model}`;
  const transport = new KafkaTransport({
    ...kafkaOptions(values),
    log: (level, message, fields) => (level === 'error' || level === 'warn' ? log[level](`kafka: ${message}`, fields) : undefined),
  });
  const redis = redisConnection(values);
  const redisStore = new RedisModelStore({ ...redis, keep: values.keep });
  const store = withCrashPoint(redisStore, hooks);
  const registry = new Registry();
  enableProcessMetrics(registry);
  const trainerMetrics = createTrainerMetrics(registry);
  const metrics = trainerMetrics.forModel(model);
  // Every refusal reason starts at 0, so rate() sees a reason's first burst too.
  for (const reason of DECODE_REASONS) {
    trainerMetrics.invalidSamples.inc({ model, reason }, 0);
    trainerMetrics.dlq.inc({ model, reason }, 0);
  }
  const producer = transport.producer();
  const deadLetters = new DeadLetterSink(producer, {
    service: 'trainer',
    onRetry: (error, attempt) => log.warn('dead-letter send failed, retrying', { error: String(error), attempt }),
  });
  const refreshModelGauges = (): void => {
    const p = learner.progressive();
    metrics.setProgressive(p);
    const w = learner.weights();
    metrics.setWeights(w.nonzero, w.slots);
    if (learner instanceof LogisticLearner) metrics.setLearningRate(baseLearningRate(learner.learner));
  };
  const pipeline = new TrainingPipeline(
    { learner: withSlowLearning(learner, hooks), consumer: transport.consumer({ groupId, sessionTimeoutMs: values.sessionTimeout }), admin: transport.admin(), store, deadLetters, events: {
      progress: (learned, refused, skipped) => {
        metrics.samples.add(learned);
        metrics.skipped.add(skipped);
        for (const [reason, n] of refused) {
          metrics.invalid(reason).add(n);
          metrics.dlq(reason).add(n);
        }
      },
      lag: (topic, partition, lag) => metrics.setConsumerLag(topic, partition, lag),
      snapshotPublished: (meta, seconds) => {
        metrics.setPaused(false);
        metrics.snapshotPublished({ version: meta.version, durationSeconds: seconds, checkpointBytes: 0, servingBytes: 0 });
        refreshModelGauges();
        log.info('snapshot published', { model, version: meta.version, samplesSeen: meta.samplesSeen, offsets: meta.offsets, seconds });
      },
      snapshotFailed: (error, attempt) => {
        metrics.setPaused(true);
        metrics.snapshotFailed(error instanceof StoreUnavailableError ? 'unavailable' : 'error');
        log.warn('snapshot publish failed: training paused until the store is back', { model, attempt, error: String(error) });
      },
      warn: (message, fields) => {
        if (message.startsWith('the group committed past')) metrics.offsetAnomaly('snapshot_backwards');
        log.warn(message, fields);
      },
      info: (message, fields) => {
        if (message === 'assigned') metrics.rebalance();
        log.info(message, fields);
      },
    } },
    {
      model,
      topics: values.topic,
      groupId,
      reset: values.reset,
      schedule: { every: values.snapshotEvery, intervalMs: values.snapshotInterval * 1000 },
      extra: { learner: values.learner },
    },
  );
  const http = await startHttpServer({
    port: values.port,
    host: values.host,
    registry,
    readiness: () => ({
      running: { ok: pipeline.state === 'running', detail: pipeline.state },
      assigned: { ok: pipeline.partitions.length > 0, detail: `${pipeline.partitions.length} partitions` },
      model: { ok: pipeline.version > 0 || learner.samplesSeen === 0, detail: `version ${pipeline.version}` },
    }),
    onError: (error, request) => log.error('http handler failed', { error: String(error), ...request }),
  });
  const gauges = setInterval(refreshModelGauges, 5_000);
  gauges.unref();
  log.info('trainer starting', { settings: redactSettings(TRAINER_SETTINGS, values), model, topics: values.topic, groupId, http: http.url, learner: values.learner });
  if (hooks.crashAt !== null || hooks.slowMs > 0) log.warn('fault-suite test hooks are on', { ...hooks });
  let code: number = TRAINER_EXIT.ok;
  try {
    await producer.connect();
    await pipeline.start();
    log.info('trainer running', { model, version: pipeline.version, position: pipeline.position });
    const reason = await Promise.race([stopSignal.then((s) => ({ stop: s })), pipeline.finished.then(() => ({ stop: 'finished' }))]);
    log.info('trainer stopping', { reason: reason.stop });
  } catch (error) {
    code = exitCodeFor(error);
    log.error('trainer failed', { model, error: error instanceof Error ? error.message : String(error) });
  } finally {
    clearInterval(gauges);
    try {
      await pipeline.stop();
      log.info('trainer stopped', { model, version: pipeline.version, position: pipeline.position, samplesSeen: learner.samplesSeen });
    } catch (error) {
      if (code === TRAINER_EXIT.ok) code = exitCodeFor(error);
      log.error('final snapshot failed', { model, error: error instanceof Error ? error.message : String(error) });
    }
    await producer.disconnect().catch(() => undefined);
    await store.close().catch(() => undefined);
    await http.close().catch(() => undefined);
  }
  return code;
}

/**
 * η of the optimizer's next step, for streamlr_trainer_learning_rate: the sgd/adagrad schedule at
 * that step (AdaGrad divides it per coordinate by √G), or FTRL's α, from which its per-coordinate
 * rates α/(β+√n) derive (McMahan et al. 2013).
 */
function baseLearningRate(model: LogisticRegression): number {
  const optimizer = model.options.optimizer;
  return optimizer.name === 'ftrl' ? optimizer.learningRate : makeSchedule(optimizer.learningRate).rate(model.steps + 1);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof FencedError) return TRAINER_EXIT.fenced;
  if (error instanceof OffsetOutOfRangeError) return TRAINER_EXIT.offsets;
  return TRAINER_EXIT.failed;
}
