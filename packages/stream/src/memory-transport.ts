import { EventEmitter } from 'node:events';
import type {
  BatchContext,
  ConsumeOptions,
  ConsumerOptions,
  OutgoingRecord,
  PartitionWatermarks,
  SourceRecord,
  StreamAdmin,
  StreamConsumer,
  StreamProducer,
  TopicPartition,
  TopicPartitionOffset,
  Transport,
} from './transport.js';

interface StoredRecord extends SourceRecord {
  readonly timestampMs: number;
}

interface Partition {
  readonly records: StoredRecord[];
}

/**
 * An in-process log with Kafka's topic/partition/offset semantics: append-only partitions, records
 * keyed to a partition by key hash, consumer groups with committed offsets, deferred seeks, batches.
 * It runs the real pipelines in one process for the zero-setup demo and for fast tests; it is not
 * a broker (no replication, no retention, one member per group).
 */
export class MemoryBroker {
  private readonly topics = new Map<string, Partition[]>();
  private readonly committed = new Map<string, Map<string, string>>();
  readonly events = new EventEmitter();
  private roundRobin = 0;

  constructor(readonly defaultPartitions = 1) {
    this.events.setMaxListeners(0);
  }

  createTopic(topic: string, partitions: number): boolean {
    if (this.topics.has(topic)) return false;
    if (!(Number.isInteger(partitions) && partitions > 0)) throw new TypeError('partitions: must be a whole number > 0');
    this.topics.set(topic, Array.from({ length: partitions }, () => ({ records: [] })));
    return true;
  }

  partitions(topic: string): Partition[] {
    let parts = this.topics.get(topic);
    if (parts === undefined) {
      this.createTopic(topic, this.defaultPartitions);
      parts = this.topics.get(topic)!;
    }
    return parts;
  }

  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  append(topic: string, record: OutgoingRecord, now = Date.now()): TopicPartitionOffset {
    const parts = this.partitions(topic);
    const key = record.key === null ? null : Buffer.isBuffer(record.key) ? record.key : Buffer.from(record.key);
    let partition: number;
    if (key === null) partition = this.roundRobin++ % parts.length;
    else {
      // FNV-1a over the key bytes: a stable key → partition mapping, like Kafka's default partitioner.
      let h = 0x811c9dc5;
      for (const byte of key) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
      partition = h % parts.length;
    }
    const target = parts[partition]!;
    const offset = String(target.records.length);
    const headers: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(record.headers ?? {})) headers[k] = Buffer.isBuffer(v) ? v : Buffer.from(v);
    target.records.push({
      key,
      value: Buffer.isBuffer(record.value) ? record.value : Buffer.from(record.value),
      offset,
      timestamp: String(now),
      timestampMs: now,
      headers,
    });
    this.events.emit('append', topic, partition);
    return { topic, partition, offset };
  }

  read(topic: string, partition: number, from: number, max: number): StoredRecord[] {
    return this.partitions(topic)[partition]?.records.slice(from, from + max) ?? [];
  }

  watermarks(topic: string): PartitionWatermarks[] {
    return this.partitions(topic).map((p, partition) => ({ partition, low: '0', high: String(p.records.length) }));
  }

  offsetForTimestamp(topic: string, partition: number, timestamp: number): string {
    const records = this.partitions(topic)[partition]?.records ?? [];
    const found = records.findIndex((r) => r.timestampMs >= timestamp);
    return String(found === -1 ? records.length : found);
  }

  commit(groupId: string, offsets: readonly TopicPartitionOffset[]): void {
    const group = this.committed.get(groupId) ?? new Map<string, string>();
    for (const o of offsets) group.set(`${o.topic}/${o.partition}`, o.offset);
    this.committed.set(groupId, group);
  }

  committedOffset(groupId: string, topic: string, partition: number): string | undefined {
    return this.committed.get(groupId)?.get(`${topic}/${partition}`);
  }
}

