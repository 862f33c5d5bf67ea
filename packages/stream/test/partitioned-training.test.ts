// PartitionedTrainingPipeline in one process: the in-memory transport, model store and partition
// store. The memory transport has one member per group, so "replicas" here are pipelines whose
// consumers are restricted to a subset of the partitions (what the Kafka group would assign them);
// the real multi-process, multi-replica tests are in the repository's test/scale-out*.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCheckpoint, type LearnerOptionsInput, resolveLearnerOptions, seededRandom } from '@streamlr/model';
import { encodeSample } from '@streamlr/protocol';
import { MemoryModelStore, MemoryPartitionStore, type ModelStore, type PartitionStateStore } from '@streamlr/store';
import {
  CountingLearner,
  CountingMixer,
  DeadLetterSink,
  LogisticLearner,
  LogisticMixer,
  MemoryBroker,
  MemoryTransport,
  PartitionedTrainingPipeline,
  TrainingPipeline,
  type ConsumeOptions,
  type PartitionedTrainingOptions,
  type PartitionMixer,
  type StreamConsumer,
  type StreamLearner,
} from '../src/index.js';

const TOPIC = 'samples';
const MODEL = 'm';

/** A consumer that only sees `partitions` (the assignment a Kafka group would give one replica). */
function subset(consumer: StreamConsumer, partitions: ReadonlySet<number>): StreamConsumer {
  return {
    connect: () => consumer.connect(),
    run: (options: ConsumeOptions) =>
      consumer.run({
        ...options,
        onAssign: (assigned) => options.onAssign(assigned.filter((tp) => partitions.has(tp.partition))),
        eachBatch: async (batch) => (partitions.has(batch.partition) ? options.eachBatch(batch) : undefined),
      }),
    seek: (target) => consumer.seek(target),
    commit: (offsets) => consumer.commit(offsets),
    stop: () => consumer.stop(),
    disconnect: () => consumer.disconnect(),
    onCrash: (listener) => consumer.onCrash(listener),
  };
}

/** Click-like samples: two categorical features and a numeric one, labels from a fixed logistic model. */
function produceSamples(broker: MemoryBroker, count: number, seed = 7): void {
  const next = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    const user = Math.floor(next() * 40);
    const item = Math.floor(next() * 120);
    const amount = 10 + 40 * next();
    const z = (user % 3) - 1 + ((item % 5) - 2) * 0.6 + (amount - 30) / 15;
    const label = next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    broker.append(TOPIC, { key: `k${i}`, value: encodeSample({ id: `s${i}`, label, features: { user: `u${user}`, item: `i${item}`, amount } }) });
  }
}

