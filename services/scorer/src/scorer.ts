import { createScorerMetrics, startHttpServer, type HttpServerHandle, type Logger, type Registry } from '@streamlr/metrics';
import { ProgressiveMetrics } from '@streamlr/model';
import type { DecodeLimits } from '@streamlr/protocol';
import type { ModelStore } from '@streamlr/store';
import { DeadLetterSink, type Transport } from '@streamlr/stream';
import { BearerToken } from './bearer-token.js';
import type { ModelLoadError } from './errors.js';
import type { FeatureSpace, LoadedModel, ServingDecoder } from './loaded-model.js';
import { ScoreObserver } from './score-observer.js';
import { scoreRoute } from './score-route.js';
import { ServedModel, type ReloadTrigger } from './served-model.js';
import { ScoringPipeline } from './scoring-pipeline.js';

export interface ScorerKafkaOptions {
  readonly eventsTopic: string;
  readonly scoresTopic: string;
  readonly groupId: string;
  readonly fromBeginning: boolean;
}

export interface ScorerOptions {
  readonly model: string;
  /** Pinned version; default: follow latest. */
  readonly version?: number | undefined;
  /** Default 0.5. */
  readonly threshold: number;
  /** Default 1,000 ms. */
  readonly pollIntervalMs: number;
  readonly expectFeatureSpace?: Partial<FeatureSpace>;
  /** Labelled events in the evaluation window; default 10,000. */
  readonly evalWindow: number;
  readonly limits: DecodeLimits;
  readonly http: {
    readonly port: number;
    readonly host: string;
    /** Default 10,000. */
    readonly maxEvents: number;
    /** Default 8 MiB. */
    readonly maxBodyBytes: number;
    readonly token?: string | undefined;
  };
  /** Null: HTTP only. */
  readonly kafka: ScorerKafkaOptions | null;
}

export interface ScorerParts {
  readonly store: ModelStore;
  /** Required unless `options.kafka` is null. */
  readonly transport?: Transport | undefined;
  readonly decode: ServingDecoder;
  readonly registry: Registry;
  readonly logger: Logger;
}

/** Failures of one kind are logged once per this many ms (the counter counts every one). */
const FAILURE_LOG_INTERVAL_MS = 30_000;

/**
 * The scorer's parts wired together: the served model (load, reload, pin), the HTTP endpoint and
 * the Kafka pipeline, which starts once the first model is loaded. `runScorer` builds one from
 * settings; the one-process demo builds one on the in-memory transport and store.
 */
export class Scorer {
  readonly served: ServedModel;
  readonly observer: ScoreObserver;
  private http: HttpServerHandle | null = null;
  private pipeline: ScoringPipeline | null = null;
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private readonly failed: Promise<never>;
  private fail: (error: unknown) => void = () => undefined;
  private lastFailureLog = { key: '', at: 0 };
  private stopSignal: () => void = () => undefined;
  /** Resolves when stop() is called (ends the wait for the first model). */
  private readonly stopRequested = new Promise<void>((resolve) => {
    this.stopSignal = resolve;
  });

  constructor(
    private readonly parts: ScorerParts,
    private readonly options: ScorerOptions,
  ) {
    if (options.kafka !== null && parts.transport === undefined) throw new TypeError('transport: required unless kafka is null (HTTP only)');
    const metrics = createScorerMetrics(parts.registry).forModel(options.model);
    this.observer = new ScoreObserver(metrics, new ProgressiveMetrics({ window: options.evalWindow, threshold: options.threshold }));
    const log = parts.logger;
    this.served = new ServedModel(
      parts.store,
      parts.decode,
      {
        model: options.model,
        version: options.version,
        pollIntervalMs: options.pollIntervalMs,
        ...(options.expectFeatureSpace === undefined ? {} : { expectFeatureSpace: options.expectFeatureSpace }),
      },
      {
        loaded: (model, trigger, previous, seconds) => {
          metrics.modelLoaded({ version: model.version, createdAtMs: model.createdAt, nonzero: model.nonzero, slots: model.slots, trigger });
          log.info('model loaded', {
            model: model.model,
            version: model.version,
            previous: previous?.version ?? null,
            trigger,
            seconds,
            createdAt: new Date(model.createdAt).toISOString(),
            featureSpace: model.featureSpace,
            nonzero: model.nonzero,
          });
        },
        failed: (error, trigger) => {
          metrics.reloadFailed(error.reason);
          this.logFailure(error, trigger);
        },
        waiting: (model) => log.info('no version published yet; waiting for the trainer', { model }),
      },
    );
    this.failed = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.failed.catch(() => undefined);
  }

