// Scale-out on real Kafka and Redis: `streamlr trainer --partitioned` replicas sharing one group on
// a 3-partition topic of the movielens training split. The published (mixed) model's held-out log
// loss is within 1% of a single trainer's on the same topic; throughput for 1, 2 and 3 replicas is
// printed (no timing assertion: the machine is shared).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeCheckpoint, decodeServing, evaluateScores, SparseVector, type ServingModel } from '@streamlr/model';
import { encodeSample, type Sample } from '@streamlr/protocol';
import { featurize } from '@streamlr/stream';
import { createTopic, highWatermarks, kafka, produceValues, runCli, store, unique, until, type Service } from './helpers.js';
import { groupStable, movielens, partitionStates, replica } from './scale-helpers.js';

const admin = kafka.admin();
const producer = kafka.producer();
const models = store();
const states = partitionStates();
const topic = unique('scale');
const single = unique('scale-one');
const created: { model: string; group: string }[] = [];
let train: Sample[] = [];
let heldOut: Sample[] = [];

/** The learner and cadences of every run here (single and replicas alike). */
const LEARNER = ['--bits', '18'];
/** Tight rounds (~1,000 samples per partition): parity with the single trainer on this short one-pass stream. */
const TIGHT = [...LEARNER, '--snapshot-every', '1000', '--snapshot-interval', '0.5', '--mix-every', '3000', '--mix-interval', '3'];
/** Coarse rounds (~7,000 samples per partition): the throughput setting. */
const COARSE = [...LEARNER, '--snapshot-every', '5000', '--snapshot-interval', '1', '--mix-every', '20000', '--mix-interval', '2'];

before(async () => {
  ({ train, heldOut } = await movielens());
  await admin.connect();
  await producer.connect();
  await createTopic(admin, topic, 3);
  await produceValues(producer, topic, train.map((s) => encodeSample(s)), 5_000);
  await createTopic(admin, single, 1);
  await produceValues(producer, single, train.slice(0, 20_000).map((s) => encodeSample(s)), 5_000);
});

after(async () => {
  for (const { model } of created) {
    await states.deletePartitions(model).catch(() => undefined);
    await models.deleteModel(model).catch(() => undefined);
  }
  await admin.deleteTopics({ topics: [topic, `${topic}.dlq`, single] }).catch(() => undefined);
  await admin.deleteGroups(created.map((c) => c.group)).catch(() => undefined);
  await Promise.allSettled([admin.disconnect(), producer.disconnect(), models.close(), states.close()]);
});

function names(what: string): { model: string; group: string } {
  const model = unique(what).slice(0, 100);
  const entry = { model, group: `${model}-group` };
  created.push(entry);
  return entry;
}

/** Until the latest version includes every record of the topic; returns when that happened. */
async function published(model: string, services: readonly Service[], of = topic): Promise<number> {
  const ends = await highWatermarks(admin, of);
  await until('the model includes every record', async () => {
    for (const s of services) if (s.child.exitCode !== null) throw new Error(`trainer exited: ${s.lines.slice(-8).join('\n')}`);
    const v = await models.latestVersion(model);
    const meta = v === null ? null : await models.getMeta(model, v);
    return (meta !== null && Object.entries(ends).every(([k, o]) => meta.offsets[k] === o)) || undefined;
  }, 180_000, 100);
  return Date.now();
}

async function stopAll(services: readonly Service[]): Promise<void> {
  for (const s of services) s.child.kill('SIGTERM');
  for (const s of services) assert.equal(await s.exited, 0, s.lines.slice(-10).join('\n'));
}

async function servingOf(model: string): Promise<ServingModel> {
  return decodeServing((await models.getLatest(model, 'serving'))!.data).model;
}

function heldOutLogLoss(serving: ServingModel): number {
  const x = new SparseVector(16);
  const scores = heldOut.map((s) => serving.predictProba(featurize(s, serving.featureSpace, x)));
  return evaluateScores(scores, heldOut.map((s) => s.label)).logloss;
}

interface Run {
  readonly logloss: number;
  readonly samplesSeen: number;
  readonly seconds: number;
  readonly afterAssigned: number;
  readonly versions: number;
  /** Records learned again after a merge did not include them (summed over replicas). */
  readonly replayed: number;
}

