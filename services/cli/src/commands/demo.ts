import { randomBytes } from 'node:crypto';
import { basename, isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLogger,
  createProgress,
  createTrainerMetrics,
  enableProcessMetrics,
  formatCount,
  formatRate,
  Registry,
  type Logger,
  type Progress,
} from '@streamlr/metrics';
import { evaluateScores, type EvaluationResult } from '@streamlr/model';
import { decodeScore, encodeEvent, encodeSample, readRecordBatches, type EventInput, type RecordFormat, type Sample } from '@streamlr/protocol';
import { decodeServingModel, Scorer, SCORER_SETTINGS, scorerOptions } from '@streamlr/scorer';
import { MemoryModelStore, RedisModelStore, type ModelStore, type VersionMeta } from '@streamlr/store';
import {
  DeadLetterSink,
  describeLearnerOptions,
  KafkaTransport,
  LEARNER_SETTINGS,
  learnerOptionsFrom,
  LogisticLearner,
  MemoryTransport,
  parseSettings,
  TrainingPipeline,
  type OutgoingRecord,
  type Settings,
  type SettingSpecs,
  type StreamConsumer,
  type StreamProducer,
  type Transport,
} from '@streamlr/stream';
import { CommandError, guarded, helpText, oneLine, parseFlags } from '../cli.js';
import { UsageError, type Command } from '../command.js';
import { formatMetric } from '../format.js';
import { BadRows, countRows, DATA_SETTINGS, recordFormat } from '../records.js';
import { redactedRedisUrl, withStore } from '../store.js';

/**
 * `streamlr demo` (DESIGN section 8, zero setup): the trainer's pipeline (TrainingPipeline with
 * LogisticLearner) and the scorer (Scorer: served model with hot reload, Kafka scoring pipeline,
 * POST /score) in one process, over the in-process MemoryTransport and MemoryModelStore, or over
 * real Kafka and Redis. The first 80% of the file's rows go to the samples topic and are learned;
 * the last 20% go to the events topic once the final version is served, and their scores, read
 * back from the scores topic, give the held-out figures.
 */

/** The bundled dataset, found from this file's own location so the demo works from any directory. */
export const BUNDLED_DATA = fileURLToPath(new URL('../../../../../data/movielens.csv', import.meta.url));

/** Share of the file's rows that is learned; the rest is held out (the bundled datasets' split). */
const TRAIN_FRACTION = 0.8;
/** Records per produce request (kafkajs groups a request's messages quadratically; see produce). */
const SEND_BATCH = 1_000;
/** A phase that makes no progress for this long has failed (an unreachable broker, a stuck store). */
const STALL_MS = 60_000;

export const DEMO_SETTINGS = {
  data: {
    type: 'string',
    help: 'records file: the first 80% of rows are learned, the last 20% held out (default: the bundled data/movielens.csv)',
  },
  label: DATA_SETTINGS.label,
  format: DATA_SETTINGS.format,
  snapshotEvery: { type: 'integer', min: 1, default: 20_000, env: false, help: 'publish a model version every N samples (the scorer hot-reloads it), and a last one at the end' },
  port: {
    type: 'integer',
    min: 0,
    max: 65535,
    default: 8080,
    env: 'STREAMLR_DEMO_PORT',
    group: 'HTTP',
    help: 'port of GET /metrics and POST /score (0: any free port; the URL is printed)',
  },
  host: { type: 'string', default: '127.0.0.1', env: 'STREAMLR_DEMO_HOST', group: 'HTTP', help: 'interface to bind (0.0.0.0: reachable from other hosts)' },
  noServe: { type: 'boolean', env: false, group: 'HTTP', help: 'exit after the summary instead of serving until Ctrl-C' },
  kafka: {
    type: 'list',
    env: false,
    group: 'Real infrastructure (both or neither)',
    help: 'Kafka brokers host:port,... instead of the in-process transport (unique topics, printed)',
  },
  redis: {
    type: 'string',
    env: false,
    group: 'Real infrastructure (both or neither)',
    help: 'Redis URL of the model store instead of the in-memory one (unique model name, printed)',
  },
  ...LEARNER_SETTINGS,
} as const satisfies SettingSpecs;

type DemoFlags = Settings<typeof DEMO_SETTINGS>;

