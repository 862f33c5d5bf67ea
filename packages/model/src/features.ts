/**
 * Feature hashing (the "hashing trick", Weinberger et al. 2009, as in Vowpal Wabbit): a feature
 * name is hashed with MurmurHash3 x86 32-bit (seeded) over its UTF-8 bytes, and the low `bits`
 * bits pick one of 2^bits weight slots.
 *
 * - string value `"country": "US"`  → one-hot: slot of `country=US`, value 1;
 * - number value `"amount": 12.5`    → numeric: slot of `amount`, value 12.5;
 * - boolean value `"mobile": true`   → numeric: slot of `mobile`, value 1 (false → 0);
 * - dense arrays `x: [..]`           → slots 0..m-1 unhashed (see `denseFeatures`).
 *
 * Explicit zeros ARE stored (`"clicks": 0`, `false`, dense zeros): a present 0 is a value, an
 * absent feature is missing, and with the default `standard` normalisation the two differ
 * (a missing numeric feature counts as its mean). Colliding names are summed by `SparseVector`.
 */
import { FeatureError, OptionError } from './errors.js';
import { murmur3NameValue, murmur3String } from './murmur3.js';
import { SparseVector } from './sparse-vector.js';

/** Where features live: 2^bits hashed slots, hashed with `seed`. Part of every snapshot. */
export interface FeatureSpace {
  /** log2 of the number of weight slots, 1..28. Default 20 (1,048,576 slots). */
  readonly bits: number;
  /** MurmurHash3 seed, an unsigned 32-bit integer. Default 0. */
  readonly seed: number;
}

export const DEFAULT_FEATURE_SPACE: FeatureSpace = Object.freeze({ bits: 20, seed: 0 });

/** Largest supported `bits` (2^28 slots: 2 GiB of Float64 weights is already unreasonable). */
export const MAX_FEATURE_BITS = 28;

/** A sample's named features. */
export type NamedFeatures = Readonly<Record<string, number | string | boolean>>;

