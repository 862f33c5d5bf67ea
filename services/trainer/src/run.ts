import { makeSchedule, type LogisticRegression } from '@streamlr/model';
import type { Logger } from '@streamlr/metrics';
import { decodeLimits } from '@streamlr/protocol';
import { RedisModelStore } from '@streamlr/store';
import {
  CountingLearner,
  LEARNER_SETTINGS,
  LogisticLearner,
  SettingsError,
  TrainingPipeline,
  flagName,
  learnerOptionsFrom,
  parseSettings,
  redisConnection,
  type StreamLearner,
} from '@streamlr/stream';
import { faultHooks, withCrashPoint, withSlowLearning, type FaultHooks } from './fault-hooks.js';
import { PARTITIONED_ONLY, runPartitionedTrainer } from './run-partitioned.js';
import {
  deadLetterSink,
  defaultLogger,
  kafkaTransport,
  serveUntilStopped,
  commonEvents,
  trainerRegistry,
  type TrainerSettings,
} from './service.js';
import { TRAINER_SERVICE_SETTINGS as TRAINER_SETTINGS } from './settings.js';

export interface RunTrainerOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Resolves when the service should stop (default: SIGTERM or SIGINT). */
  readonly stopSignal?: Promise<unknown>;
  readonly log?: Logger;
}

export { TRAINER_EXIT } from './service.js';

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
  const log = options.log ?? defaultLogger(values.logLevel);
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
  values: TrainerSettings,
  learner: StreamLearner<unknown>,
  log: Logger,
  stopSignal: Promise<unknown>,
  hooks: FaultHooks,
): Promise<number> {
  const model = values.model;
  const groupId = values.group ?? `streamlr-trainer-${model}`;
  const transport = kafkaTransport(values, log);
  const redisStore = new RedisModelStore({ ...redisConnection(values), keep: values.keep });
  const store = withCrashPoint(redisStore, hooks);
  const { registry, metrics } = trainerRegistry(model);
  const producer = transport.producer();
  const refreshGauges = (): void => {
    const p = learner.progressive();
    metrics.setProgressive(p);
    const w = learner.weights();
    metrics.setWeights(w.nonzero, w.slots);
    if (learner instanceof LogisticLearner) metrics.setLearningRate(baseLearningRate(learner.learner));
  };
  const pipeline = new TrainingPipeline(
    {
      learner: withSlowLearning(learner, hooks),
      consumer: transport.consumer({ groupId, sessionTimeoutMs: values.sessionTimeout }),
      admin: transport.admin(),
      store,
      deadLetters: deadLetterSink(producer, log),
      events: {
        ...commonEvents(metrics, log, model, 'snapshot publish'),
        snapshotPublished: (meta, seconds) => {
          metrics.setPaused(false);
          metrics.snapshotPublished({ version: meta.version, durationSeconds: seconds, checkpointBytes: 0, servingBytes: 0 });
          refreshGauges();
          log.info('snapshot published', { model, version: meta.version, samplesSeen: meta.samplesSeen, offsets: meta.offsets, seconds });
        },
      },
    },
    {
      model,
      topics: values.topic,
      groupId,
      reset: values.reset,
      schedule: { every: values.snapshotEvery, intervalMs: values.snapshotInterval * 1000 },
      extra: { learner: values.learner },
    },
  );
  if (hooks.crashAt !== null || hooks.slowMs > 0) log.warn('fault-suite test hooks are on', { ...hooks });
  return serveUntilStopped({
    values,
    log,
    registry,
    producer,
    stopSignal,
    pipeline,
    modelReady: () => pipeline.version > 0 || learner.samplesSeen === 0,
    refreshGauges,
    starting: {},
    running: () => ({ position: pipeline.position }),
    stopped: () => ({ position: pipeline.position, samplesSeen: learner.samplesSeen }),
    stopFailure: 'final snapshot failed',
    closeStores: () => store.close(),
  });
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

