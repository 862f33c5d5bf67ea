// 1,000 good samples mixed with 200 bad ones of every kind DESIGN section 4 names: the trainer
// learns the 1,000, sends all 200 to <topic>.dlq with the reason and source headers, counts them
// per reason, and stays up throughout (/healthz answers, readiness holds).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTopic, highWatermarks, kafka, produceValues, runCli, store, unique, until } from './helpers.js';

const admin = kafka.admin();
const producer = kafka.producer();
const models = store();
const topic = unique('dlq');
const model = unique('dlq-model').slice(0, 100);

const BAD: readonly (readonly [string, string | Buffer])[] = [
  ['not_json', '{"label": 1, "features": '],
  ['missing_label', '{"features": {"a": 1}}'],
  ['bad_label', '{"label": 2, "features": {"a": 1}}'],
  ['non_finite', '{"label": 1, "features": {"a": 1e400}}'],
  ['bad_value', '{"label": 1, "features": {"a": null}}'],
  ['too_many_features', JSON.stringify({ label: 1, features: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f${i}`, i])) })],
  ['oversize', JSON.stringify({ label: 1, features: { pad: 'x'.repeat(3_000) } })],
  ['missing_features', '{"label": 0}'],
  ['bad_encoding', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
  ['bad_weight', '{"label": 1, "features": {"a": 1}, "weight": -1}'],
];

before(async () => {
  await admin.connect();
  await producer.connect();
  await createTopic(admin, topic, 1);
});

after(async () => {
  await models.deleteModel(model).catch(() => undefined);
  await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
  await admin.deleteGroups([`streamlr-trainer-${model}`]).catch(() => undefined);
  await Promise.allSettled([admin.disconnect(), producer.disconnect(), models.close()]);
});

describe('trainer with bad input', () => {
  test('1,000 good + 200 bad: all bad in the DLQ with reasons, all good learned, service up', async () => {
    const values: (string | Buffer)[] = [];
    const expected = new Map<string, number>();
    for (let i = 0; i < 1_200; i++) {
      if (i % 6 === 5) {
        const [reason, value] = BAD[Math.floor(i / 6) % BAD.length]!;
        expected.set(reason, (expected.get(reason) ?? 0) + 1);
        values.push(value);
      } else {
        values.push(JSON.stringify({ id: `s${i}`, label: i % 2, features: { colour: ['red', 'green'][i % 2], size: i % 7 } }));
      }
    }
    assert.equal([...expected.values()].reduce((a, b) => a + b, 0), 200);
    const service = runCli(['trainer', '--topic', topic, '--model', model, '--port', '0', '--snapshot-interval', '0.5',
      '--max-message-bytes', '2000', '--max-features', '50', '--session-timeout', '6000']);
    const url = await until('metrics url', () => service.lines.map((l) => /"http":"(http:[^"]+)"/.exec(l)?.[1]).find((u) => u !== undefined), 30_000, 50);
    await produceValues(producer, topic, values, 300);
    const end = (await highWatermarks(admin, topic))[`${topic}/0`];
    await until('all 1,200 handled and published', async () => {
      const v = await models.latestVersion(model);
      return v !== null && (await models.getMeta(model, v))?.offsets[`${topic}/0`] === end;
    }, 60_000, 100);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const samples = Number(/streamlr_trainer_samples_total\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
    assert.equal(samples, 1_000);
    for (const [reason, n] of expected) {
      const counted = Number(new RegExp(`streamlr_trainer_invalid_samples_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)`).exec(metrics)?.[1]);
      assert.equal(counted, n, `invalid_samples_total{reason="${reason}"}`);
    }
    const meta = await models.getMeta(model, (await models.latestVersion(model))!);
    assert.equal(meta!.samplesSeen, 1_000);

    // Every bad record is in the DLQ once, with its reason and source coordinates.
    const consumer = kafka.consumer({ groupId: unique('dlq-reader') });
    const seen = new Map<string, number>();
    const offsets = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const header = (name: string): string => String(message.headers?.[name] ?? '');
        seen.set(header('streamlr-reason'), (seen.get(header('streamlr-reason')) ?? 0) + 1);
        assert.equal(header('streamlr-source-topic'), topic);
        offsets.add(header('streamlr-source-offset'));
      },
    });
    await until('200 dead letters read', () => offsets.size >= 200, 30_000, 50);
    await consumer.disconnect();
    assert.deepEqual(new Map([...seen].sort()), new Map([...expected].sort()));
    assert.equal(offsets.size, 200);
    service.child.kill('SIGTERM');
    assert.equal(await service.exited, 0);
  });
});
