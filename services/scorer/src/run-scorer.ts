import { createLogger, enableProcessMetrics, Registry, type Logger } from '@streamlr/metrics';
import { decodeLimits } from '@streamlr/protocol';
import { RedisModelStore, redactRedisUrl, type ModelStore } from '@streamlr/store';
import {
  KafkaTransport,
  kafkaOptions,
  parseSettings,
  redactSettings,
  redisConnection,
  SettingsError,
  type Settings,
  type Transport,
} from '@streamlr/stream';
import { decodeServingModel } from './model-adapter.js';
import type { ServingDecoder } from './loaded-model.js';
import { Scorer, type ScorerOptions } from './scorer.js';
import { SCORER_SETTINGS } from './settings.js';

/** Seams for tests and the one-process demo; the command line uses the defaults. */
export interface RunScorerHooks {
  /** Stops the scorer like SIGTERM does. */
  readonly signal?: AbortSignal;
  /** Where JSON log lines and error lines go; default process.stdout / process.stderr. */
  readonly stdout?: { write(line: string): unknown };
  readonly stderr?: { write(line: string): unknown };
  /** Default: Redis from the settings. */
  readonly store?: ModelStore;
  /** Default: Kafka from the settings. */
  readonly transport?: Transport;
  /** Default: @streamlr/model's serving decoder. */
  readonly decode?: ServingDecoder;
  readonly registry?: Registry;
  /** Called once the scorer is up (HTTP listening, first look-up done). */
  readonly onStarted?: (scorer: Scorer) => void;
}

/** Settings → the Scorer's options (pure, so the mapping is testable). */
export function scorerOptions(values: Settings<typeof SCORER_SETTINGS>): ScorerOptions {
  const expect = {
    ...(values.featureBits === undefined ? {} : { bits: values.featureBits }),
    ...(values.featureSeed === undefined ? {} : { seed: values.featureSeed }),
  };
  return {
    model: values.model,
    version: values.version,
    threshold: values.threshold,
    pollIntervalMs: values.pollInterval * 1000,
    ...(Object.keys(expect).length === 0 ? {} : { expectFeatureSpace: expect }),
    evalWindow: values.evalWindow,
    limits: decodeLimits({ maxBytes: values.maxMessageBytes, maxFeatures: values.maxFeatures }),
    http: { port: values.port, host: values.host, maxEvents: values.maxEvents, maxBodyBytes: values.maxBodyBytes, token: values.token },
    kafka: values.httpOnly
      ? null
      : {
          eventsTopic: values.eventsTopic,
          scoresTopic: values.scoresTopic,
          groupId: values.group ?? `streamlr-scorer-${values.model}`,
          fromBeginning: values.fromBeginning,
        },
  };
}

/**
 * `streamlr scorer`: parses settings (flags, then environment), runs the scorer until SIGTERM or
 * SIGINT (or `hooks.signal`), then stops consuming, finishes the step in flight and closes.
 * Returns the exit code: 0 after a clean stop, 1 when the scorer failed, 2 for bad settings.
 */
export async function runScorer(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  hooks: RunScorerHooks = {},
): Promise<number> {
  const stderr = hooks.stderr ?? process.stderr;
  let values: Settings<typeof SCORER_SETTINGS>;
  let options: ScorerOptions;
  let redis: ReturnType<typeof redisConnection>;
  let transportOptions: ReturnType<typeof kafkaOptions> | null;
  try {
    values = parseSettings(SCORER_SETTINGS, argv, env).values;
    options = scorerOptions(values);
    redis = redisConnection(values);
    transportOptions = values.httpOnly ? null : kafkaOptions(values);
    if (options.kafka !== null && options.kafka.eventsTopic === options.kafka.scoresTopic) {
      throw new SettingsError('--scores-topic (STREAMLR_SCORES_TOPIC): must differ from --events-topic', 'scoresTopic');
    }
  } catch (error) {
    if (error instanceof SettingsError) {
      stderr.write(`streamlr scorer: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const logger: Logger = createLogger({ service: 'scorer', level: values.logLevel as 'info', stream: hooks.stdout ?? process.stdout });
  logger.info('starting', { settings: { ...redactSettings(SCORER_SETTINGS, values), redis: redactRedisUrl(values.redis) } });
  const registry = hooks.registry ?? new Registry();
  if (hooks.registry === undefined) enableProcessMetrics(registry);
  const store =
    hooks.store ??
    new RedisModelStore({
      ...redis,
      clientName: 'streamlr-scorer',
      onConnectionError: rateLimited((error: Error, role: string) => logger.warn('redis connection error', { role, error: error.message })),
    });
  const transport =
    hooks.transport ??
    (transportOptions === null
      ? undefined
      : new KafkaTransport({ ...transportOptions, log: (level, message, fields) => logger[level](`kafka: ${message}`, fields) }));
  const scorer = new Scorer({ store, transport, decode: hooks.decode ?? decodeServingModel, registry, logger }, options);

  let stopReason = '';
  let onSignal: (signal: string) => void = () => undefined;
  const stop = new Promise<void>((resolve) => {
    onSignal = (signal) => {
      stopReason ||= signal;
      resolve();
    };
  });
  const onTerm = (): void => onSignal('SIGTERM');
  const onInt = (): void => onSignal('SIGINT');
  const onAbort = (): void => onSignal('abort');
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  if (hooks.signal?.aborted === true) onAbort();

  let code = 0;
  try {
    await scorer.start();
    hooks.onStarted?.(scorer);
    await Promise.race([stop, scorer.failure]);
    logger.info('stopping', { reason: stopReason });
  } catch (error) {
    logger.error('scorer failed', { error });
    stderr.write(`streamlr scorer: ${error instanceof Error ? error.message : String(error)}\n`);
    code = 1;
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    hooks.signal?.removeEventListener('abort', onAbort);
    await scorer.stop();
    if (hooks.store === undefined) await store.close().catch(() => undefined);
    logger.info('stopped', { code });
  }
  return code;
}

/** At most one call per 10 s: a Redis outage would otherwise log every reconnection attempt. */
function rateLimited<A extends unknown[]>(fn: (...args: A) => void, intervalMs = 10_000): (...args: A) => void {
  let last = 0;
  return (...args) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    fn(...args);
  };
}
