import { randomBytes } from 'node:crypto';
import { createProgress, formatCount, formatRate, type Progress } from '@streamlr/metrics';
import { describeLearnerOptions, KAFKA_SETTINGS, kafkaOptions, KafkaTransport, LEARNER_SETTINGS, learnerOptionsFrom, LogisticLearner, REDIS_SETTINGS, replay, replayGroupId, type ReplayStart, type SettingSpecs } from '@streamlr/stream';
import { CommandError, guarded, helpText, interruptFlag, parseFlags, parseTime } from '../cli.js';
import { UsageError, type Command } from '../command.js';
import { formatMetric, jsonLine } from '../format.js';
import { checkModelName, openStore, withStore } from '../store.js';

export const REPLAY_SETTINGS = {
  topic: { type: 'string', required: true, help: 'topic of labeled samples to replay' },
  toModel: { type: 'string', required: true, help: 'model name to publish the replayed model to (a new name: the live model is never touched)' },
  fromBeginning: { type: 'boolean', help: 'start at the log start of each partition (the default)' },
  fromTimestamp: { type: 'string', help: 'start at the first record at or after this time (ISO 8601, or ms since the epoch)' },
  untilTimestamp: { type: 'string', help: 'stop before the first record at or after this time (default: the end of the log when the replay starts)' },
  epochs: { type: 'integer', min: 1, default: 1, help: 'passes over the range (each partition is seeked back to its start)' },
  allowExisting: { type: 'boolean', help: 'publish a new version even if --to-model already has versions (fences the trainer writing it)' },
  keep: { type: 'integer', min: 1, default: 10, help: 'versions the store keeps for --to-model' },
  json: { type: 'boolean', help: 'print the summary as one JSON object' },
  ...LEARNER_SETTINGS,
  ...KAFKA_SETTINGS,
  ...REDIS_SETTINGS,
} as const satisfies SettingSpecs;

const HELP = helpText({
  usage: 'streamlr replay --topic T --to-model NAME [--from-beginning | --from-timestamp ISO] [--until-timestamp ISO] [--epochs N] [learner flags]',
  description: [
    'Retrains a model from a topic\'s history and publishes it as ONE new version of --to-model. The range',
    'is fixed when the replay starts: per partition, from the log start (or the first offset at',
    '--from-timestamp) to the high watermark (or the first offset at --until-timestamp); records written',
    'meanwhile are not included. It reads with a consumer group of its own (streamlr-replay.<model>.…,',
    'never the live trainer\'s; it commits nothing), decodes and learns each record exactly as the trainer',
    'does, and publishes with a fresh writer epoch; the version\'s offsets are the range\'s end, so a',
    'trainer started on --to-model continues from there. Bad records are counted, not dead-lettered again.',
  ].join('\n'),
  specs: REPLAY_SETTINGS,
  examples: [
    ['retrain from everything the topic holds, 3 epochs', 'streamlr replay --topic streamlr.samples --to-model clicks-replay --epochs 3'],
    ['one day of history with other hyperparameters', 'streamlr replay --topic streamlr.samples --to-model clicks-jan30 --from-timestamp 2025-01-30T00:00:00Z --until-timestamp 2025-01-31T00:00:00Z --optimizer adagrad --l2 1e-6'],
    ['then compare it with the live model on held-out data', 'streamlr model export --model clicks-replay --out replay.bin && streamlr evaluate --model replay.bin --data holdout.csv --label clicked'],
  ],
});

export const replayCommand: Command = {
  name: 'replay',
  summary: 'retrain a model from a topic\'s history into a new model name',
  help: HELP,
  run: (argv) => guarded('replay', () => replayCli(argv)),
};

