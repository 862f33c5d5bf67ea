import type { ModelStore, Unsubscribe } from '@streamlr/store';
import { ModelLoadError, type LoadFailureReason } from './errors.js';
import type { FeatureSpace, LoadedModel, ServingDecoder } from './loaded-model.js';

/** What made the scorer look for a version (the `trigger` label of `streamlr_scorer_reloads_total`). */
export type ReloadTrigger = 'start' | 'notification' | 'poll' | 'pinned';

export interface ServedModelOptions {
  readonly model: string;
  /** Serve exactly this version and never move (rollback by pinning); default: follow `latest`. */
  readonly version?: number | undefined;
  /** Poll `latestVersion` this often, the fallback for a lost notification (pub/sub is a hint); default 1,000 ms. */
  readonly pollIntervalMs?: number;
  /** Refuse snapshots whose feature space differs in these fields; default: accept the snapshot's own. */
  readonly expectFeatureSpace?: Partial<FeatureSpace>;
}

export const DEFAULT_SERVED_MODEL_OPTIONS = { pollIntervalMs: 1_000 } as const;

/** What the served model reports (metrics and logs are wired by the service). */
export interface ServedModelEvents {
  loaded?(model: LoadedModel, trigger: ReloadTrigger, previous: LoadedModel | null, seconds: number): void;
  /** A failed load or look-up; the previous model (if any) keeps serving. */
  failed?(error: ModelLoadError, trigger: ReloadTrigger): void;
  /** The first look-up found nothing published yet. */
  waiting?(model: string): void;
}

/**
 * The model the scorer serves: one reference, swapped atomically when a newer (or rolled-back)
 * version has been loaded AND verified (store checksum, then the model decoder, then name, version
 * and feature space). Readers take `current` once per request or batch and use only that object.
 *
 * Versions are looked up on start, on every store notification and every `pollIntervalMs` (pub/sub
 * may lose messages, DESIGN section 5). Look-ups never overlap: one that arrives during a load runs
 * once after it. A load that fails keeps the old model; failures that cannot heal (corrupt blob,
 * undecodable, foreign, incompatible feature space — versions are immutable) are remembered, so a
 * bad `latest` is reported once, not every second, and the scorer moves on when a newer one lands.
 */
export class ServedModel {
  #current: LoadedModel | null = null;
  readonly #refused = new Map<number, LoadFailureReason>();
  #inFlight: Promise<void> | null = null;
  #pending: ReloadTrigger | null = null;
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: Unsubscribe | null = null;
  #stopped = false;
  #waitingReported = false;
  readonly #firstLoad: Promise<LoadedModel>;
  #resolveFirst: (model: LoadedModel) => void = () => undefined;
  readonly #pollIntervalMs: number;

  constructor(
    private readonly store: ModelStore,
    private readonly decode: ServingDecoder,
    private readonly options: ServedModelOptions,
    private readonly events: ServedModelEvents = {},
  ) {
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_SERVED_MODEL_OPTIONS.pollIntervalMs;
    if (!(Number.isFinite(this.#pollIntervalMs) && this.#pollIntervalMs > 0)) {
      throw new TypeError(`pollIntervalMs: must be > 0, got ${this.#pollIntervalMs}`);
    }
    if (options.version !== undefined && !(Number.isSafeInteger(options.version) && options.version >= 1)) {
      throw new TypeError(`version: must be a whole number ≥ 1, got ${options.version}`);
    }
    this.#firstLoad = new Promise((resolve) => {
      this.#resolveFirst = resolve;
    });
  }

  /** The model being served, or null before the first successful load. */
  get current(): LoadedModel | null {
    return this.#current;
  }

  get pinned(): boolean {
    return this.options.version !== undefined;
  }

  /** Resolves with the first model loaded. */
  ready(): Promise<LoadedModel> {
    return this.#firstLoad;
  }

  /** A version refused for good (corrupt, undecodable…), with the reason; undefined otherwise. */
  refusedReason(version: number): LoadFailureReason | undefined {
    return this.#refused.get(version);
  }

