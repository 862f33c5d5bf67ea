import { randomBytes } from 'node:crypto';
import { MemoryModelStore, RedisModelStore, type ModelStore } from '@streamlr/store';
import { KafkaTransport, MemoryTransport, type Transport } from '@streamlr/stream';
import { CommandError, oneLine } from '../cli.js';
import { UsageError } from '../command.js';
import { redactedRedisUrl, withStore } from '../store.js';

/** Where the demo runs: the in-process transport and store, or real Kafka and Redis. */
export interface Infrastructure {
  readonly transport: Transport;
  readonly store: ModelStore;
  readonly model: string;
  readonly topics: { readonly samples: string; readonly events: string; readonly scores: string };
  /** One line for the header. */
  readonly where: string;
  /** Checks the services answer and creates the topics (one partition: the file's order is kept). */
  prepare(): Promise<void>;
  close(): Promise<void>;
}

function topicsOf(prefix: string): Infrastructure['topics'] {
  return { samples: `${prefix}.samples`, events: `${prefix}.events`, scores: `${prefix}.scores` };
}

function memoryInfrastructure(): Infrastructure {
  const store = new MemoryModelStore();
  return {
    transport: new MemoryTransport(),
    store,
    model: 'demo',
    topics: topicsOf('demo'),
    where: 'in-process transport (topics demo.samples, demo.events, demo.scores) and in-memory model store',
    prepare: async () => undefined,
    close: () => store.close(),
  };
}

function kafkaInfrastructure(brokers: readonly string[], redisUrl: string): Infrastructure {
  for (const broker of brokers) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(broker)) throw new UsageError(`--kafka: '${broker}' is not host:port`);
  }
  let url: URL;
  try {
    url = new URL(redisUrl);
  } catch {
    throw new UsageError(`--redis: '${redisUrl}' is not a URL like redis://host:6379`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UsageError(`--redis: scheme must be redis:// or rediss://, got '${url.protocol}'`);
  // Fresh names per run: the demo never touches a topic or model that something else uses.
  const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const model = `demo-${id}`;
  const topics = topicsOf(`streamlr-demo-${id}`);
  // Fewer client retries than a service: an unreachable broker is reported in seconds, as one
  // line (kafkajs's own log lines are dropped, as in `streamlr produce`; failures still surface).
  const transport = new KafkaTransport({ brokers, clientId: 'streamlr-demo', retries: 4 });
  const store = new RedisModelStore({ url: redisUrl, clientName: 'streamlr-demo' });
  return {
    transport,
    store,
    model,
    topics,
    where: `Kafka ${brokers.join(',')} (topics ${topics.samples}, ${topics.events}, ${topics.scores}) and Redis ${redactedRedisUrl(redisUrl)} (model ${model})`,
    async prepare() {
      // Redis first: a failure then leaves no topics behind.
      await withStore(redisUrl, () => store.latestVersion(model));
      const admin = transport.admin();
      try {
        await admin.connect();
        for (const topic of Object.values(topics)) await admin.ensureTopic(topic, 1);
      } catch (error) {
        throw new CommandError(`Kafka at ${brokers.join(',')} is unreachable (${oneLine(error)})`, { cause: error, retriable: true });
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    close: () => store.close(),
  };
}

export function infrastructureFrom(flags: { readonly kafka?: readonly string[] | undefined; readonly redis?: string | undefined }): Infrastructure {
  if (flags.kafka === undefined && flags.redis === undefined) return memoryInfrastructure();
  if (flags.redis === undefined) throw new UsageError('--redis: required with --kafka (the demo runs on both real services or on neither)');
  if (flags.kafka === undefined) throw new UsageError('--kafka: required with --redis (the demo runs on both real services or on neither)');
  return kafkaInfrastructure(flags.kafka, flags.redis);
}

