import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, createProgress, createTrainerMetrics, enableProcessMetrics, formatCount, Registry, type Logger, type Progress, type TrainerModelMetrics } from '@streamlr/metrics';
import { encodeEvent, encodeSample, type EventInput, type Sample } from '@streamlr/protocol';
import { decodeServingModel, Scorer, SCORER_SETTINGS, scorerOptions } from '@streamlr/scorer';
import type { VersionMeta } from '@streamlr/store';
import {
  DeadLetterSink,
  describeLearnerOptions,
  LEARNER_SETTINGS,
  learnerOptionsFrom,
  LogisticLearner,
  parseSettings,
  TrainingPipeline,
  type LearnerSample,
  type SettingSpecs,
  type StreamProducer,
} from '@streamlr/stream';
import { CommandError, guarded, helpText, parseFlags } from '../cli.js';
import type { Command } from '../command.js';
import { infrastructureFrom, type Infrastructure } from '../demo/infrastructure.js';
import { exampleEvent, rowsOf, ScoreCollector, Sender, type ScoresRead } from '../demo/messages.js';
import { displayPath, servingText, summaryText } from '../demo/report.js';
import { Interrupted, Watch } from '../demo/watch.js';
import { BadRows, countRows, DATA_SETTINGS, recordFormat } from '../records.js';

/**
 * `streamlr demo` (DESIGN section 8, zero setup): the trainer's pipeline (TrainingPipeline with
 * LogisticLearner) and the scorer (Scorer: served model with hot reload, Kafka scoring pipeline,
 * POST /score) in one process, over the in-process MemoryTransport and MemoryModelStore, or over
 * real Kafka and Redis. The first 80% of the file's rows go to the samples topic and are learned;
 * the last 20% go to the events topic once the final version is served, and their scores, read
 * back from the scores topic, give the held-out figures. Only wiring lives here: the pipelines are
 * @streamlr/stream's and @streamlr/scorer's.
 */

/** The bundled dataset, found from this file's own location so the demo works from any directory. */
export const BUNDLED_DATA = fileURLToPath(new URL('../../../../../data/movielens.csv', import.meta.url));

/** Share of the file's rows that is learned; the rest is held out (the bundled datasets' split). */
const TRAIN_FRACTION = 0.8;

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


/** The scorer as `streamlr scorer` builds it (its own settings table, defaults and all), on the demo's transport and store. */
async function startScorer(infra: Infrastructure, registry: Registry, http: { readonly port: number; readonly host: string }): Promise<Scorer> {
  const args = ['--model', infra.model, '--port', String(http.port), '--host', http.host];
  args.push('--events-topic', infra.topics.events, '--scores-topic', infra.topics.scores, '--from-beginning');
  const settings = parseSettings(SCORER_SETTINGS, args, {}).values;
  const logger = createLogger({ service: 'scorer', level: 'warn', stream: process.stderr });
  const scorer = new Scorer({ store: infra.store, transport: infra.transport, decode: decodeServingModel, registry, logger }, scorerOptions(settings));
  try {
    await scorer.start();
  } catch (error) {
    // The whole story in one line; listen's own message would only repeat it.
    if ((error as { code?: unknown }).code === 'EADDRINUSE') {
      throw new CommandError(`port ${http.port} on ${http.host} is taken: give --port N (or --port 0 for any free port)`);
    }
    throw error;
  }
  return scorer;
}

interface TrainerWiring {
  readonly infra: Infrastructure;
  readonly learner: LogisticLearner;
  readonly producer: StreamProducer;
  readonly metrics: TrainerModelMetrics;
  readonly log: Logger;
  readonly snapshotEvery: number;
  readonly data: string;
  /** Records handled (learned, refused or skipped) and learned or refused, per step. */
  readonly onProgress: (handled: number, done: number) => void;
  readonly onPublished: (meta: VersionMeta) => void;
}

