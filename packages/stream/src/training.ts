import { concatMap, defer, EMPTY, expand, lastValueFrom, of, takeWhile, type Subscription } from 'rxjs';
import type { ModelStore, VersionMeta } from '@streamlr/store';
import { fromBatches } from './batches.js';
import type { DeadLetterSink } from './dead-letters.js';
import { FencedError, OffsetOutOfRangeError, StreamError, withRetry } from './errors.js';
import type { StreamLearner } from './learner.js';
import { deadLetterStep } from './operators/dead-letter-step.js';
import { decodeStep } from './operators/decode-step.js';
import { learnStep } from './operators/learn-step.js';
import type { PendingStep, RecordStep } from './operators/record-step.js';
import { skipAppliedRecords } from './operators/skip-applied-records.js';
import { SnapshotSchedule, type SnapshotScheduleOptions } from './operators/snapshot-schedule.js';
import { Positions } from './positions.js';
import { partitionKey, type BatchContext, type StreamAdmin, type StreamConsumer, type TopicPartition } from './transport.js';

/** What the pipeline reports as it goes (metrics and logs are wired by the service). */
export interface TrainingEvents {
  /** Per chunk: records learned, refused by reason, skipped as already applied. */
  progress?(learned: number, refused: ReadonlyMap<string, number>, skipped: number): void;
  lag?(topic: string, partition: number, lag: number): void;
  snapshotPublished?(meta: VersionMeta, seconds: number): void;
  snapshotFailed?(error: unknown, attempt: number): void;
  /** Something an operator must know (positions that went backwards, gaps, fences). */
  warn?(message: string, fields: Record<string, unknown>): void;
  info?(message: string, fields: Record<string, unknown>): void;
}

export interface TrainingOptions {
  readonly model: string;
  readonly topics: readonly string[];
  /** Kafka group; the committed offsets are a progress hint only. */
  readonly groupId: string;
  readonly schedule: SnapshotScheduleOptions;
  /** Start a new version line from a fresh learner instead of resuming the latest snapshot. */
  readonly reset: boolean;
  /** Records per processing step between heartbeats and schedule checks; default 1,024. */
  readonly chunkSize?: number;
  /** Extra fields stored in every snapshot header (hyperparameters are the learner's). */
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly now?: () => number;
}

export interface TrainingParts<S> {
  readonly learner: StreamLearner<S>;
  readonly consumer: StreamConsumer;
  readonly admin: StreamAdmin;
  readonly store: ModelStore;
  readonly deadLetters: DeadLetterSink;
  readonly events?: TrainingEvents;
}

export type TrainingState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

const STOP = Symbol('stop');

/**
 * A heartbeat inside a batch failed: the group is rebalancing, or the coordinator forgot this
 * member (its session expired, e.g. while an idle-time snapshot waited for the store), or the
 * broker is unreachable. The batch ends there, having resolved only applied records; this is the
 * client's business (it rejoins or restarts), not a reason to stop training.
 */
class MembershipLost {
  constructor(readonly cause: unknown) {}
}

/**
 * Kafka → decode → (DLQ | learn) → snapshot → commit, with the delivery rules of DESIGN section 6:
 * the snapshot's offsets are the source of truth; every assignment seeks to them and records below
 * them are skipped; Kafka commits follow a published snapshot; publishing is fenced by a writer epoch.
 */
