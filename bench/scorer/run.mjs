#!/usr/bin/env node
// `npm run bench:scorer`: the scorer against the real local Kafka (127.0.0.1:9092) and Redis
// (127.0.0.1:6379), on a 2^20-slot model trained on MovieLens by @streamlr/model.
//
// 1. HTTP: POST /score latency at a fixed offered load (open loop, default 5,000 requests/s for
//    30 s after a 3 s warm-up, one event per request), from a separate load-generator process.
// 2. Kafka: events/s of the scorer (decode, score, produce scores, commit) against a raw kafkajs
//    consumer that only decodes, on the same topic; alternating runs, best of each.
// Figures go to bench/scorer/RESULTS.md (and stdout). Needs `npm run build` first.
//
//   node bench/scorer/run.mjs [--rate N] [--seconds N] [--events N] [--rounds N] [--only http|kafka] [--no-write]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { encodeCheckpoint, encodeServing, hashFeatures, LogisticRegression, SparseVector } from '@streamlr/model';
import { encodeEvent, readRecords, tryDecodeEvent } from '@streamlr/protocol';
import { RedisModelStore } from '@streamlr/store';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    events: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '2' },
    only: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'services/cli/bin/streamlr.js');
const HTTP_LOAD = fileURLToPath(new URL('./http-load.mjs', import.meta.url));
const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN = `${Date.now()}-${randomUUID().slice(0, 6)}`;
const MODEL = `bench-scorer-${RUN}`;
const say = (line) => process.stdout.write(`${line}\n`);

async function movielens() {
  const rows = [];
  for await (const r of readRecords(join(ROOT, 'data/movielens.csv'), { label: 'label', as: 'events' })) {
    if (r.sample !== undefined) rows.push(r.sample);
  }
  return rows;
}

/** Starts `streamlr scorer` as a child process; resolves once it logged that the model is loaded. */
async function startScorer(extra) {
  const child = spawn(process.execPath, [CLI, 'scorer', '--model', MODEL, '--port', '0', ...extra], {
    env: { ...process.env, REDIS_URL, KAFKA_BROKERS: BROKERS.join(','), KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = [];
  const waiters = [];
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop();
    for (const text of parts) {
      const line = { ...JSON.parse(text), receivedAt: performance.now() };
      lines.push(line);
      for (const w of waiters.splice(0)) w();
    }
  });
  const waitFor = async (msg) => {
    for (;;) {
      const found = lines.find((l) => l.msg === msg);
      if (found !== undefined) return found;
      if (child.exitCode !== null) throw new Error(`scorer exited with ${child.exitCode} before '${msg}'`);
      await new Promise((resolve) => waiters.push(resolve));
    }
  };
  const listening = await waitFor('http listening');
  await waitFor('model loaded');
  return {
    url: listening.url,
    waitFor,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

async function benchHttp(heldOut) {
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const warmup = Number(args.warmup);
  const dir = mkdtempSync(join(tmpdir(), 'streamlr-bench-'));
  const bodiesPath = join(dir, 'bodies.json');
  writeFileSync(bodiesPath, JSON.stringify(heldOut.slice(0, 2_000).map((e, i) => ({ id: `h${i}`, features: e.features }))));
  const scorer = await startScorer(['--http-only', '--log-level', 'info']);
  try {
    say(`http: ${rate} requests/s for ${seconds} s (+${warmup} s warm-up) at ${scorer.url}`);
    const load = spawn(process.execPath, [HTTP_LOAD, scorer.url, String(rate), String(seconds), String(warmup), bodiesPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    load.stdout.on('data', (c) => (out += c));
    const [code] = await once(load, 'exit');
    if (code !== 0) throw new Error(`load generator exited with ${code}`);
    const result = JSON.parse(out);
    const metrics = await (await fetch(`${scorer.url}/metrics`)).text();
    const count = Number(/streamlr_scorer_latency_seconds_count\{[^}]*\} (\S+)/.exec(metrics)?.[1]);
    const sum = Number(/streamlr_scorer_latency_seconds_sum\{[^}]*\} (\S+)/.exec(metrics)?.[1]);
    result.inScorerMeanMs = (sum / count) * 1000;
    return result;
  } finally {
    await scorer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function produceEvents(kafka, topic, rows, n) {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const batch = 5_000;
  for (let i = 0; i < n; i += batch) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      const row = rows[j % rows.length];
      messages.push({ key: `b-${j}`, value: encodeEvent({ ...row, id: `b-${j}` }) });
    }
    await producer.send({ topic, acks: 1, messages });
  }
  await producer.disconnect();
}

/** A raw kafkajs consumer that only decodes (the ceiling the scorer is measured against). */
async function rawDecode(kafka, topic, n) {
  const consumer = kafka.consumer({ groupId: `bench-raw-${RUN}-${randomUUID().slice(0, 6)}` });
  let joinedAt = 0;
  let count = 0;
  let invalid = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => (joinedAt = performance.now()));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      for (const message of batch.messages) {
        if (!tryDecodeEvent(message.value).ok) invalid++;
        count++;
      }
      const last = batch.messages.at(-1);
      if (last !== undefined) resolveOffset(last.offset);
      if (count >= n) done(performance.now());
    },
  });
  const end = await finished;
  await consumer.disconnect();
  if (invalid > 0) throw new Error(`raw consumer: ${invalid} invalid events`);
  return { seconds: (end - joinedAt) / 1000, rate: n / ((end - joinedAt) / 1000) };
}

