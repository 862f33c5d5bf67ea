import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { concatMap, defer, EMPTY, expand, from, lastValueFrom, of, takeWhile, type Subscription } from 'rxjs';
import type { ModelStore, PartitionStateStore, PartitionSummary, StoredPartitionState, Unsubscribe, VersionMeta } from '@streamlr/store';
import { fromBatches } from './batches.js';
import type { DeadLetterSink, Rejection } from './dead-letters.js';
import { FencedError, OffsetOutOfRangeError, StreamError, withRetry } from './errors.js';
import type { ProgressiveFigures, StreamLearner, WeightFigures } from './learner.js';
import { decodeRecords } from './operators/decode-records.js';
import { deadLetterOnce } from './operators/dead-letter-once.js';
import type { Envelope } from './operators/envelope.js';
import { learnSamples } from './operators/learn-samples.js';
import { skipApplied } from './operators/skip-applied.js';
import { SnapshotSchedule, type SnapshotScheduleOptions } from './operators/snapshot-schedule.js';
import { partitionCheckpoint } from './partition-checkpoint.js';
import type { PartitionContribution, PartitionMixer } from './partition-mixer.js';
import { Positions } from './positions.js';
import type { TrainingEvents, TrainingState } from './training.js';
import { partitionKey, type BatchContext, type StreamAdmin, type StreamConsumer, type TopicPartition } from './transport.js';

/**
 * Scaled-out training (DESIGN §7): several trainer replicas in one consumer group, one learner per
 * Kafka partition, merged through Redis by iterative parameter mixing (McDonald, Hall & Mann 2010).
 *
 * State and its invariant. The published version `latest` (the *base*) is a complete learner and
 * the offsets it includes. Each partition p has at most one stored state (PartitionStateStore): a
 * checkpoint of the base's learner plus the updates of p's records [base.offsets[p], offset), and
 * its next offset. A state is valid only while `latest` is its base; the write script refuses a
 * state whose base is not `latest`, and a per-partition fence refuses a replica that lost p.
 *
 * Rounds. Replicas write their partitions' states on the snapshot schedule (`schedule`). After a
 * write, when the mixing schedule is due (`mixing`: samples in the valid states, or time since the
 * base), one replica takes the merge lock and the model's writer epoch (so a slower merger cannot
 * publish over it), reads the valid states, mixes them (PartitionMixer) and publishes the result
 * as the next version with the merged offsets, through the same fenced Lua publish scorers read.
 * Publishing moves `latest`, which retires every state of the round at once.
 *
 * Rebase. A replica learns of a new version by the store's notification, by polling `latest` when
 * idle, or at the latest when its next state write is refused (`stale-base`). It then restores
 * every partition learner from the new version and moves each partition's position to the offset
 * the version includes: records it had learned beyond that were not in the merge and are re-applied
 * on the new base (the consumer seeks back). So every record is in exactly one of: the base, one
 * valid partition state, or the records still to apply — exactly once in effect, whichever replica
 * crashes or takes over a partition (the new owner loads the valid state, or the base).
 *
 * Offsets, DLQ, skipping records below the position, Kafka commits as hints only, and bounded
 * memory follow TrainingPipeline (DESIGN §6); the per-record operators are the same.
 */

export interface MixingScheduleOptions {
  /** Mix once the valid partition states hold this many samples since the base (0 = by time only); default 50,000. */
  readonly every: number;
  /** Mix when this many ms passed since the base was published and anything changed (0 = by count only); default 10 s. */
  readonly intervalMs: number;
}

export const DEFAULT_MIXING_SCHEDULE: MixingScheduleOptions = { every: 50_000, intervalMs: 10_000 };

export interface PartitionedTrainingOptions {
  readonly model: string;
  readonly topics: readonly string[];
  /** Kafka group shared by the replicas; the committed offsets are a progress hint only. */
  readonly groupId: string;
  /** When this replica writes its partitions' states (records handled by this replica, or time). */
  readonly schedule: SnapshotScheduleOptions;
  readonly mixing: MixingScheduleOptions;
  /**
   * Publish a fresh, empty version at start so every replica starts over from the log start
   * (forward-only version numbers continue). Give it to one replica only.
   */
  readonly reset: boolean;
  /** Records per processing step between heartbeats and schedule checks; default 1,024. */
  readonly chunkSize?: number;
  /** Extra fields stored in every header. */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** This replica's name in states and the merge lock; default `<host>-<pid>-<random>`. */
  readonly replicaId?: string;
  /**
   * How long the merge lock is held at most; default 10 s. The lock only saves duplicate work:
   * correctness comes from the writer epoch, so a merge outliving it is still safe.
   */
  readonly lockTtlMs?: number;
  readonly now?: () => number;
}

