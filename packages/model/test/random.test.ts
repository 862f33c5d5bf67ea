import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../src/index.js';

const draws = (seed: number, n: number): number[] => {
  const next = seededRandom(seed);
  return Array.from({ length: n }, () => next() * 2 ** 32);
};

test('seededRandom is pinned: the synthetic benchmark data and seeded test streams depend on these values', () => {
  // Outputs of the mulberry32 copies this function replaced (bench/peers/synthetic.mjs seeds with 20261124).
  assert.deepEqual(draws(0, 3), [1144304738, 1416247, 958946056]);
  assert.deepEqual(draws(1, 3), [2693262067, 11749833, 2265367787]);
  assert.deepEqual(draws(20261124, 3), [789656694, 4142447772, 2721962107]);
  // The seed is taken modulo 2^32.
  assert.deepEqual(draws(-1, 3), [3850105811, 813802916, 3073704848]);
  assert.deepEqual(draws(2 ** 32 + 5, 3), draws(5, 3));
});

test('seededRandom draws 32-bit multiples in [0, 1), and two generators of one seed are independent copies', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  for (let i = 0; i < 10_000; i++) {
    const v = a();
    assert.ok(v >= 0 && v < 1);
    assert.ok(Number.isInteger(v * 2 ** 32));
    assert.equal(b(), v);
  }
});
