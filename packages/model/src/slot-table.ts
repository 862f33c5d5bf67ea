/**
 * Per-slot state lives in ONE interleaved Float64Array: slot j's fields are at
 * `table[j·stride + offset + f]`, the optimizer's fields first, then the scaler's (as Vowpal
 * Wabbit strides its weight vector). A feature update then touches one or two cache lines
 * instead of one per array: with millions of slots hit at random this is the difference
 * between memory-bound and compute-bound (measured 2–3× on the core benchmark).
 *
 * Snapshots never see this layout: components export and import plain per-field arrays.
 */
export interface SlotTable {
  readonly data: Float64Array;
  /** Doubles per slot. */
  readonly stride: number;
  /** Number of slots. */
  readonly size: number;
}

export function createSlotTable(size: number, stride: number): SlotTable {
  return { data: new Float64Array(size * stride), stride, size };
}

/** Copies field `offset` of every slot out into a plain array. O(m). */
export function readField(table: SlotTable, offset: number): Float64Array {
  const { data, stride, size } = table;
  const out = new Float64Array(size);
  for (let j = 0, b = offset; j < size; j++, b += stride) out[j] = data[b]!;
  return out;
}

/** Writes a plain array into field `offset` of every slot. O(m). */
export function writeField(table: SlotTable, offset: number, values: Float64Array | undefined, name: string): void {
  const { data, stride, size } = table;
  if (values === undefined || values.length !== size) {
    throw new RangeError(`state array ${name}: expected ${size} values, got ${values?.length ?? 'none'}`);
  }
  for (let j = 0, b = offset; j < size; j++, b += stride) data[b] = values[j]!;
}

/**
 * Copies field `offset` of the given slots out into a plain array (the k-th value is slot
 * `slots[k]`'s), or of every slot when `slots` is null (`readField`). O(slots).
 */
export function readFieldAt(table: SlotTable, offset: number, slots: Int32Array | null): Float64Array {
  if (slots === null) return readField(table, offset);
  const { data, stride, size } = table;
  const out = new Float64Array(slots.length);
  for (let k = 0; k < slots.length; k++) {
    const j = slots[k]!;
    if (!(j >= 0 && j < size)) throw new RangeError(`slot ${j} at position ${k}: expected an integer in [0, ${size})`);
    out[k] = data[j * stride + offset]!;
  }
  return out;
}
