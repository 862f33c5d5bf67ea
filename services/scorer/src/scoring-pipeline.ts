import { DEFAULT_DECODE_LIMITS, tryDecodeEvent, type DecodeLimits, type ScoreEvent } from '@streamlr/protocol';
import {
  deadLetter,
  decodeRecords,
  fromBatches,
  partitionKey,
  scoreEvents,
  scoreRecords,
  withRetry,
  type BatchContext,
  type DeadLetterSink,
  type Envelope,
  type OutgoingRecord,
  type Rejection,
  type StreamAdmin,
  type StreamConsumer,
  type StreamProducer,
} from '@streamlr/stream';
import { concatMap, from, type Subscription } from 'rxjs';
import { ScorerError } from './errors.js';
import type { LoadedModel } from './loaded-model.js';
import type { ScoreObserver } from './score-observer.js';

export interface ScoringOptions {
  readonly model: string;
  /** Events to score; default `streamlr.events`. */
  readonly eventsTopic: string;
  /** Where scores go; default `streamlr.scores`. */
  readonly scoresTopic: string;
  /** The scorer's own consumer group (committed offsets = what has been scored and acknowledged). */
  readonly groupId: string;
  /** Where a group with no committed offset starts: true = earliest, false = latest. Default false. */
  readonly fromBeginning: boolean;
  /** `class` is 1 when `score ≥ threshold`; default 0.5. */
  readonly threshold: number;
  /** Per-message limits; default the protocol's. */
  readonly limits?: DecodeLimits;
  /** Records scored per step; each step's scores are sent and acknowledged before its offsets resolve. Default 5,000. */
  readonly chunkSize?: number;
  /** ms since the Unix epoch, each score's `ts`; default Date.now. */
  readonly now?: () => number;
}

export const DEFAULT_SCORING_OPTIONS = {
  eventsTopic: 'streamlr.events',
  scoresTopic: 'streamlr.scores',
  fromBeginning: false,
  threshold: 0.5,
  chunkSize: 5_000,
} as const;

/** What the pipeline reports as it goes (logs; metrics go through the observer). */
export interface ScoringEvents {
  warn?(message: string, fields: Record<string, unknown>): void;
  info?(message: string, fields: Record<string, unknown>): void;
}

export interface ScoringParts {
  /** The model to score with, read once per batch. */
  readonly current: () => LoadedModel | null;
  readonly consumer: StreamConsumer;
  /** When given, `start` waits for the events topic to exist instead of failing (a scorer may start before any producer). */
  readonly admin?: StreamAdmin;
  /** Connected by the pipeline; sends scores (acks = all). */
  readonly producer: StreamProducer;
  /** Refused events go to `<events topic>.dlq`. */
  readonly deadLetters: DeadLetterSink;
  readonly observer: ScoreObserver;
  readonly events?: ScoringEvents;
}

/** Records per produce request (see `send`). */
const SEND_SLICE = 1_000;
/** Steps whose scores may wait for the broker's acknowledgement while the next batch is scored. */
const MAX_UNACKNOWLEDGED = 3;

export type ScoringState = 'created' | 'running' | 'stopping' | 'stopped' | 'failed';

/**
 * Kafka → decode → (DLQ | score) → scores topic → commit (at-least-once scoring). Each batch grabs
 * the model reference once, so a batch never mixes two versions. A step (up to `chunkSize`
 * records) is committed only after its scores and dead letters, and those of every step before
 * it, are acknowledged by the broker: a crash re-scores at most the unacknowledged tail, and a
 * score is a pure function of (event, version), so a re-score repeats it. While a step waits for
 * its acknowledgement the next batch is fetched and scored (kafkajs with autoCommit off: a
 * resolved offset moves only the fetch position); at most MAX_UNACKNOWLEDGED steps wait, and the
 * client's fetch loop waits for `eachBatch`, so memory stays bounded (DESIGN section 6).
 */
