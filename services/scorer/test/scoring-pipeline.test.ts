import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressiveMetrics } from '@streamlr/model';
import { createScorerMetrics, Registry } from '@streamlr/metrics';
import { decodeScore, type ScoreEvent } from '@streamlr/protocol';
import { DeadLetterSink, DLQ_HEADERS, MemoryBroker, MemoryTransport, type OutgoingRecord, type StreamProducer } from '@streamlr/stream';
import { ScoreObserver, ScoringPipeline, type LoadedModel } from '../src/index.js';
import { decodeNamedWeights, encodeNamedWeights, predictNamed, type NamedWeights } from './fixtures/named-weights-model.js';
import { until } from './fixtures/store.js';

const EVENTS = 'events';
const SCORES = 'scores';
const spec = (version: number): NamedWeights => ({ model: 'ctr', version, bits: 4, bias: version / 10, weights: { a: 0.3, 'c=US': 1 } });
const load = (version: number): LoadedModel => decodeNamedWeights(encodeNamedWeights(spec(version)), { model: 'ctr', version, createdAt: 0 });

function setup(broker: MemoryBroker, current: () => LoadedModel | null, maxBatch = 100, producer: StreamProducer = new MemoryTransport(broker).producer()) {
  const transport = new MemoryTransport(broker, maxBatch);
  const registry = new Registry();
  const observer = new ScoreObserver(createScorerMetrics(registry).forModel('ctr'), new ProgressiveMetrics({ window: 1000 }));
  const pipeline = new ScoringPipeline(
    { current, consumer: transport.consumer({ groupId: 'scorer' }), producer, deadLetters: new DeadLetterSink(producer, { service: 'scorer' }), observer },
    { model: 'ctr', eventsTopic: EVENTS, scoresTopic: SCORES, groupId: 'scorer', fromBeginning: true, threshold: 0.5, chunkSize: 30, now: () => 42 },
  );
  return { pipeline, registry };
}

const count = (broker: MemoryBroker, topic: string) => (broker.hasTopic(topic) ? broker.watermarks(topic).reduce((n, w) => n + Number(w.high), 0) : 0);

