import { filter, from } from 'rxjs';
import type { ModelStore, PublishResult, VersionMeta } from '@streamlr/store';
import type { DeadLetterSink, Rejection } from './dead-letters.js';
import { StreamError, withRetry } from './errors.js';
import type { ProgressiveFigures, StreamLearner } from './learner.js';
import { decodeRecords } from './operators/decode-records.js';
import { deadLetter } from './operators/dead-letter.js';
import type { Accepted, Decoded, Envelope } from './operators/envelope.js';
import { learnSamples } from './operators/learn-samples.js';
import { skipApplied } from './operators/skip-applied.js';
import { Positions } from './positions.js';
import { partitionKey, type BatchContext, type StreamAdmin, type StreamConsumer, type TopicPartition } from './transport.js';

/**
 * Replay (DESIGN sections 1 and 10): train a new model from a range of a topic's history and
 * publish it as ONE new version of a model name of its own. It reads with a consumer group of its
 * own (never the live trainer's, and it commits nothing, so the group leaves no offsets behind),
 * runs the records through the same per-record operators as the trainer, and never touches the
 * live model: it refuses a model name that already has versions unless told otherwise.
 */

/** Where the replayed range starts. */
export type ReplayStart = { readonly kind: 'beginning' } | { readonly kind: 'timestamp'; readonly timestamp: number };

export interface ReplayOptions {
  /** The model name the new version is published to. */
  readonly model: string;
  readonly topic: string;
  /** Consumer group of this replay: unique per run, never the live trainer's (see `replayGroupId`). */
  readonly groupId: string;
  /** Default: the log start of each partition. */
  readonly from?: ReplayStart;
  /** Exclusive end, ms since the Unix epoch: records with an earlier timestamp. Default: the high watermark when the replay starts. */
  readonly until?: number;
  /** Passes over the range; default 1. */
  readonly epochs?: number;
  /** Publish even when the model already has versions (fences whatever writes to it); default false. */
  readonly allowExisting?: boolean;
  /** Records per processing step between heartbeats and liveness checks; default 1,024. */
  readonly chunkSize?: number;
  /** Extra fields stored in the snapshot header and the version's meta. */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Attempts for a publish that fails with a retriable store error; default 5. */
  readonly publishAttempts?: number;
  /** Aborting stops reading and publishes nothing (the promise rejects with a StreamError). */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}

export const DEFAULT_REPLAY_OPTIONS = { epochs: 1, allowExisting: false, chunkSize: 1024, publishAttempts: 5 } as const;

export interface ReplayParts<S> {
  /** A fresh learner: the replay trains from scratch. */
  readonly learner: StreamLearner<S>;
  /** A consumer of `options.groupId`. */
  readonly consumer: StreamConsumer;
  readonly admin: StreamAdmin;
  readonly store: ModelStore;
  /**
   * Where refused records go. Default none: the live trainer already dead-lettered them when they
   * first arrived, so a replay only counts them (sending them again would duplicate the DLQ).
   */
  readonly deadLetters?: DeadLetterSink;
  readonly events?: ReplayEvents;
}

export interface ReplayEvents {
  /** Resolved range, before reading. `total` = records in the range × epochs (an upper bound when offsets have gaps). */
  planned?(plan: ReplayPlan, total: number): void;
  /** Records handled (learned + refused) since the last call. */
  progress?(handled: number): void;
  /** Every partition finished `epoch` (1-based); figures are the learner's progressive metrics then. */
  epochDone?(epoch: number, figures: ProgressiveFigures): void;
  info?(message: string, fields: Record<string, unknown>): void;
}

/** The offsets range of one partition: [start, end). */
export interface PartitionRange extends TopicPartition {
  readonly start: string;
  readonly end: string;
}

export interface ReplayPlan {
  readonly topic: string;
  readonly partitions: readonly PartitionRange[];
  /** Records in the range (one epoch), counted by offsets. */
  readonly records: number;
}