  /** The HTTP endpoint's base URL (after start). */
  get url(): string {
    if (this.http === null) throw new TypeError('scorer not started');
    return this.http.url;
  }

  get current(): LoadedModel | null {
    return this.served.current;
  }

  /** Rejects when the scorer cannot go on (the Kafka pipeline failed). */
  get failure(): Promise<never> {
    return this.failed;
  }

  /**
   * Starts HTTP (so /healthz and /readyz answer at once), the model look-ups, then — in the
   * background, once a model is loaded — the Kafka pipeline. Rejects when a pinned version can
   * never load or the port is taken.
   */
  async start(): Promise<void> {
    const { options, parts } = this;
    this.http = await startHttpServer({
      port: options.http.port,
      host: options.http.host,
      registry: parts.registry,
      maxBodyBytes: options.http.maxBodyBytes,
      routes: [
        scoreRoute({
          current: () => this.served.current,
          threshold: options.threshold,
          maxEvents: options.http.maxEvents,
          limits: options.limits,
          token: options.http.token === undefined ? undefined : new BearerToken(options.http.token),
          observer: this.observer,
        }),
      ],
      readiness: () => {
        const model = this.served.current;
        return {
          model: model === null ? { ok: false, detail: 'no model loaded yet' } : { ok: true, detail: `${model.model} version ${model.version}` },
        };
      },
      onError: (error, request) => parts.logger.error('request failed', { error, ...request }),
    });
    parts.logger.info('http listening', { url: this.http.url });
    try {
      await this.served.start();
    } catch (error) {
      await this.stop();
      throw error;
    }
    if (options.kafka !== null) void this.startPipeline(options.kafka);
  }

  private async startPipeline(kafka: ScorerKafkaOptions): Promise<void> {
    const { parts, options } = this;
    await Promise.race([this.served.ready(), this.stopRequested]);
    if (this.stopping) return;
    const transport = parts.transport!;
    const producer = transport.producer();
    const deadLetters = new DeadLetterSink(producer, {
      service: 'scorer',
      shouldStop: () => this.stopping,
      onRetry: (error, attempt) => parts.logger.warn('dead-letter send failed; retrying', { attempt, error }),
    });
    const pipeline = new ScoringPipeline(
      {
        current: () => this.served.current,
        consumer: transport.consumer({ groupId: kafka.groupId }),
        admin: transport.admin(),
        producer,
        deadLetters,
        observer: this.observer,
        events: {
          warn: (message, fields) => parts.logger.warn(message, fields),
          info: (message, fields) => parts.logger.info(message, fields),
        },
      },
      {
        model: options.model,
        eventsTopic: kafka.eventsTopic,
        scoresTopic: kafka.scoresTopic,
        groupId: kafka.groupId,
        fromBeginning: kafka.fromBeginning,
        threshold: options.threshold,
        limits: options.limits,
      },
    );
    this.pipeline = pipeline;
    try {
      await pipeline.start();
      parts.logger.info('consuming', { topic: kafka.eventsTopic, group: kafka.groupId, scoresTopic: kafka.scoresTopic });
      await pipeline.finished;
    } catch (error) {
      if (!this.stopping) {
        parts.logger.error('kafka pipeline failed', { error });
        this.fail(error);
      }
    }
  }

  /** Stops consuming (finishing the step in flight), stops look-ups, closes HTTP. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.stopSignal();
      await this.pipeline?.stop();
      await this.served.stop();
      await this.http?.close().catch(() => undefined);
      this.observer.metrics.flush();
    })();
    return this.stopped;
  }

  private logFailure(error: ModelLoadError, trigger: ReloadTrigger): void {
    const key = `${error.reason}:${error.version ?? ''}`;
    const now = Date.now();
    if (key === this.lastFailureLog.key && now - this.lastFailureLog.at < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLog = { key, at: now };
    const serving = this.served.current;
    this.parts.logger.error('model load failed; the previous weights keep serving', {
      model: error.model,
      version: error.version,
      reason: error.reason,
      trigger,
      serving: serving?.version ?? null,
      error,
    });
  }
}
