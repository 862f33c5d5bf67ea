import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryModelStore } from '@streamlr/store';
import {
  CountingLearner,
  DeadLetterSink,
  MemoryBroker,
  MemoryTransport,
  TrainingPipeline,
  type TrainingOptions,
} from '../src/index.js';

const TOPIC = 'samples';

function produce(broker: MemoryBroker, from: number, to: number): void {
  for (let i = from; i < to; i++) broker.append(TOPIC, { key: `k${i}`, value: JSON.stringify({ id: `s${i}` }) });
}

function pipeline(transport: MemoryTransport, store: MemoryModelStore, options: Partial<TrainingOptions> = {}) {
  const learner = new CountingLearner();
  const producer = transport.producer();
  const sink = new DeadLetterSink(producer, { service: 'test' });
  const training = new TrainingPipeline(
    { learner, consumer: transport.consumer({ groupId: 'g' }), admin: transport.admin(), store, deadLetters: sink },
    { model: 'm', topics: [TOPIC], groupId: 'g', schedule: { every: 100, intervalMs: 0 }, reset: false, ...options },
  );
  return { learner, training };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('TrainingPipeline on the in-memory transport', () => {
  it('applies every record once, dead-letters bad ones, and publishes its position', async () => {
    const broker = new MemoryBroker(2);
    broker.createTopic(TOPIC, 2);
    produce(broker, 0, 500);
    broker.append(TOPIC, { key: 'bad', value: 'not json' });
    broker.append(TOPIC, { key: 'bad2', value: '{"x":1}' });
    const transport = new MemoryTransport(broker, 64);
    const store = new MemoryModelStore();
    const { learner, training } = pipeline(transport, store);
    await training.start();
    await until(() => learner.samplesSeen === 500);
    await training.stop();
    assert.equal(learner.samplesSeen, 500);
    assert.ok([...learner.applied().values()].every((n) => n === 1));
    const dlq = broker.watermarks(`${TOPIC}.dlq`).reduce((n, w) => n + Number(w.high), 0);
    assert.equal(dlq, 2);
    const latest = await store.latestVersion('m');
    assert.ok(latest !== null && latest >= 5);
    const meta = await store.getMeta('m', latest);
    const total = Object.values(meta!.offsets).reduce((n, o) => n + Number(o), 0);
    assert.equal(total, 502);
  });

  it('a restarted pipeline resumes from the snapshot: nothing lost, nothing applied twice', async () => {
    const broker = new MemoryBroker(1);
    produce(broker, 0, 300);
    const transport = new MemoryTransport(broker, 50);
    const store = new MemoryModelStore();
    const first = pipeline(transport, store, { schedule: { every: 70, intervalMs: 0 } });
    await first.training.start();
    await until(() => first.learner.samplesSeen >= 150);
    await first.training.stop();
    produce(broker, 300, 400);
    const second = pipeline(transport, store);
    await second.training.start();
    await until(() => second.learner.samplesSeen === 400);
    await second.training.stop();
    const latest = await store.getLatest('m', 'checkpoint');
    const snapshot = CountingLearner.decodeSnapshot(latest!.data);
    assert.equal(snapshot.counts.length, 400);
    assert.ok(snapshot.counts.every(([, n]) => n === 1));
    assert.deepEqual(snapshot.offsets, { [`${TOPIC}/0`]: '400' });
  });

  it('reset starts a new version line from a fresh learner, versions still move forward', async () => {
    const broker = new MemoryBroker(1);
    produce(broker, 0, 120);
    const transport = new MemoryTransport(broker, 50);
    const store = new MemoryModelStore();
    const first = pipeline(transport, store);
    await first.training.start();
    await until(() => first.learner.samplesSeen === 120);
    await first.training.stop();
    const before = (await store.latestVersion('m'))!;
    const second = pipeline(transport, store, { reset: true });
    await second.training.start();
    await until(() => second.learner.samplesSeen === 120);
    await second.training.stop();
    const after = (await store.latestVersion('m'))!;
    assert.ok(after > before);
    const meta = await store.getMeta('m', after);
    assert.equal(meta!.samplesSeen, 120);
  });
});
