// The local infrastructure does real work: the Kafka broker on 127.0.0.1:9092 and Redis on
// 127.0.0.1:6379 that `npm test` brings up (or reuses). Every name is unique to this run and
// removed afterwards.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { Kafka, Partitioners, logLevel, type Consumer, type EachMessagePayload, type Producer } from 'kafkajs';
import { Redis } from 'ioredis';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN = `${Date.now()}-${randomUUID().slice(0, 8)}`;
const name = (what: string): string => `streamlr-test-infra-${RUN}-${what}`;

// kafkajs logs expected, retried errors (coordinator not yet available, topic exists) at ERROR
// level; the assertions report what matters.
const kafka = new Kafka({ clientId: 'streamlr-infra-test', brokers: BROKERS, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const topics: string[] = [];
const groups: string[] = [];

/** Reject with a message naming `what` when `promise` takes longer than `ms`. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function createTopic(what: string, numPartitions: number): Promise<string> {
  const topic = name(what);
  await admin.connect();
  topics.push(topic);
  const created = await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
  assert.equal(created, true, `createTopics should report ${topic} as newly created`);
  return topic;
}

async function withProducer<T>(use: (producer: Producer) => Promise<T>): Promise<T> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    return await use(producer);
  } finally {
    await producer.disconnect();
  }
}

function consumer(group: string): Consumer {
  if (!groups.includes(group)) groups.push(group);
  return kafka.consumer({ groupId: group, maxWaitTimeInMs: 100, retry: { retries: 10 } });
}

after(async () => {
  await admin.connect();
  // Only what still exists: deleting a missing topic makes kafkajs retry for seconds.
  const existing = new Set(await admin.listTopics());
  const leftover = topics.filter((t) => existing.has(t));
  if (leftover.length > 0) await admin.deleteTopics({ topics: leftover });
  await admin.deleteGroups(groups).catch(() => {});
  await admin.disconnect();
});

describe('kafka on the local broker', () => {
  test('10,000 messages produced to three partitions all arrive at a consumer group', async () => {
    const topic = await createTopic('bulk', 3);
    const total = 10_000;
    await withProducer(async (producer) => {
      for (let start = 0; start < total; start += 1_000) {
        const messages = Array.from({ length: 1_000 }, (_, i) => ({ key: `k${start + i}`, value: `v${start + i}` }));
        await producer.send({ topic, acks: -1, messages });
      }
    });

    const offsets = await admin.fetchTopicOffsets(topic);
    assert.equal(offsets.length, 3);
    assert.equal(offsets.reduce((sum, p) => sum + Number(p.high), 0), total, 'high watermarks add up to what was sent');

    const seen = new Set<string>();
    let deliveries = 0;
    const c = consumer(name('bulk-group'));
    await c.connect();
    try {
      await c.subscribe({ topic, fromBeginning: true });
      await within(60_000, `consuming ${total} messages`, new Promise<void>((resolve, reject) => {
        c.run({
          eachMessage: async ({ message }: EachMessagePayload) => {
            deliveries += 1;
            seen.add(message.value?.toString('utf8') ?? '<null>');
            if (seen.size === total) resolve();
          },
        }).catch(reject);
      }));
    } finally {
      await c.disconnect();
    }
    const expected = new Set(Array.from({ length: total }, (_, i) => `v${i}`));
    assert.deepEqual(seen, expected);
    assert.ok(deliveries >= total);
  });

  test('seek replays a partition from an earlier offset', async () => {
    const topic = await createTopic('seek', 1);
    await withProducer((producer) =>
      producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: `m${i}` })) }),
    );
    const delivered: number[] = [];
    const values: string[] = [];
    let sought = false;
    const c = consumer(name('seek-group'));
    await c.connect();
    try {
      await c.subscribe({ topic, fromBeginning: true });
      await within(60_000, 'replaying after seek', new Promise<void>((resolve, reject) => {
        c.run({
          eachMessage: async ({ message }) => {
            const offset = Number(message.offset);
            delivered.push(offset);
            values.push(message.value?.toString() ?? '<null>');
            if (offset === 19 && !sought) {
              sought = true;
              c.seek({ topic, partition: 0, offset: '5' });
            } else if (offset === 19) {
              resolve();
            }
          },
        }).catch(reject);
      }));
    } finally {
      await c.disconnect();
    }
    const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    assert.deepEqual(delivered, [...range(0, 19), ...range(5, 19)]);
    assert.deepEqual(values, delivered.map((offset) => `m${offset}`));
  });

  test('admin: create, offsets, committed offsets after a manual commit, delete', async () => {
    const topic = await createTopic('admin', 2);
    assert.equal(
      await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] }),
      false,
      'creating an existing topic reports false',
    );
    assert.ok((await admin.listTopics()).includes(topic));

    await withProducer((producer) =>
      producer.send({ topic, messages: Array.from({ length: 7 }, (_, i) => ({ partition: 0, value: `a${i}` })) }),
    );
    const offsets = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
    assert.deepEqual(
      offsets.map(({ partition, low, high }) => ({ partition, low, high })),
      [{ partition: 0, low: '0', high: '7' }, { partition: 1, low: '0', high: '0' }],
    );

    // Consume everything without auto-commit, then commit offset 4 by hand: the group's committed
    // offset must be exactly that (the next offset to read), and a new member resumes there.
    const group = name('admin-group');
    const first = consumer(group);
    await first.connect();
    try {
      await first.subscribe({ topic, fromBeginning: true });
      let count = 0;
      await within(60_000, 'consuming 7 messages', new Promise<void>((resolve, reject) => {
        first.run({
          autoCommit: false,
          eachMessage: async () => {
            count += 1;
            if (count === 7) resolve();
          },
        }).catch(reject);
      }));
      await first.commitOffsets([{ topic, partition: 0, offset: '4' }]);
    } finally {
      await first.disconnect();
    }
    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    assert.equal(committed.length, 1);
    const partitions = committed[0]!.partitions.sort((a, b) => a.partition - b.partition);
    assert.deepEqual(partitions.map(({ partition, offset }) => ({ partition, offset })), [
      { partition: 0, offset: '4' },
      { partition: 1, offset: '-1' },
    ]);

    const resumed: string[] = [];
    const second = consumer(group);
    await second.connect();
    try {
      await second.subscribe({ topic, fromBeginning: true });
      await within(60_000, 'resuming from the committed offset', new Promise<void>((resolve, reject) => {
        second.run({
          eachMessage: async ({ message }) => {
            resumed.push(message.offset);
            if (message.offset === '6') resolve();
          },
        }).catch(reject);
      }));
    } finally {
      await second.disconnect();
    }
    assert.deepEqual(resumed, ['4', '5', '6']);

    await admin.deleteTopics({ topics: [topic] });
    await within(30_000, `${topic} disappearing from the topic list`, (async () => {
      while ((await admin.listTopics()).includes(topic)) await new Promise((r) => setTimeout(r, 200));
    })());
  });
});

describe('redis on the local server', () => {
  test('a binary value with all 256 byte values round-trips unchanged', async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
    const key = `streamlr:test:infra:${RUN}:bytes`;
    await redis.connect();
    try {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      assert.equal(await redis.set(key, bytes, 'PX', 60_000), 'OK');
      assert.equal(await redis.strlen(key), 256);
      const back = await redis.getBuffer(key);
      assert.ok(back !== null);
      assert.ok(bytes.equals(back), 'the stored bytes come back identical');
      assert.equal(await redis.del(key), 1);
      assert.equal(await redis.exists(key), 0);
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });
});