const HELP = helpText({
  usage: 'streamlr demo [--data FILE --label COL] [--kafka BROKERS --redis URL] [--port 8080] [--no-serve] [learner flags]',
  description: [
    'Runs the trainer and the scorer in one process and shows streamlr learn, with nothing to install',
    'or start: the rows of a dataset (the bundled MovieLens sample by default) go to an in-process',
    'topic with Kafka\'s topic/partition/offset semantics; the trainer\'s pipeline learns them (progress',
    'bar on stderr) and publishes a model version every --snapshot-every samples to the in-memory store;',
    'the scorer hot-reloads each one. Once the last version is served, the held-out rows (last 20%) are',
    'scored through the scorer\'s Kafka path. A summary goes to stdout: samples, progressive and held-out',
    'log loss / accuracy / AUC, non-zero weights and sparsity, throughput, versions. Then GET /metrics',
    '(trainer and scorer metrics) and POST /score are served until Ctrl-C.',
    'With --kafka and --redis the same runs on real Kafka and Redis, under fresh topic and model names',
    'that are printed and left in place for `streamlr model list` / `streamlr replay`.',
  ].join('\n'),
  specs: DEMO_SETTINGS,
  notes: 'Exit codes: 0 done (or stopped with Ctrl-C while serving), 1 failed, 2 bad flags, 130 interrupted before the summary.',
  examples: [
    ['the zero-setup demo (what `npm start` runs); Ctrl-C to stop', 'streamlr demo'],
    ['score a held-out row while it serves (another terminal)', "curl -s -X POST localhost:8080/score -d '{\"features\":{\"user_id\":\"u1\",\"movie_id\":\"m1\",\"genres\":\"Comedy\",\"year\":1995}}'"],
    ['summary only, any free port, on the spam dataset with SGD', 'streamlr demo --data data/spam.csv --no-serve --port 0 --optimizer sgd'],
    ['the same pipeline on real Kafka and Redis', 'streamlr demo --kafka 127.0.0.1:9092 --redis redis://127.0.0.1:6379'],
  ],
});

export const demoCommand: Command = {
  name: 'demo',
  summary: 'zero-setup demo: trainer and scorer in one process on a bundled dataset, then serve /metrics and /score',
  help: HELP,
  run: (argv) => guarded('demo', () => demo(argv)),
};

// ---------------------------------------------------------------------------------------------
// Where the demo runs: the in-process transport and store, or real Kafka and Redis.

interface Infrastructure {
  readonly transport: Transport;
  readonly store: ModelStore;
  readonly model: string;
  readonly topics: { readonly samples: string; readonly events: string; readonly scores: string };
  /** One line for the header. */
  readonly where: string;
  /** Checks the services answer and creates the topics (one partition: the file's order is kept). */
  prepare(): Promise<void>;
  close(): Promise<void>;
}

function topicsOf(prefix: string): Infrastructure['topics'] {
  return { samples: `${prefix}.samples`, events: `${prefix}.events`, scores: `${prefix}.scores` };
}

function memoryInfrastructure(): Infrastructure {
  const store = new MemoryModelStore();
  return {
    transport: new MemoryTransport(),
    store,
    model: 'demo',
    topics: topicsOf('demo'),
    where: 'in-process transport (topics demo.samples, demo.events, demo.scores) and in-memory model store',
    prepare: async () => undefined,
    close: () => store.close(),
  };
}

