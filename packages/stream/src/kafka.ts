import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type Consumer,
  type KafkaConfig,
  type ISocketFactory,
  type LogEntry,
  type SASLOptions,
} from 'kafkajs';
import type {
  BatchContext,
  ConsumeOptions,
  ConsumerOptions,
  OutgoingRecord,
  PartitionWatermarks,
  StreamAdmin,
  StreamConsumer,
  StreamProducer,
  TopicPartition,
  TopicPartitionOffset,
  Transport,
} from './transport.js';

export interface KafkaSasl {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

export interface KafkaTransportOptions {
  /** Bootstrap brokers; default ['127.0.0.1:9092']. */
  readonly brokers: readonly string[];
  /** Default 'streamlr'. */
  readonly clientId?: string;
  /** TLS to the brokers; default false. */
  readonly ssl?: boolean;
  /** SASL authentication; default none. */
  readonly sasl?: KafkaSasl;
  /** Client retries of a failed request (connect, metadata, produce); default 8 (about a minute). Command-line tools use fewer to fail fast. */
  readonly retries?: number;
  /** Where kafkajs's own log lines go (structured); default: dropped below WARN. */
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

export const DEFAULT_KAFKA_TRANSPORT_OPTIONS: KafkaTransportOptions = {
  brokers: ['127.0.0.1:9092'],
  clientId: 'streamlr',
  ssl: false,
};

function levelName(level: KafkaLogLevel): 'debug' | 'info' | 'warn' | 'error' {
  switch (level) {
    case KafkaLogLevel.ERROR:
    case KafkaLogLevel.NOTHING:
      return 'error';
    case KafkaLogLevel.WARN:
      return 'warn';
    case KafkaLogLevel.INFO:
      return 'info';
    default:
      return 'debug';
  }
}

/**
 * kafkajs's default socket factory (plain or TLS, keep-alive 60 s), remembering each socket until
 * it closes, so whoever owns the client can destroy what kafkajs itself forgot to close.
 */
function trackingSocketFactory(open: Set<Socket>): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tlsConnect({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ...ssl }, onConnect)
      : netConnect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    return socket;
  };
}

/** The kafkajs implementation of the transport. */
export class KafkaTransport implements Transport {
  readonly name = 'kafka';
  readonly kafka: Kafka;
  private readonly config: KafkaConfig;