describe('ScoringPipeline on the in-memory transport', () => {
  it('scores every event in order, keyed like the event, dead-letters bad ones, commits after the acks', async () => {
    const broker = new MemoryBroker(1);
    const events: { key: string; value: string; event?: ScoreEvent }[] = [];
    for (let i = 0; i < 250; i++) {
      const event = { id: `e${i}`, features: { a: i % 7, c: i % 3 === 0 ? 'US' : 'FR' }, ...(i % 2 === 0 ? { label: (i % 4 === 0 ? 1 : 0) as 0 | 1 } : {}) };
      events.push({ key: `k${i}`, value: JSON.stringify(event), event: { ...event, weight: 1 } });
      if (i === 100) events.push({ key: 'bad1', value: 'not json' });
      if (i === 200) events.push({ key: 'bad2', value: '{"features": {"a": null}}' });
    }
    for (const e of events) broker.append(EVENTS, { key: e.key, value: e.value });
    const model = load(3);
    const { pipeline, registry } = setup(broker, () => model);
    await pipeline.start();
    await until(() => count(broker, SCORES) === 250 && broker.committedOffset('scorer', EVENTS, 0) === '252', 'all scores and the commit');
    await pipeline.stop();

    const scores = broker.read(SCORES, 0, 0, 1000);
    const good = events.filter((e) => e.event !== undefined);
    scores.forEach((record, i) => {
      const score = decodeScore(record.value);
      assert.equal(record.key?.toString(), good[i]!.key);
      const p = predictNamed(spec(3), good[i]!.event!);
      assert.deepEqual(score, { id: `e${i}`, score: p, class: p >= 0.5 ? 1 : 0, model: 'ctr', version: 3, ts: 42 });
    });
    const dlq = broker.read(`${EVENTS}.dlq`, 0, 0, 10);
    assert.deepEqual(dlq.map((r) => r.headers?.[DLQ_HEADERS.reason]?.toString()), ['not_json', 'bad_value']);
    assert.deepEqual(dlq.map((r) => r.headers?.[DLQ_HEADERS.sourceOffset]?.toString()), ['101', '202']);
    const text = await registry.metrics();
    assert.match(text, /streamlr_scorer_events_total{model="ctr",outcome="scored"} 250/);
    assert.match(text, /streamlr_scorer_events_total{model="ctr",outcome="invalid"} 2/);
    assert.match(text, /streamlr_scorer_dlq_total{model="ctr",reason="not_json"} 1/);
    assert.match(text, /streamlr_scorer_logloss{model="ctr"} \d/);
  });

  it('a batch grabs the model once: a swap mid-batch shows up from the next batch on, never inside one', async () => {
    const broker = new MemoryBroker(1);
    for (let i = 0; i < 300; i++) broker.append(EVENTS, { key: `k${i}`, value: JSON.stringify({ id: `e${i}`, features: { a: 1 } }) });
    const v1 = load(1);
    const v2 = load(2);
    let current = v1;
    let calls = 0;
    // The first predict of version 1 publishes version 2: the rest of that batch must stay on 1.
    const swapping: LoadedModel = { ...v1, predict: (e) => (calls++ === 0 && (current = v2), v1.predict(e)) };
    current = swapping;
    const { pipeline } = setup(broker, () => current, 100);
    await pipeline.start();
    await until(() => count(broker, SCORES) === 300, 'all scores');
    await pipeline.stop();
    const versions = broker.read(SCORES, 0, 0, 1000).map((r) => decodeScore(r.value).version);
    assert.deepEqual(versions.slice(0, 100), new Array(100).fill(1));
    assert.deepEqual(versions.slice(100), new Array(200).fill(2));
  });

  it('an event the model cannot score goes to the DLQ (outcome error) and the rest are scored', async () => {
    const broker = new MemoryBroker(1);
    broker.append(EVENTS, { key: 'k0', value: JSON.stringify({ x: [1] }) });
    broker.append(EVENTS, { key: 'k1', value: JSON.stringify({ x: new Array(17).fill(1) }) });
    broker.append(EVENTS, { key: 'k2', value: JSON.stringify({ x: [0, 1] }) });
    const model = load(1);
    const { pipeline, registry } = setup(broker, () => model);
    await pipeline.start();
    await until(() => count(broker, SCORES) === 2 && count(broker, `${EVENTS}.dlq`) === 1, 'scores and DLQ');
    await pipeline.stop();
    const [dead] = broker.read(`${EVENTS}.dlq`, 0, 0, 10);
    assert.equal(dead?.headers?.[DLQ_HEADERS.reason]?.toString(), 'too_many_features');
    assert.equal(dead?.headers?.[DLQ_HEADERS.field]?.toString(), 'x');
    assert.match(await registry.metrics(), /outcome="error"} 1/);
  });

  it('a restarted pipeline resumes after the committed offset', async () => {
    const broker = new MemoryBroker(1);
    for (let i = 0; i < 50; i++) broker.append(EVENTS, { key: `k${i}`, value: JSON.stringify({ id: `e${i}`, features: { a: i } }) });
    const model = load(1);
    const first = setup(broker, () => model);
    await first.pipeline.start();
    await until(() => broker.committedOffset('scorer', EVENTS, 0) === '50', 'first commit');
    await first.pipeline.stop();
    for (let i = 50; i < 80; i++) broker.append(EVENTS, { key: `k${i}`, value: JSON.stringify({ id: `e${i}`, features: { a: i } }) });
    const second = setup(broker, () => model);
    await second.pipeline.start();
    await until(() => broker.committedOffset('scorer', EVENTS, 0) === '80', 'second commit');
    await second.pipeline.stop();
    const ids = broker.read(SCORES, 0, 0, 1000).map((r) => decodeScore(r.value).id);
    assert.deepEqual(ids, Array.from({ length: 80 }, (_, i) => `e${i}`));
  });

  it('commits a position only after the broker acknowledged the scores up to it', async () => {
    const broker = new MemoryBroker(1);
    for (let i = 0; i < 10; i++) broker.append(EVENTS, { key: `k${i}`, value: JSON.stringify({ id: `e${i}`, features: { a: i } }) });
    const held: { topic: string; records: readonly OutgoingRecord[]; ack: () => void }[] = [];
    const gated: StreamProducer = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      send: (topic, records) => new Promise<void>((resolve) => held.push({ topic, records, ack: resolve })),
    };
    const model = load(1);
    const { pipeline } = setup(broker, () => model, 100, gated);
    await pipeline.start();
    await until(() => held.length === 1, 'the scores sent');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(broker.committedOffset('scorer', EVENTS, 0), undefined, 'nothing committed before the ack');
    for (const h of held) for (const r of h.records) broker.append(h.topic, r);
    held[0]!.ack();
    await until(() => broker.committedOffset('scorer', EVENTS, 0) === '10', 'the commit after the ack');
    await pipeline.stop();
  });

  it('stopping while the scores cannot be sent commits nothing (they are scored again after a restart)', async () => {
    const broker = new MemoryBroker(1);
    for (let i = 0; i < 5; i++) broker.append(EVENTS, { key: `k${i}`, value: JSON.stringify({ id: `e${i}`, features: { a: i } }) });
    let attempts = 0;
    const down: StreamProducer = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      send: async () => {
        attempts++;
        throw Object.assign(new Error('broker unreachable'), { retriable: true });
      },
    };
    const model = load(1);
    const { pipeline } = setup(broker, () => model, 100, down);
    await pipeline.start();
    await until(() => attempts >= 2, 'retries');
    await pipeline.stop();
    assert.equal(broker.committedOffset('scorer', EVENTS, 0), undefined);
    assert.notEqual(pipeline.state, 'failed');
  });
});
