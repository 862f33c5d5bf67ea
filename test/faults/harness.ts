// The fault suite's oracle and process harness. Every test sample has a unique id
// `p<partition>-<sequence>`; the topic is read back after the run (so "produced" is what the log
// really holds, whatever the producer retried) and compared with the counting learner's final
// snapshot and the dead-letter topic: applied + dead-lettered == produced, each applied id exactly
// once. For real SGD, the final learner state is compared bit for bit with a clean replay of the
// same offsets.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { decodeCheckpoint, decodeServing, hashFeatures, SparseVector, type LearnerState } from '@streamlr/model';
import { RedisModelStore, type StoredVersionMeta } from '@streamlr/store';
import { CountingLearner, DLQ_HEADERS, LEARNER_SETTINGS, LogisticLearner, learnerOptionsFrom, parseSettings } from '@streamlr/stream';
import { BROKERS, highWatermarks, REDIS_URL, runCli as startCli, sleep, unique as uniqueName, until, type Service as CliProcess } from '../helpers.js';

export { BROKERS, highWatermarks, REDIS_URL, sleep, until };

export function unique(what: string): string {
  return uniqueName(what, 'streamlr-faults');
}

export function kafkaClient(brokers: readonly string[] = BROKERS): Kafka {
  return new Kafka({ clientId: 'streamlr-faults', brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });
}

/** The test's own view of a store (its connection errors are expected during Redis faults). */
export function modelStore(url = REDIS_URL): RedisModelStore {
  return new RedisModelStore({ url, onConnectionError: () => undefined });
}

export interface FaultSuite {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  /** The test's view of the store the trainers publish to. */
  readonly store: RedisModelStore;
  /** A new topic of `partitions` partitions and a new model; `group` is the trainer's consumer group. */
  newTopic(what: string, partitions: number, config?: Record<string, string>): Promise<{ topic: string; model: string; group: string }>;
}

/**
 * The clients every fault test file shares (admin and producer on the shared broker, a store),
 * connected before its tests. After them, every topic made by `newTopic` is deleted with its DLQ,
 * and so are its model and its trainer group; then the clients close, and `ownRedis` (a Redis the
 * file started for its trainers, default none: the shared one) is destroyed.
 */
export function faultSuite(ownRedis?: { readonly url: string; destroy(): Promise<void> }): FaultSuite {
  const kafka = kafkaClient();
  const admin = kafka.admin();
  const producer = kafka.producer();
  const store = modelStore(ownRedis?.url);
  const topics: string[] = [];
  const models: string[] = [];
  before(async () => {
    await admin.connect();
    await producer.connect();
  });
  after(async () => {
    for (const m of models) await store.deleteModel(m).catch(() => undefined);
    await deleteTopics(admin, topics).catch(() => undefined);
    await admin.deleteGroups(models.map(trainerGroup)).catch(() => undefined);
    await Promise.allSettled([admin.disconnect(), producer.disconnect(), store.close()]);
    await ownRedis?.destroy();
  });
  return {
    kafka,
    admin,
    producer,
    store,
    async newTopic(what, partitions, config = {}) {
      const topic = unique(what);
      const model = unique(`${what}-model`).slice(0, 100);
      const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }));
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }], waitForLeaders: true });
      topics.push(topic, `${topic}.dlq`);
      models.push(model);
      return { topic, model, group: trainerGroup(model) };
    },
  };
}

/** The consumer group `streamlr trainer --model <model>` joins. */
export const trainerGroup = (model: string): string => `streamlr-trainer-${model}`;

// ---------------------------------------------------------------------------------------------
// Samples

/** The id of sample `sequence` of `partition`: unique per (partition, sequence). */
export const sampleId = (partition: number, sequence: number): string => `p${partition}-${sequence}`;

/** A labelled sample (DESIGN section 4) with a learnable signal: users and items with hidden affinities. */
export function labelledSample(id: string, random: () => number): string {
  const user = Math.floor(random() * 200);
  const item = Math.floor(random() * 100);
  const amount = Math.round(random() * 1000) / 100;
  const logit = ((user % 7) - 3) * 0.4 + ((item % 5) - 2) * 0.5 + (amount - 5) * 0.1;
  const label = random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  return JSON.stringify({ id, label, features: { user: `u${user}`, item: `i${item}`, amount } });
}

