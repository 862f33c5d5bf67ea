import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FeatureError, FeatureNames, OptionError, SparseVector, denseFeatures, featureSlot, hashFeatures, murmur3String } from '../src/index.js';

const space = { bits: 20, seed: 0 };

test('strings are one-hot on name=value, numbers numeric on name, booleans 1/0, zeros kept', () => {
  const x = hashFeatures({ country: 'US', amount: 12.5, mobile: true, promo: false, clicks: 0 }, space, new SparseVector());
  assert.equal(x.nnz, 5);
  assert.equal(x.get(featureSlot('country=US', space)), 1);
  assert.equal(x.get(featureSlot('amount', space)), 12.5);
  assert.equal(x.get(featureSlot('mobile', space)), 1);
  const promo = featureSlot('promo', space);
  assert.ok(x.entries().some(([slot, v]) => slot === promo && v === 0), 'false is an explicit 0');
  assert.ok(x.entries().some(([slot, v]) => slot === featureSlot('clicks', space) && v === 0), '0 is an explicit 0');
});

test('hashFeatures clears the output vector and reuses it', () => {
  const out = new SparseVector(2);
  hashFeatures({ a: 1, b: 2, c: 3, d: 4 }, space, out);
  assert.equal(out.nnz, 4);
  hashFeatures({ z: 'q' }, space, out);
  assert.equal(out.nnz, 1);
  assert.equal(out.get(featureSlot('z=q', space)), 1);
});

test('colliding feature names are summed into one entry', () => {
  // With 1 bit there are 2 slots, so among three names two collide.
  const tiny = { bits: 1, seed: 0 };
  const x = hashFeatures({ a: 1, b: 2, c: 4 }, tiny, new SparseVector());
  assert.ok(x.nnz <= 2);
  let total = 0;
  for (let k = 0; k < x.nnz; k++) total += x.values[k]!;
  assert.equal(total, 7);
  const slots = new Set(x.entries().map(([s]) => s));
  assert.equal(slots.size, x.nnz, 'no slot appears twice');
});

test('bad values are rejected with an error naming the feature', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    assert.throws(() => hashFeatures({ ok: 1, amount: bad }, space, new SparseVector()), (e: unknown) => e instanceof FeatureError && e.feature === 'amount');
  }
  assert.throws(
    () => hashFeatures({ nested: {} as unknown as string }, space, new SparseVector()),
    (e: unknown) => e instanceof FeatureError && e.feature === 'nested' && /unsupported value type object/.test(e.message),
  );
  assert.throws(() => hashFeatures({ n: null as unknown as string }, space, new SparseVector()), /unsupported value type null/);
});

test('dense features use slots 0..m-1 unhashed and must fit the space', () => {
  const x = denseFeatures([0.5, 0, -2], { bits: 2, seed: 0 }, new SparseVector());
  assert.deepEqual(x.entries(), [[0, 0.5], [1, 0], [2, -2]]);
  assert.throws(() => denseFeatures([1, 2, 3, 4, 5], { bits: 2, seed: 0 }, new SparseVector()), (e: unknown) => e instanceof FeatureError && e.feature === 'x');
  assert.throws(() => denseFeatures([1, NaN], space, new SparseVector()), (e: unknown) => e instanceof FeatureError && e.feature === 'x[1]');
});

test('SparseVector.add coalesces duplicates, survives growth and O(1) clear', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: -5, max: 5 })), { maxLength: 400 }), (pairs) => {
      const v = new SparseVector(4);
      const expected = new Map<number, number>();
      for (const [slot, value] of pairs) {
        v.add(slot, value);
        expected.set(slot, (expected.get(slot) ?? 0) + value);
      }
      assert.equal(v.nnz, expected.size);
      for (const [slot, value] of expected) assert.equal(v.get(slot), value);
      v.clear();
      assert.equal(v.nnz, 0);
      assert.equal(v.get(pairs[0]?.[0] ?? 0), 0);
    }),
    { numRuns: 200 },
  );
});

test('FeatureNames keeps a bounded slot → name dictionary and ranks weights', () => {
  const names = new FeatureNames(3);
  names.record({ country: 'US', amount: 3, device: 'ios', extra: 1 }, space);
  assert.equal(names.size, 3);
  assert.equal(names.nameOf(featureSlot('country=US', space)), 'country=US');
  assert.equal(names.nameOf(featureSlot('amount', space)), 'amount');
  const weights = new Map([[featureSlot('country=US', space), -2], [featureSlot('amount', space), 0.5]]);
  const top = names.top((slot) => weights.get(slot) ?? 0, 5);
  assert.deepEqual(top.map((r) => r.name), ['country=US', 'amount']);
  assert.throws(() => new FeatureNames(0), OptionError);
});

test('FeatureNames.top and topAt are the first k rows of the full sort (|weight| descending, then slot), ties and zeros included', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.constantFrom(0, 0.5, -0.5, 1, -2, 3e-9, 7)), { maxLength: 80 }),
      fc.integer({ min: 0, max: 90 }),
      (pairs, k) => {
        const names = new FeatureNames(1_000);
        const weights = new Map<number, number>();
        for (const [slot, weight] of pairs) {
          names.set(slot, `f${slot}`);
          if (!weights.has(slot)) weights.set(slot, weight);
        }
        const expected = [...weights]
          .filter(([slot, w]) => w !== 0 && names.nameOf(slot) !== undefined)
          .map(([slot, weight]) => ({ slot, name: `f${slot}`, weight }))
          .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || a.slot - b.slot)
          .slice(0, k);
        assert.deepEqual(names.top((slot) => weights.get(slot) ?? 0, k), expected);
        // The same from known weights, over every weighted slot plus some without a name.
        const slots = Int32Array.from([...weights.keys(), 501, 502]);
        const known = Float64Array.from(slots, (slot) => weights.get(slot) ?? 1);
        assert.deepEqual(names.topAt(slots, known, k), expected);
      },
    ),
    { numRuns: 300 },
  );
});

test('murmur3 of the name is the numeric slot (documented contract)', () => {
  assert.equal(featureSlot('amount', { bits: 24, seed: 42 }), murmur3String('amount', 42) & (2 ** 24 - 1));
});

test('SparseVector rejects non-finite values and saturates colliding sums', () => {
  const v = new SparseVector();
  assert.throws(() => v.add(3, Infinity), FeatureError);
  assert.throws(() => v.add(3, NaN), FeatureError);
  v.add(1, 1.7e308);
  v.add(1, 1.7e308);
  assert.equal(v.get(1), Number.MAX_VALUE);
});
