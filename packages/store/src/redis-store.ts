import type { Redis } from 'ioredis';
import {
  CorruptBlobError,
  StaleEpochError,
  StoreError,
  StoreUnavailableError,
  VersionNotForwardError,
  VersionNotFoundError,
} from './errors.js';
import { modelKeys, type ModelKeys } from './keys.js';
import { DELETE_SCRIPT, PUBLISH_SCRIPT, ROLLBACK_SCRIPT } from './lua.js';
import { notificationListener, notificationPayload } from './notification.js';
import { decodeMetaRecord, publishRecord, verifiedBlob } from './record.js';
import { asBuffer, RedisConnections } from './redis-connections.js';
import { resolveRedisOptions, type RedisModelStoreOptions } from './redis-options.js';
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

/** Reading `latest` then the blob races a rollback-and-publish; this many tries settle it. */
const GET_LATEST_ATTEMPTS = 3;

interface Channel {
  handlers: Set<(message: string) => void>;
  subscribed: Promise<void>;
}

/**
 * ModelStore on Redis via ioredis: the writer and reader connections of RedisConnections (a write
 * either succeeds or fails at once; reads ride out a short blip), plus a dedicated pub/sub
 * connection opened on the first subscribe.
 */
export class RedisModelStore implements ModelStore {
  readonly options: Readonly<RedisModelStoreOptions>;
  readonly #redis: RedisConnections;
  #subscriber: Redis | undefined;
  readonly #channels = new Map<string, Channel>();

