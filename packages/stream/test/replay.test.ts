import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryModelStore } from '@streamlr/store';
import { CountingLearner, MemoryBroker, MemoryTransport, planReplay, replay, StreamError, type ReplayOptions } from '../src/index.js';

const TOPIC = 'history';

function fill(broker: MemoryBroker, from: number, to: number, ts?: (i: number) => number): void {
  for (let i = from; i < to; i++) broker.append(TOPIC, { key: `k${i}`, value: JSON.stringify({ id: `s${i}` }) }, ts?.(i));
}

function run(broker: MemoryBroker, store: MemoryModelStore, options: Partial<ReplayOptions> = {}, learner = new CountingLearner()) {
  const transport = new MemoryTransport(broker, 37);
  const progress: number[] = [];
  const epochs: number[] = [];
  const result = replay(
    {
      learner,
      consumer: transport.consumer({ groupId: 'replay-test' }),
      admin: transport.admin(),
      store,
      events: { progress: (n) => progress.push(n), epochDone: (e) => epochs.push(e) },
    },
    { model: 'replayed', topic: TOPIC, groupId: 'replay-test', ...options },
  );
  return { learner, result, progress, epochs };
}

describe('replay on the in-memory transport', () => {
  it('applies every record once per epoch, counts refusals, and publishes one version at the end offsets', async () => {
    const broker = new MemoryBroker();
    broker.createTopic(TOPIC, 3);
    fill(broker, 0, 300);
    broker.append(TOPIC, { key: 'bad', value: 'not json' });
    const store = new MemoryModelStore();
    const { learner, result, progress, epochs } = run(broker, store, { epochs: 3, extra: { source: 'test' } });
    const done = await result;
    assert.equal(learner.samplesSeen, 900);
    assert.equal(learner.applied().size, 300);
    assert.ok([...learner.applied().values()].every((n) => n === 3));
    assert.equal(done.learned, 900);
    assert.deepEqual([...done.refused], [['not_json', 3]]);
    assert.equal(done.plan.records, 301);
    assert.equal(progress.reduce((a, b) => a + b, 0), 903);
    assert.deepEqual(epochs, [1, 2, 3]);
    assert.equal(done.epochs.length, 3);
    assert.equal(done.version, 1);
    assert.equal(await store.latestVersion('replayed'), 1);
    const meta = await store.getMeta('replayed', 1);
    const highs = Object.fromEntries(broker.watermarks(TOPIC).map((m) => [`${TOPIC}/${m.partition}`, m.high]));
    assert.deepEqual(meta?.offsets, highs);
    assert.equal(meta?.samplesSeen, 900);
    assert.deepEqual(meta?.extra, { source: 'test' });
    const checkpoint = CountingLearner.decodeSnapshot((await store.getCheckpoint('replayed', 1)).data);
    assert.deepEqual(checkpoint.offsets, highs);
  });

  it('reads only what the log held when it started', async () => {
    const broker = new MemoryBroker();
    broker.createTopic(TOPIC, 2);
    fill(broker, 0, 100);
    const store = new MemoryModelStore();
    const transport = new MemoryTransport(broker, 16);
    const learner = new CountingLearner();
    const done = await replay(
      {
        learner,
        consumer: transport.consumer({ groupId: 'g' }),
        admin: transport.admin(),
        store,
        // Records written after the plan is made belong to the live stream, not to the replay.
        events: { planned: () => fill(broker, 100, 150) },
      },
      { model: 'replayed', topic: TOPIC, groupId: 'g', epochs: 2 },
    );
    assert.equal(done.plan.records, 100);
    assert.equal(learner.applied().size, 100);
    assert.ok([...learner.applied().values()].every((n) => n === 2));
    assert.equal(learner.applied().get('s120'), undefined);
  });

  it('replays the records between two timestamps', async () => {
    const broker = new MemoryBroker();
    broker.createTopic(TOPIC, 2);
    fill(broker, 0, 200, (i) => 1_000_000 + i * 10);
    const store = new MemoryModelStore();
    const { learner, result } = run(broker, store, {
      from: { kind: 'timestamp', timestamp: 1_000_000 + 50 * 10 },
      until: 1_000_000 + 150 * 10,
    });
    const done = await result;
    assert.equal(done.plan.records, 100);
    const ids = [...learner.applied().keys()].map((id) => Number(id.slice(1))).sort((a, b) => a - b);
    assert.deepEqual(ids, Array.from({ length: 100 }, (_, i) => 50 + i));
    const meta = await store.getMeta('replayed', done.version);
    const ends = await planReplay(new MemoryTransport(broker).admin(), TOPIC, { kind: 'beginning' }, 1_000_000 + 150 * 10);
    assert.deepEqual(meta?.offsets, Object.fromEntries(ends.partitions.map((p) => [`${p.topic}/${p.partition}`, p.end])));
  });

  it('refuses a model name that already has versions unless allowed, and then publishes above every kept version', async () => {
    const broker = new MemoryBroker();
    broker.createTopic(TOPIC, 1);
    fill(broker, 0, 20);
    const store = new MemoryModelStore();
    const live = new CountingLearner();
    const epoch = await store.acquireEpoch('replayed');
    for (const version of [1, 2, 3]) {
      const blob = live.snapshot({ model: 'replayed', version, createdAt: version, offsets: {} }).checkpoint;
      await store.publish({ model: 'replayed', epoch, version, checkpoint: blob, serving: blob, meta: { createdAt: version, samplesSeen: 0, offsets: {} } });
    }
    await store.rollback('replayed', 2);
    await assert.rejects(run(broker, store).result, (error: unknown) => error instanceof StreamError && /already has versions \(latest 2\)/.test(error.message));
    assert.equal(await store.latestVersion('replayed'), 2);
    const done = await run(broker, store, { allowExisting: true }).result;
    assert.equal(done.version, 4);
    assert.equal(await store.latestVersion('replayed'), 4);
  });

  it('refuses an empty range before reading anything', async () => {
    const broker = new MemoryBroker();
    broker.createTopic(TOPIC, 2);
    fill(broker, 0, 10, () => 5_000);
    const store = new MemoryModelStore();
    await assert.rejects(run(broker, store, { from: { kind: 'timestamp', timestamp: 9_000 } }).result, /holds no records/);
    assert.equal(await store.latestVersion('replayed'), null);
  });

  it('validates its options', async () => {
    const store = new MemoryModelStore();
    await assert.rejects(run(new MemoryBroker(), store, { epochs: 0 }).result, /epochs: must be a whole number ≥ 1/);
    await assert.rejects(run(new MemoryBroker(), store, { groupId: '' }).result, /groupId/);
  });
});

describe('replay stopped', () => {
  it('publishes nothing when aborted', async () => {
    const broker = new MemoryBroker();
    broker.createTopic(TOPIC, 1);
    fill(broker, 0, 50);
    const store = new MemoryModelStore();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(run(broker, store, { signal: controller.signal }).result, /stopped before the end: nothing published/);
    assert.equal(await store.latestVersion('replayed'), null);
  });
});
