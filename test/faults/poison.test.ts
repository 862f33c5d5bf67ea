// Fault 10: a poison corpus between good samples. Each bad record lands in the DLQ once, with its
// reason and its source coordinates; the trainer never stops; the weights stay finite and equal a
// clean replay of the good samples, bit for bit. Real Kafka, real Redis, the real trainer.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCheckpoint, seededRandom } from '@streamlr/model';
import { DLQ_HEADERS } from '@streamlr/stream';
import {
  caughtUp,
  compareWithReplay,
  faultSuite,
  figure,
  labelledSample,
  MB,
  megabytes,
  metric,
  readTopic,
  sampleId,
  stopCleanly,
  trainer,
} from './harness.js';

const { kafka, admin, producer, store, newTopic } = faultSuite();
// --bits 10 (1,024 slots) makes a 2,000-long dense vector the wrong length; 4 MiB lets a
// 1,000,000-feature message reach the feature count (10 MB stays oversize).
const FLAGS = ['--optimizer', 'sgd', '--bits', '10'];
const MAX_BYTES = 4 * MB;

/** Each poison record and the reason the DLQ must give for it. */
function corpus(): { what: string; value: Buffer | string | null; reason: string }[] {
  const good = labelledSample('poison-base', seededRandom(1));
  return [
    { what: 'truncated bytes', value: good.slice(0, Math.floor(good.length / 2)), reason: 'not_json' },
    { what: 'truncated UTF-8 sequence', value: Buffer.concat([Buffer.from('{"label":1,"features":{"a":"'), Buffer.from([0xe2, 0x82])]), reason: 'bad_encoding' },
    { what: 'binary garbage', value: Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97 + 200) % 256)), reason: 'bad_encoding' },
    { what: 'text garbage', value: '%%% not a sample %%%', reason: 'not_json' },
    { what: 'empty message', value: '', reason: 'not_json' },
    { what: 'null value (tombstone)', value: null, reason: 'not_json' },
    { what: 'JSON null', value: 'null', reason: 'not_object' },
    { what: 'JSON array', value: '[1,2,3]', reason: 'not_object' },
    { what: 'wrong schema', value: '{"foo":1,"bar":"baz"}', reason: 'missing_label' },
    { what: 'no features', value: '{"label":1}', reason: 'missing_features' },
    { what: 'features not an object', value: '{"label":1,"features":[1,2]}', reason: 'bad_features' },
    { what: 'label 2', value: '{"label":2,"features":{"a":1}}', reason: 'bad_label' },
    { what: 'label null', value: '{"label":null,"features":{"a":1}}', reason: 'bad_label' },
    { what: 'feature null', value: '{"label":1,"features":{"a":null}}', reason: 'bad_value' },
    { what: 'bare NaN', value: '{"label":1,"features":{"a":NaN}}', reason: 'non_finite' },
    { what: 'Infinity (1e999)', value: '{"label":0,"features":{"a":1e999}}', reason: 'non_finite' },
    { what: 'Infinity in x', value: '{"label":0,"x":[1,-1e999]}', reason: 'non_finite' },
    { what: 'wrong vector length', value: JSON.stringify({ label: 1, x: new Array(2_000).fill(0.5) }), reason: 'too_many_features' },
    { what: '1M features', value: `{"label":1,"x":[${new Array(1_000_000).fill('0').join(',')}]}`, reason: 'too_many_features' },
    { what: '10 MB message', value: JSON.stringify({ label: 1, features: { blob: 'x'.repeat(10 * 1_048_576) } }), reason: 'oversize' },
  ];
}

describe('fault 10: a poison corpus', () => {
  test('every bad record in the DLQ with its reason; the trainer keeps going; weights finite and equal to a clean replay', async () => {
    const { topic, model } = await newTopic('poison', 1, { 'max.message.bytes': String(16 * MB) });
    const poison = corpus();
    const random = seededRandom(10);
    const expected = new Map<string, { what: string; reason: string }>();
    let good = 0;
    // 200 good samples, then one poison record, and so on; each send is one partition's records in order.
    for (const [i, bad] of poison.entries()) {
      const samples = Array.from({ length: 200 }, (_, j) => labelledSample(sampleId(0, i * 200 + j), random));
      good += samples.length;
      const sent = await producer.send({ topic, acks: -1, messages: [...samples.map((value) => ({ partition: 0, value })), { partition: 0, value: bad.value }] });
      expected.set(String(BigInt(sent[0]!.baseOffset!) + BigInt(samples.length)), bad);
    }
    const service = trainer({ topic, model, learner: 'logistic', snapshotEvery: 1_000, extra: [...FLAGS, '--max-message-bytes', String(MAX_BYTES)] });
    const url = await service.url();
    await caughtUp(admin, store, topic, model, service);
    const assignments = await metric(url, 'streamlr_trainer_rebalances_total');
    await stopCleanly(service);
    assert.equal(assignments, 1, 'the trainer never restarted its consumption');

    const dlq = await readTopic(kafka, `${topic}.dlq`);
    const seen = new Map<string, string>();
    for (const r of dlq) {
      assert.equal(r.headers[DLQ_HEADERS.sourceTopic], topic);
      seen.set(r.headers[DLQ_HEADERS.sourceOffset]!, r.headers[DLQ_HEADERS.reason]!);
    }
    const wrong = [...expected].filter(([offset, bad]) => seen.get(offset) !== bad.reason).map(([offset, bad]) => `${bad.what} @${offset}: ${seen.get(offset) ?? 'not in the DLQ'} (expected ${bad.reason})`);
    assert.deepEqual(wrong, [], 'DLQ reasons');
    assert.equal(dlq.length, poison.length, 'each bad record once');

    const blob = await store.getLatest(model, 'checkpoint');
    const { learner } = decodeCheckpoint(blob!.data);
    const state = learner.exportState();
    let nonFinite = Number.isFinite(learner.bias) ? 0 : 1;
    for (let j = 0; j < learner.slots; j++) if (!Number.isFinite(learner.weight(j))) nonFinite++;
    assert.equal(nonFinite, 0, 'non-finite weights');
    assert.equal(state.samplesSeen, good);
    const { differing } = await compareWithReplay(store, model, FLAGS, await readTopic(kafka, topic));
    assert.deepEqual(differing, [], 'learner state differs from a clean replay of the good samples');
    figure('poison corpus', {
      trials: poison.length,
      produced: good + poison.length,
      lost: 0,
      double: 0,
      dlq: dlq.length,
      reasons: new Set(poison.map((p) => p.reason)).size,
      nonFiniteWeights: nonFinite,
      peakRSS: megabytes(service.peakRss()),
      recovery: 'n/a (never stopped)',
    });
  });
});
