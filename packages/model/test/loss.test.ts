import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_LOGIT, P_EPSILON, logLoss, logLossGradient, sigmoid } from '../src/index.js';

test('sigmoid is stable, symmetric and never NaN', () => {
  for (const z of [0, 1e-300, -1e-300, 1, -1, 35, -35, 700, -700, 1e308, -1e308, Infinity, -Infinity, NaN]) {
    const p = sigmoid(z);
    assert.ok(p > 0 && p < 1, `σ(${z}) = ${p} in (0, 1)`);
  }
  assert.equal(sigmoid(0), 0.5);
  assert.equal(sigmoid(NaN), 0.5);
  assert.equal(sigmoid(Infinity), sigmoid(MAX_LOGIT));
  fc.assert(fc.property(fc.double({ min: -50, max: 50, noNaN: true }), (z) => Math.abs(sigmoid(z) + sigmoid(-z) - 1) < 1e-15));
  assert.ok(Math.abs(sigmoid(2) - 1 / (1 + Math.exp(-2))) < 1e-16);
});

test('log loss is clipped to [1e-15, 1 - 1e-15] and finite at the extremes', () => {
  assert.equal(logLoss(0, 1), -Math.log(P_EPSILON));
  assert.equal(logLoss(1, 0), -Math.log(1 - (1 - P_EPSILON)));
  assert.equal(logLoss(1, 1), -Math.log(1 - P_EPSILON));
  assert.equal(logLoss(0, 0), -Math.log(1 - P_EPSILON));
  assert.ok(Number.isFinite(logLoss(NaN, 1)));
  assert.ok(Math.abs(logLoss(0.5, 1) - Math.LN2) < 1e-15);
  assert.ok(logLoss(sigmoid(1e308), 0) < 35);
});

test('∂L/∂z = p − y matches central finite differences of L(σ(z))', () => {
  fc.assert(
    // |z| ≤ 8: beyond, 1 − p in the loss loses the digits a finite difference needs.
    fc.property(fc.double({ min: -8, max: 8, noNaN: true }), fc.constantFrom(0 as const, 1 as const), (z, y) => {
      const h = 1e-5;
      const numeric = (logLoss(sigmoid(z + h), y) - logLoss(sigmoid(z - h), y)) / (2 * h);
      const analytic = logLossGradient(sigmoid(z), y);
      return Math.abs(numeric - analytic) < 1e-6;
    }),
  );
});
