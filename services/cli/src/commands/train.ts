import { describeLearnerOptions, LEARNER_SETTINGS, learnerOptionsFrom, snapshotBlobs, featurize } from '@streamlr/stream';
import { basename, extname } from 'node:path';
import { createProgress, formatCount } from '@streamlr/metrics';
import {
  FeatureNames,
  LogisticRegression,
  ModelError,
  ProgressiveMetrics,
  SparseVector,
  type LabeledVector,
  type LearnerOptions,
} from '@streamlr/model';
import { readRecordBatches, type RecordFormat } from '@streamlr/protocol';
import type { SettingSpecs } from '@streamlr/stream';
import { CommandError, guarded, helpText, interruptFlag, parseFlags } from '../cli.js';
import type { Command } from '../command.js';
import { assertWritable, writeModelFile, type ModelFileMeta } from '../model-file.js';
import { BadRows, countRows, DATA_SETTINGS, recordFormat } from '../records.js';
import { formatBytes, formatMetric, jsonLine } from '../format.js';

/** AUC is exact over this many most recent samples of an epoch; log loss and accuracy cover all of it. */
const AUC_WINDOW = 100_000;

export const TRAIN_SETTINGS = {
  ...DATA_SETTINGS,
  out: { type: 'string', required: true, help: 'model file to write (atomically), see `streamlr model --help` for its format' },
  name: { type: 'string', help: 'model name in the snapshot header (default: the --out file name without its extension)' },
  epochs: { type: 'integer', min: 1, default: 1, help: 'passes over the file; each pass streams it again, so memory does not grow with the file' },
  batchSize: { type: 'integer', min: 1, default: 1, help: '1: one update per sample (online); N > 1: mini-batch gradient descent, one step per N samples' },
  json: { type: 'boolean', help: 'print the summary as one JSON object' },
  ...LEARNER_SETTINGS,
} as const satisfies SettingSpecs;

const HELP = helpText({
  usage: 'streamlr train --data FILE --label COL [--format csv|jsonl|libsvm] [--optimizer sgd|adagrad|ftrl] [--lr X] [--l1 X] [--l2 X] [--bits B] [--epochs N] [--batch-size N] --out MODEL.bin',
  description: [
    'Trains logistic regression on a records file, streamed in file order (never loaded whole), with',
    'the hashing, optimizers and snapshots of the trainer service. Prints progressive-validation metrics',
    'per epoch (each sample predicted before it is learned; AUC over the last 100,000 samples of the',
    'epoch) and writes a model file holding the checkpoint and the serving model. Without learner flags',
    'it uses the model\'s defaults (DEFAULT_LEARNER_OPTIONS). Bad rows are reported with their line',
    'number and skipped.',
  ].join('\n'),
  specs: TRAIN_SETTINGS,
  examples: [
    ['one online pass with the defaults (FTRL-Proximal, 2^20 slots)', 'streamlr train --data data/movielens.csv --label label --out movielens.bin'],
    ['three epochs of SGD with elastic net, 2^22 slots', 'streamlr train --data clicks.jsonl --optimizer sgd --lr 0.05 --l1 1e-6 --l2 1e-5 --bits 22 --epochs 3 --out clicks.bin'],
    ['mini-batch gradient descent, 256 samples per step, summary as JSON', 'streamlr train --data spam.csv --label label --optimizer adagrad --batch-size 256 --epochs 10 --out spam.bin --json'],
  ],
});

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model on a records file and write it to a model file',
  help: HELP,
  run: (argv) => guarded('train', () => train(argv)),
};

export interface EpochFigures {
  readonly epoch: number;
  /** Progressive log loss and accuracy over the whole epoch. */
  readonly logloss: number;
  readonly accuracy: number;
  /** Exact AUC over the epoch's last AUC_WINDOW samples. */
  readonly auc: number;
  readonly n: number;
}