  constructor(options: KafkaTransportOptions = DEFAULT_KAFKA_TRANSPORT_OPTIONS) {
    if (options.brokers.length === 0) throw new TypeError('brokers: at least one broker is required');
    const log = options.log;
    const config: KafkaConfig = {
      clientId: options.clientId ?? 'streamlr',
      brokers: [...options.brokers],
      ssl: options.ssl ?? false,
      logLevel: KafkaLogLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        if (log === undefined) return;
        const { message, ...fields } = entry.log;
        log(levelName(entry.level), String(message), { namespace: entry.namespace, ...fields });
      },
      retry: { initialRetryTime: 300, retries: options.retries ?? 8 },
    };
    if (options.sasl !== undefined) config.sasl = { ...options.sasl } as SASLOptions;
    this.config = config;
    this.kafka = new Kafka(config);
  }

  consumer(options: ConsumerOptions): StreamConsumer {
    // A client of its own, whose sockets the consumer can account for (see its `disconnect`).
    const sockets = new Set<Socket>();
    return new KafkaStreamConsumer(new Kafka({ ...this.config, socketFactory: trackingSocketFactory(sockets) }), options, sockets);
  }

  producer(): StreamProducer {
    const producer = this.kafka.producer({ allowAutoTopicCreation: true, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
    return {
      connect: () => producer.connect(),
      disconnect: () => producer.disconnect(),
      async send(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
        if (records.length === 0) return;
        await producer.send({
          topic,
          acks: -1,
          messages: records.map((r) => (r.headers ? { key: r.key, value: r.value, headers: { ...r.headers } } : { key: r.key, value: r.value })),
        });
      },
    };
  }

  admin(): StreamAdmin {
    const admin = this.kafka.admin();
    return {
      connect: () => admin.connect(),
      disconnect: () => admin.disconnect(),
      async ensureTopic(topic: string, partitions: number): Promise<boolean> {
        const existing = await admin.listTopics();
        if (existing.includes(topic)) return false;
        return admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
      },
      async watermarks(topic: string): Promise<PartitionWatermarks[]> {
        const offsets = await admin.fetchTopicOffsets(topic);
        return offsets
          .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
          .sort((a, b) => a.partition - b.partition);
      },
      async committedOffsets(groupId: string, topic: string): Promise<Map<number, string | null>> {
        const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const result = new Map<number, string | null>();
        for (const p of entry?.partitions ?? []) result.set(p.partition, p.offset === '-1' ? null : p.offset);
        return result;
      },
      async offsetsForTimestamp(topic: string, timestamp: number): Promise<TopicPartitionOffset[]> {
        const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
        const marks = await admin.fetchTopicOffsets(topic);
        return offsets.map((o) => {
          // Kafka answers -1 when no record is at or after the timestamp: that is the end of the log.
          const high = marks.find((m) => m.partition === o.partition)?.high ?? '0';
          return { topic, partition: o.partition, offset: o.offset === '-1' ? high : o.offset };
        });
      },
    };
  }
}

class KafkaStreamConsumer implements StreamConsumer {
  private readonly consumer: Consumer;
  private readonly crashListeners: ((error: Error) => void)[] = [];
  /** Batches wait on this while an assignment is being handled (see `run`). */
  private assignment: Promise<void> = Promise.resolve();

  constructor(
    kafka: Kafka,
    private readonly options: ConsumerOptions,
    private readonly sockets: Set<Socket>,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      allowAutoTopicCreation: false,
      // Short fetch waits keep a stop (SIGTERM) and end-to-end latency snappy; idle fetches are cheap.
      maxWaitTimeInMs: 500,
      retry: { retries: 8 },
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart) for (const l of this.crashListeners) l(event.payload.error);
    });
  }

  connect(): Promise<void> {
    return this.consumer.connect();
  }

  async run(options: ConsumeOptions): Promise<void> {
    await this.consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
    // GROUP_JOIN listeners are called synchronously before fetching starts; the async part
    // (loading a snapshot, seeking) is gated so no batch of the new generation is processed before
    // it settles. Seeks issued here make those batches stale (`isStale`), so they are refetched.
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      const assigned: TopicPartition[] = [];
      for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) {
        for (const partition of partitions) assigned.push({ topic, partition });
      }
      this.assignment = this.assignment.then(() => options.onAssign(assigned));
      // A failed assignment (say the stored offsets are gone from the log) must end consumption
      // where the pipeline hears of it; batches stay held back behind the rejected promise.
      this.assignment.catch((error: unknown) => {
        for (const l of this.crashListeners) l(error instanceof Error ? error : new Error(String(error)));
      });
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => {
        await this.assignment;
        const { batch } = payload;
        const context: BatchContext = {
          topic: batch.topic,
          partition: batch.partition,
          highWatermark: batch.highWatermark,
          messages: batch.messages,
          resolveOffset: payload.resolveOffset,
          heartbeat: payload.heartbeat,
          isRunning: payload.isRunning,
          isStale: payload.isStale,
        };
        await options.eachBatch(context);
      },
    });
  }

  seek(target: TopicPartitionOffset): void {
    this.consumer.seek({ topic: target.topic, partition: target.partition, offset: target.offset });
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  /**
   * kafkajs forgets a broker it dropped after a closed connection (BrokerPool.removeBroker) while
   * the group still uses it as coordinator; leaving the group at stop then opens a socket that
   * its disconnect never closes, and the process could not exit after a broker restart (found by
   * the fault suite, fault 8). Whatever is still open once kafkajs is done is destroyed here, with
   * an error, so kafkajs's own error path also clears that connection's request timers.
   */
  async disconnect(): Promise<void> {
    try {
      await this.consumer.disconnect();
    } finally {
      for (const socket of this.sockets) socket.destroy(new Error('left open by the kafkajs client after disconnect; closed'));
      this.sockets.clear();
    }
  }

  onCrash(listener: (error: Error) => void): void {
    this.crashListeners.push(listener);
  }
}
