import { Redis, type RedisOptions } from 'ioredis';
import {
  CorruptBlobError,
  messageOf,
  StaleEpochError,
  StoreClosedError,
  StoreError,
  StorePermissionError,
  StoreUnavailableError,
  VersionNotForwardError,
  VersionNotFoundError,
} from './errors.js';
import { modelKeys, type ModelKeys } from './keys.js';
import { DELETE_LUA, PUBLISH_LUA, ROLLBACK_LUA } from './lua.js';
import { notificationPayload, parseNotification } from './notification.js';
import { blobInfo, decodeMetaRecord, encodeMetaRecord, verifyBlob } from './record.js';
import {
  parseRedisUrl,
  resolveRedisOptions,
  type ConnectionRole,
  type RedisModelStoreOptions,
} from './redis-options.js';
import { validateModelName, validatePositiveInteger, validatePublishRequest } from './validate.js';
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

/** The Lua commands defined on the writer connection (ioredis defineCommand). */
interface ScriptCommands {
  streamlrPublish(...args: (string | Buffer | number)[]): Promise<unknown>;
  streamlrRollback(...args: (string | number)[]): Promise<unknown>;
  streamlrDelete(...args: (string | number)[]): Promise<unknown>;
}

/** Redis errors that mean "try again later" rather than "this cannot work". */
const RETRIABLE_REPLY = /^(READONLY|LOADING|BUSY|OOM|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|MOVED|ASK)\b/;
const PERMISSION_REPLY = /^(NOPERM|NOAUTH|WRONGPASS)\b/;

/** Reading `latest` then the blob races a rollback-and-publish; this many tries settle it. */
const GET_LATEST_ATTEMPTS = 3;

interface Channel {
  handlers: Set<(message: string) => void>;
  subscribed: Promise<void>;
}

/**
 * ModelStore on Redis via ioredis. Three lazily opened connections:
 * - writer: no offline queue, bounded retries, command timeout — a snapshot write either succeeds or
 *   fails at once with StoreUnavailableError (retriable), so the trainer pauses instead of piling up
 *   unpublished state (DESIGN section 6);
 * - reader: may queue commands for `readMaxRetries` reconnections (scorers ride out a short blip);
 * - subscriber: dedicated pub/sub connection, opened on the first subscribe.
 */
export class RedisModelStore implements ModelStore {
  readonly options: Readonly<RedisModelStoreOptions>;
  readonly #writer: Redis;
  readonly #reader: Redis;
  #subscriber: Redis | undefined;
  #writerConnecting: Promise<void> | undefined;
  readonly #channels = new Map<string, Channel>();
  #closed = false;

