// Fault 8: the Kafka broker restarts while samples and events stream in. The test runs its OWN
// broker (the jars infra/local cached, other ports, its own data directory), so the shared one is
// never disturbed. The trainer and the scorer must ride it out in the same processes: the lag
// returns to 0, the counting oracle holds, every event gets a score (at least once).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeCheckpoint, encodeServing, hashFeatures, LogisticRegression, seededRandom, SparseVector } from '@streamlr/model';
import type { Kafka, Producer } from 'kafkajs';
import {
  caughtUp,
  checkCounting,
  deleteTopics,
  figure,
  highWatermarks,
  kafkaClient,
  labelledSample,
  megabytes,
  metric,
  modelStore,
  readTopic,
  runCli,
  sampleId,
  seconds,
  sleep,
  stop,
  trainer,
  unique,
  until,
} from './harness.js';
import { kafkaLibs, OwnKafka } from './own-kafka.js';

const libs = kafkaLibs();
const store = modelStore();
const model = unique('broker-model').slice(0, 100);
const scorerModel = unique('broker-scorer-model').slice(0, 100);
let broker: OwnKafka;
let kafka: Kafka;

before(async () => {
  if (libs === null) return;
  broker = await OwnKafka.start(libs);
  kafka = kafkaClient(broker.brokers);
});

after(async () => {
  await store.deleteModel(model).catch(() => undefined);
  await store.deleteModel(scorerModel).catch(() => undefined);
  await store.close().catch(() => undefined);
  await broker?.destroy();
});

/**
 * A producer that sends through the outage: a failed send is retried, and a send that hangs (a
 * kafkajs producer can wait forever on a request to the restarted broker) is abandoned after
 * 15 s for a fresh producer. Either may write twice; the oracle reads the log back.
 */
function resilientProducer(kafka: Kafka): { send(topic: string, messages: { partition: number; value: string }[]): Promise<void>; close(): Promise<void>; replaced: number } {
  let producer: Producer = kafka.producer({ retry: { retries: 2 } });
  let connected = producer.connect();
  const state = {
    replaced: 0,
    async send(topic: string, messages: { partition: number; value: string }[]): Promise<void> {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 15_000)));
        const attempt = connected.then(() => producer.send({ topic, acks: -1, messages })).then(() => 'sent' as const, () => 'failed' as const);
        const outcome = await Promise.race([attempt, hung]);
        clearTimeout(timer);
        if (outcome === 'sent') return;
        if (outcome === 'hung') {
          void producer.disconnect().catch(() => undefined);
          producer = kafka.producer({ retry: { retries: 2 } });
          connected = producer.connect().catch(() => undefined);
          state.replaced++;
        } else {
          await sleep(300);
        }
      }
    },
    close: () => producer.disconnect().catch(() => undefined),
  };
  return state;
}