export class TrainingPipeline<S> {
  private readonly positions = new Positions();
  private readonly schedule: SnapshotSchedule;
  private readonly chunkSize: number;
  private readonly now: () => number;
  private epoch: number | null = null;
  private publishedVersion = 0;
  /** Version numbers continue from here (forward-only publishing), even after a reset. */
  private versionBase = 0;
  private assigned: readonly TopicPartition[] = [];
  private stopping = false;
  private done: Promise<void> = Promise.resolve();
  private settle: { resolve: () => void; reject: (error: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
  private subscription: Subscription | null = null;
  /** Batches and idle-time snapshots take turns: one at a time touches the learner. */
  private turn: Promise<unknown> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | null = null;
  private failure: unknown = undefined;
  private parent: number | null = null;
  state: TrainingState = 'created';

  constructor(
    private readonly parts: TrainingParts<S>,
    private readonly options: TrainingOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.schedule = new SnapshotSchedule(options.schedule, this.now);
    this.chunkSize = options.chunkSize ?? 1024;
    if (!(Number.isInteger(this.chunkSize) && this.chunkSize > 0)) throw new TypeError('chunkSize: must be a whole number > 0');
    if (options.topics.length === 0) throw new TypeError('topics: at least one topic is required');
  }

  /** The newest version this pipeline published (or resumed from). */
  get version(): number {
    return this.publishedVersion;
  }

  get partitions(): readonly TopicPartition[] {
    return this.assigned;
  }

  get position(): Readonly<Record<string, string>> {
    return this.positions.toRecord();
  }

  /** Loads the latest snapshot (unless reset), then starts consuming. */
  async start(): Promise<void> {
    this.state = 'starting';
    const { store, consumer, admin } = this.parts;
    const latest = await store.latestVersion(this.options.model);
    this.versionBase = latest ?? 0;
    if (latest !== null && !this.options.reset) {
      await this.resume(latest);
    } else {
      this.parts.learner.reset();
      this.publishedVersion = 0;
      this.parent = null;
      if (latest !== null) {
        this.parts.events?.info?.('reset: starting a new version line from a fresh learner', { model: this.options.model, after: latest });
      }
    }
    await admin.connect();
    await consumer.connect();
    this.state = 'running';
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Surface failures to whoever awaits `finished`; avoid an unhandled rejection meanwhile.
    this.done.catch(() => undefined);
    this.subscription = fromBatches(consumer, {
      topics: this.options.topics,
      fromBeginning: true,
      onAssign: (assigned) => this.onAssign(assigned),
    })
      .pipe(concatMap((work) => this.exclusive(() => this.processBatch(work.batch)).then(work.done, (error: unknown) => {
        if (error instanceof MembershipLost) {
          // The client's own error goes back to it (it rejoins the group; the next assignment
          // seeks to the learner's positions); the pipeline itself goes on.
          work.fail(error.cause);
          return;
        }
        work.fail(error);
        throw error;
      })))
      .subscribe({
        error: (error: unknown) => {
          this.failure = error;
          this.state = 'failed';
          this.settle.reject(error);
        },
        complete: () => this.settle.resolve(),
      });
    this.startIdleSnapshots();
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.turn.then(task, task);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /**
   * The time trigger must also fire when no batch arrives (the stream went quiet after the last
   * records): between batches, a timer publishes a due snapshot.
   */
  private startIdleSnapshots(): void {
    const intervalMs = this.options.schedule.intervalMs;
    if (intervalMs <= 0) return;
    this.idleTimer = setInterval(() => {
      if (!this.schedule.isDue() || this.stopping) return;
      this.exclusive(() => (this.schedule.isDue() && !this.stopping ? this.snapshot() : Promise.resolve(null))).catch((error: unknown) => {
        this.failure = error;
        this.state = 'failed';
        this.settle.reject(error);
      });
    }, Math.max(50, Math.min(1_000, intervalMs / 4)));
    this.idleTimer.unref();
  }

  /** Settles when consumption ends (rejects with the reason when it failed). */
  get finished(): Promise<void> {
    return this.done;
  }

  get error(): unknown {
    return this.failure;
  }

  private async resume(version: number): Promise<void> {
    const checkpoint = await this.parts.store.getCheckpoint(this.options.model, version);
    const restored = this.parts.learner.restore(checkpoint.data);
    for (const [key, offset] of Object.entries(restored.offsets)) {
      const slash = key.lastIndexOf('/');
      this.positions.set(key.slice(0, slash), Number(key.slice(slash + 1)), BigInt(offset));
    }
    this.publishedVersion = version;
    this.versionBase = Math.max(this.versionBase, version);
    this.parent = version;
    this.parts.events?.info?.('resumed from snapshot', {
      model: this.options.model,
      version,
      samplesSeen: restored.samplesSeen,
      offsets: restored.offsets,
    });
  }

  /**
   * On every assignment: take the writer epoch (fencing any older writer), pick up a newer
   * snapshot another writer published meanwhile, and seek each partition to the learner's position.
   */
  private async onAssign(assigned: readonly TopicPartition[]): Promise<void> {
    this.assigned = assigned;
    if (assigned.length === 0) return;
    const { store, admin, consumer, events } = this.parts;
    this.epoch = await store.acquireEpoch(this.options.model);
    const latest = await store.latestVersion(this.options.model);
    if (latest !== null && latest > this.publishedVersion && latest > this.versionBase) {
      events?.warn?.('a newer snapshot was published by another writer: resuming from it', {
        model: this.options.model,
        ours: this.publishedVersion,
        latest,
      });
      await this.resume(latest);
    }
    for (const topic of new Set(assigned.map((tp) => tp.topic))) {
      const marks = await admin.watermarks(topic);
      const committed = await admin.committedOffsets(this.options.groupId, topic).catch(() => new Map<number, string | null>());
      for (const { partition } of assigned.filter((tp) => tp.topic === topic)) {
        const mark = marks.find((m) => m.partition === partition);
        if (mark === undefined) throw new StreamError(`${topic}/${partition}: no watermarks (topic deleted?)`);
        const low = BigInt(mark.low);
        const high = BigInt(mark.high);
        let next = this.positions.get(topic, partition);
        const hint = committed.get(partition);
        if (next === undefined) {
          // The group consumed this partition for a model the store no longer has (Redis lost it):
          // rebuilding from a log that lost its start would be a silent jump ahead.
          if (low > 0n && hint !== undefined && hint !== null && !this.options.reset) {
            throw new OffsetOutOfRangeError(topic, partition, '0', mark.low, hint);
          }
          // The learner never saw this partition: everything the log still holds is new to it.
          if (low > 0n) events?.warn?.('partition new to the model starts after deleted records', { topic, partition, logStart: mark.low });
          next = low;
          this.positions.set(topic, partition, next);
        } else if (next < low) {
          throw new OffsetOutOfRangeError(topic, partition, next.toString(), mark.low);
        } else if (next > high) {
          throw new StreamError(
            `${topic}/${partition}: the snapshot continues at offset ${next} but the log ends at ${mark.high} ` +
              '(topic recreated?); refusing to guess — retrain with --reset',
          );
        }
        if (hint !== undefined && hint !== null && BigInt(hint) > next) {
          events?.warn?.('the group committed past the snapshot (snapshot lost or older): re-applying from the snapshot', {
            topic,
            partition,
            committed: hint,
            snapshot: next.toString(),
          });
        }
        consumer.seek({ topic, partition, offset: next.toString() });
      }
    }
    events?.info?.('assigned', { model: this.options.model, partitions: assigned.map((tp) => partitionKey(tp.topic, tp.partition)), epoch: this.epoch });
  }

  private processBatch(batch: BatchContext): Promise<void> {
    const key = partitionKey(batch.topic, batch.partition);
    const { learner, deadLetters, events } = this.parts;
    const live = (): boolean => batch.isRunning() && !batch.isStale() && !this.stopping;
    let learned = 0;
    let skipped = 0;
    const refused = new Map<string, number>();
    let lastHandled: string | null = null;

    /**
     * Runs records [start, …) through the step operators (each a loop over the step's records);
     * returns where it stopped. The position moves once per step, past the last handled record,
     * after every update of the step (a failure in between publishes nothing: the pipeline fails).
     */
    const trainStep = (start: number): number => {
      // The count trigger is exact: a step never runs past the record that makes a snapshot due.
      const end = Math.min(batch.messages.length, start + this.chunkSize, start + this.schedule.remaining());
      const step: RecordStep = { topic: batch.topic, partition: batch.partition, key, records: batch.messages, start, end };
      let handled: PendingStep | null = null;
      let failure: { error: unknown } | null = null;
      of(step)
        .pipe(
          skipAppliedRecords(this.positions, (n) => {
            skipped += n;
          }),
          decodeStep((bytes) => learner.decode(bytes)),
          deadLetterStep<S>(deadLetters, ({ rejection }) => {
            refused.set(rejection.reason, (refused.get(rejection.reason) ?? 0) + 1);
          }),
          learnStep(learner, (n) => {
            learned += n;
          }),
        )
        .subscribe({
          next: (done) => {
            handled = done;
          },
          error: (error: unknown) => {
            failure = { error };
          },
        });
      if (failure !== null) throw (failure as { error: unknown }).error;
      const pending = (handled as PendingStep | null)?.pending;
      if (pending !== undefined && pending.length > 0) {
        const last = batch.messages[pending[pending.length - 1]!]!;
        this.positions.advance(key, BigInt(last.offset));
        this.schedule.count(pending.length);
        lastHandled = last.offset;
      }
      return end;
    };

    // An asynchronous loop over steps: `expand` runs one step at a time, so the liveness check,
    // the heartbeat and a due snapshot happen between steps, never in the middle of one.
    return lastValueFrom(
      of(0).pipe(
        expand((cursor) =>
          typeof cursor !== "number" || cursor >= batch.messages.length
            ? EMPTY
            : defer(async () => {
                if (!live()) return STOP;
                const next = trainStep(cursor);
                if (lastHandled !== null) batch.resolveOffset(lastHandled);
                events?.progress?.(learned, refused, skipped);
                learned = 0;
                skipped = 0;
                refused.clear();
                if (this.schedule.isDue()) await this.snapshot(() => batch.heartbeat());
                try {
                  await batch.heartbeat();
                } catch (error) {
                  throw new MembershipLost(error);
                }
                return next;
              }),
        ),
        takeWhile((r): r is number => r !== STOP),
      ),
      { defaultValue: 0 },
    ).then(async () => {
      // Refused records count as handled only once the DLQ has them.
      await deadLetters.flush();
      const last = batch.messages[batch.messages.length - 1];
      if (last !== undefined) {
        events?.lag?.(batch.topic, batch.partition, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n)));
      }
    });
  }

  /**
   * Publishes the learner's state with its position, then commits that position to Kafka. A
   * Redis outage pauses here (training stops, heartbeats go on) until the store is back.
   */
  async snapshot(heartbeat: () => Promise<void> = async () => undefined): Promise<VersionMeta | null> {
    const { learner, store, deadLetters, consumer, events } = this.parts;
    if (this.epoch === null) return null;
    await deadLetters.flush();
    const started = this.now();
    const version = Math.max(this.publishedVersion, this.versionBase) + 1;
    const offsets = this.positions.toRecord();
    const progressive = learner.progressive();
    const context = {
      model: this.options.model,
      version,
      createdAt: this.now(),
      offsets,
      ...(this.options.extra === undefined ? {} : { extra: this.options.extra }),
    };
    const blobs = learner.snapshot(context);
    const meta: VersionMeta = {
      model: this.options.model,
      version,
      createdAt: context.createdAt,
      samplesSeen: learner.samplesSeen,
      metrics: progressive,
      offsets,
      epoch: this.epoch,
      ...(this.parent === null ? {} : { parent: this.parent }),
    };
    const epoch = this.epoch;
    try {
      await withRetry(
        () => store.publish({ model: this.options.model, epoch, version, checkpoint: blobs.checkpoint, serving: blobs.serving, meta }),
        {
          shouldStop: () => this.stopping && this.state === 'stopped',
          onRetry: async (error, attempt) => {
            events?.snapshotFailed?.(error, attempt);
            await heartbeat().catch(() => undefined);
          },
        },
      );
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      if (name === 'StaleEpochError' || name === 'VersionNotForwardError') {
        this.state = 'failed';
        const storeEpoch = (error as { currentEpoch?: unknown }).currentEpoch;
        throw new FencedError(this.options.model, { cause: error, epoch, ...(typeof storeEpoch === 'number' ? { storeEpoch } : {}) });
      }
      throw error;
    }
    this.publishedVersion = version;
    this.parent = version;
    this.schedule.taken();
    events?.snapshotPublished?.(meta, (this.now() - started) / 1000);
    // Kafka's committed offsets are a progress hint, so a failed commit is only logged.
    const owned = new Set(this.assigned.map((tp) => partitionKey(tp.topic, tp.partition)));
    const toCommit = this.positions.toOffsets(new Set(this.options.topics)).filter((o) => owned.has(partitionKey(o.topic, o.partition)));
    await consumer.commit(toCommit).catch((error: unknown) => events?.warn?.('kafka commit failed (hint only)', { error: String(error) }));
    return meta;
  }

  /**
   * Graceful stop (SIGTERM): stop fetching, finish the step in progress (never resolving an
   * unprocessed offset), publish a final snapshot when anything changed, commit, disconnect.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.done.catch(() => undefined);
    this.stopping = true;
    this.state = 'stopping';
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    const { consumer, admin } = this.parts;
    try {
      // `stopping` makes the batch in progress end at its next step without resolving anything
      // further, and later batches do nothing. The final snapshot and its Kafka commit happen while
      // this member still belongs to the group: kafkajs leaves the group on stop, and a commit
      // after that is refused.
      await this.turn;
      if (this.schedule.sinceLast > 0 && this.failure === undefined) await this.exclusive(() => this.snapshot());
    } finally {
      await consumer.stop().catch(() => undefined);
      this.subscription?.unsubscribe();
      this.settle.resolve();
      this.state = this.failure === undefined ? 'stopped' : 'failed';
      await consumer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }
}
