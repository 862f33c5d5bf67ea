/**
 * Partition-scoped learner state for scaled-out training (DESIGN §7): each Kafka partition's learner
 * — a full checkpoint and its next offset — lives under the model's hash tag, so when a partition
 * moves to another trainer replica its state and position move with it.
 *
 * A state always continues a published version (its `base`): it holds that version's learner plus
 * the updates of the partition's records [base offset, `offset`). It is only valid while the
 * model's `latest` pointer is still `base`; a merge that publishes a new version therefore retires
 * every state at once, atomically with the publish (see PartitionStateStore.writePartition).
 */

/** One write of a partition's state. */
export interface PartitionWriteRequest {
  model: string;
  /** `topic/partition`. */
  partition: string;
  /** The writer's fence token from acquirePartition. */
  fence: number;
  /** The published version the state continues (null: nothing published yet). */
  base: number | null;
  /** The next offset the state has not applied (decimal string). */
  offset: string;
  /** Samples learned since `base` (the state's mixing weight). */
  samples: number;
  /**
   * Every refused record of the partition below this offset is in the dead-letter topic (decimal
   * string). Kept across rebases, so records re-applied after a merge are not dead-lettered twice.
   */
  deadLettered: string;
  /** The learner's complete checkpoint. */
  checkpoint: Uint8Array;
  /** Which replica wrote it (diagnostics only). */
  owner: string;
  /** Milliseconds since the Unix epoch, set by the writer. */
  writtenAt: number;
}

export type PartitionWriteResult =
  /** Stored; `seq` counts the partition's writes (any writer). */
  | { status: 'ok'; seq: number }
  /**
   * Not stored: `latest` moved away from the request's base (a merge or a rollback published a new
   * version). The writer must rebase its learner on `latest` and re-apply from that version's offset.
   */
  | { status: 'stale-base'; latest: number | null };

/** What a stored partition state says about itself, without the checkpoint blob. */
export interface PartitionSummary {
  model: string;
  partition: string;
  base: number | null;
  offset: string;
  samples: number;
  deadLettered: string;
  fence: number;
  /** Writes of this partition's state so far (1 for the first). */
  seq: number;
  owner: string;
  writtenAt: number;
  bytes: number;
  /** Lowercase hex SHA-256 of the checkpoint. */
  sha256: string;
}

export interface StoredPartitionState extends PartitionSummary {
  /** The checkpoint, checksum verified. */
  checkpoint: Buffer;
}

/**
 * Partition states of scaled-out trainers. RedisPartitionStore and MemoryPartitionStore implement it
 * with the same semantics.
 */
export interface PartitionStateStore {
  /**
   * A new fence token for one partition (INCR). Only the holder of the current token may write the
   * partition's state, so a replica that lost the partition (a paused "zombie") cannot overwrite
   * the state its new owner continues.
   */
  acquirePartition(model: string, partition: string): Promise<number>;
  /**
   * Atomically: refuse a stale fence (StalePartitionFenceError), refuse a base that is not the
   * model's `latest` (result `stale-base`), refuse an offset below the one this fence already wrote
   * on this base (PartitionNotForwardError); else store the state.
   */
  writePartition(request: PartitionWriteRequest): Promise<PartitionWriteResult>;
  /** Every stored partition state of the model, without blobs, sorted by partition key. */
  listPartitions(model: string): Promise<PartitionSummary[]>;
  /** One partition state with its checkpoint (verified); null when none is stored. */
  readPartition(model: string, partition: string): Promise<StoredPartitionState | null>;
  /** Takes the model's merge lock for `ttlMs` unless another owner holds it. */
  tryMixLock(model: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the merge lock if `owner` still holds it; true when it did. */
  releaseMixLock(model: string, owner: string): Promise<boolean>;
  /** Deletes every partition state, fence and the lock of the model (tests, cleanup). */
  deletePartitions(model: string): Promise<void>;
  close(): Promise<void>;
}
