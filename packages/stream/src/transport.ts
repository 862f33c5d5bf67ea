/**
 * The narrow transport interface the pipelines run on. kafkajs implements it in `kafka.ts`; the
 * embedded demo implements it in memory. Operators and services see only this, so a
 * KafkaJS-compatible client (e.g. @confluentinc/kafka-javascript) can be swapped in here
 * without touching them (DESIGN section 6: kafkajs is in maintenance mode).
 */

/** One record as consumed: bytes plus its coordinates. Offsets are decimal strings (int64). */
export interface SourceRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: string;
  readonly timestamp: string;
  readonly headers?: Readonly<Record<string, Buffer | string | undefined | (Buffer | string)[]>>;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  /** The next offset to read (Kafka's committed-offset convention). */
  readonly offset: string;
}

/**
 * What a batch handler may do: the capabilities kafkajs's eachBatch gives, no more
 * (STYLE: narrow capabilities, not the whole consumer).
 */
export interface BatchContext extends TopicPartition {
  readonly messages: readonly SourceRecord[];
  /** The partition's high watermark when the batch was fetched (for lag). */
  readonly highWatermark: string;
  /** Marks `offset` (and everything before it) as processed. Never call it for an unprocessed record. */
  resolveOffset(offset: string): void;
  /** Keeps the group membership alive during long work; throttled by the client. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping: stop processing, resolve nothing further. */
  isRunning(): boolean;
  /** True when a seek is pending for this partition: the rest of this batch is stale. */
  isStale(): boolean;
}

export interface ConsumeOptions {
  readonly topics: readonly string[];
  /** Where a partition with no committed offset starts. */
  readonly fromBeginning: boolean;
  /**
   * Called on every (re)assignment with the partitions this member now owns, before their
   * batches are processed. It may seek. Batches wait until the returned promise settles.
   */
  onAssign(assigned: readonly TopicPartition[]): Promise<void>;
  /** One batch of one partition; the next batch is not handed over until this settles. */
  eachBatch(batch: BatchContext): Promise<void>;
}

export interface StreamConsumer {
  connect(): Promise<void>;
  /** Starts consuming; resolves once the consumer runs (consumption goes on in the background). */
  run(options: ConsumeOptions): Promise<void>;
  /** Deferred: applied before the partition's next fetch; `isStale()` is true until then. */
  seek(target: TopicPartitionOffset): void;
  /** Commits `offset` (the next offset to read) for each partition; a progress hint only. */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Stops fetching and waits for the batch in progress; resolves nothing unprocessed. */
  stop(): Promise<void>;
  disconnect(): Promise<void>;
  /** Called when the client gives up (a crash it will not restart from). */
  onCrash(listener: (error: Error) => void): void;
}

export interface OutgoingRecord {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string;
  readonly headers?: Readonly<Record<string, Buffer | string>>;
}

export interface StreamProducer {
  connect(): Promise<void>;
  /** Resolves once the broker acknowledged every record (acks = all). */
  send(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** Low and high watermark of a partition: the log start offset and the next offset to be written. */
export interface PartitionWatermarks {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

export interface StreamAdmin {
  connect(): Promise<void>;
  /** Creates the topic if missing; resolves true when it was created. */
  ensureTopic(topic: string, partitions: number): Promise<boolean>;
  watermarks(topic: string): Promise<PartitionWatermarks[]>;
  /** A group's committed offsets for a topic (null where none): a progress hint only. */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, string | null>>;
  /** For each partition, the earliest offset whose timestamp is ≥ `timestamp` (ms), or the high watermark. */
  offsetsForTimestamp(topic: string, timestamp: number): Promise<TopicPartitionOffset[]>;
  disconnect(): Promise<void>;
}

export interface ConsumerOptions {
  readonly groupId: string;
  /** kafkajs default 30 s. */
  readonly sessionTimeoutMs?: number;
  /** kafkajs default 3 s. */
  readonly heartbeatIntervalMs?: number;
  /** Upper bound of bytes fetched per partition per request (bounds memory under lag). */
  readonly maxBytesPerPartition?: number;
}

/** A source of consumers, producers and admin clients for one cluster. */
export interface Transport {
  readonly name: string;
  consumer(options: ConsumerOptions): StreamConsumer;
  producer(): StreamProducer;
  admin(): StreamAdmin;
}

/** `topic/partition`, the key offsets are stored under in snapshots. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

export function parsePartitionKey(key: string): TopicPartition {
  const slash = key.lastIndexOf('/');
  const partition = Number(key.slice(slash + 1));
  if (slash <= 0 || !Number.isInteger(partition) || partition < 0) {
    throw new TypeError(`not a topic/partition key: '${key}'`);
  }
  return { topic: key.slice(0, slash), partition };
}