/**
 * The ceiling of the scorer's output side: kafkajs producing `n` score-sized messages to a
 * 3-partition topic, as the scorer sends them (1,000 per request, 5 requests at a time, acks all).
 */
async function produceOnly(kafka, admin, n) {
  const topic = `streamlr-bench-produce-${RUN}-${randomUUID().slice(0, 6)}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const started = performance.now();
    for (let i = 0; i < n; i += 5_000) {
      const messages = [];
      for (let j = i; j < Math.min(n, i + 5_000); j++) {
        const score = { id: `b-${j}`, score: 0.123456789, class: 0, model: MODEL, version: 1, ts: Date.now() };
        messages.push({ key: `b-${j}`, value: Buffer.from(JSON.stringify(score)) });
      }
      const sends = [];
      for (let k = 0; k < messages.length; k += 1_000) sends.push(producer.send({ topic, acks: -1, messages: messages.slice(k, k + 1_000) }));
      await Promise.all(sends);
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, rate: n / seconds };
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  }
}

/** The scorer (child process) from a fresh group: time from its assignment to every event committed. */
async function scorerRun(kafka, admin, topic, n) {
  const group = `bench-scorer-${RUN}-${randomUUID().slice(0, 6)}`;
  const scoresTopic = `${topic}.scores`;
  const scorer = await startScorer(['--events-topic', topic, '--scores-topic', scoresTopic, '--group', group, '--from-beginning']);
  try {
    const assigned = await scorer.waitFor('assigned');
    let end = 0;
    for (;;) {
      const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const committed = entry.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
      if (committed >= n) {
        end = performance.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const seconds = (end - assigned.receivedAt) / 1000;
    return { seconds, rate: n / seconds, group };
  } finally {
    await scorer.stop();
  }
}

async function benchKafka(rows) {
  const n = Number(args.events);
  const rounds = Number(args.rounds);
  const kafka = new Kafka({ clientId: 'streamlr-bench', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `streamlr-bench-scorer-${RUN}`;
  const groups = [];
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    say(`kafka: producing ${n} events to ${topic} (3 partitions)`);
    await produceEvents(kafka, topic, rows, n);
    const raw = [];
    const scored = [];
    const produced = [];
    for (let round = 0; round < rounds; round++) {
      const r = await rawDecode(kafka, topic, n);
      raw.push(r);
      say(`kafka round ${round + 1}: raw decode-only consumer ${Math.round(r.rate)} events/s`);
      const s = await scorerRun(kafka, admin, topic, n);
      groups.push(s.group);
      scored.push(s);
      say(`kafka round ${round + 1}: scorer ${Math.round(s.rate)} events/s`);
      const p = await produceOnly(kafka, admin, n);
      produced.push(p);
      say(`kafka round ${round + 1}: kafkajs produce-only ${Math.round(p.rate)} messages/s`);
    }
    return { n, raw, scored, produced };
  } finally {
    await admin.deleteTopics({ topics: [topic, `${topic}.scores`] }).catch(() => undefined);
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  }
}

const fmt = (ms) => `${ms.toFixed(3)} ms`;

/** What the figures mean, written under every run's figures. */
const NOTES = [
  '## Notes',
  '',
  '- HTTP: the scorer itself spends ~2 µs per event (validate + hash + dot product); the rest is Node\'s HTTP',
  '  server and the kernel (a CPU profile at 5,000 requests/s shows the scorer ~78% idle, `writev` the largest',
  '  item). The tail is scheduling on a 2-core machine shared with the broker, the load generator and other',
  '  work: with another CPU-bound benchmark running, p99 from send rose to 2.2 ms (p99.9 14 ms).',
  '- Kafka: a CPU profile of the scorer shows its time in kafkajs\'s producer (record-batch encoding, CRC,',
  '  murmur2, and `groupMessagesPerPartition`, which copies an array per record: quadratic in a send\'s size)',
  '  and in GC, not in scoring. The scorer therefore sends 1,000-record requests (5,000-record sends were 2×',
  '  slower) and overlaps each step\'s acknowledgement with the next fetch. Producing one score per event with',
  '  kafkajs costs more than consuming and decoding that event, so 0.8× of a decode-only consumer is out of reach',
  '  with kafkajs on one thread; a librdkafka-based client (`@confluentinc/kafka-javascript`, which DESIGN',
  '  section 6 keeps swappable behind the transport) is the way to close that gap.',
  '',
];

async function main() {
  const rows = await movielens();
  const train = rows.slice(0, 80_000);
  const heldOut = rows.slice(80_000);
  const learner = new LogisticRegression({ featureSpace: { bits: 20, seed: 0 }, optimizer: 'adagrad' });
  const x = new SparseVector();
  for (const e of train) learner.learn(hashFeatures(e.features, learner.options.featureSpace, x), e.label);
  const info = { model: MODEL, version: 1, createdAt: Date.now() };
  const store = new RedisModelStore({ url: REDIS_URL });
  const epoch = await store.acquireEpoch(MODEL);
  const serving = encodeServing(learner, info);
  await store.publish({ model: MODEL, epoch, version: 1, checkpoint: encodeCheckpoint(learner, info), serving, meta: { createdAt: info.createdAt, samplesSeen: learner.samplesSeen, offsets: {} } });
  const stats = learner.weightStats();
  say(`model ${MODEL}: 2^20 slots, ${stats.nonzero} non-zero weights, serving blob ${serving.length} bytes`);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
  let http = null;
  let kafkaFigures = null;
  try {
    if (args.only !== 'kafka') {
      http = await benchHttp(heldOut);
      say(`http: p50 ${fmt(http.fromSend.p50)}, p99 ${fmt(http.fromSend.p99)} (from scheduled send: p99 ${fmt(http.fromSchedule.p99)}), errors ${http.errors}`);
    }
    if (args.only !== 'http') kafkaFigures = await benchKafka(rows);
  } finally {
    await store.deleteModel(MODEL).catch(() => undefined);
    await store.close();
  }
  const lines = [
    '# Scorer benchmark',
    '',
    `Run ${new Date().toISOString()} with \`npm run bench:scorer\` on ${machine}. Kafka 3.9.1 (single`,
    'broker, KRaft) and Redis on the same machine; the machine is shared, so figures are noisy.',
    `Model: MovieLens, 80,000 training rows, AdaGrad, 2^20 slots (${stats.nonzero} non-zero), Float32 serving blob.`,
    '',
  ];
  if (http !== null) {
    const s = http.fromSend;
    const q = http.fromSchedule;
    lines.push(
      '## HTTP `POST /score` (one event per request)',
      '',
      `Open-loop load from a separate process (\`bench/scorer/http-load.mjs\`, raw keep-alive sockets): ${http.rate} requests/s for ${http.seconds} s`,
      `after a ${http.warmup} s warm-up over ${http.connections} connections; achieved ${Math.round(http.achievedRate)} requests/s, ${http.errors} errors, at most ${http.maxInFlight} in flight.`,
      '',
      '| latency | p50 | p90 | p99 | p99.9 | max |',
      '|---|---|---|---|---|---|',
      `| from send (ms) | ${s.p50.toFixed(3)} | ${s.p90.toFixed(3)} | ${s.p99.toFixed(3)} | ${s.p999.toFixed(3)} | ${s.max.toFixed(3)} |`,
      `| from scheduled send (ms) | ${q.p50.toFixed(3)} | ${q.p90.toFixed(3)} | ${q.p99.toFixed(3)} | ${q.p999.toFixed(3)} | ${q.max.toFixed(3)} |`,
      '',
      `Target p99 < 2 ms: ${s.p99 < 2 ? 'met' : 'NOT met'} (from send). "From scheduled send" also counts the load generator's own`,
      'timer lag (it sends on a 1 ms timer), so it is the pessimistic figure.',
      `Inside the scorer (streamlr_scorer_latency_seconds, validate + predict per event): mean ${(http.inScorerMeanMs * 1000).toFixed(1)} µs.`,
      '',
    );
  }
  if (kafkaFigures !== null) {
    const best = (list) => Math.max(...list.map((r) => r.rate));
    const ratio = best(kafkaFigures.scored) / best(kafkaFigures.raw);
    lines.push(
      '## Kafka events/s',
      '',
      `${kafkaFigures.n} MovieLens events (with labels) on a 3-partition topic; each run is a fresh consumer group from the`,
      "beginning, timed from its group assignment to the last event (raw: decoded; scorer: its committed offsets",
      'cover every event, i.e. scores produced, acknowledged and committed). Runs alternate raw / scorer.',
      '',
      '| run | raw kafkajs consumer, decode only | scorer (decode, score, produce, commit) | kafkajs produce only (same number of score messages) |',
      '|---|---|---|---|',
      ...kafkaFigures.raw.map(
        (r, i) => `| ${i + 1} | ${Math.round(r.rate)} events/s | ${Math.round(kafkaFigures.scored[i].rate)} events/s | ${Math.round(kafkaFigures.produced[i].rate)} messages/s |`,
      ),
      '',
      `Best scorer / best raw = ${ratio.toFixed(2)}× (target ≥ 0.8×: ${ratio >= 0.8 ? 'met' : 'NOT met'}).`,
      `Best scorer / best produce-only = ${(best(kafkaFigures.scored) / best(kafkaFigures.produced)).toFixed(2)}×: every event costs one produced score,`,
      'and kafkajs producing alone is slower than consuming and decoding, so the raw consumer is not a ceiling the scorer',
      'can reach with kafkajs on one core; consume + produce in sequence bounds it at',
      `1 / (1/raw + 1/produce) = ${Math.round(1 / (1 / best(kafkaFigures.raw) + 1 / best(kafkaFigures.produced)))} events/s here.`,
      '',
    );
  }
  lines.push(...NOTES);
  const text = lines.join('\n');
  say(`\n${text}`);
  if (!args['no-write']) writeFileSync(RESULTS, text);
}

main().catch((error) => {
  process.stderr.write(`bench:scorer: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
