import { createLogger, createTrainerMetrics, enableProcessMetrics, Registry, startHttpServer, type Logger } from '@streamlr/metrics';
import { RedisModelStore, StoreUnavailableError } from '@streamlr/store';
import {
  CountingLearner,
  DeadLetterSink,
  FencedError,
  KafkaTransport,
  OffsetOutOfRangeError,
  TrainingPipeline,
  kafkaOptions,
  parseSettings,
  redisConnection,
  redactSettings,
  type SettingSpecs,
  type Settings,
  type StreamLearner,
} from '@streamlr/stream';
import { TRAINER_SERVICE_SETTINGS } from './settings.js';

/** Builds the learner the trainer trains (its hyperparameters come from the same argv). */
export type LearnerFactory = (argv: readonly string[], env: Readonly<Record<string, string | undefined>>) => {
  readonly learner: StreamLearner<unknown>;
  readonly settings: SettingSpecs;
  readonly describe: Record<string, unknown>;
};

export interface RunTrainerOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Learner kinds beyond `counting` (logistic regression is wired by the CLI). */
  readonly learners?: Readonly<Record<string, LearnerFactory>>;
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

/** Splits argv into the trainer's own flags and the learner's. */
function ownArgs(argv: readonly string[], specs: SettingSpecs): { own: string[]; rest: string[] } {
  const names = new Set(Object.keys(specs).map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`));
  const booleans = new Set(
    Object.entries(specs)
      .filter(([, s]) => s.type === 'boolean')
      .map(([k]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`),
  );
  const own: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const flag = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    const target = names.has(flag) ? own : rest;
    target.push(arg);
    if (!arg.includes('=') && !booleans.has(flag) && arg.startsWith('--') && i + 1 < argv.length) target.push(argv[++i]!);
  }
  return { own, rest };
}

/**
 * The trainer service: Kafka → decode → learn → Redis snapshots, with /metrics /healthz /readyz.
 * Only wiring lives here; the pipeline is @streamlr/stream's TrainingPipeline.
 */
export async function runTrainer(argv: readonly string[], options: RunTrainerOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const { own, rest } = ownArgs(argv, TRAINER_SERVICE_SETTINGS);
  const { values } = parseSettings(TRAINER_SERVICE_SETTINGS, own, env);
  const log = options.log ?? createLogger({ service: 'trainer', level: values.logLevel as 'info' });
  const factories: Record<string, LearnerFactory> = {
    counting: (args) => {
      if (args.length > 0) throw new Error(`unknown option '${args[0]}' for the counting learner`);
      return { learner: new CountingLearner() as StreamLearner<unknown>, settings: {}, describe: { learner: 'counting' } };
    },
    ...options.learners,
  };
  const factory = factories[values.learner];
  if (factory === undefined) throw new Error(`--learner (STREAMLR_LEARNER): '${values.learner}' is not available here`);
  const built = factory(rest, env);
  return serve(values, built, log, options.stopSignal ?? signals());
}

async function serve(
  values: Settings<typeof TRAINER_SERVICE_SETTINGS>,
  built: ReturnType<LearnerFactory>,
  log: Logger,
  stopSignal: Promise<unknown>,
): Promise<number> {
  const model = values.model;
  const groupId = values.group ?? `streamlr-trainer-${model}`;
  const transport = new KafkaTransport({
    ...kafkaOptions(values),
    log: (level, message, fields) => (level === 'error' || level === 'warn' ? log[level](`kafka: ${message}`, fields) : undefined),
  });
  const redis = redisConnection(values);
  const store = new RedisModelStore({ ...redis, keep: values.keep });
  const registry = new Registry();
  enableProcessMetrics(registry);
  const metrics = createTrainerMetrics(registry).forModel(model);
  const producer = transport.producer();
  const deadLetters = new DeadLetterSink(producer, {
    service: 'trainer',
    onRetry: (error, attempt) => log.warn('dead-letter send failed, retrying', { error: String(error), attempt }),
  });
  const { learner } = built;
  const refreshModelGauges = (): void => {
    const p = learner.progressive();
    metrics.setProgressive(p);
    const w = learner.weights();
    metrics.setWeights(w.nonzero, w.slots);
  };
  const pipeline = new TrainingPipeline(
    { learner, consumer: transport.consumer({ groupId, sessionTimeoutMs: values.sessionTimeout }), admin: transport.admin(), store, deadLetters, events: {
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
      extra: built.describe,
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
  log.info('trainer starting', { settings: redactSettings(TRAINER_SERVICE_SETTINGS, values), model, topics: values.topic, groupId, http: http.url, learner: built.describe });
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

function exitCodeFor(error: unknown): number {
  if (error instanceof FencedError) return TRAINER_EXIT.fenced;
  if (error instanceof OffsetOutOfRangeError) return TRAINER_EXIT.offsets;
  return TRAINER_EXIT.failed;
}
