/**
 * Replay against the real Kafka broker (KAFKA_BROKERS, default 127.0.0.1:9092) and Redis (REDIS_URL):
 * exact ranges, several epochs, timestamps, a group of its own that leaves nothing behind, and the
 * live model left alone. Unique topic and model names per run; both are deleted afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RedisModelStore } from '@streamlr/store';
import { CountingLearner, KafkaTransport, replay, replayGroupId, type ReplayOptions } from '../src/index.js';

const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const RUN = randomBytes(4).toString('hex');

describe('replay on real Kafka and Redis', () => {
  const transport = new KafkaTransport({ brokers: BROKERS, clientId: `replay-test-${RUN}` });
  const admin = transport.kafka.admin();
  const producer = transport.producer();
  const store = new RedisModelStore({ url: REDIS_URL });
  const topic = `streamlr-test-replay-${RUN}`;
  const models: string[] = [];
  const groups: string[] = [];
  let middle = 0;

  const send = async (from: number, to: number): Promise<void> => {
    const records = [];
    for (let i = from; i < to; i++) records.push({ key: `k${i}`, value: JSON.stringify({ id: `s${i}` }) });
    await producer.send(topic, records);
  };

  const run = async (model: string, options: Partial<ReplayOptions> = {}) => {
    models.push(model);
    const groupId = replayGroupId(model, Date.now(), RUN);
    groups.push(groupId);
    const learner = new CountingLearner();
    const result = await replay(
      { learner, consumer: transport.consumer({ groupId }), admin: transport.admin(), store },
      { model, topic, groupId, ...options },
    );
    return { learner, result, groupId };
  };

  before(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await producer.connect();
    await send(0, 1500);
    await producer.send(topic, [{ key: 'bad', value: 'not json' }]);
    // Timestamps are the broker's create times: leave a clear gap between the two halves.
    await new Promise((r) => setTimeout(r, 50));
    middle = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    await send(1500, 3000);
  });

  after(async () => {
    for (const model of models) await store.deleteModel(model).catch(() => undefined);
    await store.close();
    await producer.disconnect();
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('reads the whole topic N times with a group of its own and publishes at the end offsets', async () => {
    const { learner, result, groupId } = await run(`replay-${RUN}-all`, { epochs: 2 });
    assert.equal(result.plan.records, 3001);
    assert.equal(learner.applied().size, 3000);
    assert.ok([...learner.applied().values()].every((n) => n === 2), 'every record applied exactly twice');
    assert.deepEqual([...result.refused], [['not_json', 2]]);
    assert.equal(result.epochs.length, 2);
    const marks = await admin.fetchTopicOffsets(topic);
    const meta = await store.getMeta(result.model, result.version);
    assert.deepEqual(meta?.offsets, Object.fromEntries(marks.map((m) => [`${topic}/${m.partition}`, m.high])));
    // Nothing committed: the group leaves no offsets behind and the live group is never used.
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.ok(committed?.partitions.every((p) => p.offset === '-1'));
  });

  it('replays from a timestamp only the records written after it', async () => {
    const { learner, result } = await run(`replay-${RUN}-from`, { from: { kind: 'timestamp', timestamp: middle } });
    assert.equal(result.plan.records, 1500);
    const ids = [...learner.applied().keys()].map((id) => Number(id.slice(1)));
    assert.equal(Math.min(...ids), 1500);
    assert.equal(ids.length, 1500);
  });

  it('replays until a timestamp only the records written before it', async () => {
    const { learner, result } = await run(`replay-${RUN}-until`, { until: middle });
    assert.equal(result.plan.records, 1501);
    assert.equal(Math.max(...[...learner.applied().keys()].map((id) => Number(id.slice(1)))), 1499);
    assert.equal(learner.applied().size, 1500);
  });

  it('leaves a live model alone', async () => {
    const live = `replay-${RUN}-live`;
    models.push(live);
    const epoch = await store.acquireEpoch(live);
    const blob = new CountingLearner().snapshot({ model: live, version: 7, createdAt: 1, offsets: {} }).checkpoint;
    await store.publish({ model: live, epoch, version: 7, checkpoint: blob, serving: blob, meta: { createdAt: 1, samplesSeen: 0, offsets: {} } });
    await assert.rejects(run(live), /already has versions \(latest 7\)/);
    assert.equal(await store.currentEpoch(live), epoch, 'the live writer was not fenced');
    assert.equal(await store.latestVersion(live), 7);
  });
});
