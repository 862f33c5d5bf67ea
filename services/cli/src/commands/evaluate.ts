import { featurize } from '@streamlr/stream';
import { basename } from 'node:path';
import { createProgress, formatCount } from '@streamlr/metrics';
import { decodeServing, evaluateScores, ModelError, SparseVector, type EvaluationResult, type ServingModel } from '@streamlr/model';
import { readRecordBatches, type RecordFormat } from '@streamlr/protocol';
import type { SettingSpecs } from '@streamlr/stream';
import { CommandError, guarded, helpText, parseFlags } from '../cli.js';
import type { Command } from '../command.js';
import { formatMetric, jsonLine } from '../format.js';
import { ModelFileError, readModelFile } from '../model-file.js';
import { BadRows, countRows, DATA_SETTINGS, recordFormat } from '../records.js';

export const EVALUATE_SETTINGS = {
  model: { type: 'string', required: true, help: 'model file (from `streamlr train --out` or `streamlr model export`)' },
  ...DATA_SETTINGS,
  threshold: { type: 'number', min: 0, max: 1, default: 0.5, help: 'class 1 when p ≥ threshold (accuracy)' },
  json: { type: 'boolean', help: 'print one JSON object: logloss, accuracy, auc, n, nonzero, slots, sparsity, …' },
} as const satisfies SettingSpecs;

const HELP = helpText({
  usage: 'streamlr evaluate --model MODEL.bin --data FILE --label COL [--json]',
  description: [
    'Scores a labeled records file with a model file\'s serving model (exactly what scorers load) and',
    'prints held-out log loss, accuracy and exact ROC AUC, with the model\'s non-zero weights and',
    'sparsity. Rows are streamed; bad rows are reported with their line number and not scored.',
  ].join('\n'),
  specs: EVALUATE_SETTINGS,
  examples: [
    ['held-out metrics of a trained model', 'streamlr evaluate --model movielens.bin --data test.csv --label label'],
    ['the same as one JSON object, for scripts', 'streamlr evaluate --model movielens.bin --data test.csv --label label --json'],
    ['a model from Redis: export it first', 'streamlr model export --model clicks --out clicks.bin && streamlr evaluate --model clicks.bin --data holdout.jsonl'],
  ],
});

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'held-out log loss, accuracy and AUC of a model file on a records file',
  help: HELP,
  run: (argv) => guarded('evaluate', () => evaluateCli(argv)),
};

/** Scores every labeled row of `path` with `model`; memory: one score and label per row (exact AUC). */
export async function evaluateFile(
  model: ServingModel,
  path: string,
  format: RecordFormat,
  label: string,
  threshold: number,
  bad: BadRows,
  tick: (rows: number) => void = () => undefined,
): Promise<EvaluationResult> {
  let scores = new Float64Array(1 << 16);
  let labels = new Uint8Array(1 << 16);
  let n = 0;
  const x = new SparseVector(64);
  for await (const rows of readRecordBatches(path, { format, label })) {
    for (const row of rows) {
      if (row.error !== undefined) {
        bad.report(row.line, row.error);
        continue;
      }
      try {
        featurize(row.sample, model.featureSpace, x);
      } catch (error) {
        if (!(error instanceof ModelError)) throw error;
        bad.report(row.line, { reason: 'bad_features', message: error.message });
        continue;
      }
      if (n === scores.length) {
        scores = grow(scores, new Float64Array(n * 2));
        labels = grow(labels, new Uint8Array(n * 2));
      }
      scores[n] = model.predictProba(x);
      labels[n] = row.sample.label;
      n++;
    }
    tick(rows.length);
  }
  return evaluateScores(scores.subarray(0, n), labels.subarray(0, n), threshold);
}

function grow<T extends Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

async function evaluateCli(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(EVALUATE_SETTINGS, argv);
  const format = recordFormat(flags.data, flags.format);
  const file = await readModelFile(flags.model);
  let model: ServingModel;
  try {
    model = decodeServing(file.serving).model;
  } catch (cause) {
    throw new ModelFileError(flags.model, `serving model: ${(cause as Error).message}`, { cause });
  }
  const rows = await countRows(flags.data, format);
  const progress = createProgress({ total: rows, label: 'evaluate' });
  const bad = new BadRows(basename(flags.data), 'evaluate');
  let result: EvaluationResult;
  try {
    result = await evaluateFile(model, flags.data, format, flags.label, flags.threshold, bad, (k) => progress.tick(k));
  } finally {
    progress.done();
  }
  if (result.n === 0) throw new CommandError(`${flags.data}: no valid labeled rows to evaluate on`);
  const weights = model.weightStats();
  const header = file.servingHeader;
  if (flags.json) {
    process.stdout.write(
      jsonLine({
        logloss: result.logloss,
        accuracy: result.accuracy,
        auc: result.auc,
        n: result.n,
        nonzero: weights.nonzero,
        slots: weights.slots,
        sparsity: weights.sparsity,
        threshold: flags.threshold,
        model: header.model,
        version: header.version,
        badRows: bad.count,
      }),
    );
  } else {
    const badText = bad.summary('not scored');
    process.stdout.write(
      `${header.model} v${header.version} on ${basename(flags.data)}: logloss ${formatMetric(result.logloss)}  accuracy ${formatMetric(result.accuracy)}  ` +
        `auc ${formatMetric(result.auc)}  n ${formatCount(result.n)}  nonzero ${formatCount(weights.nonzero)}/${formatCount(weights.slots)}  ` +
        `sparsity ${weights.sparsity.toFixed(4)}${badText === '' ? '' : `; ${badText}`}\n`,
    );
  }
  return 0;
}
