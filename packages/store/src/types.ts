/** The two blobs of a published version (DESIGN section 5). */
export type BlobPart = 'checkpoint' | 'serving';

/** Progressive-validation metrics recorded with a version. */
export interface VersionMetrics {
  logloss: number;
  accuracy: number;
  auc: number;
  /** Number of samples the metrics were computed over. */
  n: number;
}

/** The metadata record of a published version, as written by the trainer. */
export interface VersionMeta {
  model: string;
  version: number;
  /** Milliseconds since the Unix epoch, set by the writer. */
  createdAt: number;
  samplesSeen: number;
  metrics?: VersionMetrics;
  /** `"topic/partition"` → next offset to consume (decimal string), the source of truth for resuming. */
  offsets: Record<string, string>;
  /** Writer epoch that published this version. */
  epoch: number;
  /** Version this one was trained from (absent for a model trained from scratch). */
  parent?: number;
  extra?: Record<string, unknown>;
}

/** Size and checksum the store recorded for a blob at publish time. */
export interface BlobInfo {
  bytes: number;
  /** Lowercase hex SHA-256 of the blob. */
  sha256: string;
}

/** VersionMeta plus the store's own integrity record of both blobs. */
export interface StoredVersionMeta extends VersionMeta {
  blobs: Record<BlobPart, BlobInfo>;
}

/**
 * Metadata supplied to publish. `model`, `version` and `epoch` come from the request; if they are
 * also present here they must agree with it.
 */
export type PublishMeta = Omit<VersionMeta, 'model' | 'version' | 'epoch'> &
  Partial<Pick<VersionMeta, 'model' | 'version' | 'epoch'>>;

export interface PublishRequest {
  model: string;
  /** The writer epoch from acquireEpoch. */
  epoch: number;
  /** Must be above every version ever published for the model. */
  version: number;
  checkpoint: Uint8Array;
  serving: Uint8Array;
  meta: PublishMeta;
}

export interface PublishResult {
  model: string;
  version: number;
  epoch: number;
  /** Version `latest` pointed to before (null for the first version). */
  previous: number | null;
  /** Versions deleted to keep the last K. */
  trimmed: number[];
  /**
   * True when this exact version (same epoch, same checksums) was already stored: a retry after an
   * ambiguous failure (connection lost after the script ran). Nothing was written or notified.
   */
  duplicate: boolean;
  meta: StoredVersionMeta;
}

export interface RollbackResult {
  model: string;
  version: number;
  previous: number | null;
  /**
   * The new writer epoch. Rollback always bumps the epoch so that a running trainer is fenced and
   * must reload; the caller holds this epoch and may publish with it (a CLI just drops it).
   */
  epoch: number;
}

/** A blob read back from the store, checksum verified. */
export interface StoredBlob {
  model: string;
  version: number;
  part: BlobPart;
  data: Buffer;
  meta: StoredVersionMeta;
}

export interface VersionNotification {
  model: string;
  version: number;
  event: 'publish' | 'rollback';
  /** The epoch current after the event. */
  epoch: number;
}

export type Unsubscribe = () => Promise<void>;

export interface SubscribeOptions {
  /** Called when a handler throws; by default such errors are dropped (notifications are hints). */
  onError?: (error: unknown) => void;
}

/**
 * The model store: versioned snapshots with fenced, forward-only publishing.
 * RedisModelStore and MemoryModelStore implement it with the same semantics.
 */
export interface ModelStore {
  /** A new writer epoch (INCR). Only the holder of the current epoch may publish. */
  acquireEpoch(model: string): Promise<number>;
  /** The current writer epoch (0 before any acquireEpoch). */
  currentEpoch(model: string): Promise<number>;
  /** Atomically writes both blobs and the meta, moves `latest`, trims, notifies. */
  publish(request: PublishRequest): Promise<PublishResult>;
  latestVersion(model: string): Promise<number | null>;
  /** Null when the version is not stored. */
  getMeta(model: string, version: number): Promise<StoredVersionMeta | null>;
  /** Throws VersionNotFoundError when not stored, CorruptBlobError when the checksum fails. */
  getServing(model: string, version: number): Promise<StoredBlob>;
  getCheckpoint(model: string, version: number): Promise<StoredBlob>;
  /** The blob of the version `latest` points to; null when nothing is published. */
  getLatest(model: string, part: BlobPart): Promise<StoredBlob | null>;
  /** Metadata of every kept version, newest (highest version) first. */
  list(model: string): Promise<StoredVersionMeta[]>;
  /** Points `latest` at a kept version and bumps the epoch; see RollbackResult. */
  rollback(model: string, version: number, epoch?: number): Promise<RollbackResult>;
  /** Notification hint on publish and rollback; consumers must also poll latestVersion. */
  subscribe(
    model: string,
    onVersion: (notification: VersionNotification) => void,
    options?: SubscribeOptions,
  ): Promise<Unsubscribe>;
  /** Deletes every key of the model (tests, cleanup). */
  deleteModel(model: string): Promise<void>;
  close(): Promise<void>;
}
