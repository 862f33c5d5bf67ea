// kill -9 the trainer at random points while samples stream in, restart it each time: the final
// snapshot's counting oracle shows every produced id applied exactly once and every bad record in
// the DLQ. Real Kafka, real Redis, the real `streamlr trainer` process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CountingLearner } from '@streamlr/stream';
import { createTopic, highWatermarks, kafka, produceValues, runCli, sleep, store, unique, until, type Service } from './helpers.js';

const admin = kafka.admin();
const producer = kafka.producer();
const models = store();
const topic = unique('crash');
const model = unique('crash-model').slice(0, 100);
const GOOD = 30_000;
const BAD = ['not json', '{"id":""}', '{"x":1}', '\u00ff\u00fe'];

function trainer(): Service {
  return runCli(['trainer', '--topic', topic, '--model', model, '--learner', 'counting', '--port', '0',
    '--snapshot-every', '1500', '--snapshot-interval', '0.5', '--session-timeout', '6000']);
}

before(async () => {
  await admin.connect();
  await producer.connect();
  await createTopic(admin, topic, 2);
});

after(async () => {
  await models.deleteModel(model).catch(() => undefined);
  await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
  await admin.deleteGroups([`streamlr-trainer-${model}`]).catch(() => undefined);
  await Promise.allSettled([admin.disconnect(), producer.disconnect(), models.close()]);
});

describe('trainer under kill -9', () => {
  test('three crashes at random points: every sample applied exactly once, bad ones in the DLQ', async () => {
    const values: string[] = [];
    for (let i = 0; i < GOOD; i++) {
      values.push(JSON.stringify({ id: `s${i}` }));
      if (i % 7_500 === 0) values.push(BAD[(i / 7_500) % BAD.length]!);
    }
    const badCount = values.length - GOOD;
    // Samples keep arriving while the trainer crashes and restarts.
    const producing = (async () => {
      for (let i = 0; i < values.length; i += 1_000) {
        await produceValues(producer, topic, values.slice(i, i + 1_000));
        await sleep(400);
      }
    })();
    const kills: number[] = [];
    for (let crash = 0; crash < 3; crash++) {
      const service = trainer();
      // Crash only once it has published at least one version of this run (mid-stream).
      const before = (await models.latestVersion(model)) ?? 0;
      await until('a snapshot from this trainer', async () => ((await models.latestVersion(model)) ?? 0) > before || undefined, 60_000, 50);
      await sleep(100 + Math.floor(Math.random() * 700));
      service.child.kill('SIGKILL');
      await service.exited;
      kills.push((await models.getMeta(model, (await models.latestVersion(model))!))!.samplesSeen);
    }
    await producing;
    const last = trainer();
    await until('the last trainer is assigned', () => last.lines.some((l) => l.includes('"msg":"assigned"')), 60_000, 50);
    const ends = await highWatermarks(admin, topic);
    await until('the trainer caught up', async () => {
      const v = await models.latestVersion(model);
      const meta = v === null ? null : await models.getMeta(model, v);
      return meta !== null && Object.entries(ends).every(([k, o]) => meta.offsets[k] === o) ? meta : undefined;
    }, 120_000, 200);
    last.child.kill('SIGTERM');
    assert.equal(await last.exited, 0, last.lines.slice(-20).join('\n'));

    const blob = await models.getLatest(model, 'checkpoint');
    const snapshot = CountingLearner.decodeSnapshot(blob!.data);
    const counts = new Map(snapshot.counts);
    const twice = [...counts].filter(([, n]) => n !== 1);
    const missing = Array.from({ length: GOOD }, (_, i) => `s${i}`).filter((id) => !counts.has(id));
    assert.deepEqual(twice, [], 'applied more than once');
    assert.deepEqual(missing, [], 'never applied');
    assert.equal(counts.size, GOOD);
    const dlq = Object.values(await highWatermarks(admin, `${topic}.dlq`)).reduce((n, o) => n + Number(o), 0);
    assert.equal(dlq, badCount, 'every bad record in the DLQ exactly once');
    process.stdout.write(`# crashes at samplesSeen ${kills.join(', ')}; applied ${counts.size}/${GOOD}, dlq ${dlq}/${badCount}\n`);
  });
});