function produceIds(broker: MemoryBroker, from: number, to: number): void {
  for (let i = from; i < to; i++) broker.append(TOPIC, { key: `k${i}`, value: JSON.stringify({ id: `s${i}` }) });
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: timed out`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const LEARNER: LearnerOptionsInput = { featureSpace: { bits: 12, seed: 0 } };

interface Replica<S> {
  readonly pipeline: PartitionedTrainingPipeline<S>;
  readonly consumer: StreamConsumer;
}

function replica<S>(
  transport: MemoryTransport,
  models: ModelStore,
  states: PartitionStateStore,
  createLearner: () => StreamLearner<S>,
  mixer: PartitionMixer,
  partitions: ReadonlySet<number> | null,
  options: Partial<PartitionedTrainingOptions> = {},
): Replica<S> {
  const base = transport.consumer({ groupId: 'g' });
  const consumer = partitions === null ? base : subset(base, partitions);
  const pipeline = new PartitionedTrainingPipeline<S>(
    { createLearner, mixer, consumer, admin: transport.admin(), store: models, states, deadLetters: new DeadLetterSink(transport.producer(), { service: 'test' }) },
    {
      model: MODEL,
      topics: [TOPIC],
      groupId: 'g',
      schedule: { every: 30, intervalMs: 50 },
      mixing: { every: 60, intervalMs: 100 },
      reset: false,
      ...options,
    },
  );
  return { pipeline, consumer };
}

function caughtUp(broker: MemoryBroker, replicas: readonly Replica<unknown>[], partitions?: readonly number[]): boolean {
  const ends = broker.watermarks(TOPIC);
  const position: Record<string, string> = Object.assign({}, ...replicas.map((r) => r.pipeline.position));
  return ends.filter((w) => partitions === undefined || partitions.includes(w.partition)).every((w) => position[`${TOPIC}/${w.partition}`] === w.high);
}

async function publishedEverything(broker: MemoryBroker, models: ModelStore): Promise<boolean> {
  const latest = await models.latestVersion(MODEL);
  if (latest === null) return false;
  const meta = await models.getMeta(MODEL, latest);
  return broker.watermarks(TOPIC).every((w) => meta?.offsets[`${TOPIC}/${w.partition}`] === w.high);
}

describe('PartitionedTrainingPipeline', () => {
  it('one partition, one replica: exactly the single trainer\'s weights, through many mixing rounds', async () => {
    const options = resolveLearnerOptions(LEARNER);
    const broker = new MemoryBroker(1);
    broker.createTopic(TOPIC, 1);
    produceSamples(broker, 1_500);
    const transport = new MemoryTransport(broker, 37);

    const singleStore = new MemoryModelStore();
    const single = new TrainingPipeline(
      {
        learner: new LogisticLearner(options),
        consumer: transport.consumer({ groupId: 'single' }),
        admin: transport.admin(),
        store: singleStore,
        deadLetters: new DeadLetterSink(transport.producer(), { service: 'test' }),
      },
      { model: MODEL, topics: [TOPIC], groupId: 'single', schedule: { every: 100, intervalMs: 0 }, reset: false },
    );
    await single.start();
    await until(() => single.position[`${TOPIC}/0`] === '1500', 'single trainer');
    await single.stop();

    const models = new MemoryModelStore();
    const states = new MemoryPartitionStore(models);
    const scaled = replica(transport, models, states, () => new LogisticLearner(options), new LogisticMixer(options), null);
    await scaled.pipeline.start();
    await until(() => caughtUp(broker, [scaled]), 'partitioned trainer');
    await scaled.pipeline.stop();

    const expected = decodeCheckpoint((await singleStore.getLatest(MODEL, 'checkpoint'))!.data).learner;
    const published = await models.getLatest(MODEL, 'checkpoint');
    const actual = decodeCheckpoint(published!.data).learner;
    assert.ok(published!.version > 10, `many rounds (version ${published!.version})`);
    assert.equal(actual.samplesSeen, 1_500);
    assert.ok(Object.is(actual.bias, expected.bias), `bias ${actual.bias} vs ${expected.bias}`);
    let differing = 0;
    for (let j = 0; j < expected.slots; j++) if (!Object.is(actual.weight(j), expected.weight(j))) differing++;
    assert.equal(differing, 0);
    assert.deepEqual(published!.meta.offsets, { [`${TOPIC}/0`]: '1500' });
  });

  it('three replicas on three partitions: every sample applied exactly once in the mixed version', async () => {
    const broker = new MemoryBroker(3);
    broker.createTopic(TOPIC, 3);
    produceIds(broker, 0, 2_000);
    broker.append(TOPIC, { key: 'bad', value: 'not json' });
    const transport = new MemoryTransport(broker, 25);
    const models = new MemoryModelStore();
    const states = new MemoryPartitionStore(models);
    const replicas = [0, 1, 2].map((p) => replica(transport, models, states, () => new CountingLearner(), new CountingMixer(), new Set([p])));
    for (const r of replicas) await r.pipeline.start();
    // More records while the replicas mix.
    produceIds(broker, 2_000, 3_000);
    await until(() => caughtUp(broker, replicas), 'replicas caught up');
    await until(() => publishedEverything(broker, models), 'mixed version includes everything');
    for (const r of replicas) await r.pipeline.stop();

    const latest = await models.getLatest(MODEL, 'checkpoint');
    const snapshot = CountingLearner.decodeSnapshot(latest!.data);
    assert.ok(latest!.version > 5, `several rounds (version ${latest!.version})`);
    assert.equal(snapshot.counts.length, 3_000);
    assert.deepEqual(snapshot.counts.filter(([, n]) => n !== 1), []);
    assert.equal(snapshot.samplesSeen, 3_000);
    assert.equal(broker.watermarks(`${TOPIC}.dlq`).reduce((n, w) => n + Number(w.high), 0), 1);
  });

  it('a replica that dies mid-stream: its partitions move to another replica with their states, exactly once', async () => {
    const broker = new MemoryBroker(3);
    broker.createTopic(TOPIC, 3);
    produceIds(broker, 0, 3_000);
    const transport = new MemoryTransport(broker, 20);
    const models = new MemoryModelStore();
    const states = new MemoryPartitionStore(models);
    const options = { schedule: { every: 40, intervalMs: 30 }, mixing: { every: 400, intervalMs: 200 }, lockTtlMs: 500 };
    const survivor = replica(transport, models, states, () => new CountingLearner(), new CountingMixer(), new Set([0]), options);
    // The victim writes states through a store that stops answering when it "dies" (kill -9).
    let dead = false;
    const deadStore = <T extends object>(target: T): T =>
      new Proxy(target, {
        get: (obj, prop, receiver) => {
          const value = Reflect.get(obj, prop, receiver) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => (dead ? new Promise(() => undefined) : (value as (...a: unknown[]) => unknown).apply(obj, args));
        },
      });
    const victim = replica(transport, deadStore(models), deadStore(states), () => new CountingLearner(), new CountingMixer(), new Set([1, 2]), options);
    await survivor.pipeline.start();
    await victim.pipeline.start();
    await until(async () => (await states.listPartitions(MODEL)).some((s) => s.partition === `${TOPIC}/1` && s.samples > 0), 'victim wrote a state');
    await until(() => Number(victim.pipeline.position[`${TOPIC}/1`] ?? 0) > 600, 'victim mid-stream');
    dead = true;
    // Its consumer stops fetching; whatever it was doing never completes (no final write, no merge).
    void victim.consumer.stop();
    const heldByVictim = Number(victim.pipeline.position[`${TOPIC}/1`]);
    // The group hands partitions 1 and 2 to a new owner, which continues from their stored states.
    const heir = replica(transport, models, states, () => new CountingLearner(), new CountingMixer(), new Set([1, 2]), options);
    await heir.pipeline.start();
    // Learning continues on every partition.
    produceIds(broker, 3_000, 3_600);
    await until(() => caughtUp(broker, [survivor, heir]), 'caught up after the crash');
    // Running replicas mix by time until the published version includes every record; a replica
    // that stops while another merges leaves its last unwritten records to the partition's next owner.
    await until(() => publishedEverything(broker, models), 'mixed version includes everything');
    await heir.pipeline.stop();
    await survivor.pipeline.stop();

    const snapshot = CountingLearner.decodeSnapshot((await models.getLatest(MODEL, 'checkpoint'))!.data);
    assert.equal(snapshot.counts.length, 3_600);
    assert.deepEqual(snapshot.counts.filter(([, n]) => n !== 1), []);
    const stored = (await states.listPartitions(MODEL)).find((s) => s.partition === `${TOPIC}/1`);
    assert.ok(stored !== undefined && stored.owner === heir.pipeline.replica, 'the heir owns partition 1 now');
    assert.ok(heldByVictim > 600);
  });

  it('reset publishes a fresh base: all partitions start over, versions move forward', async () => {
    const broker = new MemoryBroker(2);
    broker.createTopic(TOPIC, 2);
    produceIds(broker, 0, 400);
    const transport = new MemoryTransport(broker, 50);
    const models = new MemoryModelStore();
    const states = new MemoryPartitionStore(models);
    const first = replica(transport, models, states, () => new CountingLearner(), new CountingMixer(), null);
    await first.pipeline.start();
    await until(() => caughtUp(broker, [first]), 'first run');
    await first.pipeline.stop();
    const before = (await models.latestVersion(MODEL))!;
    const second = replica(transport, models, states, () => new CountingLearner(), new CountingMixer(), null, { reset: true });
    await second.pipeline.start();
    await until(() => caughtUp(broker, [second]), 'second run');
    await second.pipeline.stop();
    const latest = await models.getLatest(MODEL, 'checkpoint');
    assert.ok(latest!.version > before + 1);
    const snapshot = CountingLearner.decodeSnapshot(latest!.data);
    assert.equal(snapshot.counts.length, 400);
    assert.ok(snapshot.counts.every(([, n]) => n === 1), 'the reset line counts every sample once');
  });
});