export interface PartitionedTrainingEvents extends TrainingEvents {
  /** Partition states written by this replica (count, seconds). */
  statesWritten?(count: number, seconds: number): void;
  /**
   * This replica's learners now continue `version`; `replayed` records it had learned are re-applied
   * because the merge did not include them.
   */
  rebased?(version: number | null, replayed: number): void;
}

export interface PartitionedTrainingParts<S> {
  /** A fresh learner for one partition (all replicas must use the same options). */
  readonly createLearner: () => StreamLearner<S>;
  readonly mixer: PartitionMixer;
  readonly consumer: StreamConsumer;
  readonly admin: StreamAdmin;
  readonly store: ModelStore;
  readonly states: PartitionStateStore;
  readonly deadLetters: DeadLetterSink;
  readonly events?: PartitionedTrainingEvents;
}

/** The published version partition learners continue. */
interface Base {
  readonly version: number | null;
  readonly offsets: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly checkpoint: Uint8Array | null;
}

/** One owned partition's learner. */
interface Part<S> {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  learner: StreamLearner<S>;
  /** The base version the learner continues. */
  base: number | null;
  /** Samples learned since the base. */
  samples: number;
  /** This replica's fence token for the partition. */
  fence: number;
  /** The stored state's write counter as of our last read or write (detects other writers). */
  seq: number;
  /** Records handled since the last state write. */
  dirty: number;
  /** Refused records below this offset are in the DLQ already (replays do not send them again). */
  deadLettered: bigint;
  /** When the state last carried the learner's feature names (ms). */
  namedAt: number;
  /**
   * The learner as of the states a merge may include for this partition, on the current base,
   * oldest first: the base itself at the offset it includes (checkpoint null = a fresh learner),
   * then the last few states written. A rebase adds `learner − written` to the new version, for
   * the written state the version includes, instead of replaying.
   */
  written: Written[];
}

interface Written {
  readonly checkpoint: Uint8Array | null;
  readonly offset: bigint;
  readonly samples: number;
}

/**
 * Written states remembered per partition: a merge reads states while their owners go on writing,
 * so the version may include one of the last few rather than the newest.
 */
const WRITTEN_KEPT = 4;

/** How often a partition state carries the names of the heaviest weights (they feed the merged version's). */
const NAMES_EVERY_MS = 10_000;

const STOP = Symbol('stop');

/**
 * A heartbeat inside a batch failed: the group is rebalancing, the coordinator forgot this member,
 * or the broker is unreachable. The batch ends there, having resolved only handled records; the
 * client rejoins (the next assignment seeks to the learners' positions), training goes on.
 */
class MembershipLost {
  constructor(readonly cause: unknown) {}
}
const NOT_PUBLISHED: Base = { version: null, offsets: {}, createdAt: 0, checkpoint: null };

