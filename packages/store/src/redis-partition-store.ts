import { Redis, type RedisOptions } from 'ioredis';
import { messageOf, StoreClosedError, StoreError, StorePermissionError, StoreUnavailableError } from './errors.js';
import { PartitionNotForwardError, StalePartitionFenceError } from './partition-errors.js';
import { partitionKeys, SUMMARY_FIELDS, PARTITION_FIELDS, type PartitionKeys } from './partition-keys.js';
import { DELETE_PARTITIONS_LUA, RELEASE_LOCK_LUA, WRITE_PARTITION_LUA } from './partition-lua.js';
import { decodePartitionSummary, encodePartitionFields, verifiedPartitionState } from './partition-record.js';
import type {
  PartitionStateStore,
  PartitionSummary,
  PartitionWriteRequest,
  PartitionWriteResult,
  StoredPartitionState,
} from './partition-types.js';
import { validateLockTtl, validatePartitionKey, validatePartitionWrite } from './partition-validate.js';
import { sha256Hex } from './record.js';
import { parseRedisUrl, resolveRedisOptions, type RedisModelStoreOptions } from './redis-options.js';
import { validateModelName } from './validate.js';

interface ScriptCommands {
  streamlrWritePartition(...args: (string | Buffer)[]): Promise<unknown>;
  streamlrReleaseLock(...args: string[]): Promise<unknown>;
  streamlrDeletePartitions(...args: string[]): Promise<unknown>;
}

const RETRIABLE_REPLY = /^(READONLY|LOADING|BUSY|OOM|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|MOVED|ASK)\b/;
const PERMISSION_REPLY = /^(NOPERM|NOAUTH|WRONGPASS)\b/;

/**
 * PartitionStateStore on Redis (same options and connection rules as RedisModelStore): a writer
 * connection without offline queue, so a state write either happens or fails at once with a
 * retriable StoreUnavailableError, and a reader that rides out short reconnections. Blobs are
 * checksummed (SHA-256) at write and verified at read.
 */
export class RedisPartitionStore implements PartitionStateStore {
  readonly options: Readonly<RedisModelStoreOptions>;
  readonly #writer: Redis;
  readonly #reader: Redis;
  #writerConnecting: Promise<void> | undefined;
  #closed = false;

  constructor(options: Partial<RedisModelStoreOptions> = {}) {
    this.options = Object.freeze(resolveRedisOptions(options));
    this.#writer = this.#connection('partitions-writer', { enableOfflineQueue: false, maxRetriesPerRequest: this.options.writeMaxRetries });
    this.#writer.defineCommand('streamlrWritePartition', { numberOfKeys: 4, lua: WRITE_PARTITION_LUA });
    this.#writer.defineCommand('streamlrReleaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK_LUA });
    this.#writer.defineCommand('streamlrDeletePartitions', { numberOfKeys: 2, lua: DELETE_PARTITIONS_LUA });
    this.#reader = this.#connection('partitions-reader', { enableOfflineQueue: true, maxRetriesPerRequest: this.options.readMaxRetries });
  }

  async acquirePartition(model: string, partition: string): Promise<number> {
    const keys = this.#keys('acquirePartition', model);
    validatePartitionKey(partition);
    const writer = await this.#writerReady('acquirePartition');
    const replies = await this.#run('acquirePartition', () => writer.multi().incr(keys.fence(partition)).sadd(keys.partitions, partition).exec());
    const [error, fence] = replies?.[0] ?? [new Error('transaction aborted'), null];
    if (error) throw this.#mapError('acquirePartition', error);
    return Number(fence);
  }

