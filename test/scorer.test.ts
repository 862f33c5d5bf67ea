// The scorer against the real Kafka broker (127.0.0.1:9092) and Redis (127.0.0.1:6379), running
// as the least-privileged Redis user (aclRules('scorer')), with a model trained on MovieLens by
// @streamlr/model and published through the real store. Every name is unique to this run and
// removed afterwards.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { LogisticRegression } from '@streamlr/model';
import { decodeScore, encodeEvent, type Score, type ScoreEvent } from '@streamlr/protocol';
import { modelKeys, RedisModelStore, StorePermissionError } from '@streamlr/store';
import { runScorer, type Scorer, type ScoreResponseBody } from '@streamlr/scorer';
import { movielensEvents, offlinePredictor, publish, scorerAclUser, train, until, withFeatureBits, type Trained } from './scorer-helpers.js';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN = `${Date.now()}-${randomUUID().slice(0, 8)}`;
const MODEL = `scorer-it-${RUN}`;
const EVENTS = `streamlr-test-scorer-${RUN}-events`;
const SCORES = `streamlr-test-scorer-${RUN}-scores`;
const GROUP = `streamlr-test-scorer-${RUN}`;
const CLI = fileURLToPath(new URL('../../services/cli/bin/streamlr.js', import.meta.url));

const kafka = new Kafka({ clientId: 'streamlr-scorer-test', brokers: BROKERS, logLevel: logLevel.NOTHING });
const kafkaAdmin = kafka.admin();
const redisAdmin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const store = new RedisModelStore({ url: REDIS_URL });
const groups: string[] = [GROUP];

let acl: Awaited<ReturnType<typeof scorerAclUser>>;
let trainSet: ScoreEvent[];
let heldOut: ScoreEvent[];
let learner: LogisticRegression;
const published = new Map<number, Trained>();
const logs: Record<string, unknown>[] = [];
const stopScorer = new AbortController();
let scorer: Scorer;
let running: Promise<number>;
/** Publish → served figures (ms) for the report. */
const reloadMs: number[] = [];

async function publishVersion(version: number, events: readonly ScoreEvent[]): Promise<Trained> {
  const trained = train(events, { model: MODEL, version }, learner);
  await publish(store, MODEL, version, trained);
  published.set(version, trained);
  return trained;
}

/** Publishes an already trained version; resolves with the ms from the publish call to the first HTTP answer from it. */
async function timeToServe(version: number, trained: Trained): Promise<number> {
  const started = performance.now();
  await publish(store, MODEL, version, trained);
  published.set(version, trained);
  await until(async () => (await score({ features: { user_id: 'u1' } })).version === version, `version ${version} over HTTP`, 5_000, 1);
  return performance.now() - started;
}

