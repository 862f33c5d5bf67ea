// `streamlr demo --kafka --redis` on the real Kafka broker and Redis of this machine: the same
// pipelines under fresh topic and model names, which the test reads back and then deletes.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { RedisModelStore } from '@streamlr/store';
import { BROKERS, cli, REDIS_URL } from './helpers.js';

const kafka = new Kafka({ clientId: 'streamlr-demo-test', brokers: BROKERS.split(','), logLevel: logLevel.NOTHING });
const store = new RedisModelStore({ url: REDIS_URL });
const topics: string[] = [];
const models: string[] = [];

after(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  for (const model of models) await store.deleteModel(model).catch(() => undefined);
  await store.close();
});

describe('streamlr demo on real Kafka and Redis', () => {
  it('an unreachable broker or Redis is one line and exit 1, and leaves no topic behind', async () => {
    const noKafka = await cli(['demo', '--kafka', '127.0.0.1:9', '--redis', REDIS_URL, '--no-serve']);
    assert.equal(noKafka.code, 1);
    assert.match(noKafka.stderr, /^streamlr demo: Kafka at 127\.0\.0\.1:9 is unreachable \(.*\)\n$/);
    const noRedis = await cli(['demo', '--kafka', BROKERS, '--redis', 'redis://127.0.0.1:1', '--no-serve']);
    assert.equal(noRedis.code, 1);
    assert.match(noRedis.stderr, /^streamlr demo: Redis at redis:\/\/127\.0\.0\.1:1\/? is unreachable \(.*\)\n$/);
    const prefix = /\(topics (\S+)\.samples/.exec(noRedis.stdout)?.[1];
    assert.ok(prefix !== undefined, noRedis.stdout);
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.deepEqual((await admin.listTopics()).filter((t) => t.startsWith(prefix)), []);
    } finally {
      await admin.disconnect();
    }
  });

  it('learns through a real topic, publishes versions to Redis, scores the held-out rows through Kafka', async () => {
    const result = await cli(['demo', '--kafka', BROKERS, '--redis', REDIS_URL, '--no-serve']);
    const names = /\(topics (\S+)\.samples, \S+\.events, \S+\.scores\) and Redis \S+ \(model (\S+)\)/.exec(result.stdout);
    if (names !== null) {
      topics.push(`${names[1]}.samples`, `${names[1]}.events`, `${names[1]}.scores`);
      models.push(names[2]!);
    }
    assert.equal(result.code, 0, result.stderr);
    assert.ok(names, `the topic and model names are printed:\n${result.stdout}`);
    const model = names[2]!;

    const learned = Number(/^ {2}samples +([\d,]+) learned/m.exec(result.stdout)![1]!.replace(/,/g, ''));
    const held = /^ {2}held-out +([\d,]+) +([\d.]+) /m.exec(result.stdout)!;
    const serving = Number(/scorer serving version (\d+)$/m.exec(result.stdout)![1]);
    assert.ok(Number(held[2]) <= 0.57, `held-out log loss ${held[2]} ≤ 0.57`);
    assert.match(result.stdout, new RegExp(`streamlr model list --model ${model}`));

    // What the demo left behind is what a deployment would hold.
    assert.equal(await store.latestVersion(model), serving);
    const meta = await store.getMeta(model, serving);
    assert.equal(meta?.samplesSeen, learned);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const high = async (topic: string): Promise<number> => Number((await admin.fetchTopicOffsets(topic))[0]!.high);
      assert.equal(await high(topics[0]!), learned, 'one message per learned sample');
      assert.deepEqual(meta?.offsets, { [`${topics[0]}/0`]: String(learned) }, 'the last version includes the whole samples topic');
      const heldOut = Number(held[1]!.replace(/,/g, ''));
      assert.equal(await high(topics[1]!), heldOut, 'one event per held-out row');
      assert.equal(await high(topics[2]!), heldOut, 'one score per event');
    } finally {
      await admin.disconnect();
    }
  });
});
