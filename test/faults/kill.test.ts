// Faults 1–3: the trainer process dies (kill -9) mid-batch, around the store's publish, and after
// a publish but before the Kafka commit. Real Kafka, real Redis, the real `streamlr trainer`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  caughtUp,
  checkCounting,
  figure,
  kafkaClient,
  megabytes,
  metric,
  modelStore,
  nextVersion,
  prng,
  produceCounting,
  seconds,
  sleep,
  stop,
  trainer,
  unique,
} from './harness.js';

const kafka = kafkaClient();
const admin = kafka.admin();
const producer = kafka.producer();
const store = modelStore();
const topics: string[] = [];
const models: string[] = [];

async function newTopic(what: string, partitions: number): Promise<{ topic: string; model: string }> {
  const topic = unique(what);
  const model = unique(`${what}-model`).slice(0, 100);
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  topics.push(topic, `${topic}.dlq`);
  models.push(model);
  return { topic, model };
}

before(async () => {
  await admin.connect();
  await producer.connect();
});

after(async () => {
  for (const m of models) await store.deleteModel(m).catch(() => undefined);
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.deleteGroups(models.map((m) => `streamlr-trainer-${m}`)).catch(() => undefined);
  await Promise.allSettled([admin.disconnect(), producer.disconnect(), store.close()]);
});

describe('fault 1: kill -9 mid-batch', () => {
  test('ten kills at random points, a restart each time: every id applied exactly once, bad ones in the DLQ', async () => {
    const { topic, model } = await newTopic('kill', 2);
    const random = prng(Number(process.env.STREAMLR_FAULTS_SEED ?? Date.now() % 1e9));
    // A backlog, and more samples arriving while the trainer crashes and restarts.
    await produceCounting(producer, topic, { partitions: 2, count: 40_000, badEvery: 5_000 });
    const producing = produceCounting(producer, topic, { partitions: 2, from: 40_000, count: 20_000, slice: 1_000, pauseMs: 300, badEvery: 5_000 });
    const recoveries: number[] = [];
    let unpublished = 0;
    let peak = 0;
    for (let trial = 0; trial < 10; trial++) {
      const before = (await store.latestVersion(model)) ?? 0;
      const startedAt = Date.now();
      // Slowed to ~0.1 ms a sample, so the kill lands while a batch is being worked through.
      const service = trainer({ topic, model, env: { STREAMLR_FAULT_SLOW_MS: '0.1' } });
      const url = await service.url();
      await nextVersion(store, model, before, service);
      recoveries.push(Date.now() - startedAt);
      const resumedFrom = before === 0 ? 0 : (await store.getMeta(model, before))!.samplesSeen;
      await sleep(Math.floor(random() * 800));
      // Learned by this process but not yet in a published snapshot: the work the kill throws away.
      const learned = (await metric(url, 'streamlr_trainer_samples_total')) ?? 0;
      service.child.kill('SIGKILL');
      assert.equal(await service.exited, 'SIGKILL');
      peak = Math.max(peak, service.peakRss());
      const latest = (await store.getMeta(model, (await store.latestVersion(model))!))!;
      unpublished += Math.max(0, learned - (latest.samplesSeen - resumedFrom));
    }
    await producing;
    const last = trainer({ topic, model });
    await caughtUp(admin, store, topic, model, last);
    assert.equal(await stop(last), 0, last.lines.slice(-10).join('\n'));
    const report = await checkCounting(kafka, store, topic, model);
    figure('kill -9 mid-batch', {
      trials: 10,
      produced: report.produced,
      lost: report.lost.length,
      double: report.double.length,
      dlq: report.dlq,
      dlqRepeats: report.dlqRepeats,
      redone: unpublished,
      peakRSS: megabytes(Math.max(peak, last.peakRss())),
      recovery: `${seconds(recoveries.reduce((a, b) => a + b, 0) / recoveries.length)}(max ${seconds(Math.max(...recoveries))})`,
    });
  });
});