  async writePartition(request: PartitionWriteRequest): Promise<PartitionWriteResult> {
    this.#open('writePartition');
    validatePartitionWrite(request);
    const { model, partition } = request;
    const keys = this.#keys('writePartition', model);
    const sha256 = sha256Hex(request.checkpoint);
    const fields = encodePartitionFields(request, sha256);
    const writer = await this.#writerReady('writePartition');
    const reply = await this.#run('writePartition', () =>
      (writer as unknown as ScriptCommands).streamlrWritePartition(
        keys.latest,
        keys.state(partition),
        keys.fence(partition),
        keys.partitions,
        fields.fence,
        fields.base,
        fields.offset,
        fields.samples,
        asBuffer(request.checkpoint),
        sha256,
        fields.bytes,
        fields.owner,
        fields.writtenAt,
        partition,
        fields.deadLettered,
      ),
    );
    const [status, arg] = reply as [string, string | number];
    switch (status) {
      case 'OK':
        return { status: 'ok', seq: Number(arg) };
      case 'STALE_BASE':
        return { status: 'stale-base', latest: arg === '' ? null : Number(arg) };
      case 'STALE_FENCE':
        throw new StalePartitionFenceError(model, partition, request.fence, Number(arg));
      case 'NOT_FORWARD':
        throw new PartitionNotForwardError(model, partition, request.offset, String(arg));
      default:
        throw new StoreError(`writePartition: unexpected script reply ${JSON.stringify(reply)}`);
    }
  }

  async listPartitions(model: string): Promise<PartitionSummary[]> {
    const keys = this.#keys('listPartitions', model);
    const members = (await this.#run('listPartitions', () => this.#reader.smembers(keys.partitions))).sort();
    if (members.length === 0) return [];
    const replies = await this.#run('listPartitions', () => {
      const pipeline = this.#reader.pipeline();
      for (const partition of members) pipeline.hmget(keys.state(partition), ...SUMMARY_FIELDS);
      return pipeline.exec();
    });
    const out: PartitionSummary[] = [];
    members.forEach((partition, i) => {
      const [error, values] = replies?.[i] ?? [new Error('no reply'), null];
      if (error) throw this.#mapError('listPartitions', error);
      const summary = decodePartitionSummary(model, partition, values as (string | null)[]);
      // A partition that was acquired but never written has no state yet.
      if (summary !== null) out.push(summary);
    });
    return out;
  }

  async readPartition(model: string, partition: string): Promise<StoredPartitionState | null> {
    const keys = this.#keys('readPartition', model);
    validatePartitionKey(partition);
    const key = keys.state(partition);
    // One HMGET: the summary and the blob come from the same write.
    const values = await this.#run('readPartition', () => this.#reader.hmgetBuffer(key, ...SUMMARY_FIELDS, PARTITION_FIELDS.checkpoint));
    const text = values.slice(0, SUMMARY_FIELDS.length).map((v) => (v === null ? null : v.toString('utf8')));
    const summary = decodePartitionSummary(model, partition, text);
    if (summary === null) return null;
    return verifiedPartitionState(summary, values[SUMMARY_FIELDS.length] ?? null);
  }

  async tryMixLock(model: string, owner: string, ttlMs: number): Promise<boolean> {
    const keys = this.#keys('tryMixLock', model);
    validateLockTtl(ttlMs);
    const writer = await this.#writerReady('tryMixLock');
    const reply = await this.#run('tryMixLock', () => writer.set(keys.mixLock, owner, 'PX', ttlMs, 'NX'));
    return reply === 'OK';
  }

  async releaseMixLock(model: string, owner: string): Promise<boolean> {
    const keys = this.#keys('releaseMixLock', model);
    const writer = await this.#writerReady('releaseMixLock');
    const reply = await this.#run('releaseMixLock', () => (writer as unknown as ScriptCommands).streamlrReleaseLock(keys.mixLock, owner));
    return Number(reply) === 1;
  }

  async deletePartitions(model: string): Promise<void> {
    const keys = this.#keys('deletePartitions', model);
    const writer = await this.#writerReady('deletePartitions');
    const prefix = keys.state('');
    await this.#run('deletePartitions', () => (writer as unknown as ScriptCommands).streamlrDeletePartitions(keys.partitions, keys.mixLock, prefix));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#writer, this.#reader].map(quietly));
  }

  // ---- internals (the connection rules of RedisModelStore) ----

  #connection(name: string, overrides: RedisOptions): Redis {
    const connection = new Redis({
      ...parseRedisUrl(this.options),
      connectionName: `${this.options.clientName}:${name}`,
      connectTimeout: this.options.connectTimeoutMs,
      commandTimeout: this.options.commandTimeoutMs,
      lazyConnect: true,
      disableClientInfo: true,
      ...overrides,
    });
    connection.on('error', (error: Error) => this.options.onConnectionError?.(error, name === 'partitions-writer' ? 'writer' : 'reader'));
    return connection;
  }

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

  #keys(operation: string, model: string): PartitionKeys {
    this.#open(operation);
    return partitionKeys(validateModelName(model), this.options.namespace);
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
    return new StoreUnavailableError(operation, message, error);
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