export class ScoringPipeline {
  private readonly chunkSize: number;
  private readonly limits: DecodeLimits;
  private readonly now: () => number;
  private subscription: Subscription | null = null;
  private stopping = false;
  private done: Promise<void> = Promise.resolve();
  private settle: { resolve: () => void; reject: (error: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
  private failure: unknown = undefined;
  /** Acknowledged positions not yet committed, per `topic/partition`. */
  private readonly uncommitted = new Map<string, { topic: string; partition: number; offset: string }>();
  private committing: Promise<void> | null = null;
  /** Steps sent but not yet acknowledged, oldest first. */
  private readonly unacknowledged: Promise<void>[] = [];
  private acknowledgedChain: Promise<void> = Promise.resolve();
  /** Why a step could not be acknowledged while running (the pipeline fails on the next batch). */
  private sendFailure: unknown = undefined;
  state: ScoringState = 'created';

  constructor(
    private readonly parts: ScoringParts,
    private readonly options: ScoringOptions,
  ) {
    this.chunkSize = options.chunkSize ?? DEFAULT_SCORING_OPTIONS.chunkSize;
    this.limits = options.limits ?? DEFAULT_DECODE_LIMITS;
    this.now = options.now ?? Date.now;
    if (!(Number.isInteger(this.chunkSize) && this.chunkSize > 0)) throw new TypeError(`chunkSize: must be a whole number > 0, got ${this.chunkSize}`);
    if (!(options.threshold >= 0 && options.threshold <= 1)) throw new TypeError(`threshold: must be in [0, 1], got ${options.threshold}`);
    if (options.eventsTopic === options.scoresTopic) throw new TypeError('scoresTopic: must differ from eventsTopic');
  }

  /** Settles when consumption ends (rejects with the reason when it failed). */
  get finished(): Promise<void> {
    return this.done;
  }

  get error(): unknown {
    return this.failure;
  }

  /** Connects and starts consuming (in the background); call once a model is loaded. */
  async start(): Promise<void> {
    const { consumer, producer } = this.parts;
    await this.waitForTopic();
    if (this.stopping) return;
    await producer.connect();
    await consumer.connect();
    this.state = 'running';
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => undefined);
    this.subscription = fromBatches(consumer, {
      topics: [this.options.eventsTopic],
      fromBeginning: this.options.fromBeginning,
      onAssign: async (assigned) => {
        this.parts.events?.info?.('assigned', { partitions: assigned.map((tp) => partitionKey(tp.topic, tp.partition)) });
      },
    })
      .pipe(
        concatMap((work) =>
          this.processBatch(work.batch).then(work.done, (error: unknown) => {
            work.fail(error);
            throw error;
          }),
        ),
      )
      .subscribe({
        error: (error: unknown) => {
          this.failure = error;
          this.state = 'failed';
          this.settle.reject(error);
        },
        complete: () => this.settle.resolve(),
      });
  }

  /** Polls the topic's watermarks until it exists (or the pipeline stops). */
  private async waitForTopic(): Promise<void> {
    const { admin, events } = this.parts;
    if (admin === undefined) return;
    const topic = this.options.eventsTopic;
    await admin.connect();
    try {
      for (let attempt = 1; !this.stopping; attempt++) {
        try {
          await admin.watermarks(topic);
          if (attempt > 1) events?.info?.('events topic exists now', { topic });
          return;
        } catch (error) {
          if (attempt === 1) events?.warn?.('events topic not found (yet); waiting for it', { topic, error: String(error) });
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * attempt)));
        }
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async processBatch(batch: BatchContext): Promise<void> {
    const model = this.parts.current();
    if (model === null) throw new ScorerError('no model loaded: the pipeline must start after the first load');
    if (this.sendFailure !== undefined) throw this.sendFailure;
    const live = (): boolean => batch.isRunning() && !batch.isStale() && !this.stopping;
    for (let start = 0; start < batch.messages.length && live(); start += this.chunkSize) {
      const end = Math.min(batch.messages.length, start + this.chunkSize);
      const scores = this.scoreStep(model, batch, start, end);
      const acknowledged = Promise.all([this.send(scores, batch), this.parts.deadLetters.flush()]);
      // With autoCommit off, a resolved offset only moves the client's fetch position: the next
      // fetch overlaps this step's acknowledgement. What a restart resumes from is the committed
      // offset, which `track` moves only once the step's scores and dead letters are acknowledged.
      const last = batch.messages[end - 1]!.offset;
      batch.resolveOffset(last);
      this.track(acknowledged, batch.topic, batch.partition, (BigInt(last) + 1n).toString());
      // Bounded memory: at most MAX_UNACKNOWLEDGED steps wait for the broker.
      while (this.unacknowledged.length > MAX_UNACKNOWLEDGED) {
        try {
          await this.unacknowledged[0];
        } catch (error) {
          // Sending gave up because the pipeline is stopping: nothing more is committed.
          if (this.stopping) return;
          throw error;
        }
        await batch.heartbeat();
      }
    }
    this.parts.observer.publishEvaluation();
  }

  /**
   * Commits each step's position once it AND every step before it are acknowledged (steps
   * complete in order through one chain), so the committed offset never covers an unsent score.
   */
  private track(acknowledged: Promise<unknown>, topic: string, partition: number, offset: string): void {
    const step = this.acknowledgedChain.then(() => acknowledged).then(() => {
      this.unacknowledged.shift();
      this.commitLater(topic, partition, offset);
    });
    this.unacknowledged.push(step);
    // A step that failed (sending stopped) fails every later one: nothing after it is committed.
    this.acknowledgedChain = step;
    step.catch((error: unknown) => {
      if (!this.stopping) this.sendFailure ??= error;
    });
  }

  /**
   * Sends one step's scores and resolves once the broker acknowledged all of them. The records go
   * out in slices of SEND_SLICE, concurrently: kafkajs groups a send's records per partition with
   * an array copy per record (quadratic in the send's size: one 5,000-record send spent more CPU
   * there than on everything else together), while many tiny requests cost round trips and
   * per-request encoding; 1,000 measured best here. Slices are retried until acknowledged (or the
   * pipeline stops).
   */
  private async send(scores: readonly OutgoingRecord[], batch: BatchContext): Promise<void> {
    const { producer, events } = this.parts;
    const topic = this.options.scoresTopic;
    const slices: Promise<void>[] = [];
    for (let i = 0; i < scores.length; i += SEND_SLICE) {
      const slice = scores.slice(i, i + SEND_SLICE);
      slices.push(
        withRetry(() => producer.send(topic, slice).catch(retriable), {
          shouldStop: () => this.stopping,
          onRetry: async (error, attempt) => {
            events?.warn?.('sending scores failed; retrying', { topic, attempt, error: String(error) });
            await batch.heartbeat().catch(() => undefined);
          },
        }),
      );
    }
    await Promise.all(slices);
  }

  /**
   * Commits in the background, one request at a time, coalescing: while a commit is in flight the
   * newest acknowledged position per partition waits, and goes in the next request. The committed
   * offset is where a restarted scorer resumes, so it only ever covers acknowledged scores; a failed
   * commit means re-scoring (at-least-once), so it is logged and the next one covers it.
   */
  private commitLater(topic: string, partition: number, offset: string): void {
    this.uncommitted.set(partitionKey(topic, partition), { topic, partition, offset });
    if (this.committing === null) this.committing = this.commitLoop();
  }

  private async commitLoop(): Promise<void> {
    try {
      while (this.uncommitted.size > 0) {
        const offsets = [...this.uncommitted.values()];
        this.uncommitted.clear();
        await this.parts.consumer
          .commit(offsets)
          .catch((error: unknown) => this.parts.events?.warn?.('kafka commit failed; those events may be scored again', { error: String(error) }));
      }
    } finally {
      this.committing = null;
    }
  }

  /** Waits for every acknowledged position to be committed (at stop). */
  private async flushCommits(): Promise<void> {
    while (this.committing !== null) await this.committing;
  }

  /** Scores records [start, end) of a batch with `model`; returns the score messages in order. */
  private scoreStep(model: LoadedModel, batch: BatchContext, start: number, end: number): OutgoingRecord[] {
    const { observer, deadLetters } = this.parts;
    const key = partitionKey(batch.topic, batch.partition);
    const envelopes: Envelope[] = [];
    for (let i = start; i < end; i++) {
      const record = batch.messages[i]!;
      envelopes.push({ topic: batch.topic, partition: batch.partition, key, offset: BigInt(record.offset), record });
    }
    const out: OutgoingRecord[] = [];
    // `from` pushes each record through the whole chain before the next one, so the decode start
    // time of the record in flight is one variable: latency = decode + predict of that record.
    let started = 0;
    const limits = this.limits;
    from(envelopes)
      .pipe(
        decodeRecords<ScoreEvent>((bytes) => {
          started = performance.now();
          return tryDecodeEvent(bytes, limits);
        }),
        deadLetter<ScoreEvent>(deadLetters, (_envelope: Envelope, rejection: Rejection) => {
          observer.count('invalid');
          observer.metrics.dlq(rejection.reason).add();
        }),
        scoreEvents<ScoreEvent>((event) => {
          const p = model.predict(event);
          observer.scored(p, event.label, (performance.now() - started) / 1000);
          return p;
        }),
        deadLetter(deadLetters, (_envelope: Envelope, rejection: Rejection) => {
          observer.count('error');
          observer.metrics.dlq(rejection.reason).add();
        }),
        scoreRecords({ model: model.model, version: model.version, threshold: this.options.threshold, now: this.now }),
      )
      .subscribe(({ record }) => out.push(record));
    return out;
  }

  /**
   * Graceful stop: stop fetching, finish the step in progress (its scores are sent and its offsets
   * committed; nothing unsent is resolved), disconnect.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.done.catch(() => undefined);
    this.stopping = true;
    if (this.state === 'running') this.state = 'stopping';
    const { consumer, producer } = this.parts;
    // The consumer's stop waits for the batch in progress, which sees isRunning() turn false.
    await consumer.stop().catch(() => undefined);
    this.subscription?.unsubscribe();
    // Steps in flight finish (or give up, if Kafka is unreachable: then they are not committed).
    await this.acknowledgedChain.catch(() => undefined);
    await this.flushCommits();
    this.settle.resolve();
    if (this.state !== 'failed') this.state = 'stopped';
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
}

/** kafkajs already retried; a send that still fails is retried here too: scores are never skipped. */
function retriable(error: unknown): never {
  throw Object.assign(error instanceof Error ? error : new Error(String(error)), { retriable: true });
}
