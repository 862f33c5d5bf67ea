/**
 * The wiring both trainers share, the single one (run.ts) and a --partitioned replica
 * (run-partitioned.ts): the Kafka transport with its logs, the metrics registry, the dead-letter
 * sink, the per-step progress counters, and the run-until-stopped lifecycle with its exit codes.
 */
import { createLogger, createTrainerMetrics, enableProcessMetrics, Registry, startHttpServer, type Logger } from '@streamlr/metrics';
import { DECODE_REASONS } from '@streamlr/protocol';
import { StoreUnavailableError } from '@streamlr/store';
import {
  DeadLetterSink,
  FencedError,
  KafkaTransport,
  OffsetOutOfRangeError,
  kafkaOptions,
  redactSettings,
  type Settings,
  type StreamProducer,
  type TrainingEvents,
} from '@streamlr/stream';
import { TRAINER_SERVICE_SETTINGS as TRAINER_SETTINGS } from './settings.js';

export type TrainerSettings = Settings<typeof TRAINER_SETTINGS>;

/** Exit codes: 0 clean stop, 1 failure, 2 bad settings, 3 fenced by a newer trainer, 4 offsets gone. */
export const TRAINER_EXIT = { ok: 0, failed: 1, settings: 2, fenced: 3, offsets: 4 } as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof FencedError) return TRAINER_EXIT.fenced;
  if (error instanceof OffsetOutOfRangeError) return TRAINER_EXIT.offsets;
  return TRAINER_EXIT.failed;
}

export function defaultLogger(level: string): Logger {
  return createLogger({ service: 'trainer', level: level as 'info' });
}

/** kafkajs through our transport; its warnings and errors become the service's log lines. */
export function kafkaTransport(values: TrainerSettings, log: Logger): KafkaTransport {
  return new KafkaTransport({
    ...kafkaOptions(values),
    log: (level, message, fields) => (level === 'error' || level === 'warn' ? log[level](`kafka: ${message}`, fields) : undefined),
  });
}

/** A registry with the Node process metrics and the trainer's, every refusal reason at 0 for `model`. */
export function trainerRegistry(model: string): { registry: Registry; metrics: ReturnType<ReturnType<typeof createTrainerMetrics>['forModel']> } {
  const registry = new Registry();
  enableProcessMetrics(registry);
  const trainerMetrics = createTrainerMetrics(registry);
  // Every refusal reason starts at 0, so rate() sees a reason's first burst too.
  for (const reason of DECODE_REASONS) {
    trainerMetrics.invalidSamples.inc({ model, reason }, 0);
    trainerMetrics.dlq.inc({ model, reason }, 0);
  }
  return { registry, metrics: trainerMetrics.forModel(model) };
}

export type ModelMetrics = ReturnType<typeof trainerRegistry>['metrics'];

export function deadLetterSink(producer: StreamProducer, log: Logger): DeadLetterSink {
  return new DeadLetterSink(producer, {
    service: 'trainer',
    onRetry: (error, attempt) => log.warn('dead-letter send failed, retrying', { error: String(error), attempt }),
  });
}

/**
 * The events both pipelines report alike: per step, the counters (learned, skipped, refused by
 * reason into the DLQ) and the lag gauge; a failed store write (training pauses until the store is
 * back; `failed` names what failed in the log line); operator warnings and rebalances.
 */
