import { withRetry } from './errors.js';
import type { OutgoingRecord, SourceRecord, StreamProducer } from './transport.js';

/** Why a record was refused: `reason` is a closed label set (Prometheus label, DLQ header). */
export interface Rejection {
  readonly reason: string;
  readonly field?: string | undefined;
  readonly message: string;
}

export interface DeadLetterOptions {
  /** Suffix of the dead-letter topic; default '.dlq' (`<topic>.dlq`, DESIGN section 4). */
  readonly suffix?: string;
  /** Records larger than this are stored truncated, with the original size in a header; default 512 KiB. */
  readonly maxValueBytes?: number;
  /** Which service refused the record (a header). */
  readonly service: string;
  /** Stop retrying when this turns true (shutdown). */
  readonly shouldStop?: () => boolean;
  readonly onRetry?: (error: unknown, attempt: number) => void;
}

export const DEFAULT_DEAD_LETTER_OPTIONS = { suffix: '.dlq', maxValueBytes: 512 * 1024 } as const;

/** Header names on dead-lettered records. */
export const DLQ_HEADERS = {
  reason: 'streamlr-reason',
  field: 'streamlr-field',
  error: 'streamlr-error',
  service: 'streamlr-service',
  sourceTopic: 'streamlr-source-topic',
  sourcePartition: 'streamlr-source-partition',
  sourceOffset: 'streamlr-source-offset',
  sourceTimestamp: 'streamlr-source-timestamp',
  truncatedFrom: 'streamlr-truncated-from-bytes',
} as const;

/**
 * Sends refused records to `<topic>.dlq`, in order, with the reason and the source coordinates in
 * headers. Nothing is dropped: a failed send is retried until it succeeds (or the service stops,
 * in which case `flush` rejects and the caller must not move its position past those records).
 * Callers `flush()` before they treat a refused record as done (before a snapshot includes its
 * offset), which bounds what is pending to one batch.
 */
export class DeadLetterSink {
  private pending: { topic: string; record: OutgoingRecord }[] = [];
  private sending: Promise<void> = Promise.resolve();
  private sent = 0;
  private readonly suffix: string;
  private readonly maxValueBytes: number;

  constructor(
    private readonly producer: StreamProducer,
    private readonly options: DeadLetterOptions,
  ) {
    this.suffix = options.suffix ?? DEFAULT_DEAD_LETTER_OPTIONS.suffix;
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_DEAD_LETTER_OPTIONS.maxValueBytes;
    if (!(this.maxValueBytes > 0)) throw new TypeError('maxValueBytes: must be > 0');
  }

  topicFor(sourceTopic: string): string {
    return `${sourceTopic}${this.suffix}`;
  }

  /** Queues a refused record; it is sent on the next `flush`. */
  add(topic: string, partition: number, record: SourceRecord, rejection: Rejection): void {
    const value = record.value ?? Buffer.alloc(0);
    const headers: Record<string, string> = {
      [DLQ_HEADERS.reason]: rejection.reason,
      [DLQ_HEADERS.error]: rejection.message.slice(0, 1024),
      [DLQ_HEADERS.service]: this.options.service,
      [DLQ_HEADERS.sourceTopic]: topic,
      [DLQ_HEADERS.sourcePartition]: String(partition),
      [DLQ_HEADERS.sourceOffset]: record.offset,
      [DLQ_HEADERS.sourceTimestamp]: record.timestamp,
    };
    if (rejection.field !== undefined) headers[DLQ_HEADERS.field] = rejection.field;
    let body = value;
    if (value.length > this.maxValueBytes) {
      body = value.subarray(0, this.maxValueBytes);
      headers[DLQ_HEADERS.truncatedFrom] = String(value.length);
    }
    this.pending.push({ topic: this.topicFor(topic), record: { key: record.key, value: body, headers } });
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Records acknowledged by the broker so far. */
  get sentCount(): number {
    return this.sent;
  }

  /** Sends everything queued so far; resolves once the broker has acknowledged all of it. */
  flush(): Promise<void> {
    if (this.pending.length === 0) return this.sending;
    const batch = this.pending;
    this.pending = [];
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const { topic, record } of batch) {
      const list = byTopic.get(topic) ?? [];
      list.push(record);
      byTopic.set(topic, list);
    }
    const retry = {
      ...(this.options.shouldStop === undefined ? {} : { shouldStop: this.options.shouldStop }),
      onRetry: (error: unknown, attempt: number) => this.options.onRetry?.(error, attempt),
    };
    this.sending = this.sending.then(async () => {
      for (const [topic, records] of byTopic) {
        await withRetry(() => this.producer.send(topic, records).catch((error: unknown) => {
          // kafkajs marks its own retriable errors; a send that failed for another reason
          // (broker down after client retries) is retried here as well: nothing is dropped.
          throw Object.assign(error instanceof Error ? error : new Error(String(error)), { retriable: true });
        }), retry);
        this.sent += records.length;
      }
    });
    return this.sending;
  }
}
