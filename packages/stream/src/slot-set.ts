import type { LogisticRegression } from '@streamlr/model';

/**
 * A set of weight slots with O(1) insertion and membership (a bit per slot: 128 KiB for 2^20
 * slots, so the lookups of a sample's slots mostly hit the cache next to the model's own table)
 * that remembers its members in insertion order, so listing them costs O(members), not O(2^bits).
 *
 * The trainer keeps the slots its learner was trained on: a learner changes only the slots of
 * the vectors it learns (DESIGN §3, O(nnz(x)) updates) and a fresh slot's state is all zeros, so
 * these are the only slots a snapshot has to look at (encodeSnapshot's `slots`).
 */
export class SlotSet {
  private readonly member: Uint32Array;
  private list: Int32Array;
  private count = 0;

  constructor(readonly slots: number) {
    this.member = new Uint32Array(Math.ceil(slots / 32));
    this.list = new Int32Array(Math.min(slots, 1024));
  }

  get size(): number {
    return this.count;
  }

  has(slot: number): boolean {
    return (this.member[slot >>> 5]! & (1 << (slot & 31))) !== 0;
  }

  add(slot: number): void {
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    if ((this.member[word]! & bit) !== 0) return;
    this.member[word]! |= bit;
    if (this.count === this.list.length) {
      const grown = new Int32Array(Math.min(this.slots, this.list.length * 2));
      grown.set(this.list);
      this.list = grown;
    }
    this.list[this.count++] = slot;
  }

  /** Adds `indices[0..n)`; true when any of them was new. */
  addAll(indices: Int32Array, n: number): boolean {
    const before = this.count;
    const member = this.member;
    for (let k = 0; k < n; k++) {
      const slot = indices[k]!;
      if ((member[slot >>> 5]! & (1 << (slot & 31))) === 0) this.add(slot);
    }
    return this.count !== before;
  }

  /** True when every one of `indices[0..n)` is a member. */
  hasAll(indices: Int32Array, n: number): boolean {
    const member = this.member;
    for (let k = 0; k < n; k++) {
      const slot = indices[k]!;
      if ((member[slot >>> 5]! & (1 << (slot & 31))) === 0) return false;
    }
    return true;
  }

  /** The members in insertion order (a view, valid until the next add). O(1). */
  members(): Int32Array {
    return this.list.subarray(0, this.count);
  }

  /** The members, ascending (a new array). O(size·log size). */
  sorted(): Int32Array {
    return this.list.slice(0, this.count).sort();
  }

  /**
   * The slots whose state in `learner` is not all zeros: what a learner restored from a
   * checkpoint was trained on. O(2^bits), once per restore.
   */
  static trainedSlotsOf(learner: LogisticRegression): SlotSet {
    const set = new SlotSet(learner.slots);
    const state = learner.exportState();
    const arrays = [...Object.values(state.optimizer.arrays)];
    if (state.scaler !== null) arrays.push(state.scaler.count, state.scaler.location, state.scaler.spread);
    for (const data of arrays) {
      for (let j = 0; j < data.length; j++) {
        // Object.is: −0 is state too (the encoder keeps every value whose bits are not all zero).
        if (!Object.is(data[j], 0)) set.add(j);
      }
    }
    return set;
  }
}