describe('fault 8: broker restart under load', { skip: libs === null ? 'no cached Kafka jars: run `npm run infra:up` once' : false }, () => {
  test('trainer and scorer recover in place; lag returns to 0; the oracle holds; every event scored', async (t) => {
    const samples = unique('broker-samples');
    const events = unique('broker-events');
    const scores = unique('broker-scores');
    const admin = kafka.admin();
    await admin.connect();
    t.after(async () => {
      await deleteTopics(admin, [samples, `${samples}.dlq`, events, `${events}.dlq`, scores]).catch(() => undefined);
      await admin.disconnect();
    });
    await admin.createTopics({ topics: [{ topic: samples, numPartitions: 2 }, { topic: events, numPartitions: 2 }, { topic: scores, numPartitions: 1 }], waitForLeaders: true });

    // A model for the scorer to serve.
    const random = seededRandom(8);
    const learner = new LogisticRegression({ featureSpace: { bits: 16, seed: 0 } });
    const x = new SparseVector(16);
    for (let i = 0; i < 2_000; i++) {
      const s = JSON.parse(labelledSample(`m${i}`, random)) as { label: 0 | 1; features: Record<string, string | number> };
      learner.learn(hashFeatures(s.features, learner.options.featureSpace, x), s.label);
    }
    const meta = { model: scorerModel, version: 1, createdAt: Date.now() };
    await store.publish({ model: scorerModel, epoch: await store.acquireEpoch(scorerModel), version: 1, checkpoint: encodeCheckpoint(learner, meta), serving: encodeServing(learner, meta), meta: { createdAt: meta.createdAt, samplesSeen: 2_000, offsets: {} } });

    const service = trainer({ topic: samples, model, brokers: broker.brokers, snapshotEvery: 2_000 });
    const scorer = runCli([
      'scorer', '--model', scorerModel, '--brokers', broker.brokers.join(','), '--events-topic', events, '--scores-topic', scores,
      '--from-beginning', '--port', '0', '--host', '127.0.0.1',
    ]);
    t.after(() => {
      for (const s of [service, scorer]) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    });
    await until('trainer assigned', () => service.logged('assigned').length > 0, 60_000, 50);
    await until('scorer consuming', () => scorer.logged('consuming').length > 0, 60_000, 50);

    const producer = resilientProducer(kafka);
    let producing = true;
    const load = (async () => {
      for (let slice = 0; producing; slice++) {
        const batch = (p: number, make: (i: number) => string) => Array.from({ length: 250 }, (_, k) => ({ partition: p, value: make(slice * 250 + k) }));
        for (const p of [0, 1]) {
          await producer.send(samples, batch(p, (i) => (i % 1_000 === 999 ? `{"bad":${i}}` : JSON.stringify({ id: sampleId(p, i) }))));
          await producer.send(events, batch(p, (i) => JSON.stringify({ id: `e${p}-${i}`, features: { user: `u${i % 200}`, item: `i${i % 100}`, amount: (i % 50) / 5 } })));
        }
        await sleep(150);
      }
    })();
    await sleep(3_000);
    const restartAt = Date.now();
    await broker.stop('SIGTERM');
    const stoppedAt = Date.now();
    await sleep(4_000);
    await broker.start();
    const backAt = Date.now();
    await sleep(3_000);
    producing = false;
    await load;
    await producer.close();

    // Lag back to 0: the trainer's snapshot and the scorer group's commits reach the ends of the logs.
    const trainerLagZero = await caughtUp(admin, store, samples, model, service, 120_000).catch(async (error: unknown) => {
      // What the trainer itself reports, for a stall that logs nothing.
      const url = await service.url();
      const figures = await Promise.all(['streamlr_trainer_samples_total', 'streamlr_trainer_paused', 'streamlr_trainer_rebalances_total'].map(async (m) => `${m}=${await metric(url, m).catch(() => '?')}`));
      throw new Error(`${String(error)}\nmarks ${JSON.stringify(await highWatermarks(admin, samples))}; ${figures.join(' ')}\ntrainer:\n${service.lines.filter((l) => !l.includes('"namespace":"Connection"')).slice(-40).join('\n')}`);
    });
    const ends = await highWatermarks(admin, events);
    await until('the scorer committed up to the end of the events', async () => {
      assert.equal(scorer.child.exitCode, null, `the scorer exited:\n${scorer.lines.slice(-20).join('\n')}`);
      const [committed] = await admin.fetchOffsets({ groupId: `streamlr-scorer-${scorerModel}`, topics: [events] });
      return committed!.partitions.every((p) => p.offset === ends[`${events}/${p.partition}`]);
    }, 120_000, 200);
    const recovered = Date.now() - backAt;
    assert.equal(service.child.exitCode, null, 'the trainer rode out the restart in the same process');
    const peak = Math.max(service.peakRss(), scorer.peakRss());
    assert.equal(await stop(service), 0, service.lines.slice(-10).join('\n'));
    assert.equal(await stop(scorer), 0, scorer.lines.slice(-10).join('\n'));

    const report = await checkCounting(kafka, store, samples, model);
    const eventIds = new Set((await readTopic(kafka, events)).map((r) => (JSON.parse(r.value!.toString()) as { id: string }).id));
    const scored = new Map<string, number>();
    for (const r of await readTopic(kafka, scores)) {
      const id = (JSON.parse(r.value!.toString()) as { id: string }).id;
      scored.set(id, (scored.get(id) ?? 0) + 1);
    }
    const unscored = [...eventIds].filter((id) => !scored.has(id));
    assert.deepEqual(unscored.slice(0, 5), [], `${unscored.length} events never scored`);
    figure('broker restart under load', {
      trials: 1,
      produced: report.produced,
      lost: report.lost.length,
      double: report.double.length,
      dlq: report.dlq,
      events: eventIds.size,
      unscored: unscored.length,
      scoredTwice: [...scored.values()].filter((n) => n > 1).length,
      producerReplaced: producer.replaced,
      brokerDown: seconds(backAt - restartAt),
      shutdown: seconds(stoppedAt - restartAt),
      peakRSS: megabytes(peak),
      recovery: `${seconds(recovered)}(both lag 0 after the broker was back; trainer ${seconds(trainerLagZero)})`,
    });
  });
});