/** The trainer's pipeline, its events wired to the trainer's metrics as the trainer service wires them. */
function trainerPipeline(w: TrainerWiring): TrainingPipeline<LearnerSample> {
  const { infra, learner, metrics, log } = w;
  const groupId = `streamlr-trainer-${infra.model}`;
  const refreshGauges = (): void => {
    metrics.setProgressive(learner.progressive());
    const weights = learner.weights();
    metrics.setWeights(weights.nonzero, weights.slots);
  };
  return new TrainingPipeline<LearnerSample>(
    {
      learner,
      consumer: infra.transport.consumer({ groupId }),
      admin: infra.transport.admin(),
      store: infra.store,
      deadLetters: new DeadLetterSink(w.producer, { service: 'trainer' }),
      events: {
        progress: (learned, refused, skipped) => {
          metrics.samples.add(learned);
          metrics.skipped.add(skipped);
          let refusedCount = 0;
          for (const [reason, n] of refused) {
            metrics.invalid(reason).add(n);
            metrics.dlq(reason).add(n);
            refusedCount += n;
          }
          w.onProgress(learned + refusedCount + skipped, learned + refusedCount);
        },
        lag: (topic, partition, lag) => metrics.setConsumerLag(topic, partition, lag),
        snapshotPublished: (meta, seconds) => {
          metrics.snapshotPublished({ version: meta.version, durationSeconds: seconds, checkpointBytes: 0, servingBytes: 0 });
          refreshGauges();
          w.onPublished(meta);
        },
        snapshotFailed: (error, attempt) => {
          metrics.snapshotFailed('error');
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
      // slots takes a noticeable fraction of a second); stopping the pipeline publishes the tail.
      schedule: { every: w.snapshotEvery, intervalMs: 0 },
      extra: { source: 'streamlr demo', data: basename(w.data) },
    },
  );
}

async function demo(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(DEMO_SETTINGS, argv);
  const learnerOptions = learnerOptionsFrom(flags);
  const data = flags.data ?? BUNDLED_DATA;
  const format = recordFormat(data, flags.format);
  // Logs are for trouble only: the terminal shows the progress bar and the summary.
  const log = createLogger({ service: 'demo', level: 'warn', stream: process.stderr });
  const infra = infrastructureFrom(flags);
  const rows = await countRows(data, format);
  const trainRows = Math.floor(rows * TRAIN_FRACTION);
  if (trainRows < 1 || rows - trainRows < 1) throw new CommandError(`${data}: ${rows} rows are too few to learn from 80% and hold out 20%`);

  // Signals are ours before the header says anything: a Ctrl-C from here on is a clean stop.
  const watch = new Watch();
  const out = (text: string): void => void process.stdout.write(`${text}\n`);
  out(`streamlr demo: ${displayPath(data)}, ${formatCount(trainRows)} rows to learn, ${formatCount(rows - trainRows)} held out`);
  out(`  on ${infra.where}`);

  const registry = new Registry();
  enableProcessMetrics(registry);
  const metrics = createTrainerMetrics(registry).forModel(infra.model);
  const learner = new LogisticLearner(learnerOptions);
  const bad = new BadRows(basename(data), 'demo');
  const producer = infra.transport.producer();
  let progress: Progress | null = null;
  const published: VersionMeta[] = [];
  let handled = 0;
  let scorer: Scorer | null = null;
  let pipeline: TrainingPipeline<LearnerSample> | null = null;
  let collector: ScoreCollector | null = null;

  try {
    await infra.prepare();
    await producer.connect();
    // The scorer first, as in a deployment: it waits for the first version and follows `latest`.
    scorer = await startScorer(infra, registry, flags.noServe ? { port: 0, host: '127.0.0.1' } : { port: flags.port, host: flags.host });
    scorer.failure.catch((error: unknown) => watch.fail('the scorer', error));
    pipeline = trainerPipeline({
      infra,
      learner,
      producer,
      metrics,
      log,
      snapshotEvery: flags.snapshotEvery,
      data,
      onProgress: (n, done) => {
        handled += n;
        progress?.tick(done);
      },
      onPublished: (meta) => published.push(meta),
    });
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

    // Held out: events (with their label, which the scorer's loss gauges use) through the scorer's
    // Kafka path; their scores are read back from the scores topic.
    collector = new ScoreCollector(infra.transport.consumer({ groupId: `streamlr-demo-${infra.model}-scores` }));
    const held = await scoreHeldOut({ infra, producer, collector, watch, bad, data, format, label: flags.label, from: trainRows });
    metrics.setProgressive(learner.progressive());

    out(
      summaryText({
        data: displayPath(data),
        learned: learner.samplesSeen,
        trainSeconds,
        progressive: learner.progressive(),
        heldOut: held.read.result,
        heldOutVersions: held.read.versions,
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

    out(servingText(scorer.url, held.example));
    await watch.stopped;
    watch.checkFailure();
    process.stderr.write(`stopping (${watch.signal ?? 'signal'})\n`);
    return 0;
  } catch (error) {
    progress?.done();
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

interface HeldOutRun {
  readonly infra: Infrastructure;
  readonly producer: StreamProducer;
  readonly collector: ScoreCollector;
  readonly watch: Watch;
  readonly bad: BadRows;
  readonly data: string;
  readonly format: ReturnType<typeof recordFormat>;
  readonly label: string;
  /** First held-out row. */
  readonly from: number;
}

/** Sends the held-out rows as labelled events (ids `row-<line>`) and waits for every score. */
async function scoreHeldOut(r: HeldOutRun): Promise<{ read: ScoresRead; example: EventInput | null }> {
  await r.collector.start(r.infra.topics.scores);
  const events = new Sender(r.producer, r.infra.topics.events);
  const labels = new Map<string, 0 | 1>();
  let example: EventInput | null = null;
  for await (const row of rowsOf(r.data, r.format, r.label, r.bad, r.from)) {
    const id = `row-${row.line}`;
    const event = exampleEvent(row.sample);
    labels.set(id, row.sample.label);
    example ??= event;
    await events.add({ key: id, value: encodeEvent({ ...event, id, label: row.sample.label, weight: row.sample.weight }) });
    r.watch.check();
  }
  await events.done();
  const { collector } = r;
  await r.watch.until('the scorer to score the held-out events', () => (collector.scores.size >= labels.size ? true : undefined), () => collector.scores.size);
  return { read: collector.evaluate(labels), example };
}