/** Sends `values` to one partition, in sends of `chunk` (acks = all). */
export async function produceTo(producer: Producer, topic: string, partition: number, values: readonly (string | Buffer | null)[], chunk = 2_000): Promise<void> {
  for (let i = 0; i < values.length; i += chunk) {
    await producer.send({ topic, acks: -1, messages: values.slice(i, i + chunk).map((value) => ({ partition, value })) });
  }
}

/**
 * Produces `count` counting-oracle samples per partition (ids p<P>-<seq> from `from`), with a bad
 * record (no id) every `badEvery` records, in slices of `slice` with `pauseMs` between: samples
 * keep arriving while faults happen.
 */
export async function produceCounting(
  producer: Producer,
  topic: string,
  options: { partitions: number; count: number; from?: number; slice?: number; pauseMs?: number; badEvery?: number },
): Promise<void> {
  const from = options.from ?? 0;
  const slice = options.slice ?? options.count;
  for (let start = from; start < from + options.count; start += slice) {
    const end = Math.min(from + options.count, start + slice);
    for (let p = 0; p < options.partitions; p++) {
      const values: string[] = [];
      for (let s = start; s < end; s++) {
        values.push(JSON.stringify({ id: sampleId(p, s) }));
        if (options.badEvery !== undefined && s % options.badEvery === options.badEvery - 1) values.push(`{"bad":${s}}`);
      }
      await produceTo(producer, topic, p, values, 5_000);
    }
    if (options.pauseMs !== undefined && end < from + options.count) await sleep(options.pauseMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading topics back

export interface LogRecord {
  readonly partition: number;
  readonly offset: string;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** Deletes those of `topics` that exist (kafkajs retries a missing one for about two minutes). */
export async function deleteTopics(admin: Admin, topics: readonly string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const doomed = topics.filter((t) => existing.has(t));
  if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
}

/** Every record of `topic` from the log start to the current end (empty when the topic does not exist). */
export async function readTopic(kafka: Kafka, topic: string): Promise<LogRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let marks: { partition: number; low: string; high: string }[];
  try {
    if (!(await admin.listTopics()).includes(topic)) return [];
    marks = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map(marks.filter((m) => BigInt(m.high) > BigInt(m.low)).map((m) => [m.partition, BigInt(m.high)]));
  const out: LogRecord[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: unique('reader'), maxBytesPerPartition: 16 * 1_048_576, maxBytes: 64 * 1_048_576 });
  await consumer.connect();
  try {
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = remaining.get(batch.partition);
        if (end === undefined) return;
        for (const m of batch.messages) {
          if (BigInt(m.offset) >= end) break;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = String(v);
          out.push({ partition: batch.partition, offset: m.offset, value: m.value, headers });
        }
        const last = batch.messages[batch.messages.length - 1];
        if (last !== undefined && BigInt(last.offset) + 1n >= end) remaining.delete(batch.partition);
        if (remaining.size === 0) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reading ${topic}: timed out`)), 120_000);
    });
    await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------
// The counting oracle

export interface OracleReport {
  /** Records in the log. */
  readonly produced: number;
  /** Distinct good records counted exactly once. */
  readonly applied: number;
  /** Good records never applied. */
  readonly lost: readonly string[];
  /** Good records applied more than once. */
  readonly double: readonly string[];
  /** Ids in the snapshot that the log does not hold. */
  readonly unknown: readonly string[];
  /** Bad records in the DLQ (distinct source coordinates). */
  readonly dlq: number;
  /** Bad records missing from the DLQ (`partition@offset`). */
  readonly dlqMissing: readonly string[];
  /** DLQ entries beyond the first for the same source record (the DLQ is at-least-once). */
  readonly dlqRepeats: number;
  /** DLQ entries that point at a good record or at nothing in the log. */
  readonly dlqWrong: readonly string[];
}

const counting = new CountingLearner();

/** Compares a counting snapshot and a DLQ with the log: see OracleReport. */
export function countingOracle(log: readonly LogRecord[], counts: Iterable<readonly [string, number]>, dlq: readonly LogRecord[]): OracleReport {
  const expected = new Map<string, number>();
  const bad = new Set<string>();
  for (const r of log) {
    const decoded = counting.decode(r.value);
    if (decoded.ok) expected.set(decoded.value.id, (expected.get(decoded.value.id) ?? 0) + 1);
    else bad.add(`${r.partition}@${r.offset}`);
  }
  const seen = new Map(counts);
  const lost: string[] = [];
  const double: string[] = [];
  let applied = 0;
  for (const [id, n] of expected) {
    const got = seen.get(id) ?? 0;
    if (got < n) lost.push(id);
    else if (got > n) double.push(id);
    else applied += n;
  }
  const unknown = [...seen.keys()].filter((id) => !expected.has(id));
  const listed = new Map<string, number>();
  const dlqWrong: string[] = [];
  for (const r of dlq) {
    const at = `${r.headers[DLQ_HEADERS.sourcePartition]}@${r.headers[DLQ_HEADERS.sourceOffset]}`;
    if (!bad.has(at)) dlqWrong.push(at);
    listed.set(at, (listed.get(at) ?? 0) + 1);
  }
  const dlqMissing = [...bad].filter((at) => !listed.has(at));
  const dlqRepeats = [...listed.values()].reduce((n, k) => n + k - 1, 0);
  return { produced: log.length, applied, lost, double, unknown, dlq: bad.size - dlqMissing.length, dlqMissing, dlqRepeats, dlqWrong };
}

/** applied + dlq == produced; nothing lost, nothing applied twice, nothing unknown, the DLQ exact. */
export function assertOracle(report: OracleReport): void {
  const head = (xs: readonly string[]): string => `${xs.length} (${xs.slice(0, 5).join(', ')}${xs.length > 5 ? ', …' : ''})`;
  assert.equal(report.lost.length, 0, `lost: ${head(report.lost)}`);
  assert.equal(report.double.length, 0, `applied twice: ${head(report.double)}`);
  assert.equal(report.unknown.length, 0, `applied but never produced: ${head(report.unknown)}`);
  assert.equal(report.dlqMissing.length, 0, `bad records missing from the DLQ: ${head(report.dlqMissing)}`);
  assert.equal(report.dlqWrong.length, 0, `DLQ entries for good or unknown records: ${head(report.dlqWrong)}`);
  assert.equal(report.applied + report.dlq, report.produced, 'applied + dlq == produced');
}

/** The counts in the latest counting snapshot of `model`, with its offsets. */
export async function countingSnapshot(store: RedisModelStore, model: string): Promise<{ counts: Map<string, number>; offsets: Record<string, string>; version: number }> {
  const blob = await store.getLatest(model, 'checkpoint');
  assert.ok(blob !== null, `no snapshot of ${model}`);
  const snapshot = CountingLearner.decodeSnapshot(blob.data);
  return { counts: new Map(snapshot.counts), offsets: snapshot.offsets, version: snapshot.version };
}

/** Reads the log, the DLQ and the latest snapshot, checks the oracle, returns the report. */
export async function checkCounting(kafka: Kafka, store: RedisModelStore, topic: string, model: string): Promise<OracleReport> {
  const [log, dlq, snapshot] = await Promise.all([readTopic(kafka, topic), readTopic(kafka, `${topic}.dlq`), countingSnapshot(store, model)]);
  const report = countingOracle(log, snapshot.counts, dlq);
  assertOracle(report);
  return report;
}

// ---------------------------------------------------------------------------------------------
// The SGD oracle: a clean replay of the same offsets

/** The learner the trainer builds from these learner flags (the same mapping, the same defaults). */
export function logisticLearner(flags: readonly string[]): LogisticLearner {
  const { values } = parseSettings(LEARNER_SETTINGS, flags, {});
  return new LogisticLearner(learnerOptionsFrom(values));
}

/** Replays records in log order through decode → learn, as an uninterrupted trainer would. */
export function cleanReplay(flags: readonly string[], log: readonly LogRecord[]): LogisticLearner {
  const learner = logisticLearner(flags);
  for (const r of log) {
    const decoded = learner.decode(r.value);
    if (decoded.ok) learner.learn(decoded.value);
  }
  return learner;
}

/** Fields of two learner states that differ bit for bit (typed arrays compared byte by byte). */
export function stateDifferences(a: LearnerState, b: LearnerState): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (ArrayBuffer.isView(x) && ArrayBuffer.isView(y)) {
      const bx = Buffer.from(x.buffer, x.byteOffset, x.byteLength);
      const by = Buffer.from(y.buffer, y.byteOffset, y.byteLength);
      if (!bx.equals(by)) out.push(path);
    } else if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null) {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of keys) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${path}.${k}`);
    } else if (!Object.is(x, y)) {
      out.push(path);
    }
  };
  walk(a, b, 'state');
  return out;
}

/** The published learner of `model` (latest checkpoint) vs a clean replay of `log`: differing state fields. */
export async function compareWithReplay(store: RedisModelStore, model: string, flags: readonly string[], log: readonly LogRecord[]): Promise<{ differing: string[]; samples: number }> {
  const blob = await store.getLatest(model, 'checkpoint');
  assert.ok(blob !== null, `no snapshot of ${model}`);
  const published = decodeCheckpoint(blob.data).learner;
  const replay = cleanReplay(flags, log).learner;
  return { differing: stateDifferences(published.exportState(), replay.exportState()), samples: published.samplesSeen };
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface Service extends CliProcess {
  /** Highest resident set size seen (VmHWM, sampled), bytes. */
  peakRss(): number;
  /** Current resident set size, bytes (0 once exited). */
  rss(): number;
  /** Log lines (parsed JSON) whose `msg` is `msg`. */
  logged(msg: string): Record<string, unknown>[];
  /** The HTTP base URL the service logged. */
  url(): Promise<string>;
}

function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

/** Runs `streamlr <args>` as a child process (so kill -9 is a real crash), collecting its lines and its peak RSS. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Service {
  const { child, lines, exited } = startCli(args, env);
  let peak = 0;
  const sample = (): void => {
    if (child.pid !== undefined) peak = Math.max(peak, procStatus(child.pid, 'VmHWM'));
  };
  const timer = setInterval(sample, 100);
  void exited.then(() => clearInterval(timer));
  const logged = (msg: string): Record<string, unknown>[] =>
    lines.flatMap((l) => {
      if (!l.includes(`"msg":"${msg}"`)) return [];
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return {
    child,
    lines,
    exited,
    peakRss: () => {
      sample();
      return peak;
    },
    rss: () => (child.pid === undefined || child.exitCode !== null ? 0 : procStatus(child.pid, 'VmRSS')),
    logged,
    url: () => until('the service logs its URL', () => lines.map((l) => /"(?:http|url)":"(http:[^"]+)"/.exec(l)?.[1]).find((u) => u !== undefined), 60_000, 20),
  };
}

export interface TrainerOptions {
  readonly topic: string;
  readonly model: string;
  readonly learner?: 'counting' | 'logistic';
  readonly redis?: string;
  readonly brokers?: readonly string[];
  readonly snapshotEvery?: number;
  readonly snapshotInterval?: number;
  readonly extra?: readonly string[];
  readonly env?: Record<string, string>;
}

/** `streamlr trainer` with a 6 s session timeout (the broker's minimum), HTTP on a free port. */
export function trainer(options: TrainerOptions): Service {
  return runCli(
    [
      'trainer', '--topic', options.topic, '--model', options.model, '--learner', options.learner ?? 'counting', '--port', '0', '--host', '127.0.0.1',
      '--snapshot-every', String(options.snapshotEvery ?? 5_000), '--snapshot-interval', String(options.snapshotInterval ?? 0.5),
      '--session-timeout', '6000',
      ...(options.redis === undefined ? [] : ['--redis', options.redis]),
      ...(options.brokers === undefined ? [] : ['--brokers', options.brokers.join(',')]),
      ...(options.extra ?? []),
    ],
    options.env,
  );
}

/** A Prometheus sample of a service, e.g. metric(url, 'streamlr_trainer_paused'). */
export async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Waits until the latest snapshot of `model` includes every record up to the topic's current end. */
export async function caughtUp(admin: Admin, store: RedisModelStore, topic: string, model: string, service?: Service, timeoutMs = 120_000): Promise<number> {
  const ends = await highWatermarks(admin, topic);
  const started = Date.now();
  await until(`${model} caught up with ${topic}`, async () => {
    if (service !== undefined && service.child.exitCode !== null) throw new Error(`the trainer exited (${service.child.exitCode}):\n${service.lines.slice(-30).join('\n')}`);
    const v = await store.latestVersion(model);
    const meta = v === null ? null : await store.getMeta(model, v);
    return meta !== null && Object.entries(ends).every(([k, o]) => meta.offsets[k] === o);
  }, timeoutMs, 100);
  return Date.now() - started;
}

/** The version `model` is at, waiting for one above `after` (a snapshot published since). */
export async function nextVersion(store: RedisModelStore, model: string, after: number, service?: Service, timeoutMs = 60_000): Promise<number> {
  return until(`a snapshot of ${model} after version ${after}`, async () => {
    if (service !== undefined && service.child.exitCode !== null) throw new Error(`the trainer exited (${service.child.exitCode}):\n${service.lines.slice(-8).join('\n')}`);
    const v = (await store.latestVersion(model)) ?? 0;
    return v > after ? v : undefined;
  }, timeoutMs, 20);
}

/** SIGTERM, and the exit code. */
export async function stop(service: Service): Promise<number | string> {
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGTERM');
  return service.exited;
}

/** SIGTERM, and a clean exit (0) asserted, with the service's last lines when it is not. */
export async function stopCleanly(service: Service): Promise<void> {
  assert.equal(await stop(service), 0, service.lines.slice(-10).join('\n'));
}

/** Lets `service` publish everything up to the topic's current end (caughtUp), then stops it cleanly. */
export async function drainThenStop(admin: Admin, store: RedisModelStore, topic: string, model: string, service: Service): Promise<void> {
  await caughtUp(admin, store, topic, model, service);
  await stopCleanly(service);
}

/** The meta of the version `latest` points to (there must be one). */
export async function latestMeta(store: RedisModelStore, model: string): Promise<StoredVersionMeta> {
  const version = await store.latestVersion(model);
  assert.ok(version !== null, `no snapshot of ${model}`);
  const meta = await store.getMeta(model, version);
  assert.ok(meta !== null, `${model}: version ${version} has no meta`);
  return meta;
}

// ---------------------------------------------------------------------------------------------
// Scorer load

export interface ScoringEvent {
  readonly id: string;
  readonly features: Record<string, string | number>;
}

/**
 * HTTP load on a scorer (`concurrency` request loops of 25 events). Every answer names one
 * version; its scores must be exactly that version's stored serving model's predictions (not a
 * torn, mismatched or mixed model), and a loop never sees versions go backwards.
 */
export function scoringLoad(store: RedisModelStore, url: string, model: string, events: readonly ScoringEvent[], concurrency = 1) {
  const predictors = new Map<number, Promise<(e: ScoringEvent) => number>>();
  const figures = { requests: 0, mismatched: 0, backwards: 0, versions: new Set<number>() };
  const x = new SparseVector(16);
  const predictor = (version: number): Promise<(e: ScoringEvent) => number> => {
    let p = predictors.get(version);
    if (p === undefined) {
      p = store.getServing(model, version).then((blob) => {
        const { model: served } = decodeServing(blob.data);
        return (e: ScoringEvent) => served.predictProba(hashFeatures(e.features, served.featureSpace, x));
      });
      predictors.set(version, p);
    }
    return p;
  };
  let running = true;
  const loop = async (offset: number): Promise<void> => {
    let last = 0;
    for (let i = offset; running; i += concurrency) {
      const from = (i * 25) % (events.length - 25);
      const batch = events.slice(from, from + 25);
      const response = await fetch(`${url}/score`, { method: 'POST', body: JSON.stringify(batch) }).catch(() => null);
      if (response === null || response.status === 503) {
        await sleep(20);
        continue;
      }
      assert.equal(response.status, 200, await response.clone().text());
      const body = (await response.json()) as { version: number; scores: { id: string; score: number }[] };
      const predict = await predictor(body.version);
      figures.requests++;
      figures.versions.add(body.version);
      if (body.version < last) figures.backwards++;
      last = body.version;
      body.scores.forEach((s, k) => {
        if (!Object.is(s.score, predict(batch[k]!))) figures.mismatched++;
      });
    }
  };
  const loops = Promise.all(Array.from({ length: concurrency }, (_, k) => loop(k)));
  return {
    figures,
    async stop() {
      running = false;
      await loops;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Figures

export const MB = 1_048_576;

/** One `# fault: …` line per scenario: what was done and what it measured. */
export function figure(fault: string, fields: Record<string, string | number>): void {
  const text = Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  process.stdout.write(`# fault: ${fault} ${text}\n`);
}

/** The oracle's figures every counting scenario reports, in the order of the `# fault:` lines. */
export function oracleFigures(report: OracleReport): { produced: number; lost: number; double: number; dlq: number } {
  return { produced: report.produced, lost: report.lost.length, double: report.double.length, dlq: report.dlq };
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** Recovery times as `mean(max …)`, e.g. `2.1s(max 3.4s)`. */
export const meanAndMax = (ms: readonly number[]): string => `${seconds(ms.reduce((a, b) => a + b, 0) / ms.length)}(max ${seconds(Math.max(...ms))})`;
export const megabytes = (bytes: number): string => `${Math.round(bytes / MB)}MB`;