/** Trains on `path` for `epochs` passes, streaming the file each pass. */
export async function trainFile(
  path: string,
  format: RecordFormat,
  label: string,
  options: LearnerOptions,
  run: { readonly epochs: number; readonly batchSize: number; readonly onEpoch?: (figures: EpochFigures) => void; readonly stopped?: () => boolean },
  bad: BadRows,
  tick: (rows: number) => void,
): Promise<{ learner: LogisticRegression; names: FeatureNames; epochs: EpochFigures[] }> {
  const learner = new LogisticRegression(options);
  const names = new FeatureNames(100_000);
  const space = options.featureSpace;
  // One reusable vector per mini-batch slot: the hot loop allocates nothing once warmed up.
  const vectors = Array.from({ length: run.batchSize }, () => new SparseVector(64));
  const batch: { x: SparseVector; y: 0 | 1; weight: number }[] = [];
  const epochs: EpochFigures[] = [];
  for (let epoch = 1; epoch <= run.epochs; epoch++) {
    const metrics = new ProgressiveMetrics({ window: AUC_WINDOW });
    const step = (): void => {
      // The batch rule: every sample is predicted with the weights before the step.
      for (const s of batch) metrics.update(learner.predictProba(s.x), s.y);
      learner.learnBatch(batch as LabeledVector[]);
      batch.length = 0;
    };
    for await (const rows of readRecordBatches(path, { format, label })) {
      for (const row of rows) {
        if (row.error !== undefined) {
          if (epoch === 1) bad.report(row.line, row.error);
          continue;
        }
        const sample = row.sample;
        let x: SparseVector;
        try {
          x = featurize(sample, space, vectors[batch.length]!);
        } catch (error) {
          if (!(error instanceof ModelError)) throw error;
          if (epoch === 1) bad.report(row.line, { reason: 'bad_features', message: error.message });
          continue;
        }
        // Names cost string allocations: remembered in the first epoch, until the dictionary is full.
        if (epoch === 1 && sample.features !== undefined && names.size < names.capacity) names.record(sample.features, space);
        if (run.batchSize === 1) {
          metrics.update(learner.learn(x, sample.label, sample.weight), sample.label);
        } else {
          batch.push({ x, y: sample.label, weight: sample.weight });
          if (batch.length === run.batchSize) step();
        }
      }
      tick(rows.length);
      if (run.stopped?.() === true) throw new CommandError('stopped: no model written');
    }
    if (batch.length > 0) step();
    const s = metrics.snapshot();
    const figures: EpochFigures = { epoch, logloss: s.total.logloss, accuracy: s.total.accuracy, auc: s.auc, n: s.total.n };
    epochs.push(figures);
    run.onEpoch?.(figures);
    if (s.total.n === 0) throw new CommandError(`${path}: no valid samples to train on`);
  }
  return { learner, names, epochs };
}

async function train(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(TRAIN_SETTINGS, argv);
  const options = learnerOptionsFrom(flags);
  const format = recordFormat(flags.data, flags.format);
  const name = flags.name ?? (basename(flags.out, extname(flags.out)) || 'model');
  const started = performance.now();
  await assertWritable(flags.out);
  const rows = await countRows(flags.data, format);
  const progress = createProgress({ total: rows * flags.epochs, label: 'train' });
  const bad = new BadRows(basename(flags.data), 'train');
  const interrupt = interruptFlag();
  const print = (line: string): void => {
    if (!flags.json) process.stdout.write(`${line}\n`);
  };
  let result: Awaited<ReturnType<typeof trainFile>>;
  try {
    result = await trainFile(
      flags.data,
      format,
      flags.label,
      options,
      {
        epochs: flags.epochs,
        batchSize: flags.batchSize,
        stopped: () => interrupt.stopped,
        onEpoch: (e) =>
          print(
            `epoch ${e.epoch}/${flags.epochs}: progressive logloss ${formatMetric(e.logloss)}  accuracy ${formatMetric(e.accuracy)}  ` +
              `auc ${formatMetric(e.auc)}  n ${formatCount(e.n)}`,
          ),
      },
      bad,
      (n) => progress.tick(n),
    );
  } finally {
    progress.done();
    interrupt.dispose();
  }
  const { learner, names, epochs } = result;
  const last = epochs[epochs.length - 1]!;
  const createdAt = Date.now();
  const metrics = { logloss: last.logloss, accuracy: last.accuracy, auc: last.auc, n: last.n };
  const extra = {
    source: 'streamlr train',
    data: basename(flags.data),
    format,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
  };
  const blobs = snapshotBlobs(learner, { model: name, version: 1, createdAt, metrics, offsets: {}, extra }, names);
  const meta: ModelFileMeta = { model: name, version: 1, createdAt, samplesSeen: learner.samplesSeen, metrics, offsets: {}, extra };
  const bytes = await writeModelFile(flags.out, { meta, checkpoint: blobs.checkpoint, serving: blobs.serving });
  const weights = learner.weightStats();
  const seconds = (performance.now() - started) / 1000;
  if (flags.json) {
    process.stdout.write(
      jsonLine({
        out: flags.out,
        bytes,
        model: name,
        options,
        samplesSeen: learner.samplesSeen,
        epochs,
        nonzero: weights.nonzero,
        slots: weights.slots,
        sparsity: weights.sparsity,
        badRows: bad.count,
        badRowReasons: bad.byReason(),
        seconds,
      }),
    );
  } else {
    const badText = bad.summary();
    print(
      `wrote ${flags.out} (${formatBytes(bytes)}): ${describeLearnerOptions(options)}; ${formatCount(learner.samplesSeen)} samples, ` +
        `${formatCount(weights.nonzero)} of ${formatCount(weights.slots)} weights non-zero (sparsity ${weights.sparsity.toFixed(4)}), ` +
        `${seconds.toFixed(1)} s${badText === '' ? '' : `; ${badText}`}`,
    );
  }
  return 0;
}
