// The trainer on real data through real Kafka and Redis: the published model equals offline
// training on the same samples in the same order (same math), samples_total counts every sample,
// and kill -9 at three random points changes nothing: the final weights are bit-identical.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeCheckpoint, decodeServing, evaluateScores, LogisticRegression, SparseVector } from '@streamlr/model';
import { encodeSample, readRecords, type Sample } from '@streamlr/protocol';
import { featurize } from '@streamlr/stream';
import { createTopic, DATA, highWatermarks, kafka, produceValues, runCli, sleep, store, unique, until, type Service } from './helpers.js';

const admin = kafka.admin();
const producer = kafka.producer();
const models = store();
const topic = unique('ml');
const created: string[] = [];
let train: Sample[] = [];
let heldOut: Sample[] = [];

before(async () => {
  const all: Sample[] = [];
  for await (const row of readRecords(`${DATA}movielens.csv`, { label: 'label' })) if ('sample' in row && row.sample !== undefined) all.push(row.sample as Sample);
  const cut = Math.floor(all.length * 0.8);
  train = all.slice(0, cut);
  heldOut = all.slice(cut);
  await admin.connect();
  await producer.connect();
  await createTopic(admin, topic, 1);
  await produceValues(producer, topic, train.map((s) => encodeSample(s)), 5_000);
});

after(async () => {
  for (const m of created) await models.deleteModel(m).catch(() => undefined);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteGroups(created.map((m) => `streamlr-trainer-${m}`)).catch(() => undefined);
  await Promise.allSettled([admin.disconnect(), producer.disconnect(), models.close()]);
});

function offline(): LogisticRegression {
  const learner = new LogisticRegression();
  const x = new SparseVector(16);
  for (const s of train) learner.learn(featurize(s, learner.options.featureSpace, x), s.label, s.weight);
  return learner;
}

function heldOutLogLoss(predict: (x: SparseVector) => number, space: LogisticRegression['options']['featureSpace']): number {
  const x = new SparseVector(16);
  const scores = heldOut.map((s) => predict(featurize(s, space, x)));
  return evaluateScores(scores, heldOut.map((s) => s.label)).logloss;
}

function trainer(model: string): Service {
  created.push(model);
  return runCli(['trainer', '--topic', topic, '--model', model, '--port', '0', '--snapshot-every', '20000', '--snapshot-interval', '1', '--session-timeout', '6000']);
}

async function caughtUp(model: string, service?: Service): Promise<void> {
  const ends = await highWatermarks(admin, topic);
  await until('the trainer caught up', async () => {
    const v = await models.latestVersion(model);
    const meta = v === null ? null : await models.getMeta(model, v);
    if (service !== undefined && service.child.exitCode !== null) throw new Error(`trainer exited: ${service.lines.slice(-5).join('\n')}`);
    const done = meta !== null && Object.entries(ends).every(([k, o]) => meta.offsets[k] === o);
    return done || undefined;
  }, 120_000, 200);
}

async function stop(service: Service): Promise<void> {
  await until('trainer assigned', () => service.lines.some((l) => l.includes('"msg":"assigned"')), 60_000, 50);
  service.child.kill('SIGTERM');
  assert.equal(await service.exited, 0, service.lines.slice(-10).join('\n'));
}

describe('trainer on movielens through Kafka and Redis', () => {
  test('published model = offline one pass on the same order; samples_total = sample count', async () => {
    const model = unique('ml-straight').slice(0, 100);
    const service = trainer(model);
    const url = await until('metrics url', () => service.lines.map((l) => /"http":"(http:[^"]+)"/.exec(l)?.[1]).find((u) => u !== undefined), 60_000, 50);
    await caughtUp(model, service);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const samples = Number(/streamlr_trainer_samples_total\{model="[^"]+"\} (\d+)/.exec(metrics)?.[1]);
    await stop(service);
    assert.equal(samples, train.length);
    const serving = decodeServing((await models.getLatest(model, 'serving'))!.data);
    const reference = offline();
    const online = heldOutLogLoss((x) => serving.model.predictProba(x), serving.header.featureSpace);
    const expected = heldOutLogLoss((x) => reference.predictProba(x), reference.options.featureSpace);
    process.stdout.write(`# held-out logloss: trainer ${online.toFixed(6)}, offline ${expected.toFixed(6)}\n`);
    assert.ok(Math.abs(online - expected) <= 1e-6, `${online} vs ${expected}`);
  });

  test('kill -9 at three random points: final weights bit-identical to an uninterrupted run', async () => {
    const model = unique('ml-crash').slice(0, 100);
    const kills: number[] = [];
    for (let crash = 0; crash < 3; crash++) {
      const service = trainer(model);
      const before = (await models.latestVersion(model)) ?? 0;
      await until('a snapshot from this trainer', async () => ((await models.latestVersion(model)) ?? 0) > before || undefined, 60_000, 20);
      await sleep(Math.floor(Math.random() * 300));
      service.child.kill('SIGKILL');
      await service.exited;
      kills.push((await models.getMeta(model, (await models.latestVersion(model))!))!.samplesSeen);
    }
    const last = trainer(model);
    await caughtUp(model, last);
    await stop(last);
    const { learner } = decodeCheckpoint((await models.getLatest(model, 'checkpoint'))!.data);
    const reference = offline();
    assert.equal(learner.samplesSeen, train.length);
    assert.equal(learner.bias, reference.bias);
    const slots = reference.slots;
    let differing = 0;
    for (let j = 0; j < slots; j++) if (!Object.is(learner.weight(j), reference.weight(j))) differing++;
    process.stdout.write(`# crashes at samplesSeen ${kills.join(', ')}; weights differing from the uninterrupted run: ${differing}\n`);
    assert.equal(differing, 0);
  });
});