/** R replicas (or the single trainer when `replicas` is 0) from spawn until everything is published. */
async function run(what: string, replicas: number, cadence: readonly string[] = TIGHT): Promise<Run> {
  const { model, group } = names(what);
  const started = Date.now();
  const services =
    replicas === 0
      ? [runCli(['trainer', '--topic', topic, '--model', model, '--group', group, '--port', '0', '--session-timeout', '6000', '--snapshot-every', '20000', '--snapshot-interval', '1', ...LEARNER])]
      : Array.from({ length: replicas }, () => replica(topic, model, group, cadence));
  let assignedAt = started;
  if (replicas > 0) {
    // Timed in the background: the group settles while the first replicas already learn.
    void groupStable(services, 3).then(() => {
      assignedAt = Date.now();
    }, () => undefined);
  }
  const done = await published(model, services);
  await stopAll(services);
  const latest = await models.latestVersion(model);
  const meta = await models.getMeta(model, latest!);
  return {
    logloss: heldOutLogLoss(await servingOf(model)),
    samplesSeen: meta!.samplesSeen,
    seconds: (done - started) / 1000,
    afterAssigned: (done - assignedAt) / 1000,
    versions: latest!,
    replayed: services.flatMap((s) => s.lines).filter((l) => l.includes('"msg":"rebased"')).reduce((n, l) => n + ((JSON.parse(l) as { replayed?: number }).replayed ?? 0), 0),
  };
}

describe('scale-out: trainer replicas in one group, merged through Redis', () => {
  const results = new Map<string, Run>();

  test('one partition, one replica: bit for bit the single trainer\'s weights', async () => {
    const a = names('one-single');
    const b = names('one-replica');
    const trainer = runCli(['trainer', '--topic', single, '--model', a.model, '--group', a.group, '--port', '0', '--session-timeout', '6000', '--snapshot-every', '3000', '--snapshot-interval', '1', ...LEARNER]);
    const scaled = replica(single, b.model, b.group, TIGHT);
    await published(a.model, [trainer], single);
    await published(b.model, [scaled], single);
    await stopAll([trainer, scaled]);
    const expected = decodeCheckpoint((await models.getLatest(a.model, 'checkpoint'))!.data).learner;
    const actual = decodeCheckpoint((await models.getLatest(b.model, 'checkpoint'))!.data).learner;
    assert.equal(actual.samplesSeen, 20_000);
    assert.ok(Object.is(actual.bias, expected.bias), `bias ${actual.bias} vs ${expected.bias}`);
    let differing = 0;
    for (let j = 0; j < expected.slots; j++) if (!Object.is(actual.weight(j), expected.weight(j))) differing++;
    assert.equal(differing, 0, 'weights differing from the single trainer');
    process.stdout.write(`# 1 partition, 1 replica: ${(await models.latestVersion(b.model))!} mixed versions, weights identical to the single trainer's\n`);
  });

  test('3 replicas on 3 partitions: held-out log loss within 1% of a single trainer', async () => {
    const single = await run('single', 0);
    results.set('single trainer', single);
    const three = await run('three', 3);
    results.set('3 replicas, tight rounds', three);
    process.stdout.write(
      `# held-out log loss: single trainer ${single.logloss.toFixed(5)}, 3 replicas ${three.logloss.toFixed(5)} ` +
        `(${(((three.logloss - single.logloss) / single.logloss) * 100).toFixed(2)}%, ${three.versions} versions)\n`,
    );
    assert.equal(single.samplesSeen, train.length);
    assert.equal(three.samplesSeen, train.length, 'the mixed version counts every sample once');
    assert.ok(Math.abs(three.logloss - single.logloss) <= 0.01 * single.logloss, `${three.logloss} vs ${single.logloss}`);
  });

  test('throughput with 1, 2 and 3 replicas, coarse rounds', async () => {
    for (const r of [1, 2, 3]) {
      const result = await run(`c${r}`, r, COARSE);
      results.set(`${r} replica${r > 1 ? 's' : ''}, coarse rounds`, result);
      assert.equal(result.samplesSeen, train.length);
    }
    for (const [name, r] of results) {
      process.stdout.write(
        `# ${name}: ${train.length} samples in ${r.seconds.toFixed(1)} s from spawn = ${Math.round(train.length / r.seconds)} samples/s ` +
          `(${r.afterAssigned.toFixed(1)} s after the group settled), held-out log loss ${r.logloss.toFixed(5)}, ${r.versions} versions, ${r.replayed} records replayed\n`,
      );
    }
  });
});