async function score(body: unknown, url = scorer.url): Promise<ScoreResponseBody> {
  const response = await fetch(`${url}/score`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as ScoreResponseBody;
}

async function metricValue(name: string, labels: string): Promise<number | undefined> {
  const text = await (await fetch(`${scorer.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

before(async () => {
  await redisAdmin.connect();
  acl = await scorerAclUser(redisAdmin, REDIS_URL);
  await kafkaAdmin.connect();
  await kafkaAdmin.createTopics({
    topics: [
      { topic: EVENTS, numPartitions: 3 },
      { topic: SCORES, numPartitions: 3 },
      // The scorer's producer would create it on the first dead letter; the test's reader needs it first.
      { topic: `${EVENTS}.dlq`, numPartitions: 1 },
    ],
    waitForLeaders: true,
  });
  trainSet = await movielensEvents(0, 30_000);
  heldOut = await movielensEvents(80_000, 80_600);
  learner = new LogisticRegression({ featureSpace: { bits: 20, seed: 0 }, optimizer: 'adagrad' });
  await publishVersion(1, trainSet.slice(0, 10_000));
  running = runScorer(
    ['--model', MODEL, '--port', '0', '--events-topic', EVENTS, '--scores-topic', SCORES, '--group', GROUP, '--from-beginning'],
    { REDIS_URL: acl.url, KAFKA_BROKERS: BROKERS.join(',') },
    {
      signal: stopScorer.signal,
      stdout: { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
      onStarted: (s) => (scorer = s),
    },
  );
  await until(() => scorer?.current?.version === 1, 'the scorer to load version 1');
});

after(async () => {
  stopScorer.abort();
  await running?.catch(() => undefined);
  await store.deleteModel(MODEL).catch(() => undefined);
  await store.close();
  await acl?.remove().catch(() => undefined);
  redisAdmin.disconnect();
  await kafkaAdmin.deleteTopics({ topics: [EVENTS, SCORES, `${EVENTS}.dlq`] }).catch(() => undefined);
  await kafkaAdmin.deleteGroups(groups).catch(() => undefined);
  await kafkaAdmin.disconnect();
  if (reloadMs.length > 0) {
    process.stdout.write(`# scorer reload: publish → served over HTTP, ms: ${reloadMs.map((m) => m.toFixed(1)).join(', ')}\n`);
  }
});

describe('scorer against real Kafka and Redis, as the read-only scorer ACL user', () => {
  it('the scorer user can read and subscribe but not write', async () => {
    const readOnly = new RedisModelStore({ url: acl.url });
    try {
      assert.equal(await readOnly.latestVersion(MODEL), 1);
      await assert.rejects(readOnly.acquireEpoch(MODEL), StorePermissionError);
      await assert.rejects(
        readOnly.publish({ model: MODEL, epoch: 1, version: 99, checkpoint: Buffer.from('c'), serving: Buffer.from('s'), meta: { createdAt: 0, samplesSeen: 0, offsets: {} } }),
        StorePermissionError,
      );
    } finally {
      await readOnly.close();
    }
  });

  it('is ready, and HTTP scores equal the model’s offline prediction, in order', async () => {
    assert.equal((await fetch(`${scorer.url}/readyz`)).status, 200);
    const predict = offlinePredictor(published.get(1)!.serving);
    const body = await score(heldOut);
    assert.equal(body.model, MODEL);
    assert.equal(body.version, 1);
    assert.equal(body.scores.length, heldOut.length);
    heldOut.forEach((event, i) => {
      const p = predict(event);
      assert.deepEqual(body.scores[i], { id: event.id, score: p, class: p >= 0.5 ? 1 : 0 });
    });
  });

  it('Kafka scores equal the offline prediction, keyed like the event; bad events go to the DLQ with a reason', async () => {
    const predict = offlinePredictor(published.get(1)!.serving);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: EVENTS,
      messages: [
        ...heldOut.map((event) => ({ key: event.id!, value: encodeEvent(event) })),
        { key: 'bad-json', value: '{"features": ' },
        { key: 'bad-value', value: '{"features": {"year": null}}' },
      ],
    });
    await producer.disconnect();

    const scores = new Map<string, { score: Score; key: string }>();
    const dead: IHeaders[] = [];
    const reader = kafka.consumer({ groupId: `${GROUP}-reader`, maxWaitTimeInMs: 100 });
    groups.push(`${GROUP}-reader`);
    try {
      await reader.connect();
      await reader.subscribe({ topics: [SCORES, `${EVENTS}.dlq`], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ topic, message }) => {
          if (topic === SCORES) {
            const s = decodeScore(message.value);
            scores.set(s.id!, { score: s, key: message.key!.toString() });
          } else {
            dead.push(message.headers ?? {});
          }
        },
      });
      await until(() => scores.size === heldOut.length && dead.length === 2, 'all scores and two dead letters', 60_000, 50);
    } finally {
      await reader.disconnect();
    }
    for (const event of heldOut) {
      const got = scores.get(event.id!);
      assert.ok(got !== undefined, event.id);
      const p = predict(event);
      assert.equal(got.key, event.id);
      assert.equal(got.score.score, p);
      assert.equal(got.score.class, p >= 0.5 ? 1 : 0);
      assert.equal(got.score.model, MODEL);
      assert.equal(got.score.version, 1);
    }
    assert.deepEqual(dead.map((h) => h['streamlr-reason']?.toString()).sort(), ['bad_value', 'not_json']);
    assert.ok(dead.every((h) => h['streamlr-source-topic']?.toString() === EVENTS));
  });

  it('serves a newly published version within 1 s (notification; polling is the fallback)', async () => {
    for (let version = 2; version <= 6; version++) {
      const slice = trainSet.slice(10_000 + (version - 2) * 4_000, 14_000 + (version - 2) * 4_000);
      reloadMs.push(await timeToServe(version, train(slice, { model: MODEL, version }, learner)));
    }
    assert.ok(Math.max(...reloadMs) < 1_000, `publish → served took ${reloadMs.join(', ')} ms`);
    const predict = offlinePredictor(published.get(6)!.serving);
    const body = await score(heldOut.slice(0, 50));
    assert.equal(body.version, 6);
    body.scores.forEach((s, i) => assert.equal(s.score, predict(heldOut[i]!)));
  });

  it('a version that fails to load (corrupt blob, unreadable feature space) is refused and the old weights keep serving', async () => {
    const good = published.get(6)!;
    const corrupt = Buffer.from(Uint8Array.from(good.serving));
    corrupt[Math.floor(corrupt.length / 2)]! ^= 0x5a;
    await publish(store, MODEL, 7, { serving: corrupt, checkpoint: good.checkpoint });
    await until(() => metricValue('streamlr_scorer_reload_failures_total', `model="${MODEL}",reason="decode"`), 'a decode failure');
    await publish(store, MODEL, 8, { serving: withFeatureBits(good.serving, 20, 40), checkpoint: good.checkpoint });
    await until(() => metricValue('streamlr_scorer_reload_failures_total', `model="${MODEL}",reason="feature_space"`), 'a feature-space failure');

    const predict = offlinePredictor(good.serving);
    const body = await score(heldOut.slice(0, 20));
    assert.equal(body.version, 6);
    body.scores.forEach((s, i) => assert.equal(s.score, predict(heldOut[i]!)));
    assert.equal(await metricValue('streamlr_scorer_model_version', `model="${MODEL}"`), 6);
    const failures = logs.filter((l) => l['msg'] === 'model load failed; the previous weights keep serving');
    assert.deepEqual(
      failures.map((l) => [l['version'], l['reason'], l['serving']]),
      [
        [7, 'decode', 6],
        [8, 'feature_space', 6],
      ],
    );
    // After a refused version the next good one is picked up.
    await publishVersion(9, trainSet.slice(0, 1_000));
    await until(() => scorer.current?.version === 9, 'version 9');
  });

  it('follows latest back after a rollback', async () => {
    await store.rollback(MODEL, 6);
    await until(async () => (await score({ features: { user_id: 'u1' } })).version === 6, 'rolled-back version 6', 5_000);
  });

  it('--version pins a version; a blob corrupted in Redis is refused by the store checksum (exit 1)', async () => {
    const out: string[] = [];
    const pinned = new AbortController();
    let pinnedScorer: Scorer | undefined;
    const env = { REDIS_URL: acl.url };
    const run = runScorer(['--model', MODEL, '--version', '1', '--http-only', '--port', '0'], env, {
      signal: pinned.signal,
      stdout: { write: () => undefined },
      onStarted: (s) => (pinnedScorer = s),
    });
    await until(() => pinnedScorer?.current?.version === 1, 'pinned version 1');
    const predict = offlinePredictor(published.get(1)!.serving);
    const body = await score(heldOut.slice(0, 20), pinnedScorer!.url);
    assert.equal(body.version, 1);
    body.scores.forEach((s, i) => assert.equal(s.score, predict(heldOut[i]!)));
    pinned.abort();
    assert.equal(await run, 0);

    // Corrupt version 9's stored serving blob behind the store's back.
    const key = modelKeys(MODEL).serving(9);
    await redisAdmin.setrange(key, 200, 'garbage-garbage');
    const code = await runScorer(['--model', MODEL, '--version', '9', '--http-only', '--port', '0'], env, {
      stdout: { write: () => undefined },
      stderr: { write: (line: string) => out.push(line) },
    });
    assert.equal(code, 1);
    assert.match(out.join(''), /version 9: corrupt/);
  });

  it('/metrics has the scorer series of DESIGN section 9, with the labelled events’ log loss', async () => {
    const text = await (await fetch(`${scorer.url}/metrics`)).text();
    for (const series of [
      `streamlr_scorer_events_total{model="${MODEL}",outcome="scored"}`,
      `streamlr_scorer_events_total{model="${MODEL}",outcome="invalid"}`,
      `streamlr_scorer_latency_seconds_bucket{le="0.0001",model="${MODEL}"}`,
      `streamlr_scorer_score_bucket{le="0.5",model="${MODEL}"}`,
      `streamlr_scorer_logloss{model="${MODEL}"}`,
      `streamlr_scorer_accuracy{model="${MODEL}"}`,
      `streamlr_scorer_model_version{model="${MODEL}"} 6`,
      `streamlr_scorer_model_age_seconds{model="${MODEL}"}`,
      `streamlr_model_nonzero_weights{model="${MODEL}",role="scorer"}`,
      `streamlr_model_sparsity_ratio{model="${MODEL}",role="scorer"}`,
      `streamlr_scorer_reloads_total{model="${MODEL}",trigger="notification"}`,
    ]) {
      assert.ok(text.includes(series), series);
    }
    const logloss = await metricValue('streamlr_scorer_logloss', `model="${MODEL}"`);
    assert.ok(logloss !== undefined && logloss > 0.3 && logloss < 0.75, `held-out log loss ${logloss}`);
  });

  it('stops cleanly (exit 0) with every scored event committed', async () => {
    stopScorer.abort();
    assert.equal(await running, 0);
    const committed = await kafkaAdmin.fetchOffsets({ groupId: GROUP, topics: [EVENTS] });
    const high = await kafkaAdmin.fetchTopicOffsets(EVENTS);
    for (const { partition, high: end } of high) {
      assert.equal(committed[0]!.partitions.find((p) => p.partition === partition)?.offset, end, `partition ${partition}`);
    }
  });
});

describe('streamlr scorer as a process', () => {
  it('logs JSON, serves /score and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'scorer', '--model', MODEL, '--http-only', '--port', '0'], {
      env: { ...process.env, REDIS_URL: acl.url, STREAMLR_SCORER_TOKEN: 'tok' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const line of parts) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    try {
      const listening = await until(() => lines.find((l) => l['msg'] === 'http listening'), 'the listening line');
      await until(() => lines.some((l) => l['msg'] === 'model loaded'), 'the model');
      const url = String(listening['url']);
      assert.equal((await fetch(`${url}/score`, { method: 'POST', body: '{"features":{}}' })).status, 401);
      const ok = await fetch(`${url}/score`, { method: 'POST', body: '{"features":{}}', headers: { authorization: 'Bearer tok' } });
      assert.equal(ok.status, 200);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 0);
      assert.ok(lines.some((l) => l['msg'] === 'stopping' && l['reason'] === 'SIGTERM'));
      assert.ok(lines.every((l) => l['service'] === 'scorer'));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
