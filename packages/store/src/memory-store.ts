import { EventEmitter } from 'node:events';
import {
  StaleEpochError,
  StoreClosedError,
  VersionNotForwardError,
  VersionNotFoundError,
} from './errors.js';
import { notificationListener, notificationPayload } from './notification.js';
import { DEFAULT_MODEL_STORE_OPTIONS, validateKeep, type ModelStoreOptions } from './options.js';
import { decodeMetaRecord, publishRecord, verifiedBlob } from './record.js';
import { validateModelName, validatePositiveInteger } from './validate.js';
import type {
  BlobPart,
  ModelStore,
  PublishRequest,
  PublishResult,
  RollbackResult,
  StoredBlob,
  StoredVersionMeta,
  SubscribeOptions,
  Unsubscribe,
  VersionNotification,
} from './types.js';

interface StoredVersion {
  /** The same field → value record Redis keeps in the meta hash. */
  record: Record<string, string>;
  checkpoint: Buffer;
  serving: Buffer;
}

interface ModelState {
  epoch: number;
  latest: number | null;
  versions: Map<number, StoredVersion>;
}

export type MemoryModelStoreOptions = ModelStoreOptions;
export const DEFAULT_MEMORY_STORE_OPTIONS: Readonly<MemoryModelStoreOptions> = DEFAULT_MODEL_STORE_OPTIONS;

/**
 * In-process ModelStore with the same rules as RedisModelStore (fencing, forward-only, trim to K,
 * checksums, notifications after the change). Blobs are copied in and out, so callers cannot
 * mutate stored versions. Notifications are delivered asynchronously (setImmediate) like pub/sub.
 */
export class MemoryModelStore implements ModelStore {
  readonly options: Readonly<MemoryModelStoreOptions>;
  readonly #models = new Map<string, ModelState>();
  readonly #events = new EventEmitter();
  #closed = false;

  constructor(options: Partial<MemoryModelStoreOptions> = {}) {
    this.options = Object.freeze({ keep: validateKeep(options.keep ?? DEFAULT_MEMORY_STORE_OPTIONS.keep) });
    this.#events.setMaxListeners(0);
  }

  async acquireEpoch(model: string): Promise<number> {
    const state = this.#state('acquireEpoch', model);
    state.epoch += 1;
    return state.epoch;
  }

  async currentEpoch(model: string): Promise<number> {
    return this.#peek('currentEpoch', model)?.epoch ?? 0;
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    this.#open('publish');
    const { meta, record, result: resultOf } = publishRecord(request);
    const state = this.#state('publish', meta.model);
    const { model, version, epoch } = meta;
    if (epoch !== state.epoch) throw new StaleEpochError(model, epoch, state.epoch);
    const result = resultOf(state.latest, []);
    const existing = state.versions.get(version)?.record;
    if (
      existing !== undefined &&
      existing['epoch'] === record['epoch'] &&
      existing['checkpoint.sha256'] === record['checkpoint.sha256'] &&
      existing['serving.sha256'] === record['serving.sha256']
    ) {
      return { ...result, duplicate: true };
    }
    const highest = Math.max(state.latest ?? 0, ...state.versions.keys());
    if (highest > 0 && version <= highest) throw new VersionNotForwardError(model, version, highest);

    state.versions.set(version, {
      record,
      checkpoint: Buffer.from(request.checkpoint),
      serving: Buffer.from(request.serving),
    });
    state.latest = version;
    const excess = state.versions.size - this.options.keep;
    if (excess > 0) {
      for (const old of [...state.versions.keys()].sort((a, b) => a - b)) {
        if (result.trimmed.length >= excess) break;
        if (old === state.latest) continue;
        state.versions.delete(old);
        result.trimmed.push(old);
      }
    }
    this.#notify(model, notificationPayload('publish', version, epoch));
    return result;
  }

  async latestVersion(model: string): Promise<number | null> {
    return this.#peek('latestVersion', model)?.latest ?? null;
  }

  async getMeta(model: string, version: number): Promise<StoredVersionMeta | null> {
    validatePositiveInteger(version, 'version');
    const stored = this.#peek('getMeta', model)?.versions.get(version);
    return stored === undefined ? null : decodeMetaRecord(model, version, stored.record);
  }

  async getServing(model: string, version: number): Promise<StoredBlob> {
    return this.#blob('getServing', model, version, 'serving');
  }

  async getCheckpoint(model: string, version: number): Promise<StoredBlob> {
    return this.#blob('getCheckpoint', model, version, 'checkpoint');
  }

  async getLatest(model: string, part: BlobPart): Promise<StoredBlob | null> {
    const latest = this.#peek('getLatest', model)?.latest ?? null;
    return latest === null ? null : this.#blob('getLatest', model, latest, part);
  }

  async list(model: string): Promise<StoredVersionMeta[]> {
    const state = this.#peek('list', model);
    if (state === undefined) return [];
    return [...state.versions.entries()]
      .sort(([a], [b]) => b - a)
      .map(([version, stored]) => decodeMetaRecord(model, version, stored.record));
  }

  async rollback(model: string, version: number, epoch?: number): Promise<RollbackResult> {
    validatePositiveInteger(version, 'version');
    if (epoch !== undefined) validatePositiveInteger(epoch, 'epoch');
    const state = this.#state('rollback', model);
    if (epoch !== undefined && epoch !== state.epoch) throw new StaleEpochError(model, epoch, state.epoch);
    if (!state.versions.has(version)) throw new VersionNotFoundError(model, version);
    const previous = state.latest;
    state.latest = version;
    state.epoch += 1;
    this.#notify(model, notificationPayload('rollback', version, state.epoch));
    return { model, version, previous, epoch: state.epoch };
  }

  async subscribe(
    model: string,
    onVersion: (notification: VersionNotification) => void,
    options: SubscribeOptions = {},
  ): Promise<Unsubscribe> {
    this.#open('subscribe');
    validateModelName(model);
    const listener = notificationListener(model, onVersion, options);
    this.#events.on(model, listener);
    return async () => {
      this.#events.off(model, listener);
    };
  }

  async deleteModel(model: string): Promise<void> {
    this.#open('deleteModel');
    this.#models.delete(validateModelName(model));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#events.removeAllListeners();
  }

  #open(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }

  #peek(operation: string, model: string): ModelState | undefined {
    this.#open(operation);
    return this.#models.get(validateModelName(model));
  }

  #state(operation: string, model: string): ModelState {
    let state = this.#peek(operation, model);
    if (state === undefined) {
      state = { epoch: 0, latest: null, versions: new Map() };
      this.#models.set(model, state);
    }
    return state;
  }

  #blob(operation: string, model: string, version: number, part: BlobPart): StoredBlob {
    validatePositiveInteger(version, 'version');
    const stored = this.#peek(operation, model)?.versions.get(version);
    if (stored === undefined) throw new VersionNotFoundError(model, version);
    return verifiedBlob(model, version, part, stored.record, Buffer.from(stored[part]));
  }

  #notify(model: string, payload: string): void {
    setImmediate(() => this.#events.emit(model, payload));
  }
}