class MemoryConsumer implements StreamConsumer {
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly position = new Map<string, number>();
  private readonly seeks = new Map<string, number>();
  private readonly crashListeners: ((error: Error) => void)[] = [];
  private wake: (() => void) | null = null;
  private readonly onAppend = (): void => this.wake?.();

  constructor(
    private readonly broker: MemoryBroker,
    private readonly options: ConsumerOptions,
    private readonly maxBatch: number,
  ) {}

  async connect(): Promise<void> {}

  async run(options: ConsumeOptions): Promise<void> {
    this.running = true;
    const assigned: TopicPartition[] = [];
    for (const topic of options.topics) {
      this.broker.partitions(topic).forEach((_, partition) => assigned.push({ topic, partition }));
    }
    for (const { topic, partition } of assigned) {
      const committed = this.broker.committedOffset(this.options.groupId, topic, partition);
      const start = committed ?? (options.fromBeginning ? '0' : this.broker.watermarks(topic)[partition]!.high);
      this.position.set(`${topic}/${partition}`, Number(start));
    }
    this.broker.events.on('append', this.onAppend);
    this.loop = (async () => {
      await options.onAssign(assigned);
      while (this.running) {
        let delivered = false;
        for (const { topic, partition } of assigned) {
          if (!this.running) break;
          const key = `${topic}/${partition}`;
          const seek = this.seeks.get(key);
          if (seek !== undefined) {
            this.position.set(key, seek);
            this.seeks.delete(key);
          }
          const from = this.position.get(key) ?? 0;
          const messages = this.broker.read(topic, partition, from, this.maxBatch);
          if (messages.length === 0) continue;
          delivered = true;
          // Like kafkajs with auto-resolve off: the fetch position moves past the batch; only
          // what the handler resolved counts as processed (a stop or seek makes the rest refetched).
          this.position.set(key, from + messages.length);
          const batch: BatchContext = {
            topic,
            partition,
            messages,
            highWatermark: this.broker.watermarks(topic)[partition]!.high,
            resolveOffset: () => undefined,
            heartbeat: async () => undefined,
            isRunning: () => this.running,
            isStale: () => this.seeks.has(key),
          };
          await options.eachBatch(batch);
        }
        if (!delivered && this.running) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            setTimeout(resolve, 100);
          });
          this.wake = null;
        }
      }
    })().catch((error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      for (const l of this.crashListeners) l(err);
    });
  }

  seek(target: TopicPartitionOffset): void {
    this.seeks.set(`${target.topic}/${target.partition}`, Number(target.offset));
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.broker.commit(this.options.groupId, offsets);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  async disconnect(): Promise<void> {
    await this.stop();
    this.broker.events.off('append', this.onAppend);
  }

  onCrash(listener: (error: Error) => void): void {
    this.crashListeners.push(listener);
  }
}

/** The in-process transport over a MemoryBroker. */
export class MemoryTransport implements Transport {
  readonly name = 'memory';

  constructor(
    readonly broker: MemoryBroker = new MemoryBroker(),
    private readonly maxBatch = 5_000,
  ) {}

  consumer(options: ConsumerOptions): StreamConsumer {
    return new MemoryConsumer(this.broker, options, this.maxBatch);
  }

  producer(): StreamProducer {
    const broker = this.broker;
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      async send(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
        for (const record of records) broker.append(topic, record);
      },
    };
  }

  admin(): StreamAdmin {
    const broker = this.broker;
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      ensureTopic: async (topic, partitions) => broker.createTopic(topic, partitions),
      watermarks: async (topic) => broker.watermarks(topic),
      committedOffsets: async (groupId, topic) => {
        const out = new Map<number, string | null>();
        broker.partitions(topic).forEach((_, p) => out.set(p, broker.committedOffset(groupId, topic, p) ?? null));
        return out;
      },
      offsetsForTimestamp: async (topic, timestamp) =>
        broker.partitions(topic).map((_, partition) => ({ topic, partition, offset: broker.offsetForTimestamp(topic, partition, timestamp) })),
    };
  }
}