  constructor(options: Partial<RedisModelStoreOptions> = {}) {
    this.options = Object.freeze(resolveRedisOptions(options));
    this.#writer = this.#connection('writer', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: this.options.writeMaxRetries,
    });
    this.#writer.defineCommand('streamlrPublish', { numberOfKeys: 6, lua: PUBLISH_LUA });
    this.#writer.defineCommand('streamlrRollback', { numberOfKeys: 4, lua: ROLLBACK_LUA });
    this.#writer.defineCommand('streamlrDelete', { numberOfKeys: 3, lua: DELETE_LUA });
    this.#reader = this.#connection('reader', {
      enableOfflineQueue: true,
      maxRetriesPerRequest: this.options.readMaxRetries,
    });
  }

  async acquireEpoch(model: string): Promise<number> {
    const keys = this.#keys('acquireEpoch', model);
    const writer = await this.#writerReady('acquireEpoch');
    return this.#run('acquireEpoch', () => writer.incr(keys.epoch));
  }

  async currentEpoch(model: string): Promise<number> {
    const keys = this.#keys('currentEpoch', model);
    const value = await this.#run('currentEpoch', () => this.#reader.get(keys.epoch));
    return value === null ? 0 : Number(value);
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    this.#open('publish');
    const meta = validatePublishRequest(request);
    const { model, version, epoch } = meta;
    const keys = this.#keys('publish', model);
    const blobs = { checkpoint: blobInfo(request.checkpoint), serving: blobInfo(request.serving) };
    const record = encodeMetaRecord(meta, blobs);
    const writer = await this.#writerReady('publish');
    const reply = await this.#run('publish', () =>
      (writer as unknown as ScriptCommands).streamlrPublish(
        keys.epoch,
        keys.latest,
        keys.versions,
        keys.checkpoint(version),
        keys.serving(version),
        keys.meta(version),
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
      ),
    );
    const [status, arg, trimmed] = reply as [string, string, string[] | undefined];
    const result: PublishResult = {
      model,
      version,
      epoch,
      previous: arg === '' ? null : Number(arg),
      trimmed: (trimmed ?? []).map(Number),
      duplicate: false,
      meta: decodeMetaRecord(model, version, record),
    };
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
    const value = await this.#run('latestVersion', () => this.#reader.get(keys.latest));
    return value === null ? null : Number(value);
  }

  async getMeta(model: string, version: number): Promise<StoredVersionMeta | null> {
    const keys = this.#keys('getMeta', model);
    validatePositiveInteger(version, 'version');
    const record = await this.#run('getMeta', () => this.#reader.hgetall(keys.meta(version)));
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
    const versions = await this.#run('list', () => this.#reader.zrange(keys.versions, 0, -1, 'REV'));
    if (versions.length === 0) return [];
    const replies = await this.#run('list', () => {
      const pipeline = this.#reader.pipeline();
      for (const version of versions) pipeline.hgetall(keys.meta(Number(version)));
      return pipeline.exec();
    });
    const metas: StoredVersionMeta[] = [];
    versions.forEach((text, i) => {
      const [error, record] = replies?.[i] ?? [new Error('no reply'), null];
      if (error) throw this.#mapError('list', error);
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
    const writer = await this.#writerReady('rollback');
    const reply = await this.#run('rollback', () =>
      (writer as unknown as ScriptCommands).streamlrRollback(
        keys.epoch,
        keys.latest,
        keys.versions,
        keys.meta(version),
        String(version),
        epoch === undefined ? '' : String(epoch),
        keys.channel,
      ),
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
    const handler = (message: string): void => {
      const notification = parseNotification(model, message);
      if (notification === null) return;
      try {
        onVersion(notification);
      } catch (error) {
        options.onError?.(error);
      }
    };
    let entry = this.#channels.get(channel);
    if (entry === undefined) {
      const subscribed = this.#run('subscribe', () => subscriber.subscribe(channel)).then(() => undefined);
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
      if (!this.#closed) await this.#run('unsubscribe', () => subscriber.unsubscribe(channel));
    };
  }

  async deleteModel(model: string): Promise<void> {
    const keys = this.#keys('deleteModel', model);
    const writer = await this.#writerReady('deleteModel');
    await this.#run('deleteModel', () =>
      (writer as unknown as ScriptCommands).streamlrDelete(keys.epoch, keys.latest, keys.versions, keys.versionPrefix),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels.clear();
    const connections = [this.#writer, this.#reader, this.#subscriber].filter((c): c is Redis => c !== undefined);
    await Promise.all(connections.map(quietly));
  }

  // ---- internals ----

  #connection(role: ConnectionRole, overrides: RedisOptions): Redis {
    const endpoint = parseRedisUrl(this.options);
    const connection = new Redis({
      ...endpoint,
      connectionName: `${this.options.clientName}:${role}`,
      connectTimeout: this.options.connectTimeoutMs,
      commandTimeout: this.options.commandTimeoutMs,
      lazyConnect: true,
      // The connection name identifies us in CLIENT LIST; CLIENT SETINFO (Redis >= 7.2) would need
      // one more ACL rule and only fill ACL LOG with denials where it is not granted.
      disableClientInfo: true,
      ...overrides,
    });
    connection.on('error', (error: Error) => this.options.onConnectionError?.(error, role));
    return connection;
  }

  #subscriberConnection(): Redis {
    if (this.#subscriber !== undefined) return this.#subscriber;
    // ioredis's own resubscription after a reconnect leaves its SUBSCRIBE promise unhandled, so a
    // refused one (NOPERM: the user lost the channel) crashed the process. Resubscribe here and
    // report a refusal as a connection error: pub/sub is a hint, readers also poll (DESIGN §5).
    const subscriber = this.#connection('subscriber', {
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

  /**
   * The writer has no offline queue, so it must be connected before the first command. Only the
   * first connect is awaited (bounded by connectTimeoutMs); afterwards ioredis reconnects in the
   * background and writes fail fast while it is down.
   */
  async #writerReady(operation: string): Promise<Redis> {
    this.#open(operation);
    if (this.#writer.status === 'wait') {
      this.#writerConnecting ??= this.#writer.connect().finally(() => {
        this.#writerConnecting = undefined;
      });
    }
    if (this.#writerConnecting !== undefined) {
      await this.#writerConnecting.catch((error: unknown) => {
        throw new StoreUnavailableError(operation, `cannot connect to Redis: ${messageOf(error)}`, error);
      });
    }
    return this.#writer;
  }

  #keys(operation: string, model: string): ModelKeys {
    this.#open(operation);
    return modelKeys(validateModelName(model), this.options.namespace);
  }

  #open(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }

  async #run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    this.#open(operation);
    try {
      return await command();
    } catch (error) {
      throw this.#mapError(operation, error);
    }
  }

  #mapError(operation: string, error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    const message = messageOf(error);
    if (error instanceof Error && error.name === 'ReplyError') {
      if (PERMISSION_REPLY.test(message)) return new StorePermissionError(operation, error);
      if (RETRIABLE_REPLY.test(message)) return new StoreUnavailableError(operation, message, error);
      return new StoreError(`${operation}: Redis replied ${message}`, { cause: error });
    }
    if (this.#closed) return new StoreClosedError(operation);
    // Connection closed, stream not writeable (no offline queue), command timeout,
    // MaxRetriesPerRequestError, ECONNREFUSED…: the outcome is unknown or the write never left.
    return new StoreUnavailableError(operation, message, error);
  }

  async #blob(operation: string, model: string, version: number, part: BlobPart): Promise<StoredBlob> {
    const keys = this.#keys(operation, model);
    validatePositiveInteger(version, 'version');
    const blobKey = part === 'checkpoint' ? keys.checkpoint(version) : keys.serving(version);
    // MULTI reads meta and blob at one instant; trim deletes all three keys of a version at once.
    const replies = await this.#run(operation, () =>
      this.#reader.multi().hgetall(keys.meta(version)).getBuffer(blobKey).exec(),
    );
    if (replies === null) throw new StoreUnavailableError(operation, 'transaction aborted');
    const [[metaError, record], [blobError, data]] = replies as [[Error | null, unknown], [Error | null, unknown]];
    if (metaError) throw this.#mapError(operation, metaError);
    if (blobError) throw this.#mapError(operation, blobError);
    const fields = record as Record<string, string>;
    if (Object.keys(fields).length === 0) {
      if (data === null) throw new VersionNotFoundError(model, version);
      throw new CorruptBlobError(model, version, 'meta', 'meta record missing');
    }
    const meta = decodeMetaRecord(model, version, fields);
    if (data === null) throw new CorruptBlobError(model, version, part, 'blob missing');
    verifyBlob(meta, part, data as Buffer);
    return { model, version, part, data: data as Buffer, meta };
  }
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

async function quietly(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  connection.disconnect();
}