async function replayCli(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(REPLAY_SETTINGS, argv);
  const model = checkModelName('to-model', flags.toModel);
  const options = learnerOptionsFrom(flags);
  if (flags.fromBeginning && flags.fromTimestamp !== undefined) {
    throw new UsageError('--from-beginning and --from-timestamp: give one or the other');
  }
  const from: ReplayStart =
    flags.fromTimestamp === undefined ? { kind: 'beginning' } : { kind: 'timestamp', timestamp: parseTime('from-timestamp', flags.fromTimestamp) };
  const until = flags.untilTimestamp === undefined ? undefined : parseTime('until-timestamp', flags.untilTimestamp);
  if (from.kind === 'timestamp' && until !== undefined && until <= from.timestamp) {
    throw new UsageError('--until-timestamp: must be after --from-timestamp');
  }
  // Fewer client retries than a service: an unreachable broker is reported in seconds, not a minute.
  const transport = new KafkaTransport({ ...kafkaOptions(flags), retries: 4 });
  await assertTopicExists(transport, flags.topic);
  const store = openStore(flags, flags.keep);
  const learner = new LogisticLearner(options);
  const groupId = replayGroupId(model, Date.now(), randomBytes(3).toString('hex'));
  const interrupt = interruptFlag();
  const abort = new AbortController();
  const watch = setInterval(() => {
    if (interrupt.stopped) abort.abort();
  }, 100);
  const print = (line: string): void => {
    if (!flags.json) process.stdout.write(`${line}\n`);
  };
  let progress: Progress | undefined;
  const started = performance.now();
  try {
    const result = await withStore(flags.redis, () =>
      replay(
        {
          learner,
          consumer: transport.consumer({ groupId }),
          admin: transport.admin(),
          store,
          events: {
            planned: (plan, total) => {
              progress = createProgress({ total, label: `replay ${plan.topic}` });
            },
            progress: (n) => progress?.tick(n),
            epochDone: (epoch, f) => {
              // Stay on a line of its own under the progress bar.
              print(
                `epoch ${epoch}/${flags.epochs}: progressive logloss ${formatMetric(f.logloss)}  accuracy ${formatMetric(f.accuracy)}  ` +
                  `auc ${formatMetric(f.auc)}  (last ${formatCount(f.n)} samples)`,
              );
            },
          },
        },
        {
          model,
          topic: flags.topic,
          groupId,
          from,
          ...(until === undefined ? {} : { until }),
          epochs: flags.epochs,
          allowExisting: flags.allowExisting,
          signal: abort.signal,
          extra: {
            source: 'streamlr replay',
            topic: flags.topic,
            from: from.kind === 'beginning' ? 'beginning' : new Date(from.timestamp).toISOString(),
            until: until === undefined ? 'end' : new Date(until).toISOString(),
            epochs: flags.epochs,
          },
        },
      ),
    );
    progress?.done();
    const seconds = (performance.now() - started) / 1000;
    const weights = learner.weights();
    const handled = result.learned + [...result.refused.values()].reduce((a, b) => a + b, 0);
    if (flags.json) {
      process.stdout.write(
        jsonLine({
          model,
          version: result.version,
          topic: flags.topic,
          groupId,
          options,
          partitions: result.plan.partitions,
          records: result.plan.records,
          epochs: result.epochs,
          learned: result.learned,
          refused: Object.fromEntries(result.refused),
          nonzero: weights.nonzero,
          slots: weights.slots,
          sparsity: weights.sparsity,
          seconds,
          rate: handled / Math.max(seconds, 1e-9),
        }),
      );
    } else {
      const refused = [...result.refused].map(([r, n]) => `${r} ${n}`).join(', ');
      print(
        `published ${model} v${result.version}: ${describeLearnerOptions(options)}; ${formatCount(result.learned)} updates over ` +
          `${flags.epochs} epoch${flags.epochs === 1 ? '' : 's'} of ${formatCount(result.plan.records)} records ` +
          `(${result.plan.partitions.length} partition${result.plan.partitions.length === 1 ? '' : 's'})` +
          `${refused === '' ? '' : `, refused ${refused}`}; ${formatCount(weights.nonzero)} weights non-zero; ` +
          `offsets ${result.plan.partitions.map((p) => `${p.topic}/${p.partition}=${p.end}`).join(' ')}; ` +
          `${seconds.toFixed(1)} s (${formatRate(handled / Math.max(seconds, 1e-9))} msgs/s)`,
      );
    }
    return 0;
  } finally {
    progress?.done();
    clearInterval(watch);
    interrupt.dispose();
    await store.close().catch(() => undefined);
  }
}

/** kafkajs retries metadata of an unknown topic for a minute; asking for the topic list first fails at once. */
async function assertTopicExists(transport: KafkaTransport, topic: string): Promise<void> {
  const admin = transport.kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) throw new CommandError(`topic '${topic}' does not exist`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