function kafkaInfrastructure(brokers: readonly string[], redisUrl: string, log: Logger): Infrastructure {
  for (const broker of brokers) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(broker)) throw new UsageError(`--kafka: '${broker}' is not host:port`);
  }
  let url: URL;
  try {
    url = new URL(redisUrl);
  } catch {
    throw new UsageError(`--redis: '${redisUrl}' is not a URL like redis://host:6379`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UsageError(`--redis: scheme must be redis:// or rediss://, got '${url.protocol}'`);
  // Fresh names per run: the demo never touches a topic or model that something else uses.
  const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const model = `demo-${id}`;
  const topics = topicsOf(`streamlr-demo-${id}`);
  // Fewer client retries than a service: an unreachable broker is reported in seconds.
  const transport = new KafkaTransport({
    brokers,
    clientId: 'streamlr-demo',
    retries: 4,
    log: (level, message, fields) => (level === 'error' ? log.error(`kafka: ${message}`, fields) : undefined),
  });
  const store = new RedisModelStore({ url: redisUrl, clientName: 'streamlr-demo' });
  return {
    transport,
    store,
    model,
    topics,
    where: `Kafka ${brokers.join(',')} (topics ${topics.samples}, ${topics.events}, ${topics.scores}) and Redis ${redactedRedisUrl(redisUrl)} (model ${model})`,
    async prepare() {
      const admin = transport.admin();
      try {
        await admin.connect();
        for (const topic of Object.values(topics)) await admin.ensureTopic(topic, 1);
      } catch (error) {
        throw new CommandError(`Kafka at ${brokers.join(',')} is unreachable (${oneLine(error)})`, { cause: error, retriable: true });
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      await withStore(redisUrl, () => store.latestVersion(model));
    },
    close: () => store.close(),
  };
}

function infrastructureFrom(flags: DemoFlags, log: Logger): Infrastructure {
  if (flags.kafka === undefined && flags.redis === undefined) return memoryInfrastructure();
  if (flags.redis === undefined) throw new UsageError('--redis: required with --kafka (the demo runs on both real services or on neither)');
  if (flags.kafka === undefined) throw new UsageError('--kafka: required with --redis (the demo runs on both real services or on neither)');
  return kafkaInfrastructure(flags.kafka, flags.redis, log);
}

// ---------------------------------------------------------------------------------------------
// Waiting for the pipelines, with failures, stalls and Ctrl-C turned into errors.

class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

/**
 * The first SIGINT/SIGTERM asks for a stop (while serving: a clean exit 0; before the summary:
 * exit 130); a second one quits at once. Failures of the background pipelines are recorded here
 * so every wait ends with them.
 */
class Watch {
  private failure: { error: unknown } | null = null;
  private stopSignal: NodeJS.Signals | null = null;
  private wake: () => void = () => undefined;
  /** Resolves at the first signal or failure. */
  readonly stopped: Promise<void>;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (this.stopSignal !== null) process.exit(signal === 'SIGINT' ? 130 : 143);
    this.stopSignal = signal;
    this.wake();
  };

  constructor() {
    this.stopped = new Promise((resolve) => {
      this.wake = resolve;
    });
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  get signal(): NodeJS.Signals | null {
    return this.stopSignal;
  }

  fail(what: string, error: unknown): void {
    this.failure ??= { error: new CommandError(`${what} failed: ${oneLine(error)}`, { cause: error }) };
    this.wake();
  }

  /** Throws the recorded failure, if any. */
  checkFailure(): void {
    if (this.failure !== null) throw this.failure.error;
  }

  /** Throws the recorded failure, or Interrupted after a signal. */
  check(): void {
    this.checkFailure();
    if (this.stopSignal !== null) throw new Interrupted(`interrupted (${this.stopSignal}) before the summary`);
  }

  /**
   * Polls `value` until it is defined. Fails when `progress()` (default: never changes) stays the
   * same for `stallMs`.
   */
  async until<T>(what: string, value: () => T | undefined, progress: () => number = () => 0, stallMs = STALL_MS): Promise<T> {
    let seen = progress();
    let since = performance.now();
    for (;;) {
      this.check();
      const v = value();
      if (v !== undefined) return v;
      const now = performance.now();
      const p = progress();
      if (p !== seen) {
        seen = p;
        since = now;
      } else if (now - since > stallMs) {
        throw new CommandError(`timed out waiting for ${what} (no progress for ${Math.round(stallMs / 1000)} s)`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}

// ---------------------------------------------------------------------------------------------
// Rows of the file → messages.

interface Row {
  readonly line: number;
  readonly sample: Sample;
}

/** The file's rows [from, to); bad rows are reported on stderr (line number) and skipped. */
async function* rowsOf(data: string, format: RecordFormat, label: string, bad: BadRows, from: number, to = Infinity): AsyncGenerator<Row> {
  let index = 0;
  for await (const batch of readRecordBatches(data, { format, label })) {
    for (const row of batch) {
      const i = index++;
      if (i >= to) return;
      if (i < from) continue;
      if (row.error !== undefined) bad.report(row.line, row.error);
      else yield { line: row.line, sample: row.sample };
    }
  }
}

/** Sends records in requests of SEND_BATCH, one request in flight (the file is read meanwhile). */
class Sender {
  private pending: OutgoingRecord[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  sent = 0;

  constructor(
    private readonly producer: StreamProducer,
    private readonly topic: string,
  ) {}

  async add(record: OutgoingRecord): Promise<void> {
    this.pending.push(record);
    if (this.pending.length >= SEND_BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    const records = this.pending;
    this.pending = [];
    await this.inFlight;
    if (records.length === 0) return;
    this.inFlight = this.producer.send(this.topic, records).then(() => {
      this.sent += records.length;
    });
  }

  async done(): Promise<number> {
    await this.flush();
    await this.inFlight;
    return this.sent;
  }
}

/** Events without the label or id, as a user would POST them: the curl example. */
function exampleEvent(sample: Sample): EventInput {
  return sample.features !== undefined ? { features: sample.features } : { x: sample.x };
}

// ---------------------------------------------------------------------------------------------
// Reading the scores topic back.

interface ScoresRead {
  readonly result: EvaluationResult;
  readonly versions: ReadonlySet<number>;
}

/** Collects the scores of the held-out events (by id) from the scores topic. */
class ScoreCollector {
  readonly scores = new Map<string, { readonly score: number; readonly version: number }>();

  constructor(private readonly consumer: StreamConsumer) {}

  async start(topic: string): Promise<void> {
    await this.consumer.connect();
    await this.consumer.run({
      topics: [topic],
      fromBeginning: true,
      onAssign: async () => undefined,
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          if (message.value !== null) {
            const score = decodeScore(message.value);
            if (score.id !== null) this.scores.set(score.id, { score: score.score, version: score.version });
          }
          batch.resolveOffset(message.offset);
        }
      },
    });
  }

  evaluate(labels: ReadonlyMap<string, 0 | 1>): ScoresRead {
    const scores = new Float64Array(labels.size);
    const ys = new Uint8Array(labels.size);
    const versions = new Set<number>();
    let n = 0;
    for (const [id, y] of labels) {
      const s = this.scores.get(id);
      if (s === undefined) continue;
      scores[n] = s.score;
      ys[n] = y;
      versions.add(s.version);
      n++;
    }
    return { result: evaluateScores(scores.subarray(0, n), ys.subarray(0, n)), versions };
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// The demo.

interface Summary {
  readonly data: string;
  readonly learned: number;
  readonly trainSeconds: number;
  readonly progressive: { readonly logloss: number; readonly accuracy: number; readonly auc: number; readonly n: number };
  readonly heldOut: EvaluationResult;
  readonly heldOutVersions: ReadonlySet<number>;
  readonly weights: { readonly nonzero: number; readonly slots: number; readonly sparsity: number };
  readonly versions: number;
  readonly finalVersion: number;
  readonly learner: string;
  readonly badRows: string;
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function summaryText(s: Summary): string {
  const row = (name: string, n: string, m: { logloss: number; accuracy: number; auc: number }, note: string): string =>
    `  ${name.padEnd(12)} ${n.padStart(9)}  ${formatMetric(m.logloss).padStart(8)}  ${formatMetric(m.accuracy).padStart(8)}  ${formatMetric(m.auc).padStart(6)}   ${note}`;
  const versions = [...s.heldOutVersions].sort((a, b) => a - b).join(', ');
  return [
    '',
    `  ${'figures'.padEnd(12)} ${'samples'.padStart(9)}  ${'log loss'.padStart(8)}  ${'accuracy'.padStart(8)}  ${'AUC'.padStart(6)}`,
    row('progressive', formatCount(s.progressive.n), s.progressive, 'trainer: the last samples learned, each predicted before learning it'),
    row('held-out', formatCount(s.heldOut.n), s.heldOut, `scorer: last 20% of rows, scored by version ${versions}`),
    '',
    `  samples      ${formatCount(s.learned)} learned (first 80% of rows of ${s.data})${s.badRows === '' ? '' : `; ${s.badRows}`}`,
    `  weights      ${formatCount(s.weights.nonzero)} non-zero of ${formatCount(s.weights.slots)} (sparsity ${s.weights.sparsity.toFixed(4)})`,
    `  throughput   ${formatRate(s.learned / Math.max(s.trainSeconds, 1e-9))} samples/s (${formatCount(s.learned)} in ${s.trainSeconds.toFixed(1)} s)`,
    `  versions     ${s.versions} published, scorer serving version ${s.finalVersion}`,
    `  learner      ${s.learner}`,
    '',
  ].join('\n');
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function servingText(url: string, example: EventInput | null): string {
  const body = example === null ? '{"features":{"f":1}}' : JSON.stringify(example);
  return [
    `serving until Ctrl-C:`,
    `  GET  ${url}/metrics   trainer and scorer metrics (streamlr_trainer_logloss, streamlr_model_sparsity_ratio, …)`,
    `  POST ${url}/score     one event or a JSON array of events (DESIGN section 4)`,
    '',
    `  curl -s ${url}/metrics | grep -E '^streamlr_(trainer_logloss|model_sparsity_ratio)'`,
    `  curl -s -X POST ${url}/score -H 'content-type: application/json' -d ${shellQuote(body)}`,
    '',
  ].join('\n');
}

async function demo(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(DEMO_SETTINGS, argv);
  const learnerOptions = learnerOptionsFrom(flags);
  const data = flags.data ?? BUNDLED_DATA;
  const format = recordFormat(data, flags.format);
  // Logs are for trouble only: the terminal shows the progress bar and the summary.
  const log = createLogger({ service: 'demo', level: 'warn', stream: process.stderr });
  const infra = infrastructureFrom(flags, log);
  const rows = await countRows(data, format);
  const trainRows = Math.floor(rows * TRAIN_FRACTION);
  if (trainRows < 1 || rows - trainRows < 1) throw new CommandError(`${data}: ${rows} rows are too few to learn from 80% and hold out 20%`);

  const out = (text: string): void => void process.stdout.write(`${text}\n`);
  out(`streamlr demo: ${displayPath(data)}, ${formatCount(trainRows)} rows to learn, ${formatCount(rows - trainRows)} held out`);
  out(`  on ${infra.where}`);

  const watch = new Watch();
  const registry = new Registry();
  enableProcessMetrics(registry);
  const trainerMetrics = createTrainerMetrics(registry).forModel(infra.model);
  const learner = new LogisticLearner(learnerOptions);
  const bad = new BadRows(basename(data), 'demo');
  const published: VersionMeta[] = [];
  let handled = 0;
  let progress: Progress | null = null;
  let scorer: Scorer | null = null;
  let pipeline: TrainingPipeline<Sample> | null = null;
  let collector: ScoreCollector | null = null;
  const producer = infra.transport.producer();
  const refreshGauges = (): void => {
    trainerMetrics.setProgressive(learner.progressive());
    const w = learner.weights();
    trainerMetrics.setWeights(w.nonzero, w.slots);
  };

  try {
    await infra.prepare();
    await producer.connect();

    // The scorer first, as in a deployment: it waits for the first version and follows `latest`.
    const http = flags.noServe ? { port: 0, host: '127.0.0.1' } : { port: flags.port, host: flags.host };
    const scorerSettings = parseSettings(
      SCORER_SETTINGS,
      ['--model', infra.model, '--port', String(http.port), '--host', http.host, '--events-topic', infra.topics.events, '--scores-topic', infra.topics.scores, '--from-beginning'],
      {},
    ).values;
    scorer = new Scorer(
      { store: infra.store, transport: infra.transport, decode: decodeServingModel, registry, logger: createLogger({ service: 'scorer', level: 'warn', stream: process.stderr }) },
      scorerOptions(scorerSettings),
    );
    try {
      await scorer.start();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // The whole story in one line; listen's own message would only repeat it.
      if (code === 'EADDRINUSE') throw new CommandError(`port ${http.port} on ${http.host} is taken: give --port N (or --port 0 for any free port)`);
      throw error;
    }
    scorer.failure.catch((error: unknown) => watch.fail('the scorer', error));

    // The trainer's pipeline, wired to the trainer's metrics as the trainer service wires it.
    const groupId = `streamlr-trainer-${infra.model}`;
    pipeline = new TrainingPipeline<Sample>(
      {
        learner,
        consumer: infra.transport.consumer({ groupId }),
        admin: infra.transport.admin(),
        store: infra.store,
        deadLetters: new DeadLetterSink(producer, { service: 'trainer' }),
        events: {
          progress: (learned, refused, skipped) => {
            trainerMetrics.samples.add(learned);
            trainerMetrics.skipped.add(skipped);
            let refusedCount = 0;
            for (const [reason, n] of refused) {
              trainerMetrics.invalid(reason).add(n);
              trainerMetrics.dlq(reason).add(n);
              refusedCount += n;
            }
            handled += learned + refusedCount + skipped;
            progress?.tick(learned + refusedCount);
          },
          lag: (topic, partition, lag) => trainerMetrics.setConsumerLag(topic, partition, lag),
          snapshotPublished: (meta, seconds) => {
            trainerMetrics.snapshotPublished({ version: meta.version, durationSeconds: seconds, checkpointBytes: 0, servingBytes: 0 });
            refreshGauges();
            published.push(meta);
          },
          snapshotFailed: (error, attempt) => {
            trainerMetrics.snapshotFailed('error');
            log.warn('snapshot publish failed: training paused until the store is back', { model: infra.model, attempt, error: String(error) });
          },
          warn: (message, fields) => log.warn(message, fields),
        },
      },
      {
        model: infra.model,
        topics: [infra.topics.samples],
        groupId,
        reset: false,
        // By count only, so the versions do not depend on the machine's speed (a snapshot of 2^20
        // slots takes a noticeable fraction of a second); the stop below publishes the tail.
        schedule: { every: flags.snapshotEvery, intervalMs: 0 },
        extra: { source: 'streamlr demo', data: basename(data) },
      },
    );
    const started = performance.now();
    await pipeline.start();
    pipeline.finished.catch((error: unknown) => watch.fail('the trainer', error));

    // Learn the train split: samples into the samples topic, in file order.
    progress = createProgress({ total: trainRows, label: 'train' });
    const samples = new Sender(producer, infra.topics.samples);
    for await (const row of rowsOf(data, format, flags.label, bad, 0, trainRows)) {
      await samples.add({ key: row.sample.id ?? `row-${row.line}`, value: encodeSample(row.sample) });
      watch.check();
    }
    const produced = await samples.done();
    if (produced === 0) throw new CommandError(`${data}: no valid rows to learn from (${bad.summary()})`);
    await watch.until('the trainer to learn the samples', () => (handled >= produced ? true : undefined), () => handled);
    const trainSeconds = (performance.now() - started) / 1000;
    progress.done();
    // The train split is done: stop the trainer as SIGTERM stops the service, which publishes the
    // samples learned since the last version as the final one.
    await pipeline.stop();
    watch.checkFailure();
    const final = published[published.length - 1];
    if (final === undefined || final.samplesSeen !== learner.samplesSeen) throw new CommandError('the trainer stopped without publishing its last samples');
    const served = scorer;
    await watch.until(`the scorer to load version ${final.version}`, () => (served.current?.version === final.version ? true : undefined));

    // Held-out: events (with their label, which the scorer's loss gauges use) through the scorer's
    // Kafka path; their scores are read back from the scores topic.
    collector = new ScoreCollector(infra.transport.consumer({ groupId: `streamlr-demo-${infra.model}-scores` }));
    await collector.start(infra.topics.scores);
    const events = new Sender(producer, infra.topics.events);
    const labels = new Map<string, 0 | 1>();
    let example: EventInput | null = null;
    for await (const row of rowsOf(data, format, flags.label, bad, trainRows)) {
      const id = `row-${row.line}`;
      labels.set(id, row.sample.label);
      example ??= exampleEvent(row.sample);
      await events.add({ key: id, value: encodeEvent({ ...exampleEvent(row.sample), id, label: row.sample.label, weight: row.sample.weight }) });
      watch.check();
    }
    await events.done();
    const reading = collector;
    await watch.until('the scorer to score the held-out events', () => (reading.scores.size >= labels.size ? true : undefined), () => reading.scores.size);
    const heldOut = reading.evaluate(labels);
    refreshGauges();

    out(
      summaryText({
        data: displayPath(data),
        learned: learner.samplesSeen,
        trainSeconds,
        progressive: learner.progressive(),
        heldOut: heldOut.result,
        heldOutVersions: heldOut.versions,
        weights: learner.weights(),
        versions: published.length,
        finalVersion: final.version,
        learner: describeLearnerOptions(learnerOptions),
        badRows: bad.summary(),
      }),
    );
    if (infra.transport.name === 'kafka') {
      out(`  model ${infra.model} and its topics stay for inspection: streamlr model list --model ${infra.model}\n`);
    }
    if (flags.noServe) return 0;

    out(servingText(scorer.url, example));
    await watch.stopped;
    watch.checkFailure();
    process.stderr.write(`stopping (${watch.signal ?? 'signal'})\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    process.stderr.write(`streamlr demo: ${error.message}\n`);
    return 130;
  } finally {
    progress?.done();
    watch.dispose();
    await collector?.stop().catch(() => undefined);
    await pipeline?.stop().catch(() => undefined);
    await scorer?.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await infra.close().catch(() => undefined);
  }
}