/** Validates a feature space; the error names the offending field (`featureSpace.bits`...). */
export function validateFeatureSpace(space: FeatureSpace, path = 'featureSpace'): FeatureSpace {
  if (typeof space !== 'object' || space === null) {
    throw new OptionError(path, space, 'an object {bits, seed}');
  }
  const { bits, seed } = space;
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_FEATURE_BITS) {
    throw new OptionError(`${path}.bits`, bits, `an integer in 1..${MAX_FEATURE_BITS}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new OptionError(`${path}.seed`, seed, 'an integer in 0..4294967295');
  }
  return { bits, seed };
}

/** Number of slots of a feature space (2^bits). */
export function slotCount(space: FeatureSpace): number {
  return 2 ** space.bits;
}

/** Slot of a numeric feature name (for a one-hot feature pass `name=value`). */
export function featureSlot(name: string, space: FeatureSpace): number {
  return murmur3String(name, space.seed) & (slotCount(space) - 1);
}

/**
 * Hashes named features into `out` (cleared first) and returns it.
 * Throws `FeatureError` for a non-finite number or a value of another type.
 */
export function hashFeatures(features: NamedFeatures, space: FeatureSpace, out: SparseVector): SparseVector {
  out.clear();
  // 2^bits − 1 by a shift: `2 ** bits` is a call to pow per message (2.5% of a small message).
  const bits = space.bits;
  const mask = (bits | 0) === bits && bits >= 0 && bits <= 30 ? (1 << bits) - 1 : slotCount(space) - 1;
  const seed = space.seed;
  // for-in over a plain object is the fastest key walk in V8 and allocates nothing. JSON.parse
  // and object literals have no inherited enumerable properties.
  for (const name in features) {
    const value = features[name];
    if (typeof value === 'string') {
      out.add(murmur3NameValue(name, value, seed) & mask, 1);
    } else if (typeof value === 'number') {
      if (value - value !== 0) throw new FeatureError(name, `value ${value} is not a finite number`);
      out.add(murmur3String(name, seed) & mask, value);
    } else if (typeof value === 'boolean') {
      out.add(murmur3String(name, seed) & mask, value ? 1 : 0);
    } else {
      throw new FeatureError(name, `unsupported value type ${value === null ? 'null' : typeof value} (expected number, string or boolean)`);
    }
  }
  return out;
}

/**
 * Dense features: `x[i]` goes to slot `i`, unhashed. `out` is cleared first.
 * Throws `FeatureError` when `x` has more than 2^bits entries or a non-finite entry.
 */
export function denseFeatures(x: ArrayLike<number>, space: FeatureSpace, out: SparseVector): SparseVector {
  out.clear();
  const m = x.length;
  if (m > slotCount(space)) {
    throw new FeatureError('x', `${m} dense values do not fit in 2^${space.bits} slots`);
  }
  for (let i = 0; i < m; i++) {
    const value = x[i]!;
    if (typeof value !== 'number' || value - value !== 0) {
      throw new FeatureError(`x[${i}]`, `value ${String(value)} is not a finite number`);
    }
    out.add(i, value);
  }
  return out;
}

/** True when a reader configured for `reader` can use weights trained in `writer`'s space. */
export function isFeatureSpaceCompatible(writer: FeatureSpace, reader: FeatureSpace): boolean {
  return writer.bits === reader.bits && writer.seed === reader.seed;
}

/**
 * Bounded dictionary slot → feature name, for showing top weights by name. It keeps the first
 * name seen for each slot and stops recording once `capacity` slots are known, so memory is
 * bounded whatever the stream. Recording allocates strings, so call it on a sample of traffic,
 * not on the training hot path.
 */
export class FeatureNames {
  readonly capacity: number;
  private readonly names = new Map<number, string>();

  constructor(capacity = 100_000) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new OptionError('capacity', capacity, 'a positive integer');
    }
    this.capacity = capacity;
  }

  get size(): number {
    return this.names.size;
  }

  /** Records the display names (`name` or `name=value`) of a sample's features. */
  record(features: NamedFeatures, space: FeatureSpace): void {
    for (const name in features) {
      if (this.names.size >= this.capacity) return;
      const value = features[name];
      const display = typeof value === 'string' ? `${name}=${value}` : name;
      const slot = featureSlot(display, space);
      if (!this.names.has(slot)) this.names.set(slot, display);
    }
  }

  /** Records one name for a slot (no hashing); ignored when full or already known. */
  set(slot: number, name: string): void {
    if (this.names.size < this.capacity && !this.names.has(slot)) this.names.set(slot, name);
  }

  nameOf(slot: number): string | undefined {
    return this.names.get(slot);
  }

  /**
   * The `k` largest weights by magnitude among named slots (ties: lower slot first), e.g.
   * `names.top(slot => model.weight(slot), 10)`.
   */
  top(weightOf: (slot: number) => number, k: number): Array<{ slot: number; name: string; weight: number }> {
    const slots = new Int32Array(this.names.size);
    const weights = new Float64Array(this.names.size);
    let n = 0;
    this.names.forEach((_name, slot) => {
      const weight = weightOf(slot);
      if (weight !== 0) {
        slots[n] = slot;
        weights[n] = weight;
        n++;
      }
    });
    return this.heaviest(slots, weights, n, k);
  }

  /**
   * `top` when the weights are known already: `weights[i]` is slot `slots[i]`'s weight, and every
   * named slot whose weight is not 0 is among `slots` (say, every slot a learner was trained on,
   * with its weights, as a snapshot has them). Slots without a name are passed over.
   */
  topAt(slots: Int32Array, weights: Float64Array, k: number): Array<{ slot: number; name: string; weight: number }> {
    const named = new Int32Array(slots.length);
    const namedWeights = new Float64Array(slots.length);
    let n = 0;
    for (let i = 0; i < slots.length; i++) {
      const weight = weights[i]!;
      if (weight !== 0 && this.names.has(slots[i]!)) {
        named[n] = slots[i]!;
        namedWeights[n] = weight;
        n++;
      }
    }
    return this.heaviest(named, namedWeights, n, k);
  }

  /**
   * The first `k` of candidates `[0, n)` by |weight| descending, then slot. A trainer asks for
   * this at every snapshot, over up to `capacity` names: the candidates are in typed arrays (no
   * entry or row object per name), the k-th largest magnitude is found by selection in O(n), and
   * only the candidates at or above it are sorted and get a row. The order is total (slots are
   * distinct), so this is exactly the full sort's first k rows.
   */
  private heaviest(slots: Int32Array, weights: Float64Array, n: number, k: number): Array<{ slot: number; name: string; weight: number }> {
    const limit = Math.max(0, k);
    let kept = n;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (n > limit) {
      // Keep the candidates whose magnitude reaches the limit-th largest (ties included; the sort
      // below breaks them by slot).
      kept = 0;
      if (limit > 0) {
        const magnitudes = new Float64Array(n);
        for (let i = 0; i < n; i++) magnitudes[i] = Math.abs(weights[i]!);
        const threshold = kthLargest(magnitudes.slice(), limit);
        for (let i = 0; i < n; i++) if (magnitudes[i]! >= threshold) order[kept++] = i;
      }
    }
    const chosen = Array.from(order.subarray(0, kept));
    chosen.sort((a, b) => Math.abs(weights[b]!) - Math.abs(weights[a]!) || slots[a]! - slots[b]!);
    const rows: Array<{ slot: number; name: string; weight: number }> = [];
    for (let r = 0; r < Math.min(limit, chosen.length); r++) {
      const i = chosen[r]!;
      rows.push({ slot: slots[i]!, name: this.names.get(slots[i]!)!, weight: weights[i]! });
    }
    return rows;
  }
}

/** The `k`-th largest of `values` (1 ≤ k ≤ length), by quickselect (Hoare 1961); reorders `values`. */
function kthLargest(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target]!;
  }
  return values[target]!;
}

export { SparseVector };
