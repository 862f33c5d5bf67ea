/**
 * A reusable sparse vector: parallel `indices` (Int32Array) and `values` (Float64Array), the
 * first `nnz` entries in use. Arrays grow on demand and are reused after `clear()`, so the hot
 * path (hash a sample, learn, clear, repeat) allocates nothing once warmed up.
 *
 * Duplicate slots are summed: `add(slot, v)` on a slot already present adds `v` to its value.
 * So a vector never holds a slot twice, and `w·x` and the gradient `(p−y)·x` are exactly those
 * of the hashed model even when two feature names collide into one slot (the collision simply
 * becomes one feature whose value is the sum). Optimizers rely on this (AdaGrad's and FTRL's
 * per-coordinate sums of squared gradients would be wrong with a slot split in two entries).
 *
 * The duplicate check is an open-addressing table of positions, validated by a generation
 * stamp so that `clear()` is O(1): about one multiply and one or two array reads per `add`.
 */
export class SparseVector {
  /** Slot of each entry, entries `0..nnz-1` are valid. Do not write directly: use `add`. */
  indices: Int32Array;
  /** Value of each entry, parallel to `indices`. Values may be changed in place. */
  values: Float64Array;
  /** Number of entries in use. */
  nnz = 0;

  private table: Int32Array; // position of an entry, for slots whose stamp is current
  private stamps: Int32Array; // generation in which the table cell was written
  private generation = 1;
  private shift: number; // 32 - log2(table size)

  constructor(capacity = 64) {
    const cap = Math.max(4, capacity | 0);
    this.indices = new Int32Array(cap);
    this.values = new Float64Array(cap);
    const tableSize = tableSizeFor(cap);
    this.table = new Int32Array(tableSize);
    this.stamps = new Int32Array(tableSize);
    this.shift = 32 - Math.log2(tableSize);
  }

  /** Builds a vector from slot/value pairs (duplicates summed). Convenience for tests and tools. */
  static from(entries: Iterable<readonly [number, number]>): SparseVector {
    const v = new SparseVector();
    for (const [slot, value] of entries) v.add(slot, value);
    return v;
  }

  /** Removes all entries in O(1). */
  clear(): void {
    this.nnz = 0;
    this.generation++;
    if (this.generation === 0x7fffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  /** Adds `value` at `slot` (a non-negative 32-bit integer); sums into an existing entry. */
  add(slot: number, value: number): void {
    const stamps = this.stamps;
    const table = this.table;
    const mask = table.length - 1;
    const gen = this.generation;
    let h = Math.imul(slot, 0x9e3779b1) >>> this.shift;
    while (stamps[h] === gen) {
      const pos = table[h]!;
      if (this.indices[pos] === slot) {
        this.values[pos]! += value;
        return;
      }
      h = (h + 1) & mask;
    }
    let n = this.nnz;
    if (n === this.indices.length) {
      this.grow();
      this.add(slot, value);
      return;
    }
    stamps[h] = gen;
    table[h] = n;
    this.indices[n] = slot;
    this.values[n] = value;
    this.nnz = ++n;
  }

  /** Value at `slot` (0 when absent). O(1). */
  get(slot: number): number {
    const table = this.table;
    const mask = table.length - 1;
    let h = Math.imul(slot, 0x9e3779b1) >>> this.shift;
    while (this.stamps[h] === this.generation) {
      const pos = table[h]!;
      if (this.indices[pos] === slot) return this.values[pos]!;
      h = (h + 1) & mask;
    }
    return 0;
  }

  /** Copies the entries of `other` into this vector (replacing its content). */
  copyFrom(other: SparseVector): this {
    this.clear();
    for (let k = 0; k < other.nnz; k++) this.add(other.indices[k]!, other.values[k]!);
    return this;
  }

  /** Entries as `[slot, value]` pairs (allocates; for tests and debugging). */
  entries(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let k = 0; k < this.nnz; k++) out.push([this.indices[k]!, this.values[k]!]);
    return out;
  }

  private grow(): void {
    const cap = this.indices.length * 2;
    const indices = new Int32Array(cap);
    indices.set(this.indices);
    const values = new Float64Array(cap);
    values.set(this.values);
    this.indices = indices;
    this.values = values;
    const tableSize = tableSizeFor(cap);
    this.table = new Int32Array(tableSize);
    this.stamps = new Int32Array(tableSize);
    this.shift = 32 - Math.log2(tableSize);
    this.generation = 1;
    const mask = tableSize - 1;
    for (let pos = 0; pos < this.nnz; pos++) {
      let h = Math.imul(indices[pos]!, 0x9e3779b1) >>> this.shift;
      while (this.stamps[h] === 1) h = (h + 1) & mask;
      this.stamps[h] = 1;
      this.table[h] = pos;
    }
  }
}

/** Table size: a power of two at least twice the capacity (load factor ≤ 1/2). */
function tableSizeFor(capacity: number): number {
  let size = 8;
  while (size < capacity * 2) size *= 2;
  return size;
}
