import { StoreClosedError } from './errors.js';
import { PartitionNotForwardError, StalePartitionFenceError } from './partition-errors.js';
import { SUMMARY_FIELDS } from './partition-keys.js';
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
import type { ModelStore } from './types.js';
import { validateModelName } from './validate.js';

interface MemoryPartition {
  fence: number;
  fields: Record<string, string> | null;
  checkpoint: Buffer | null;
}

interface MemoryModelPartitions {
  partitions: Map<string, MemoryPartition>;
  lock: { owner: string; until: number } | null;
}

/**
 * In-process PartitionStateStore with the rules of RedisPartitionStore. The base check reads
 * `latest` from the ModelStore it is given (normally a MemoryModelStore in the same process);
 * the check and the write happen in one synchronous step after that read, so one process's
 * writes are atomic with respect to each other but not to a publish running in between — the
 * partitioned pipeline never runs the two concurrently. The clock is injectable for lock expiry.
 */
export class MemoryPartitionStore implements PartitionStateStore {
  readonly #models = new Map<string, MemoryModelPartitions>();
  #closed = false;

  constructor(
    private readonly versions: Pick<ModelStore, 'latestVersion'>,
    private readonly now: () => number = Date.now,
  ) {}

  async acquirePartition(model: string, partition: string): Promise<number> {
    validatePartitionKey(partition);
    const entry = this.#partition('acquirePartition', model, partition);
    entry.fence += 1;
    return entry.fence;
  }

  async writePartition(request: PartitionWriteRequest): Promise<PartitionWriteResult> {
    this.#open('writePartition');
    validatePartitionWrite(request);
    const latest = await this.versions.latestVersion(request.model);
    const entry = this.#partition('writePartition', request.model, request.partition);
    if (entry.fence !== request.fence) throw new StalePartitionFenceError(request.model, request.partition, request.fence, entry.fence);
    if (latest !== request.base) return { status: 'stale-base', latest };
    const base = request.base === null ? '' : String(request.base);
    const stored = entry.fields;
    if (stored !== null && stored['fence'] === String(request.fence) && stored['base'] === base && BigInt(stored['offset']!) > BigInt(request.offset)) {
      throw new PartitionNotForwardError(request.model, request.partition, request.offset, stored['offset']!);
    }
    const seq = Number(stored?.['seq'] ?? '0') + 1;
    entry.fields = { ...encodePartitionFields(request, sha256Hex(request.checkpoint)), seq: String(seq) };
    entry.checkpoint = Buffer.from(request.checkpoint);
    return { status: 'ok', seq };
  }

  async listPartitions(model: string): Promise<PartitionSummary[]> {
    const partitions = this.#peek('listPartitions', model)?.partitions ?? new Map<string, MemoryPartition>();
    const out: PartitionSummary[] = [];
    for (const partition of [...partitions.keys()].sort()) {
      const summary = this.#summary(model, partition, partitions.get(partition)!);
      if (summary !== null) out.push(summary);
    }
    return out;
  }

  async readPartition(model: string, partition: string): Promise<StoredPartitionState | null> {
    validatePartitionKey(partition);
    const entry = this.#peek('readPartition', model)?.partitions.get(partition);
    if (entry === undefined) return null;
    const summary = this.#summary(model, partition, entry);
    return summary === null ? null : verifiedPartitionState(summary, entry.checkpoint === null ? null : Buffer.from(entry.checkpoint));
  }

  async tryMixLock(model: string, owner: string, ttlMs: number): Promise<boolean> {
    validateLockTtl(ttlMs);
    const state = this.#model('tryMixLock', model);
    const now = this.now();
    if (state.lock !== null && state.lock.until > now) return false;
    state.lock = { owner, until: now + ttlMs };
    return true;
  }

  async releaseMixLock(model: string, owner: string): Promise<boolean> {
    const state = this.#model('releaseMixLock', model);
    if (state.lock === null || state.lock.owner !== owner || state.lock.until <= this.now()) return false;
    state.lock = null;
    return true;
  }

  async deletePartitions(model: string): Promise<void> {
    this.#open('deletePartitions');
    this.#models.delete(validateModelName(model));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #summary(model: string, partition: string, entry: MemoryPartition): PartitionSummary | null {
    if (entry.fields === null) return null;
    const fields = entry.fields;
    return decodePartitionSummary(model, partition, SUMMARY_FIELDS.map((f) => fields[f] ?? null));
  }

  #open(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }

  #peek(operation: string, model: string): MemoryModelPartitions | undefined {
    this.#open(operation);
    return this.#models.get(validateModelName(model));
  }

  #model(operation: string, model: string): MemoryModelPartitions {
    let state = this.#peek(operation, model);
    if (state === undefined) {
      state = { partitions: new Map(), lock: null };
      this.#models.set(model, state);
    }
    return state;
  }

  #partition(operation: string, model: string, partition: string): MemoryPartition {
    const state = this.#model(operation, model);
    let entry = state.partitions.get(partition);
    if (entry === undefined) {
      entry = { fence: 0, fields: null, checkpoint: null };
      state.partitions.set(partition, entry);
    }
    return entry;
  }
}
