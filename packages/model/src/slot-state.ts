/**
 * `exportState` restricted to chosen slots: O(slots) reads instead of one pass over all 2^bits
 * slot records per array (a 2^20-slot FTRL learner with standard scaling holds 64 MB of slot
 * records, and `exportState` reads them five times). Snapshots of a sparse model need only the
 * slots it was trained on (see encodeSnapshot's `slots`).
 *
 * It reads the learner's slot table (slot-table.ts) without knowing its layout: the layout is
 * discovered once per kind of learner on a 2-slot probe learner of the same options, whose
 * state is restored from marker values and looked up in its table and optimizer, then checked
 * against the probe's own `exportState` bit for bit. A layout this cannot discover or check
 * (say one that stores a state array transformed) gives null, and callers fall back to
 * `exportState`, so a change of layout costs speed, never correctness.
 *
 * Kept outside logistic-regression.ts on purpose (its hot loops are being rewritten
 * separately); the natural home is a `LogisticRegression.exportState({ slots })`.
 */
import { LogisticRegression, type LearnerState } from './logistic-regression.js';
import type { LearnerOptions } from './options.js';
import type { SlotTable } from './slot-table.js';

interface Layout {
  /** State array name (`optimizer.<name>` or `scaler.<name>`) → field offset in a slot record; null: an empty array. */
  readonly fields: ReadonlyArray<readonly [string, number | null]>;
  /** Optimizer scalar name → property path on the optimizer object. */
  readonly scalars: ReadonlyArray<readonly [string, readonly string[]]>;
}

interface Internals {
  readonly table: SlotTable;
  readonly optimizer: object;
}

const layouts = new Map<string, Layout | null>();

function internalsOf(learner: LogisticRegression): Internals | null {
  // Bracket access reaches the private members without widening the class's API.
  const table = learner['table'] as unknown;
  const optimizer = learner['optimizer'] as unknown;
  if (typeof table !== 'object' || table === null || typeof optimizer !== 'object' || optimizer === null) return null;
  const t = table as Partial<SlotTable>;
  if (!(t.data instanceof Float64Array) || typeof t.stride !== 'number' || typeof t.size !== 'number') return null;
  return { table: t as SlotTable, optimizer };
}

/**
 * The learner's state at `slots` only: each per-slot array holds `slots.length` values, the
 * k-th being slot `slots[k]`'s (an array that `exportState` gives empty stays empty). Null when
 * this learner's layout is not understood. O(slots), one read of each slot's record.
 */
export function exportStateAt(learner: LogisticRegression, slots: Int32Array): LearnerState | null {
  const layout = layoutFor(learner.options);
  const internals = internalsOf(learner);
  if (layout === null || internals === null) return null;
  return read(learner, internals, layout, slots);
}

function read(learner: LogisticRegression, { table, optimizer }: Internals, layout: Layout, slots: Int32Array): LearnerState | null {
  const { data, stride } = table;
  const n = slots.length;
  const fields = layout.fields.map(([, field]) => field);
  const outs = fields.map((field) => new Float64Array(field === null ? 0 : n));
  for (let k = 0; k < n; k++) {
    const b = slots[k]! * stride;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!;
      if (field !== null) outs[f]![k] = data[b + field]!;
    }
  }
  const optimizerArrays: Record<string, Float64Array> = {};
  const scaler: Record<string, Float64Array> = {};
  layout.fields.forEach(([name], f) => {
    const [part, key] = name.split('.') as [string, string];
    (part === 'optimizer' ? optimizerArrays : scaler)[key] = outs[f]!;
  });
  const scalars: Record<string, number> = {};
  for (const [name, path] of layout.scalars) {
    const value = path.reduce<unknown>((o, key) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined), optimizer);
    if (typeof value !== 'number') return null;
    scalars[name] = value;
  }
  const { count, location, spread } = scaler;
  return {
    options: learner.options,
    samplesSeen: learner.samplesSeen,
    steps: learner.steps,
    optimizer: { arrays: optimizerArrays, scalars },
    scaler: count !== undefined && location !== undefined && spread !== undefined ? { count, location, spread } : null,
  };
}

function layoutFor(options: LearnerOptions): Layout | null {
  const probeOptions: LearnerOptions = { ...options, featureSpace: { ...options.featureSpace, bits: 1 } };
  const key = JSON.stringify(probeOptions);
  let layout = layouts.get(key);
  if (layout === undefined) {
    try {
      layout = discover(probeOptions);
    } catch {
      layout = null;
    }
    layouts.set(key, layout);
  }
  return layout;
}

