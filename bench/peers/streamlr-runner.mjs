// streamlr's side of the peer benchmark: one online pass over the first --train rows of a records
// file with DEFAULT_LEARNER_OPTIONS (FTRL-Proximal α 0.8 β 0.3 λ2 1, widthExponent 0.9, adaptiveL1 0.12, online standardisation,
// 2^20 hashed slots), then held-out metrics on the remaining rows. The path is that of
// `streamlr train`: readRecordBatches (streamed, ~1,000 rows per batch) → featurize → learn.
//
//   node bench/peers/streamlr-runner.mjs --data FILE --label COL --train N
//
// Prints one JSON line. `in_loop_seconds` is the time spent in the learning loop (hash + predict +
// update + progressive loss) summed over batches, i.e. without reading and decoding the file;
// `in_loop_cpu_seconds` the process CPU time (all threads, GC helpers included) in the same spans.
import { parseArgs } from 'node:util';
import { DEFAULT_LEARNER_OPTIONS, LogisticRegression, SparseVector, evaluateScores, logLoss } from '@streamlr/model';
import { readRecordBatches } from '@streamlr/protocol';
import { featurize } from '@streamlr/stream';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    label: { type: 'string', default: 'label' },
    train: { type: 'string' },
    // Exploration only (the table uses the defaults): learner options as JSON, e.g. '{"optimizer":"adagrad"}'.
    options: { type: 'string' },
  },
});
if (values.data === undefined || values.train === undefined) throw new Error('usage: --data FILE --label COL --train N');
const trainRows = Number(values.train);

const learner = new LogisticRegression(values.options === undefined ? DEFAULT_LEARNER_OPTIONS : JSON.parse(values.options));
const space = learner.options.featureSpace;
const x = new SparseVector(64);
let seen = 0;
let lossSum = 0;
let inLoop = 0;
let inLoopCpu = 0;
const heldScores = [];
const heldLabels = [];
for await (const batch of readRecordBatches(values.data, { label: values.label })) {
  let i = 0;
  if (seen < trainRows) {
    const end = Math.min(batch.length, trainRows - seen);
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (; i < end; i++) {
      const row = batch[i];
      if (row.error !== undefined) throw new Error(`line ${row.line}: ${row.error.message}`);
      const p = learner.learn(featurize(row.sample, space, x), row.sample.label);
      lossSum += logLoss(p, row.sample.label);
    }
    inLoop += (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    inLoopCpu += (used.user + used.system) / 1e6;
    seen += end;
  }
  for (; i < batch.length; i++) {
    const row = batch[i];
    if (row.error !== undefined) throw new Error(`line ${row.line}: ${row.error.message}`);
    heldScores.push(learner.predictProba(featurize(row.sample, space, x)));
    heldLabels.push(row.sample.label);
  }
}
const held = evaluateScores(heldScores, heldLabels);
const cpu = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({
    system: 'streamlr',
    train_n: seen,
    test_n: heldScores.length,
    in_loop_seconds: inLoop,
    in_loop_cpu_seconds: inLoopCpu,
    progressive_logloss: lossSum / seen,
    heldout_logloss: held.logloss,
    heldout_auc: held.auc,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    cpu_seconds: (cpu.user + cpu.system) / 1e6,
    settings:
      values.options === undefined
        ? 'DEFAULT_LEARNER_OPTIONS: FTRL-Proximal α 0.8, β 0.3, λ1 0, λ2 1, widthExponent 0.9 (n grows by g²·(nnz+1)^0.9), adaptiveL1 0.12 (w_j = 0 while |z_j| ≤ 0.12·√n_j); online standardisation; 2^20 hashed slots'
        : JSON.stringify(learner.options),
  })}\n`,
);
