import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OptionError, ProgressiveMetrics, evaluateScores, logLoss, rocAuc } from '../src/index.js';

/** O(n²) definition: P(s+ > s−) + ½ P(s+ = s−). */
function bruteAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

test('rocAuc is exact, ties included', () => {
  assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  assert.equal(rocAuc([0.5, 0.5], [0, 1]), 0.5);
  assert.ok(Number.isNaN(rocAuc([0.2, 0.3], [1, 1])), 'one class: undefined');
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 10 }), fc.boolean()), { minLength: 2, maxLength: 60 }), (rows) => {
      const scores = rows.map(([s]) => s / 10);
      const labels = rows.map(([, y]) => (y ? 1 : 0));
      const a = rocAuc(scores, labels);
      const b = labels.includes(0) && labels.includes(1) ? bruteAuc(scores, labels) : NaN;
      return Number.isNaN(b) ? Number.isNaN(a) : Math.abs(a - b) < 1e-12;
    }),
  );
});

test('evaluateScores gives log loss, accuracy, AUC and n', () => {
  const r = evaluateScores([0.9, 0.2, 0.6, 0.4], [1, 0, 0, 1]);
  assert.equal(r.n, 4);
  assert.equal(r.accuracy, 0.5);
  assert.equal(r.auc, 0.75);
  const expected = (logLoss(0.9, 1) + logLoss(0.2, 0) + logLoss(0.6, 0) + logLoss(0.4, 1)) / 4;
  assert.ok(Math.abs(r.logloss - expected) < 1e-15);
  assert.ok(Number.isNaN(evaluateScores([], []).logloss));
});

test('ProgressiveMetrics: windowed metrics cover exactly the last `window` samples', () => {
  const m = new ProgressiveMetrics({ window: 100 });
  const scores: number[] = [];
  const labels: Array<0 | 1> = [];
  let seed = 1;
  for (let i = 0; i < 1234; i++) {
    seed = (seed * 16807) % 2147483647;
    const y: 0 | 1 = seed % 3 === 0 ? 1 : 0;
    const p = ((seed % 1000) + 0.5) / 1000;
    m.update(p, y);
    scores.push(p);
    labels.push(y);
  }
  const recent = evaluateScores(scores.slice(-100), labels.slice(-100));
  const snap = m.snapshot();
  assert.equal(snap.n, 100);
  assert.ok(Math.abs(snap.logloss - recent.logloss) < 1e-12);
  assert.equal(snap.accuracy, recent.accuracy);
  assert.equal(snap.auc, recent.auc);
  const all = evaluateScores(scores, labels);
  assert.equal(snap.total.n, 1234);
  assert.equal(snap.total.positives, labels.filter((y) => y === 1).length);
  assert.ok(Math.abs(snap.total.logloss - all.logloss) < 1e-12);
  assert.equal(snap.total.accuracy, all.accuracy);
  m.reset();
  assert.equal(m.count, 0);
  assert.ok(Number.isNaN(m.logLoss()));
});

test('ProgressiveMetrics options are validated', () => {
  assert.throws(() => new ProgressiveMetrics({ window: 0 }), (e: unknown) => e instanceof OptionError && e.option === 'window');
  assert.throws(() => new ProgressiveMetrics({ threshold: 2 }), (e: unknown) => e instanceof OptionError && e.option === 'threshold');
});