/**
 * Restores a 2-slot probe from a state whose slot-1 entries and scalars are distinct markers,
 * finds each marker once in slot 1's record (an array's field) or among the optimizer's numeric
 * properties (a scalar's path), then checks the result against the probe's `exportState`.
 */
function discover(options: LearnerOptions): Layout | null {
  const fresh = new LogisticRegression(options).exportState();
  const arrays: Array<[string, Float64Array]> = Object.entries(fresh.optimizer.arrays).map(([name, a]) => [`optimizer.${name}`, a]);
  if (fresh.scaler !== null) {
    arrays.push(['scaler.count', fresh.scaler.count], ['scaler.location', fresh.scaler.location], ['scaler.spread', fresh.scaler.spread]);
  }
  // Array markers are whole numbers (counts must be), scalar markers lie in (0, 1) (a scale must);
  // none is the square root or reciprocal of another, so a derived cache cannot be mistaken for one.
  const arrayMarker = (i: number): number => 1_001 + 2 * i;
  const scalarMarker = (i: number): number => 0.4375 + i / 64;
  const marked = (a: Float64Array, i: number): Float64Array => (a.length === 0 ? a : Float64Array.of(0, arrayMarker(i)));
  const markedArrays = new Map(arrays.map(([name, a], i) => [name, marked(a, i)]));
  const scalarNames = Object.keys(fresh.optimizer.scalars);
  const state: LearnerState = {
    ...fresh,
    optimizer: {
      arrays: Object.fromEntries(Object.keys(fresh.optimizer.arrays).map((n) => [n, markedArrays.get(`optimizer.${n}`)!])),
      scalars: Object.fromEntries(scalarNames.map((n, i) => [n, scalarMarker(i)])),
    },
    scaler:
      fresh.scaler === null
        ? null
        : { count: markedArrays.get('scaler.count')!, location: markedArrays.get('scaler.location')!, spread: markedArrays.get('scaler.spread')! },
  };
  const probe = LogisticRegression.fromState(state);
  const internals = internalsOf(probe);
  if (internals === null || internals.table.size !== 2) return null;
  const { data, stride } = internals.table;
  const fields: Array<[string, number | null]> = [];
  for (const [i, [name, a]] of arrays.entries()) {
    if (a.length === 0) {
      fields.push([name, null]);
      continue;
    }
    const at: number[] = [];
    for (let f = 0; f < stride; f++) if (data[stride + f] === arrayMarker(i)) at.push(f);
    if (at.length !== 1) return null;
    fields.push([name, at[0]!]);
  }
  const scalars: Array<[string, string[]]> = [];
  for (const [i, name] of scalarNames.entries()) {
    const paths = pathsOf(internals.optimizer, scalarMarker(i));
    if (paths.length !== 1) return null;
    scalars.push([name, paths[0]!]);
  }
  const layout: Layout = { fields, scalars };
  const check = read(probe, internals, layout, Int32Array.of(0, 1));
  return check !== null && sameState(check, probe.exportState()) ? layout : null;
}

/** Paths (one level of nesting) of the numeric properties of `root` equal to `value`. */
function pathsOf(root: object, value: number): string[][] {
  const found: string[][] = [];
  for (const [key, v] of Object.entries(root)) {
    if (v === value) found.push([key]);
    else if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
      for (const [inner, w] of Object.entries(v)) if (w === value) found.push([key, inner]);
    }
  }
  return found;
}

function sameState(a: LearnerState, b: LearnerState): boolean {
  const sameArray = (x: Float64Array | undefined, y: Float64Array | undefined): boolean =>
    x !== undefined && y !== undefined && x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  const keys = (o: object): string => Object.keys(o).sort().join();
  if (keys(a.optimizer.arrays) !== keys(b.optimizer.arrays) || keys(a.optimizer.scalars) !== keys(b.optimizer.scalars)) return false;
  for (const k of Object.keys(b.optimizer.arrays)) if (!sameArray(a.optimizer.arrays[k], b.optimizer.arrays[k])) return false;
  for (const k of Object.keys(b.optimizer.scalars)) if (!Object.is(a.optimizer.scalars[k], b.optimizer.scalars[k])) return false;
  if ((a.scaler === null) !== (b.scaler === null)) return false;
  if (a.scaler !== null && b.scaler !== null) {
    return sameArray(a.scaler.count, b.scaler.count) && sameArray(a.scaler.location, b.scaler.location) && sameArray(a.scaler.spread, b.scaler.spread);
  }
  return true;
}