  constructor(options: Partial<RedisModelStoreOptions> = {}) {
    this.options = Object.freeze(resolveRedisOptions(options));
    this.#redis = new RedisConnections(this.options, { writer: 'writer', reader: 'reader' }, [
      PUBLISH_SCRIPT,
      ROLLBACK_SCRIPT,
      DELETE_SCRIPT,
    ]);
  }

  async acquireEpoch(model: string): Promise<number> {
    const keys = this.#keys('acquireEpoch', model);
    return this.#redis.write('acquireEpoch', (writer) => writer.incr(keys.epoch));
  }

  async currentEpoch(model: string): Promise<number> {
    const keys = this.#keys('currentEpoch', model);
    const value = await this.#redis.read('currentEpoch', (reader) => reader.get(keys.epoch));
    return value === null ? 0 : Number(value);
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    this.#redis.open('publish');
    const { meta, blobs, record, result: resultOf } = publishRecord(request);
    const { model, version, epoch } = meta;
    const keys = this.#keys('publish', model);
    const reply = await this.#redis.script(
      'publish',
      PUBLISH_SCRIPT,
      [keys.epoch, keys.latest, keys.versions, keys.checkpoint(version), keys.serving(version), keys.meta(version)],
      [
        String(epoch),
        String(version),
        String(this.options.keep),
        keys.versionPrefix,
        keys.channel,
        notificationPayload('publish', version, epoch),
        asBuffer(request.checkpoint),
        asBuffer(request.serving),
        blobs.checkpoint.sha256,
        blobs.serving.sha256,
        ...Object.entries(record).flat(),
      ],
    );
    const [status, arg, trimmed] = reply as [string, string, string[] | undefined];
    const result = resultOf(arg === '' ? null : Number(arg), (trimmed ?? []).map(Number));
    switch (status) {
      case 'OK':
        return result;
      case 'DUPLICATE':
        return { ...result, trimmed: [], duplicate: true };
      case 'STALE_EPOCH':
        throw new StaleEpochError(model, epoch, Number(arg));
      case 'NOT_FORWARD':
        throw new VersionNotForwardError(model, version, Number(arg));
      default:
        throw new StoreError(`publish: unexpected script reply ${JSON.stringify(reply)}`);
    }
  }

  async latestVersion(model: string): Promise<number | null> {
    const keys = this.#keys('latestVersion', model);
    const value = await this.#redis.read('latestVersion', (reader) => reader.get(keys.latest));
    return value === null ? null : Number(value);
  }

  async getMeta(model: string, version: number): Promise<StoredVersionMeta | null> {
    const keys = this.#keys('getMeta', model);
    validatePositiveInteger(version, 'version');
    const record = await this.#redis.read('getMeta', (reader) => reader.hgetall(keys.meta(version)));
    return Object.keys(record).length === 0 ? null : decodeMetaRecord(model, version, record);
  }

  async getServing(model: string, version: number): Promise<StoredBlob> {
    return this.#blob('getServing', model, version, 'serving');
  }

  async getCheckpoint(model: string, version: number): Promise<StoredBlob> {
    return this.#blob('getCheckpoint', model, version, 'checkpoint');
  }

  async getLatest(model: string, part: BlobPart): Promise<StoredBlob | null> {
    for (let attempt = 1; ; attempt++) {
      const latest = await this.latestVersion(model);
      if (latest === null) return null;
      try {
        return await this.#blob('getLatest', model, latest, part);
      } catch (error) {
        // Trimmed between reading the pointer and the blob: read the pointer again.
        if (!(error instanceof VersionNotFoundError) || attempt >= GET_LATEST_ATTEMPTS) throw error;
      }
    }
  }

  async list(model: string): Promise<StoredVersionMeta[]> {
    const keys = this.#keys('list', model);
    const versions = await this.#redis.read('list', (reader) => reader.zrange(keys.versions, 0, -1, 'REV'));
    if (versions.length === 0) return [];
    const replies = await this.#redis.read('list', (reader) => {
      const pipeline = reader.pipeline();
      for (const version of versions) pipeline.hgetall(keys.meta(Number(version)));
      return pipeline.exec();
    });
    const metas: StoredVersionMeta[] = [];
    versions.forEach((text, i) => {
      const [error, record] = replies?.[i] ?? [new Error('no reply'), null];
      if (error) throw this.#redis.mapError('list', error);
      // A version trimmed between the two reads is simply no longer listed.
      if (record !== null && Object.keys(record as object).length > 0) {
        metas.push(decodeMetaRecord(model, Number(text), record as Record<string, string>));
      }
    });
    return metas;
  }

  async rollback(model: string, version: number, epoch?: number): Promise<RollbackResult> {
    const keys = this.#keys('rollback', model);
    validatePositiveInteger(version, 'version');
    if (epoch !== undefined) validatePositiveInteger(epoch, 'epoch');
    const reply = await this.#redis.script(
      'rollback',
      ROLLBACK_SCRIPT,
      [keys.epoch, keys.latest, keys.versions, keys.meta(version)],
      [String(version), epoch === undefined ? '' : String(epoch), keys.channel],
    );
    const [status, arg, newEpoch] = reply as [string, string, number | undefined];
    switch (status) {
      case 'OK':
        return { model, version, previous: arg === '' ? null : Number(arg), epoch: Number(newEpoch) };
      case 'STALE_EPOCH':
        throw new StaleEpochError(model, epoch ?? 0, Number(arg));
      case 'NOT_FOUND':
        throw new VersionNotFoundError(model, version);
      default:
        throw new StoreError(`rollback: unexpected script reply ${JSON.stringify(reply)}`);
    }
  }

  async subscribe(
    model: string,
    onVersion: (notification: VersionNotification) => void,
    options: SubscribeOptions = {},
  ): Promise<Unsubscribe> {
    const { channel } = this.#keys('subscribe', model);
    const subscriber = this.#subscriberConnection();
    const handler = notificationListener(model, onVersion, options);
    let entry = this.#channels.get(channel);
    if (entry === undefined) {
      const subscribed = this.#redis.run('subscribe', () => subscriber.subscribe(channel)).then(() => undefined);
      entry = { handlers: new Set(), subscribed };
      this.#channels.set(channel, entry);
      subscribed.catch(() => {
        if (this.#channels.get(channel) === entry) this.#channels.delete(channel);
      });
    }
    entry.handlers.add(handler);
    try {
      await entry.subscribed;
    } catch (error) {
      entry.handlers.delete(handler);
      throw error;
    }
    const current = entry;
    return async () => {
      current.handlers.delete(handler);
      if (current.handlers.size > 0 || this.#channels.get(channel) !== current) return;
      this.#channels.delete(channel);
      if (!this.#redis.closed) await this.#redis.run('unsubscribe', () => subscriber.unsubscribe(channel));
    };
  }

  async deleteModel(model: string): Promise<void> {
    const keys = this.#keys('deleteModel', model);
    await this.#redis.script('deleteModel', DELETE_SCRIPT, [keys.epoch, keys.latest, keys.versions], [keys.versionPrefix]);
  }

  async close(): Promise<void> {
    this.#channels.clear();
    await this.#redis.close();
  }

  // ---- internals ----

  #subscriberConnection(): Redis {
    if (this.#subscriber !== undefined) return this.#subscriber;
    // ioredis's own resubscription after a reconnect leaves its SUBSCRIBE promise unhandled, so a
    // refused one (NOPERM: the user lost the channel) crashed the process. Resubscribe here and
    // report a refusal as a connection error: pub/sub is a hint, readers also poll (DESIGN §5).
    const subscriber = this.#redis.connection('subscriber', 'subscriber', {
      enableOfflineQueue: true,
      maxRetriesPerRequest: this.options.readMaxRetries,
      autoResubscribe: false,
    });
    let connectedBefore = false;
    subscriber.on('ready', () => {
      if (connectedBefore) {
        for (const channel of this.#channels.keys()) {
          subscriber.subscribe(channel).catch((error: Error) => this.options.onConnectionError?.(error, 'subscriber'));
        }
      }
      connectedBefore = true;
    });
    subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.#channels.get(channel)?.handlers ?? []) handler(message);
    });
    this.#subscriber = subscriber;
    return subscriber;
  }

  #keys(operation: string, model: string): ModelKeys {
    this.#redis.open(operation);
    return modelKeys(validateModelName(model), this.options.namespace);
  }

  async #blob(operation: string, model: string, version: number, part: BlobPart): Promise<StoredBlob> {
    const keys = this.#keys(operation, model);
    validatePositiveInteger(version, 'version');
    const blobKey = part === 'checkpoint' ? keys.checkpoint(version) : keys.serving(version);
    // MULTI reads meta and blob at one instant; trim deletes all three keys of a version at once.
    const replies = await this.#redis.read(operation, (reader) =>
      reader.multi().hgetall(keys.meta(version)).getBuffer(blobKey).exec(),
    );
    if (replies === null) throw new StoreUnavailableError(operation, 'transaction aborted');
    const [[metaError, record], [blobError, data]] = replies as [[Error | null, unknown], [Error | null, unknown]];
    if (metaError) throw this.#redis.mapError(operation, metaError);
    if (blobError) throw this.#redis.mapError(operation, blobError);
    const fields = record as Record<string, string>;
    if (Object.keys(fields).length === 0) {
      if (data === null) throw new VersionNotFoundError(model, version);
      throw new CorruptBlobError(model, version, 'meta', 'meta record missing');
    }
    return verifiedBlob(model, version, part, fields, data as Buffer | null);
  }
}