  /**
   * Subscribes to notifications (following latest only), starts polling and makes the first
   * look-up. Resolves after that look-up whether or not it loaded a model (see `ready`); failures
   * go to `events.failed`. A pinned version that is refused for good rejects: it can never load.
   */
  async start(): Promise<void> {
    if (!this.pinned) {
      try {
        this.#unsubscribe = await this.store.subscribe(this.options.model, () => void this.refresh('notification'));
      } catch (error) {
        // Polling still finds new versions; the subscription is only the fast path.
        this.events.failed?.(this.#classify(error, null), 'start');
      }
    }
    this.#timer = setInterval(() => {
      // A pinned version that is loaded has nothing left to look for.
      if (!(this.pinned && this.#current !== null)) void this.refresh(this.pinned ? 'pinned' : 'poll');
    }, this.#pollIntervalMs);
    this.#timer.unref();
    await this.refresh(this.pinned ? 'pinned' : 'start');
    const version = this.options.version;
    if (version !== undefined && this.#current === null) {
      const reason = this.#refused.get(version);
      if (reason !== undefined) throw new ModelLoadError(reason, this.options.model, version, 'the pinned version cannot be loaded');
    }
  }

  /** Looks up the version to serve and loads it if it is not the one served. Never rejects. */
  refresh(trigger: ReloadTrigger): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#inFlight !== null) {
      this.#pending = trigger;
      return this.#inFlight;
    }
    const run = async (): Promise<void> => {
      let next: ReloadTrigger | null = trigger;
      while (next !== null && !this.#stopped) {
        await this.#refreshOnce(next);
        next = this.#pending;
        this.#pending = null;
      }
    };
    this.#inFlight = run().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = null;
    await unsubscribe?.().catch(() => undefined);
    await this.#inFlight;
  }

  async #refreshOnce(trigger: ReloadTrigger): Promise<void> {
    const { model } = this.options;
    let target: number | null;
    try {
      target = this.options.version ?? (await this.store.latestVersion(model));
    } catch (error) {
      this.events.failed?.(this.#classify(error, null), trigger);
      return;
    }
    if (target === null) {
      if (!this.#waitingReported) this.events.waiting?.(model);
      this.#waitingReported = true;
      return;
    }
    if (this.#current?.version === target || this.#refused.has(target)) return;
    const started = performance.now();
    let loaded: LoadedModel;
    try {
      loaded = await this.#load(target);
    } catch (error) {
      const failure = this.#classify(error, target);
      if (!failure.retriable) this.#refused.set(target, failure.reason);
      this.events.failed?.(failure, trigger);
      return;
    }
    if (this.#stopped) return;
    const previous = this.#current;
    this.#current = loaded;
    if (previous === null) this.#resolveFirst(loaded);
    this.events.loaded?.(loaded, trigger, previous, (performance.now() - started) / 1000);
  }

  async #load(version: number): Promise<LoadedModel> {
    const { model, expectFeatureSpace } = this.options;
    const blob = await this.store.getServing(model, version);
    const loaded = this.decode(blob.data, { model, version, createdAt: blob.meta.createdAt });
    if (loaded.model !== model || loaded.version !== version) {
      throw new ModelLoadError('foreign', model, version, `the blob holds model ${loaded.model} version ${loaded.version}`);
    }
    for (const field of ['bits', 'seed'] as const) {
      const expected = expectFeatureSpace?.[field];
      if (expected !== undefined && loaded.featureSpace[field] !== expected) {
        throw new ModelLoadError(
          'feature_space',
          model,
          version,
          `featureSpace.${field} is ${loaded.featureSpace[field]}, this scorer expects ${expected}`,
        );
      }
    }
    return loaded;
  }

  /** Store and decoder errors → ModelLoadError with a reason label; retriable ones are retried by the next poll. */
  #classify(error: unknown, version: number | null): ModelLoadError {
    if (error instanceof ModelLoadError) return error;
    const { model } = this.options;
    const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
    const message = error instanceof Error ? error.message : String(error);
    const reason: LoadFailureReason =
      name === 'StoreUnavailableError' || name === 'StoreClosedError'
        ? 'unavailable'
        : name === 'VersionNotFoundError'
          ? 'not_found'
          : name === 'CorruptBlobError'
            ? 'corrupt'
            : name === 'StorePermissionError'
              ? 'permission'
              : 'internal';
    // A version that vanished (trimmed between the pointer read and the blob read) is looked up
    // again by the next poll, which reads the pointer afresh; a pinned one stays gone.
    const retriable = reason === 'unavailable' || reason === 'permission' || (reason === 'not_found' && !this.pinned);
    return new ModelLoadError(reason, model, version, message, { cause: error, retriable });
  }
}