export class PartitionedTrainingPipeline<S> {
  private readonly positions = new Positions();
  /** The partitions this replica owns, with their learners. */
  private readonly owned = new Map<string, Part<S>>();
  private readonly schedule: SnapshotSchedule;
  private readonly chunkSize: number;
  private readonly now: () => number;
  private readonly replicaId: string;
  private readonly lockTtlMs: number;
  private base: Base = NOT_PUBLISHED;
  private assigned: readonly TopicPartition[] = [];
  private stopping = false;
  /** Set by a notification or a refused write: rebase at the next step boundary. */
  private rebaseWanted = false;
  /** A rebase carried records the new version lacks: write the states soon, whatever the schedule. */
  private writeWanted = false;
  private done: Promise<void> = Promise.resolve();
  private settle: { resolve: () => void; reject: (error: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
  private subscription: Subscription | null = null;
  private unsubscribe: Unsubscribe | null = null;
  /** Batches, assignments, timers and rebases take turns: one at a time touches the learners. */
  private turn: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private timerBusy = false;
  /**
   * The group heartbeat of the last batch: long work between batches (a merge, a rebase) keeps the
   * membership alive with it. kafkajs's heartbeat is a group call, valid outside its batch too.
   */
  private heartbeat: () => Promise<void> = async () => undefined;
  private failure: unknown = undefined;
  state: TrainingState = 'created';

  constructor(
    private readonly deps: PartitionedTrainingParts<S>,
    private readonly options: PartitionedTrainingOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.schedule = new SnapshotSchedule(options.schedule, this.now);
    this.chunkSize = options.chunkSize ?? 1024;
    this.replicaId = options.replicaId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.lockTtlMs = options.lockTtlMs ?? 10_000;
    if (!(Number.isInteger(this.chunkSize) && this.chunkSize > 0)) throw new TypeError('chunkSize: must be a whole number > 0');
    if (options.topics.length === 0) throw new TypeError('topics: at least one topic is required');
    const { every, intervalMs } = options.mixing;
    if (!(Number.isInteger(every) && every >= 0)) throw new TypeError('mixing.every: must be a whole number ≥ 0');
    if (!(intervalMs >= 0)) throw new TypeError('mixing.intervalMs: must be ≥ 0');
    if (every === 0 && intervalMs === 0) throw new TypeError('mixing.every/mixing.intervalMs: at least one must be > 0');
    if (!(Number.isInteger(this.lockTtlMs) && this.lockTtlMs > 0)) throw new TypeError('lockTtlMs: must be a whole number > 0');
  }

  /** The published version this replica's learners continue. */
  get version(): number {
    return this.base.version ?? 0;
  }

  get partitions(): readonly TopicPartition[] {
    return this.assigned;
  }

  get position(): Readonly<Record<string, string>> {
    return this.positions.toRecord();
  }

  get replica(): string {
    return this.replicaId;
  }

  /** Progressive metrics over this replica's partition learners (weighted by their window sizes). */
  progressive(): ProgressiveFigures {
    let n = 0;
    const sum = { logloss: 0, accuracy: 0, auc: 0 };
    for (const part of this.owned.values()) {
      const p = part.learner.progressive();
      if (!(p.n > 0)) continue;
      n += p.n;
      sum.logloss += p.logloss * p.n;
      sum.accuracy += p.accuracy * p.n;
      sum.auc += p.auc * p.n;
    }
    return n === 0 ? { logloss: Number.NaN, accuracy: Number.NaN, auc: Number.NaN, n: 0 } : { logloss: sum.logloss / n, accuracy: sum.accuracy / n, auc: sum.auc / n, n };
  }

  /** Weight figures of one of this replica's learners (all are the base plus recent updates). */
  weights(): WeightFigures {
    const first = this.owned.values().next().value as Part<S> | undefined;
    return first === undefined ? { nonzero: 0, slots: 0, sparsity: 1 } : first.learner.weights();
  }

  get finished(): Promise<void> {
    return this.done;
  }

  get error(): unknown {
    return this.failure;
  }

  /** Loads the latest version (or publishes a fresh one with `reset`), then starts consuming. */
  async start(): Promise<void> {
    this.state = 'starting';
    const { store, consumer, admin, events } = this.deps;
    if (this.options.reset) await this.publishFresh();
    await this.loadBase(await store.latestVersion(this.options.model));
    this.unsubscribe = await store.subscribe(
      this.options.model,
      (notification) => {
        if (notification.version !== this.base.version) this.rebaseWanted = true;
      },
      { onError: (error) => events?.warn?.('version notification handler failed', { error: String(error) }) },
    );
    await admin.connect();
    await consumer.connect();
    this.state = 'running';
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => undefined);
    this.subscription = fromBatches(consumer, {
      topics: this.options.topics,
      fromBeginning: true,
      onAssign: (assigned) => this.exclusive(() => this.onAssign(assigned)),
    })
      .pipe(
        concatMap((work) =>
          this.exclusive(() => this.processBatch(work.batch)).then(work.done, (error: unknown) => {
            // A rebalance interrupting a batch is routine with several replicas: the client's
            // own error goes back to it and it rejoins. Anything else ends the pipeline.
            if (error instanceof MembershipLost) {
              work.fail(error.cause);
              return;
            }
            work.fail(error);
            throw error;
          }),
        ),
      )
      .subscribe({
        error: (error: unknown) => this.fail(error),
        complete: () => this.settle.resolve(),
      });
    this.startTimer();
  }

  private fail(error: unknown): void {
    this.failure = error;
    this.state = 'failed';
    this.settle.reject(error);
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.turn.then(task, task);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /**
   * Between batches: rebase when a new version was announced or polled, write due states, mix when
   * due. Also what makes a quiet stream publish its last records.
   */
  private startTimer(): void {
    const candidates = [this.options.schedule.intervalMs, this.options.mixing.intervalMs].filter((ms) => ms > 0);
    const tick = Math.max(50, Math.min(1_000, ...candidates.map((ms) => ms / 4)));
    this.timer = setInterval(() => {
      // One timer task at a time: ticks that find one queued behind a long batch are dropped.
      if (this.stopping || this.timerBusy) return;
      this.timerBusy = true;
      this.exclusive(async () => {
        if (this.stopping) return;
        const latest = await this.deps.store.latestVersion(this.options.model);
        if (latest !== this.base.version) this.rebaseWanted = true;
        if (this.rebaseWanted) await this.rebase();
        if (this.schedule.isDue() || this.writeWanted) await this.writeStates();
        else await this.mixIfDue(false);
      })
        .catch((error: unknown) => this.fail(error))
        .finally(() => {
          this.timerBusy = false;
        });
    }, tick);
    this.timer.unref();
  }

  /** Keeps the group membership alive during long work; a rebalance it reports surfaces at the batch's own heartbeat. */
  private async beat(): Promise<void> {
    await this.heartbeat().catch(() => undefined);
  }

  /** Makes `version` (or nothing published) the base: its checkpoint and offsets. */
  private async loadBase(version: number | null): Promise<void> {
    if (version === null) {
      this.base = NOT_PUBLISHED;
      return;
    }
    const blob = await this.deps.store.getCheckpoint(this.options.model, version);
    this.base = { version, offsets: { ...blob.meta.offsets }, createdAt: blob.meta.createdAt, checkpoint: blob.data };
  }

  /**
   * On every assignment: drop revoked partitions, take each assigned partition's fence (fencing its
   * previous owner), keep a learner only if nobody wrote its partition since we last did, load
   * every other from its valid stored state or from the base, and seek each partition there.
   */
  private async onAssign(assigned: readonly TopicPartition[]): Promise<void> {
    const { store, states, admin, consumer, events } = this.deps;
    const model = this.options.model;
    this.assigned = assigned;
    const keep = new Set(assigned.map((tp) => partitionKey(tp.topic, tp.partition)));
    for (const [key, part] of this.owned) {
      if (keep.has(key)) continue;
      this.owned.delete(key);
      this.positions.delete(part.topic, part.partition);
    }
    if (assigned.length === 0) return;
    const fences = await Promise.all(assigned.map((tp) => states.acquirePartition(model, partitionKey(tp.topic, tp.partition))));
    const latest = await store.latestVersion(model);
    if (latest !== this.base.version) await this.loadBase(latest);
    const stored = new Map((await states.listPartitions(model)).map((s) => [s.partition, s]));
    const marks = await this.watermarks(new Set(assigned.map((tp) => tp.topic)));
    for (const [i, tp] of assigned.entries()) {
      const key = partitionKey(tp.topic, tp.partition);
      const summary = stored.get(key);
      const existing = this.owned.get(key);
      // Kept across the rebalance and nobody wrote the partition since: the learner goes on (carried
      // onto a newer version if one was published meanwhile); otherwise it is loaded from Redis.
      const untouched = existing !== undefined && (summary?.seq ?? 0) === existing.seq;
      const continues =
        untouched && (existing.base === this.base.version || this.carry(existing, summary, this.positions.get(tp.topic, tp.partition)!));
      const part = continues ? existing : await this.load(tp, summary, marks, existing);
      part.fence = fences[i]!;
      this.owned.set(key, part);
      const next = this.positions.get(tp.topic, tp.partition)!;
      const mark = marks.get(key);
      if (mark === undefined) throw new StreamError(`${key}: no watermarks (topic deleted?)`);
      if (next < BigInt(mark.low)) throw new OffsetOutOfRangeError(tp.topic, tp.partition, next.toString(), mark.low);
      if (next > BigInt(mark.high)) {
        throw new StreamError(`${key}: the model continues at offset ${next} but the log ends at ${mark.high} (topic recreated?); refusing to guess — retrain with --reset`);
      }
      consumer.seek({ topic: tp.topic, partition: tp.partition, offset: next.toString() });
    }
    events?.info?.('assigned', {
      model,
      replica: this.replicaId,
      partitions: assigned.map((tp) => partitionKey(tp.topic, tp.partition)),
      base: this.base.version,
      position: this.positions.toRecord(),
    });
  }

  private async watermarks(topics: ReadonlySet<string>): Promise<Map<string, { low: string; high: string }>> {
    const out = new Map<string, { low: string; high: string }>();
    for (const topic of topics) {
      for (const mark of await this.deps.admin.watermarks(topic)) out.set(partitionKey(topic, mark.partition), { low: mark.low, high: mark.high });
    }
    return out;
  }

  /**
   * A partition's learner from Redis: its stored state when that continues the current base, else
   * the base itself at the offset the base includes (the log start for a partition it never saw).
   */
  private async load(
    tp: TopicPartition,
    summary: PartitionSummary | undefined,
    marks: ReadonlyMap<string, { low: string; high: string }>,
    reuse: Part<S> | undefined,
  ): Promise<Part<S>> {
    const key = partitionKey(tp.topic, tp.partition);
    const learner = reuse?.learner ?? this.deps.createLearner();
    const part: Part<S> = reuse ?? { key, topic: tp.topic, partition: tp.partition, learner, base: null, samples: 0, fence: 0, seq: 0, dirty: 0, deadLettered: 0n, namedAt: 0, written: [] };
    // What the DLQ holds is a side effect already done, whichever base the stored state continues.
    if (summary !== undefined && BigInt(summary.deadLettered) > part.deadLettered) part.deadLettered = BigInt(summary.deadLettered);
    let next: bigint;
    const state = summary !== undefined && summary.base === this.base.version ? await this.deps.states.readPartition(this.options.model, key) : null;
    if (state !== null && state.base === this.base.version) {
      learner.restore(state.checkpoint);
      next = BigInt(state.offset);
      part.samples = state.samples;
      part.seq = state.seq;
      part.written = [{ checkpoint: state.checkpoint, offset: next, samples: state.samples }];
    } else {
      if (this.base.checkpoint === null) learner.reset();
      else learner.restore(this.base.checkpoint);
      const included = this.base.offsets[key];
      if (included !== undefined) {
        next = BigInt(included);
      } else {
        const mark = marks.get(key) ?? (await this.watermarks(new Set([tp.topic]))).get(key);
        if (mark === undefined) throw new StreamError(`${key}: no watermarks (topic deleted?)`);
        if (BigInt(mark.low) > 0n) this.deps.events?.warn?.('partition new to the model starts after deleted records', { partition: key, logStart: mark.low });
        next = BigInt(mark.low);
      }
      part.samples = 0;
      part.seq = summary?.seq ?? 0;
      part.written = [{ checkpoint: this.base.checkpoint, offset: next, samples: 0 }];
    }
    part.base = this.base.version;
    part.dirty = 0;
    this.positions.set(tp.topic, tp.partition, next);
    return part;
  }

  /**
   * Continue the newest version: each owned learner is carried onto it (its records the version
   * lacks are added, see `carry`) or else reloaded (its valid state or the version) and its
   * partition sought back, so those records are applied again, on the new base.
   */
  private async rebase(): Promise<void> {
    this.rebaseWanted = false;
    const model = this.options.model;
    const latest = await this.deps.store.latestVersion(model);
    if (latest === this.base.version) return;
    if (this.base.version !== null && (latest === null || latest < this.base.version)) {
      // A rollback, or a Redis failover that lost the newest versions: the surviving history is
      // consistent and training re-applies from it, but an operator must know.
      this.deps.events?.warn?.('the latest version went backwards: continuing from it', { model, ours: this.base.version, latest });
    }
    await this.loadBase(latest);
    if (this.owned.size === 0) {
      this.deps.events?.rebased?.(this.base.version, 0);
      return;
    }
    const stored = new Map((await this.deps.states.listPartitions(model)).map((s) => [s.partition, s]));
    const marks = new Map<string, { low: string; high: string }>();
    let replayed = 0;
    for (const part of this.owned.values()) {
      const before = this.positions.get(part.topic, part.partition)!;
      if (!this.carry(part, stored.get(part.key), before)) await this.load(part, stored.get(part.key), marks, part);
      await this.beat();
      const after = this.positions.get(part.topic, part.partition)!;
      if (after === before) continue;
      replayed += Number(before - after);
      if (!this.stopping) this.deps.consumer.seek({ topic: part.topic, partition: part.partition, offset: after.toString() });
    }
    this.deps.events?.rebased?.(this.base.version, replayed);
  }

  /**
   * Rebase one partition without replay when the new version includes exactly the state this
   * learner last wrote (or the base it last loaded): then the records learned since are not in the
   * version, and the mixer adds what the learner learned from them to it (PartitionMixer.carry).
   * False when that does not hold (another state was merged, a rollback, a learner kind that cannot
   * add increments): the caller reloads and re-applies.
   */
  private carry(part: Part<S>, summary: PartitionSummary | undefined, position: bigint): boolean {
    const { mixer } = this.deps;
    const included = this.base.offsets[part.key];
    const checkpoint = this.base.checkpoint;
    if (included === undefined || checkpoint === null) return false;
    const written = part.written.find((w) => w.offset === BigInt(included));
    if (written === undefined || position < written.offset) return false;
    // A valid stored state on the new base (after a rollback) is newer information: load it.
    if (summary !== undefined && summary.base === this.base.version) return false;
    if (position === written.offset) {
      part.learner.restore(checkpoint);
      part.samples = 0;
    } else {
      const carried = mixer.carry?.(checkpoint, written.checkpoint, part.learner as StreamLearner<unknown>) ?? null;
      if (carried === null) return false;
      part.learner.restore(carried);
      part.samples -= written.samples;
      // Those records are in no stored state on the new base yet.
      part.dirty = Math.max(part.dirty, 1);
      this.writeWanted = true;
    }
    part.base = this.base.version;
    part.written = [{ checkpoint, offset: written.offset, samples: 0 }];
    return true;
  }

  private processBatch(batch: BatchContext): Promise<void> {
    const key = partitionKey(batch.topic, batch.partition);
    const { deadLetters, events } = this.deps;
    if (!this.owned.has(key)) return Promise.resolve();
    this.heartbeat = () => batch.heartbeat();
    const live = (): boolean => batch.isRunning() && !batch.isStale() && !this.stopping && this.owned.has(key);
    let learned = 0;
    let skipped = 0;
    const refused = new Map<string, number>();
    let lastHandled: string | null = null;

    const trainStep = (start: number): number => {
      const part = this.owned.get(key)!;
      const end = Math.min(batch.messages.length, start + this.chunkSize, start + this.schedule.remaining());
      const envelopes: Envelope[] = [];
      for (let i = start; i < end; i++) {
        const record = batch.messages[i]!;
        envelopes.push({ topic: batch.topic, partition: batch.partition, key, offset: BigInt(record.offset), record });
      }
      from(envelopes)
        .pipe(
          skipApplied(this.positions, () => {
            skipped++;
          }),
          decodeRecords((bytes) => part.learner.decode(bytes)),
          deadLetterOnce<S>(deadLetters, (envelope) => envelope.offset < part.deadLettered, (envelope: Envelope, rejection: Rejection, resent: boolean) => {
            if (!resent) refused.set(rejection.reason, (refused.get(rejection.reason) ?? 0) + 1);
            if (envelope.offset >= part.deadLettered) part.deadLettered = envelope.offset + 1n;
            this.positions.advance(key, envelope.offset);
            this.schedule.count(1);
            part.dirty++;
            lastHandled = envelope.record.offset;
          }),
          learnSamples(part.learner, ({ envelope }) => {
            learned++;
            part.samples++;
            part.dirty++;
            this.positions.advance(key, envelope.offset);
            this.schedule.count(1);
            lastHandled = envelope.record.offset;
          }),
        )
        .subscribe();
      return end;
    };

    return lastValueFrom(
      of(0).pipe(
        expand((cursor) =>
          typeof cursor !== 'number' || cursor >= batch.messages.length
            ? EMPTY
            : defer(async () => {
                if (!live()) return STOP;
                const next = trainStep(cursor);
                if (lastHandled !== null) batch.resolveOffset(lastHandled);
                events?.progress?.(learned, refused, skipped);
                learned = 0;
                skipped = 0;
                refused.clear();
                if (this.rebaseWanted) await this.rebase();
                if (this.schedule.isDue() || this.writeWanted) await this.writeStates();
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
      await deadLetters.flush();
      const last = batch.messages[batch.messages.length - 1];
      if (last !== undefined) {
        events?.lag?.(batch.topic, batch.partition, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n)));
      }
    });
  }

  /**
   * Writes the state of every partition that changed since its last write (refused records count
   * once the DLQ has them), commits those positions to Kafka as a hint, then mixes if due. A write
   * refused because a new version was published triggers a rebase instead.
   */
  private async writeStates(): Promise<void> {
    const { states, deadLetters, consumer, events } = this.deps;
    const model = this.options.model;
    await deadLetters.flush();
    this.writeWanted = false;
    const started = this.now();
    const written: Part<S>[] = [];
    let stale = false;
    for (const part of this.owned.values()) {
      if (part.dirty === 0) continue;
      const offset = this.positions.get(part.topic, part.partition)!.toString();
      const withNames = this.stopping || this.now() - part.namedAt >= NAMES_EVERY_MS;
      const checkpoint = partitionCheckpoint(
        part.learner,
        {
          model,
          version: part.base ?? 0,
          createdAt: this.now(),
          offsets: { [part.key]: offset },
          ...(this.options.extra === undefined ? {} : { extra: this.options.extra }),
        },
        withNames,
      );
      if (withNames) part.namedAt = this.now();
      const request = {
        model,
        partition: part.key,
        fence: part.fence,
        base: part.base,
        offset,
        samples: part.samples,
        deadLettered: part.deadLettered.toString(),
        checkpoint,
        owner: this.replicaId,
        writtenAt: this.now(),
      };
      let result;
      try {
        result = await withRetry(() => states.writePartition(request), {
          shouldStop: () => this.stopping && this.state === 'stopped',
          onRetry: async (error, attempt) => {
            events?.snapshotFailed?.(error, attempt);
            await this.beat();
          },
        });
      } catch (error) {
        if ((error as { name?: unknown }).name === 'StalePartitionFenceError') {
          this.state = 'failed';
          throw new FencedError(`${model} (partition ${part.key})`, { cause: error });
        }
        throw error;
      }
      if (result.status === 'stale-base') {
        stale = true;
        break;
      }
      part.seq = result.seq;
      part.written.push({ checkpoint, offset: BigInt(offset), samples: part.samples });
      // The base entry stays: a merge may include none of this round's states.
      if (part.written.length > WRITTEN_KEPT + 1) part.written.splice(1, part.written.length - WRITTEN_KEPT - 1);
      part.dirty = 0;
      written.push(part);
    }
    // Refused (a new version): the schedule stays due, so the rebased learners' records are written next.
    if (!stale) this.schedule.taken();
    if (written.length > 0) {
      events?.statesWritten?.(written.length, (this.now() - started) / 1000);
      const offsets = written.map((p) => ({ topic: p.topic, partition: p.partition, offset: this.positions.get(p.topic, p.partition)!.toString() }));
      await consumer.commit(offsets).catch((error: unknown) => events?.warn?.('kafka commit failed (hint only)', { error: String(error) }));
    }
    if (stale) await this.rebase();
    else await this.mixIfDue(false);
  }

  /**
   * The merge. A cheap look first (no lock) decides whether mixing is due; then, under the merge
   * lock and a fresh writer epoch — taken before `latest` is read, so a merger that read an older
   * `latest` can no longer publish — it reads the valid states, mixes them and publishes the next
   * version with the merged offsets. Afterwards this replica rebases on what it published.
   */
  private async mixIfDue(force: boolean, waitForLockMs = 0): Promise<VersionMeta | null> {
    const { store, states, mixer, events } = this.deps;
    const model = this.options.model;
    if (!(await this.due(force))) return null;
    const deadline = this.now() + waitForLockMs;
    while (!(await states.tryMixLock(model, this.replicaId, this.lockTtlMs))) {
      if (this.now() >= deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    let meta: VersionMeta | null = null;
    try {
      const epoch = await store.acquireEpoch(model);
      const latest = await store.latestVersion(model);
      if (latest !== this.base.version) {
        this.rebaseWanted = true;
        return null;
      }
      const started = this.now();
      const offsets: Record<string, string> = { ...this.base.offsets };
      const contributions: PartitionContribution[] = [];
      let changed = false;
      for (const summary of await states.listPartitions(model)) {
        if (summary.base !== latest) continue;
        // Read with its checkpoint: the state may have been written again since the summary.
        // A state without samples equals the base (its records were all dead-lettered): only its offset counts.
        const full: StoredPartitionState | null = summary.samples > 0 ? await states.readPartition(model, summary.partition) : null;
        const state: PartitionSummary | null = summary.samples > 0 ? full : summary;
        if (state === null || state.base !== latest) continue;
        if (offsets[state.partition] !== state.offset) changed = true;
        offsets[state.partition] = state.offset;
        if (full !== null && full.samples > 0) contributions.push({ checkpoint: full.checkpoint, samples: full.samples });
        await this.beat();
      }
      if (!changed) return null;
      let version = (latest ?? 0) + 1;
      for (let attempt = 1; ; attempt++) {
        const createdAt = this.now();
        const mixed = mixer.mix(this.base.checkpoint, contributions, {
          model,
          version,
          createdAt,
          offsets,
          ...(this.options.extra === undefined ? {} : { extra: this.options.extra }),
        });
        await this.beat();
        const candidate: VersionMeta = {
          model,
          version,
          createdAt,
          samplesSeen: mixed.samplesSeen,
          metrics: mixed.metrics,
          offsets,
          epoch,
          ...(latest === null ? {} : { parent: latest }),
        };
        try {
          await withRetry(() => store.publish({ model, epoch, version, checkpoint: mixed.checkpoint, serving: mixed.serving, meta: candidate }), {
            shouldStop: () => this.stopping && this.state === 'stopped',
            onRetry: (error, n) => events?.snapshotFailed?.(error, n),
          });
          meta = candidate;
          break;
        } catch (error) {
          const name = (error as { name?: unknown }).name;
          // After a rollback `latest` sits below the highest kept version: go above it.
          if (name === 'VersionNotForwardError' && attempt === 1) {
            version = (error as { highestVersion: number }).highestVersion + 1;
            continue;
          }
          // Another replica took the epoch (a merge of its own, or a rollback): its version wins.
          if (name === 'StaleEpochError' || name === 'VersionNotForwardError') {
            events?.info?.('merge superseded by another writer', { model, replica: this.replicaId, error: String(error) });
            this.rebaseWanted = true;
            return null;
          }
          throw error;
        }
      }
      events?.snapshotPublished?.(meta, (this.now() - started) / 1000);
      events?.info?.('mixed', { model, replica: this.replicaId, version: meta.version, parent: latest, partitions: contributions.length, samplesSeen: meta.samplesSeen });
      this.rebaseWanted = true;
      return meta;
    } finally {
      await states.releaseMixLock(model, this.replicaId).catch(() => undefined);
      if (this.rebaseWanted) await this.rebase();
    }
  }

  /** Whether the valid states hold enough (or old enough) unmerged progress to mix. */
  private async due(force: boolean): Promise<boolean> {
    const { every, intervalMs } = this.options.mixing;
    const latest = await this.deps.store.latestVersion(this.options.model);
    if (latest !== this.base.version) {
      this.rebaseWanted = true;
      return false;
    }
    let samples = 0;
    let changed = false;
    for (const s of await this.deps.states.listPartitions(this.options.model)) {
      if (s.base !== latest) continue;
      samples += s.samples;
      if (this.base.offsets[s.partition] !== s.offset) changed = true;
    }
    if (!changed) return false;
    if (force) return true;
    if (every > 0 && samples >= every) return true;
    return intervalMs > 0 && this.now() - this.base.createdAt >= intervalMs;
  }

  /** `--reset`: a fresh, empty version becomes the base (offsets empty: every partition from its log start). */
  private async publishFresh(): Promise<void> {
    const { store, mixer, events } = this.deps;
    const model = this.options.model;
    const epoch = await store.acquireEpoch(model);
    const highest = Math.max(0, ...(await store.list(model)).map((m) => m.version), (await store.latestVersion(model)) ?? 0);
    const version = highest + 1;
    const createdAt = this.now();
    const fresh = mixer.mix(null, [], { model, version, createdAt, offsets: {}, ...(this.options.extra === undefined ? {} : { extra: this.options.extra }) });
    await store.publish({
      model,
      epoch,
      version,
      checkpoint: fresh.checkpoint,
      serving: fresh.serving,
      meta: { createdAt, samplesSeen: 0, metrics: fresh.metrics, offsets: {}, epoch },
    });
    events?.info?.('reset: published a fresh version; every partition starts over from its log start', { model, version });
  }

  /**
   * Graceful stop (SIGTERM): finish the step in progress (`stopping` ends it and makes later
   * batches do nothing), write the partitions' states and mix them into a final version (when
   * anything changed), then stop the consumer and disconnect. The writes and their Kafka commit
   * happen while this replica is still a group member: kafkajs leaves the group on stop, and a
   * commit after that is refused.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.done.catch(() => undefined);
    this.stopping = true;
    this.state = 'stopping';
    if (this.timer !== null) clearInterval(this.timer);
    const { consumer, admin } = this.deps;
    try {
      await this.turn;
      if (this.failure === undefined) {
        await this.exclusive(async () => {
          if ([...this.owned.values()].some((p) => p.dirty > 0)) await this.writeStates();
          // The last replica to stop publishes everything: wait out a lock a crashed merger left.
          await this.mixIfDue(true, this.lockTtlMs + 1_000);
        });
      }
    } finally {
      await consumer.stop().catch(() => undefined);
      this.subscription?.unsubscribe();
      this.settle.resolve();
      this.state = this.failure === undefined ? 'stopped' : 'failed';
      await this.unsubscribe?.().catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }
}