export interface ReplayResult {
  readonly model: string;
  readonly version: number;
  readonly plan: ReplayPlan;
  /** Progressive metrics at the end of each epoch. */
  readonly epochs: readonly ProgressiveFigures[];
  /** Updates applied, over all epochs. */
  readonly learned: number;
  /** Records refused by the decoder, by reason, over all epochs. */
  readonly refused: ReadonlyMap<string, number>;
  readonly published: PublishResult;
  readonly seconds: number;
}

/** A consumer group name for one replay run: `streamlr-replay.<model>.<time>.<nonce>`. */
export function replayGroupId(model: string, now: number, nonce: string): string {
  return `streamlr-replay.${model}.${now.toString(36)}.${nonce}`;
}

/** Resolves the per-partition [start, end) offsets of a replay from the watermarks and timestamps. */
export async function planReplay(admin: StreamAdmin, topic: string, start: ReplayStart, until: number | undefined): Promise<ReplayPlan> {
  let marks;
  try {
    marks = await admin.watermarks(topic);
  } catch (error) {
    throw new StreamError(`topic '${topic}': cannot read its offsets (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  if (marks.length === 0) throw new StreamError(`topic '${topic}': no partitions (does it exist?)`);
  const starts = start.kind === 'timestamp' ? await admin.offsetsForTimestamp(topic, start.timestamp) : undefined;
  const ends = until === undefined ? undefined : await admin.offsetsForTimestamp(topic, until);
  const partitions: PartitionRange[] = [];
  let records = 0n;
  for (const mark of marks) {
    const low = BigInt(mark.low);
    const high = BigInt(mark.high);
    const at = (list: typeof starts, fallback: bigint): bigint => {
      const found = list?.find((o) => o.partition === mark.partition);
      return found === undefined ? fallback : BigInt(found.offset);
    };
    // Clamped to what the log holds now: records written while the replay runs are not part of it.
    const first = max(low, min(high, at(starts, low)));
    const end = max(first, min(high, at(ends, high)));
    partitions.push({ topic, partition: mark.partition, start: first.toString(), end: end.toString() });
    records += end - first;
  }
  return { topic, partitions, records: Number(records) };
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

interface PartitionState {
  readonly start: bigint;
  readonly end: bigint;
  /** The epoch this partition is in (1-based); `epochs + 1` once it is done. */
  epoch: number;
}

/**
 * Reads the planned range `epochs` times, learning every record, then publishes one version with
 * the end offsets as its position (a trainer started on that model continues from there).
 *
 * Each partition runs its epochs on its own: when it reaches its end offset it is seeked back to
 * its start, without waiting for the other partitions (their order relative to each other is
 * Kafka's interleaving in any case). Records below the epoch's start are skipped (a seek is
 * deferred and can race a fetch), records at or past the end are ignored, and batches that a
 * pending seek made stale are ignored whole.
 */
export async function replay<S>(parts: ReplayParts<S>, options: ReplayOptions): Promise<ReplayResult> {
  const epochs = options.epochs ?? DEFAULT_REPLAY_OPTIONS.epochs;
  const chunkSize = options.chunkSize ?? DEFAULT_REPLAY_OPTIONS.chunkSize;
  const attempts = options.publishAttempts ?? DEFAULT_REPLAY_OPTIONS.publishAttempts;
  const now = options.now ?? Date.now;
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new TypeError(`epochs: must be a whole number ≥ 1, got ${epochs}`);
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) throw new TypeError(`chunkSize: must be a whole number ≥ 1, got ${chunkSize}`);
  if (options.groupId === '') throw new TypeError('groupId: must not be empty');
  const { learner, consumer, admin, store, events } = parts;
  const started = now();

  const existing = await store.latestVersion(options.model);
  if (existing !== null && options.allowExisting !== true) {
    throw new StreamError(
      `model '${options.model}' already has versions (latest ${existing}); a replay publishes to a new model name ` +
        '(allow an existing one explicitly to publish a new version of it, which fences its trainer)',
    );
  }

  await admin.connect();
  let plan: ReplayPlan;
  try {
    plan = await planReplay(admin, options.topic, options.from ?? { kind: 'beginning' }, options.until);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  if (plan.records === 0) {
    throw new StreamError(`topic '${options.topic}': the replay range holds no records (${describeRange(options)}); nothing to train on`);
  }
  events?.planned?.(plan, plan.records * epochs);

  const states = new Map<string, PartitionState>();
  const positions = new Positions();
  for (const range of plan.partitions) {
    const start = BigInt(range.start);
    const end = BigInt(range.end);
    states.set(partitionKey(range.topic, range.partition), { start, end, epoch: start < end ? 1 : epochs + 1 });
    positions.set(range.topic, range.partition, start);
  }
  const figures: ProgressiveFigures[] = [];
  const refused = new Map<string, number>();
  let learned = 0;
  let completedEpochs = 0;

  const pending = (): boolean => [...states.values()].some((s) => s.epoch <= epochs);
  const noteEpochs = (): void => {
    const done = Math.min(...[...states.values()].map((s) => s.epoch - 1));
    while (completedEpochs < Math.min(done, epochs)) {
      completedEpochs++;
      const snapshot = learner.progressive();
      figures.push(snapshot);
      events?.epochDone?.(completedEpochs, snapshot);
    }
  };
  noteEpochs();

  const onReject = (envelope: Envelope, rejection: Rejection): void => {
    refused.set(rejection.reason, (refused.get(rejection.reason) ?? 0) + 1);
    positions.advance(envelope.key, envelope.offset);
  };
  const refuse = parts.deadLetters === undefined
    ? filter((decoded: Decoded<S>): decoded is Accepted<S> => {
        if (!decoded.ok) onReject(decoded.envelope, decoded.error);
        return decoded.ok;
      })
    : deadLetter<S>(parts.deadLetters, onReject);

  /** Records of one partition through the per-record operators; returns how many were handled (learned or refused). */
  const step = (state: PartitionState, records: readonly Envelope[]): number => {
    const before = learned + sum(refused);
    from(records)
      .pipe(
        skipApplied(positions, () => undefined),
        filter((envelope) => envelope.offset < state.end),
        decodeRecords((bytes) => learner.decode(bytes)),
        refuse,
        learnSamples(learner, ({ envelope }) => {
          learned++;
          positions.advance(envelope.key, envelope.offset);
        }),
      )
      .subscribe();
    return learned + sum(refused) - before;
  };

  /** The partition reached its end: seek it back to its start for the next epoch, or mark it done. */
  const finishEpoch = (tp: TopicPartition, state: PartitionState): void => {
    state.epoch++;
    if (state.epoch <= epochs) {
      positions.set(tp.topic, tp.partition, state.start);
      consumer.seek({ topic: tp.topic, partition: tp.partition, offset: state.start.toString() });
    }
    noteEpochs();
  };

  let settle: { resolve: () => void; reject: (error: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
  const finished = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Awaited below; until then a rejection (abort, crash) must not count as unhandled.
  finished.catch(() => undefined);

  const eachBatch = async (batch: BatchContext): Promise<void> => {
    const key = partitionKey(batch.topic, batch.partition);
    const state = states.get(key);
    const last = batch.messages[batch.messages.length - 1];
    // A batch from before a pending seek (or of a partition outside the plan) is not this epoch's data.
    if (state === undefined || batch.isStale() || last === undefined) return;
    if (state.epoch > epochs) {
      // Done: let the client move past what it fetched (it would refetch it otherwise).
      batch.resolveOffset(last.offset);
      return;
    }
    for (let i = 0; i < batch.messages.length && batch.isRunning() && !batch.isStale(); i += chunkSize) {
      const envelopes: Envelope[] = [];
      for (const record of batch.messages.slice(i, i + chunkSize)) {
        envelopes.push({ topic: batch.topic, partition: batch.partition, key, offset: BigInt(record.offset), record });
      }
      const handled = step(state, envelopes);
      batch.resolveOffset(envelopes[envelopes.length - 1]!.record.offset);
      if (handled > 0) events?.progress?.(handled);
      const position = positions.get(batch.topic, batch.partition) ?? state.start;
      // The end is reached when the position gets there or a record at or past it shows up (offsets
      // can have gaps). Not handled: a range whose last offsets are only transaction markers at the
      // very end of the log (kafkajs never hands those over); streamlr's producers are not transactional.
      const pastEnd = envelopes.some((e) => e.offset >= state.end);
      if (position >= state.end || pastEnd) {
        // Refused records are done only once the DLQ has them (when there is one).
        await parts.deadLetters?.flush();
        finishEpoch(batch, state);
        if (!pending()) settle.resolve();
        break; // the rest of this batch is past the end or stale after the seek
      }
      await batch.heartbeat();
    }
  };

  const onAbort = (): void => settle.reject(new StreamError(`replay of '${options.topic}' stopped before the end: nothing published`));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();
  if (pending()) {
    await consumer.connect();
    try {
      consumer.onCrash((error) => settle.reject(error));
      await consumer.run({
        topics: [options.topic],
        fromBeginning: true,
        onAssign: async (assigned) => {
          for (const tp of assigned) {
            const state = states.get(partitionKey(tp.topic, tp.partition));
            if (state === undefined || state.epoch > epochs) continue;
            // Continue the partition's current epoch where it got to (its start on the first
            // assignment; after a rebalance, records below the position are already learned).
            const position = positions.get(tp.topic, tp.partition) ?? state.start;
            consumer.seek({ ...tp, offset: position.toString() });
          }
        },
        eachBatch: (batch) => eachBatch(batch).catch((error: unknown) => {
          settle.reject(error);
          throw error;
        }),
      });
      await finished;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      await consumer.stop().catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
    }
  }
  if (options.signal?.aborted === true) await finished;
  noteEpochs();

  const offsets: Record<string, string> = {};
  for (const range of plan.partitions) offsets[partitionKey(range.topic, range.partition)] = range.end;
  const published = await publishReplay(store, learner, options, offsets, now, attempts);
  events?.info?.('replay published', { model: options.model, version: published.version, offsets });
  return {
    model: options.model,
    version: published.version,
    plan,
    epochs: figures,
    learned,
    refused,
    published,
    seconds: (now() - started) / 1000,
  };
}

function describeRange(options: ReplayOptions): string {
  const from = options.from?.kind === 'timestamp' ? `from ${new Date(options.from.timestamp).toISOString()}` : 'from the log start';
  const until = options.until === undefined ? 'to the end' : `until ${new Date(options.until).toISOString()}`;
  return `${from} ${until}`;
}

function sum(counts: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of counts.values()) n += v;
  return n;
}

async function publishReplay<S>(
  store: ModelStore,
  learner: StreamLearner<S>,
  options: ReplayOptions,
  offsets: Record<string, string>,
  now: () => number,
  attempts: number,
): Promise<PublishResult> {
  const epoch = await store.acquireEpoch(options.model);
  const kept = await store.list(options.model);
  const latest = await store.latestVersion(options.model);
  // Forward-only: above the pointer and every kept version (a rollback can leave newer ones kept).
  const version = Math.max(latest ?? 0, ...kept.map((m) => m.version)) + 1;
  const createdAt = now();
  const blobs = learner.snapshot({
    model: options.model,
    version,
    createdAt,
    offsets,
    ...(options.extra === undefined ? {} : { extra: options.extra }),
  });
  const meta: Omit<VersionMeta, 'model' | 'version' | 'epoch'> = {
    createdAt,
    samplesSeen: learner.samplesSeen,
    metrics: learner.progressive(),
    offsets,
    ...(options.extra === undefined ? {} : { extra: { ...options.extra } }),
  };
  return withRetry(
    () => store.publish({ model: options.model, epoch, version, checkpoint: blobs.checkpoint, serving: blobs.serving, meta }),
    { attempts },
  );
}
