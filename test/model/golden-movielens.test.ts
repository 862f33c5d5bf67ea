/**
 * Bit-exactness on real data (the companion of packages/model/test/golden.test.ts, which pins
 * synthetic streams without I/O): the CRC-32C of every prediction `learn` returns over one pass of
 * movielens, and of the final checkpoint's own CRC field, must equal the recorded fingerprints.
 * GOLDEN_PRINT=1 prints the current ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LEARNER_OPTIONS, LogisticRegression, crc32c, encodeCheckpoint, type LearnerOptionsInput } from '@streamlr/model';
import { loadDataset } from './datasets.js';

// The defaults before issue #8 (plain FTRL α 0.3): recorded from the reference implementation.
const PLAIN_FTRL_DEFAULTS: LearnerOptionsInput = { optimizer: { name: 'ftrl', learningRate: 0.3, beta: 0.3, l1: 0, l2: 1, widthExponent: 0, adaptiveL1: 0 }, normalization: 'standard' };
const EXPECTED_MOVIELENS_PLAIN = 'eee909bd/75fe5d19';
// Today's defaults (width-scaled FTRL α 0.8, widthExponent 0.9, adaptive L1 0.12), recorded when they
// were adopted (issue #8; α 0.5, widthExponent 0.75 without adaptive L1 gave 50cec771/379f3ab4): the
// defaults changed, so this fingerprint is new, not a re-recording of the above.
const EXPECTED_MOVIELENS = '6bf509d6/4945da24';

const hex = (n: number): string => n.toString(16).padStart(8, '0');

async function movielensFingerprint(options: LearnerOptionsInput): Promise<string> {
  const { train } = await loadDataset('movielens.csv', DEFAULT_LEARNER_OPTIONS.featureSpace);
  const learner = new LogisticRegression(options);
  const predictions = new Float64Array(train.length);
  train.forEach((s, i) => (predictions[i] = learner.learn(s.x, s.y)));
  const checkpoint = encodeCheckpoint(learner, { model: 'golden', version: 1, createdAt: 0 });
  return `${hex(crc32c(new Uint8Array(predictions.buffer)))}/${hex(crc32c(checkpoint.subarray(0, checkpoint.length - 4)))}`;
}

test('one movielens pass with the old defaults (plain FTRL) is bit-identical to the recorded reference', async () => {
  const actual = await movielensFingerprint(PLAIN_FTRL_DEFAULTS);
  if (process.env['GOLDEN_PRINT']) console.log(`movielens plain ${actual}`);
  assert.equal(actual, EXPECTED_MOVIELENS_PLAIN);
});

test('one movielens pass with the defaults is bit-identical to the recorded fingerprint', async () => {
  const actual = await movielensFingerprint(DEFAULT_LEARNER_OPTIONS);
  if (process.env['GOLDEN_PRINT']) console.log(`movielens ${actual}`);
  assert.equal(actual, EXPECTED_MOVIELENS);
});
