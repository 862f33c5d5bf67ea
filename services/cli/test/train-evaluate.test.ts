/**
 * `streamlr train` and `streamlr evaluate` as child processes, on the movielens split the dataset
 * documents (rows already shuffled: first 80% train, last 20% test), written to a temp dir.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LEARNER_OPTIONS } from '@streamlr/model';
import { readModelFile } from '../src/model-file.js';
import { cli, splitMovielens, tempDir } from './helpers.js';

/** The model package's accuracy target for one online pass of the defaults on movielens (held-out log loss). */
const ONE_PASS_TARGET = 0.5668;

describe('streamlr train / evaluate on movielens', () => {
  const dir = tempDir();
  let split: Awaited<ReturnType<typeof splitMovielens>>;

  before(async () => {
    split = await splitMovielens(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`one pass with the defaults reaches held-out log loss ≤ ${ONE_PASS_TARGET}`, async () => {
    const out = join(dir, 'movielens.bin');
    const trained = await cli(['train', '--data', split.train, '--label', 'label', '--out', out, '--json']);
    assert.equal(trained.code, 0, trained.stderr);
    const summary = JSON.parse(trained.stdout) as { samplesSeen: number; options: unknown; epochs: { logloss: number; n: number }[]; seconds: number };
    assert.equal(summary.samplesSeen, split.trainRows);
    assert.deepEqual(summary.options, DEFAULT_LEARNER_OPTIONS);
    assert.equal(summary.epochs.length, 1);
    assert.equal(summary.epochs[0]!.n, split.trainRows);
    process.stderr.write(`  train (one pass, ${split.trainRows} rows): ${summary.seconds.toFixed(2)} s in-process, ${trained.seconds.toFixed(2)} s with start-up\n`);

    const evaluated = await cli(['evaluate', '--model', out, '--data', split.test, '--label', 'label', '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const metrics = JSON.parse(evaluated.stdout) as Record<string, number>;
    for (const key of ['logloss', 'accuracy', 'auc', 'n', 'nonzero', 'sparsity']) assert.equal(typeof metrics[key], 'number', key);
    assert.equal(metrics['n'], split.testRows);
    process.stderr.write(`  held-out: logloss ${metrics['logloss']!.toFixed(4)} accuracy ${metrics['accuracy']!.toFixed(4)} auc ${metrics['auc']!.toFixed(4)}\n`);
    assert.ok(metrics['logloss']! <= ONE_PASS_TARGET, `held-out logloss ${metrics['logloss']}`);
    assert.ok(metrics['auc']! > 0.75, `auc ${metrics['auc']}`);
    assert.ok(metrics['nonzero']! > 1000 && metrics['sparsity']! > 0.9 && metrics['sparsity']! < 1);

    // The human summary carries the same figures.
    const text = await cli(['evaluate', '--model', out, '--data', split.test]);
    assert.match(text.stdout, new RegExp(`^movielens v1 on test\\.csv: logloss ${metrics['logloss']!.toFixed(4)}  accuracy`));

    // The file holds what `model import` and scorers need.
    const file = await readModelFile(out);
    assert.equal(file.meta.samplesSeen, split.trainRows);
    assert.equal(file.checkpointHeader.optimizer.name, 'ftrl');
  });

  it('several epochs of mini-batch gradient descent re-read the file each epoch', async () => {
    const out = join(dir, 'minibatch.bin');
    const trained = await cli(['train', '--data', split.train, '--out', out, '--optimizer', 'adagrad', '--batch-size', '32', '--epochs', '2']);
    assert.equal(trained.code, 0, trained.stderr);
    const lines = trained.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^epoch 1\/2: progressive logloss 0\.\d{4}  accuracy 0\.\d{4}  auc 0\.\d{4}  n 80,003$/);
    assert.match(lines[1]!, /^epoch 2\/2: /);
    assert.match(lines[2]!, /^wrote .*minibatch\.bin \([\d.]+ (KiB|MiB)\): optimizer=adagrad lr=[\d.]+ G0=[\d.]+ .* 160,006 samples/);
    const evaluated = await cli(['evaluate', '--model', out, '--data', split.test, '--json']);
    assert.ok((JSON.parse(evaluated.stdout) as { logloss: number }).logloss < 0.6);
  });

  it('reads JSON lines and LIBSVM too, and reports bad rows by line number', async () => {
    const jsonl = join(dir, 'small.jsonl');
    const rows: string[] = [];
    for (let i = 0; i < 400; i++) rows.push(JSON.stringify({ label: i % 2, features: { parity: i % 2 === 0 ? 'even' : 'odd', i: i / 400 } }));
    rows.splice(10, 0, '{"label": 3, "features": {}}');
    writeFileSync(join(dir, 'small.jsonl'), `${rows.join('\n')}\n`);
    const out = join(dir, 'small.bin');
    const trained = await cli(['train', '--data', jsonl, '--out', out, '--epochs', '3']);
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(trained.stderr, /small\.jsonl:11: bad_label \(label\)/);
    assert.equal(trained.stderr.match(/small\.jsonl:11/g)?.length, 1, 'reported once, not once per epoch');
    assert.match(trained.stdout, /1 bad row skipped \(bad_label 1\)/);
    const evaluated = await cli(['evaluate', '--model', out, '--data', jsonl, '--json']);
    const metrics = JSON.parse(evaluated.stdout) as { accuracy: number; n: number; badRows: number };
    assert.equal(metrics.n, 400);
    assert.equal(metrics.badRows, 1);
    assert.equal(metrics.accuracy, 1);

    const svm = join(dir, 'small.svm');
    writeFileSync(svm, Array.from({ length: 200 }, (_, i) => `${i % 2} ${1 + (i % 2)}:1 3:${(i % 7) / 7}`).join('\n'));
    const libsvm = await cli(['train', '--data', svm, '--out', join(dir, 'svm.bin')]);
    assert.equal(libsvm.code, 0, libsvm.stderr);
    assert.match(libsvm.stdout, /200 samples/);
  });

  it('bad flags and unreadable files give one line and a non-zero exit', async () => {
    const model = join(dir, 'movielens.bin');
    const noLabel = join(dir, 'nolabel.csv');
    writeFileSync(noLabel, 'a,b\n1,2\n');
    for (const [args, pattern, code] of [
      [['train', '--data', split.train], /^streamlr train: --out \(STREAMLR_OUT\): required$/, 2],
      [['train', '--data', split.train, '--out', 'x.bin', '--optimizer', 'adam'], /^streamlr train: --optimizer \(STREAMLR_OPTIMIZER\): must be one of sgd, adagrad, ftrl, got 'adam'$/, 2],
      [['train', '--data', split.train, '--out', 'x.bin', '--optimizer', 'sgd', '--beta', '1'], /^streamlr train: --beta: applies to ftrl only, not sgd$/, 2],
      [['train', '--data', split.train, '--out', 'x.bin', '--epochs', '0'], /^streamlr train: --epochs \(STREAMLR_EPOCHS\): must be ≥ 1, got 0$/, 2],
      [['train', '--data', join(dir, 'missing.csv'), '--out', join(dir, 'x.bin')], /^streamlr train: .*missing\.csv: cannot read: ENOENT/, 1],
      [['train', '--data', noLabel, '--out', join(dir, 'x.bin')], /^streamlr train: .*nolabel\.csv.*label/, 1],
      [['train', '--data', split.train, '--out', join(dir, 'no', 'such', 'dir', 'x.bin'), '--bits', '8'], /^streamlr train: .*x\.bin: cannot write: ENOENT/, 1],
      [['evaluate', '--model', join(dir, 'missing.bin'), '--data', split.test], /^streamlr evaluate: .*missing\.bin: cannot read: ENOENT/, 1],
      [['evaluate', '--model', split.test, '--data', split.test], /^streamlr evaluate: .*test\.csv: not a streamlr model file$/, 1],
      [['evaluate', '--model', model, '--data', split.test, '--threshold', '2'], /^streamlr evaluate: --threshold \(STREAMLR_THRESHOLD\): must be ≤ 1, got 2$/, 2],
      [['evaluate', '--model', model], /^streamlr evaluate: --data \(STREAMLR_DATA\): required$/, 2],
    ] as const) {
      const result = await cli(args);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      const errors = result.stderr.split('\n').filter((l) => l.startsWith('streamlr'));
      assert.equal(errors.length, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(errors[0]!, pattern);
      assert.equal(result.stdout, '');
    }
  });
});