export function commonEvents(
  metrics: ModelMetrics,
  log: Logger,
  model: string,
  failed: string,
): Required<Pick<TrainingEvents, 'progress' | 'lag' | 'snapshotFailed' | 'warn' | 'info'>> {
  return {
    progress: (learned, refused, skipped) => {
      metrics.samples.add(learned);
      metrics.skipped.add(skipped);
      for (const [reason, n] of refused) {
        metrics.invalid(reason).add(n);
        metrics.dlq(reason).add(n);
      }
    },
    lag: (topic, partition, lag) => metrics.setConsumerLag(topic, partition, lag),
    snapshotFailed: (error, attempt) => {
      metrics.setPaused(true);
      metrics.snapshotFailed(error instanceof StoreUnavailableError ? 'unavailable' : 'error');
      log.warn(`${failed} failed: training paused until the store is back`, { model, attempt, error: String(error) });
    },
    warn: (message, fields) => {
      if (message.startsWith('the group committed past')) metrics.offsetAnomaly('snapshot_backwards');
      log.warn(message, fields);
    },
    info: (message, fields) => {
      if (message === 'assigned') metrics.rebalance();
      log.info(message, fields);
    },
  };
}

/** What `serveUntilStopped` runs. */
export interface TrainerService {
  readonly values: TrainerSettings;
  readonly log: Logger;
  readonly registry: Registry;
  readonly producer: StreamProducer;
  readonly stopSignal: Promise<unknown>;
  readonly pipeline: {
    readonly state: string;
    readonly partitions: readonly unknown[];
    readonly version: number;
    readonly finished: Promise<unknown>;
    start(): Promise<void>;
    stop(): Promise<void>;
  };
  /** /readyz's "model" check. */
  modelReady(): boolean;
  /** Refreshes the model gauges (every 5 s). */
  refreshGauges(): void;
  /** Extra fields of the "trainer starting", "running" and "stopped" log lines. */
  starting: Record<string, unknown>;
  running(): Record<string, unknown>;
  stopped(): Record<string, unknown>;
  /** The log line when the final snapshot (or merge) fails. */
  readonly stopFailure: string;
  /** Closes the stores after the pipeline stopped. */
  closeStores(): Promise<unknown>;
}

/**
 * Serves /metrics /healthz /readyz, starts the pipeline, runs until the stop signal or the end of
 * the input, then stops it (final snapshot) and closes everything. Returns the exit code.
 */
export async function serveUntilStopped(service: TrainerService): Promise<number> {
  const { values, log, pipeline, producer } = service;
  const model = values.model;
  const http = await startHttpServer({
    port: values.port,
    host: values.host,
    registry: service.registry,
    readiness: () => ({
      running: { ok: pipeline.state === 'running', detail: pipeline.state },
      assigned: { ok: pipeline.partitions.length > 0, detail: `${pipeline.partitions.length} partitions` },
      model: { ok: service.modelReady(), detail: `version ${pipeline.version}` },
    }),
    onError: (error, request) => log.error('http handler failed', { error: String(error), ...request }),
  });
  const gauges = setInterval(() => service.refreshGauges(), 5_000);
  gauges.unref();
  log.info('trainer starting', {
    settings: redactSettings(TRAINER_SETTINGS, values),
    model,
    topics: values.topic,
    groupId: values.group ?? `streamlr-trainer-${model}`,
    http: http.url,
    learner: values.learner,
    ...service.starting,
  });
  let code: number = TRAINER_EXIT.ok;
  try {
    await producer.connect();
    await pipeline.start();
    log.info('trainer running', { model, version: pipeline.version, ...service.running() });
    const reason = await Promise.race([service.stopSignal.then((s) => ({ stop: s })), pipeline.finished.then(() => ({ stop: 'finished' }))]);
    log.info('trainer stopping', { reason: reason.stop });
  } catch (error) {
    code = exitCodeFor(error);
    log.error('trainer failed', { model, error: error instanceof Error ? error.message : String(error) });
  } finally {
    clearInterval(gauges);
    try {
      await pipeline.stop();
      log.info('trainer stopped', { model, version: pipeline.version, ...service.stopped() });
    } catch (error) {
      if (code === TRAINER_EXIT.ok) code = exitCodeFor(error);
      log.error(service.stopFailure, { model, error: error instanceof Error ? error.message : String(error) });
    }
    await producer.disconnect().catch(() => undefined);
    await service.closeStores().catch(() => undefined);
    await http.close().catch(() => undefined);
  }
  return code;
}
