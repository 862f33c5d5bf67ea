import { StoreError } from './errors.js';
import { PartitionNotForwardError, StalePartitionFenceError } from './partition-errors.js';
import { partitionKeys, SUMMARY_FIELDS, PARTITION_FIELDS, type PartitionKeys } from './partition-keys.js';
import { DELETE_PARTITIONS_SCRIPT, RELEASE_LOCK_SCRIPT, WRITE_PARTITION_SCRIPT } from './partition-lua.js';
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
import { asBuffer, RedisConnections } from './redis-connections.js';
import { resolveRedisOptions, type RedisModelStoreOptions } from './redis-options.js';
import { validateModelName } from './validate.js';

/**
 * PartitionStateStore on Redis, with the connection rules of RedisModelStore (RedisConnections):
 * a writer without offline queue, so a state write either happens or fails at once with a
 * retriable StoreUnavailableError, and a reader that rides out short reconnections. Blobs are
 * checksummed (SHA-256) at write and verified at read.
 */
export class RedisPartitionStore implements PartitionStateStore {
  readonly options: Readonly<RedisModelStoreOptions>;
  readonly #redis: RedisConnections;

  constructor(options: Partial<RedisModelStoreOptions> = {}) {
    this.options = Object.freeze(resolveRedisOptions(options));
    this.#redis = new RedisConnections(this.options, { writer: 'partitions-writer', reader: 'partitions-reader' }, [
      WRITE_PARTITION_SCRIPT,
      RELEASE_LOCK_SCRIPT,
      DELETE_PARTITIONS_SCRIPT,
    ]);
  }

  async acquirePartition(model: string, partition: string): Promise<number> {
    const keys = this.#keys('acquirePartition', model);
    validatePartitionKey(partition);
    const replies = await this.#redis.write('acquirePartition', (writer) =>
      writer.multi().incr(keys.fence(partition)).sadd(keys.partitions, partition).exec(),
    );
    const [error, fence] = replies?.[0] ?? [new Error('transaction aborted'), null];
    if (error) throw this.#redis.mapError('acquirePartition', error);
    return Number(fence);
  }

  async writePartition(request: PartitionWriteRequest): Promise<PartitionWriteResult> {
    this.#redis.open('writePartition');
    validatePartitionWrite(request);
    const { model, partition } = request;
    const keys = this.#keys('writePartition', model);
    const sha256 = sha256Hex(request.checkpoint);
    const fields = encodePartitionFields(request, sha256);
    const reply = await this.#redis.script(
      'writePartition',
      WRITE_PARTITION_SCRIPT,
      [keys.latest, keys.state(partition), keys.fence(partition), keys.partitions],
      [
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
      ],
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
    const members = (await this.#redis.read('listPartitions', (reader) => reader.smembers(keys.partitions))).sort();
    if (members.length === 0) return [];
    const replies = await this.#redis.read('listPartitions', (reader) => {
      const pipeline = reader.pipeline();
      for (const partition of members) pipeline.hmget(keys.state(partition), ...SUMMARY_FIELDS);
      return pipeline.exec();
    });
    const out: PartitionSummary[] = [];
    members.forEach((partition, i) => {
      const [error, values] = replies?.[i] ?? [new Error('no reply'), null];
      if (error) throw this.#redis.mapError('listPartitions', error);
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
    const values = await this.#redis.read('readPartition', (reader) =>
      reader.hmgetBuffer(key, ...SUMMARY_FIELDS, PARTITION_FIELDS.checkpoint),
    );
    const text = values.slice(0, SUMMARY_FIELDS.length).map((v) => (v === null ? null : v.toString('utf8')));
    const summary = decodePartitionSummary(model, partition, text);
    if (summary === null) return null;
    return verifiedPartitionState(summary, values[SUMMARY_FIELDS.length] ?? null);
  }

  async tryMixLock(model: string, owner: string, ttlMs: number): Promise<boolean> {
    const keys = this.#keys('tryMixLock', model);
    validateLockTtl(ttlMs);
    const reply = await this.#redis.write('tryMixLock', (writer) => writer.set(keys.mixLock, owner, 'PX', ttlMs, 'NX'));
    return reply === 'OK';
  }

  async releaseMixLock(model: string, owner: string): Promise<boolean> {
    const keys = this.#keys('releaseMixLock', model);
    const reply = await this.#redis.script('releaseMixLock', RELEASE_LOCK_SCRIPT, [keys.mixLock], [owner]);
    return Number(reply) === 1;
  }

  async deletePartitions(model: string): Promise<void> {
    const keys = this.#keys('deletePartitions', model);
    const prefix = keys.state('');
    await this.#redis.script('deletePartitions', DELETE_PARTITIONS_SCRIPT, [keys.partitions, keys.mixLock], [prefix]);
  }

  async close(): Promise<void> {
    await this.#redis.close();
  }

  #keys(operation: string, model: string): PartitionKeys {
    this.#redis.open(operation);
    return partitionKeys(validateModelName(model), this.options.namespace);
  }
}
