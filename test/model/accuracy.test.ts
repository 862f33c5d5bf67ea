/**
 * Examples are tests: DEFAULT_LEARNER_OPTIONS on the bundled real datasets, train = first 80%
 * of rows, test = last 20%, file order, no tuning on the test split (defaults were chosen on a
 * validation slice of the training rows: see packages/model/README.md for the numbers). The
 * model's own unit tests do no I/O; these read the bundled data files, so they live here.
 * scikit-learn batch LogisticRegression(C=1) reference: movielens 0.5557, spam 0.2230.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LEARNER_OPTIONS, LogisticRegression, evaluate, fitEpochs } from '@streamlr/model';
import { loadDataset } from './datasets.js';

test('movielens: one pass ≤ 0.5668, three epochs ≤ 0.5585 held-out log loss', async () => {
  const { train, test: held } = await loadDataset('movielens.csv', DEFAULT_LEARNER_OPTIONS.featureSpace);
  assert.equal(train.length + held.length, 100_004);
  const learner = new LogisticRegression(DEFAULT_LEARNER_OPTIONS);
  fitEpochs(learner, train, { epochs: 1 });
  const onePass = evaluate(learner, held);
  fitEpochs(learner, train, { epochs: 2 });
  const threeEpochs = evaluate(learner, held);
  console.log(`movielens: 1 pass ${JSON.stringify(onePass)}; 3 epochs ${JSON.stringify(threeEpochs)}`);
  assert.ok(onePass.logloss <= 0.5668, `one pass log loss ${onePass.logloss}`);
  assert.ok(threeEpochs.logloss <= 0.5585, `three epochs log loss ${threeEpochs.logloss}`);
  assert.ok(threeEpochs.auc > 0.77, `AUC ${threeEpochs.auc}`);
});

test('spam (raw, unscaled features): five epochs ≤ 0.26 held-out log loss', async () => {
  const { train, test: held } = await loadDataset('spam.csv', DEFAULT_LEARNER_OPTIONS.featureSpace);
  assert.equal(train.length + held.length, 4601);
  const learner = new LogisticRegression(DEFAULT_LEARNER_OPTIONS);
  fitEpochs(learner, train, { epochs: 5 });
  const result = evaluate(learner, held);
  console.log(`spam: 5 epochs ${JSON.stringify(result)}`);
  assert.ok(result.logloss <= 0.26, `log loss ${result.logloss}`);
  assert.ok(result.accuracy > 0.9, `accuracy ${result.accuracy}`);
});
