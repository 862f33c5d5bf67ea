/**
 * Snapshot blobs (DESIGN §5): a checkpoint (complete learner state, Float64, so training resumes
 * bit-for-bit) and a serving model (raw-space weights, centres of centred slots, bias; Float32
 * weights by default).
 *
 * Binary layout, format version 1, all integers little-endian:
 *
 *   offset  size  field
 *        0     8  magic, ASCII "STREAMLR"
 *        8     2  format version (u16) = 1
 *       10     1  kind: 1 = checkpoint, 2 = serving
 *       11     1  reserved, 0
 *       12     4  H = header length in bytes (u32), a multiple of 8
 *       16     8  total blob length in bytes (u64)
 *       24     H  header: UTF-8 JSON, padded with spaces
 *   24 + H     …  arrays, in the order of header.arrays, each starting on an 8-byte boundary:
 *                   dense:  `length` values (f64 or f32)
 *                   sparse: `nnz` slot indices (i32), padding to 8, then `nnz` values
 *   total − 4  4  CRC-32C (Castagnoli) of bytes [0, total − 4), u32
 *
 * Sparse or dense is chosen per array, whichever is smaller. Sparse encoding omits only
 * entries whose bit pattern is all zeros (+0.0), so −0 and every other value round-trip
 * exactly. Decoding checks, in order: magic (foreign), length (truncated), version, checksum
 * (corrupt), kind, header, layout; every failure is a SnapshotError naming the problem.
 */
import { SnapshotError } from './errors.js';
import { crc32c } from './crc32c.js';
import { MAX_FEATURE_BITS, isFeatureSpaceCompatible, slotCount, validateFeatureSpace, type FeatureSpace } from './features.js';
import { sigmoid } from './loss.js';
import { LogisticRegression, type LearnerState, type WeightStats } from './logistic-regression.js';
import type { Normalization } from './normalizer.js';
import { resolveLearnerOptions, type FtrlOptions, type OptimizerOptions } from './options.js';
import type { SparseVector } from './sparse-vector.js';

export const SNAPSHOT_FORMAT_VERSION = 1;
const MAGIC = [0x53, 0x54, 0x52, 0x45, 0x41, 0x4d, 0x4c, 0x52]; // "STREAMLR"
const PRELUDE_BYTES = 24;
const CHECKSUM_BYTES = 4;
const KIND_CODES = { checkpoint: 1, serving: 2 } as const;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export type SnapshotKind = 'checkpoint' | 'serving';

/** Progressive metrics at snapshot time; null where unknown (e.g. AUC with one class). */
export interface SnapshotMetrics {
  readonly logloss: number | null;
  readonly accuracy: number | null;
  readonly auc: number | null;
  readonly n: number;
}

/** What the caller says about a snapshot (the rest of the header comes from the learner). */
export interface SnapshotInfo {
  /** Model name, non-empty. */
  readonly model: string;
  /** Version number, a non-negative safe integer. */
  readonly version: number;
  /** Creation time, ms since the epoch, given by the caller (the model package has no clock). */
  readonly createdAt: number;
  /** Metrics; non-finite numbers are stored as null. Default all null, n = 0. */
  readonly metrics?: { readonly logloss?: number | null; readonly accuracy?: number | null; readonly auc?: number | null; readonly n?: number };
  /** Kafka offsets included in this model: `"topic/partition"` → next offset (decimal string). */
  readonly offsets?: Readonly<Record<string, string>>;
  /** Free-form JSON-serialisable data for callers (e.g. writer epoch). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface SnapshotHeader {
  readonly formatVersion: number;
  readonly kind: SnapshotKind;
  readonly model: string;
  readonly version: number;
  readonly createdAt: number;
  readonly featureSpace: FeatureSpace;
  /** Optimizer name and hyperparameters. */
  readonly optimizer: OptimizerOptions;
  readonly normalization: Normalization;
  readonly samplesSeen: number;
  readonly steps: number;
  readonly metrics: SnapshotMetrics;
  readonly offsets: Readonly<Record<string, string>>;
  readonly extra?: Readonly<Record<string, unknown>>;
}

type DType = 'f64' | 'f32';

interface ArrayEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly length: number;
  readonly encoding: 'dense' | 'sparse';
  /** Non-zero entries stored (sparse encoding only). */
  readonly nnz?: number;
}

interface StoredHeader extends SnapshotHeader {
  readonly arrays: readonly ArrayEntry[];
  /** Names of the values of the `optimizerScalars` array (checkpoints). */
  readonly optimizerScalars?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Encodes the complete learner state at full precision. Restoring it with `decodeCheckpoint`
 * and training on gives bit-identical weights to never having stopped.
 */
export function encodeCheckpoint(learner: LogisticRegression, info: SnapshotInfo): Uint8Array {
  return encodeCheckpointState(learner.exportState(), info, null);
}

/**
 * `compact` null: `state` holds every slot's values. Otherwise its per-slot arrays hold only the
 * values at `compact.slots` (see LogisticRegression.exportState), of arrays of `compact.size` entries.
 */
function encodeCheckpointState(state: LearnerState, info: SnapshotInfo, compact: Compact | null): Uint8Array {
  const scalarNames = Object.keys(state.optimizer.scalars).sort();
  const scalars = Float64Array.from(scalarNames, (k) => state.optimizer.scalars[k]!);
  // rms mode keeps no spread: an empty array, stored as one (a compact array is empty too when
  // no slot was trained, so emptiness is read from the mode, not from the length).
  const empty = (name: string): boolean => name === 'scaler.spread' && state.options.normalization === 'rms';
  const source = (name: string, data: Float64Array): ArraySource =>
    compact === null || empty(name) ? { name, data, slots: null } : { name, data, slots: compact.slots, length: compact.size };
  const arrays: ArraySource[] = [];
  for (const name of Object.keys(state.optimizer.arrays).sort()) arrays.push(source(`optimizer.${name}`, state.optimizer.arrays[name]!));
  if (state.scaler !== null) {
    arrays.push(source('scaler.count', state.scaler.count));
    arrays.push(source('scaler.location', state.scaler.location));
    arrays.push(source('scaler.spread', state.scaler.spread));
  }
  arrays.push({ name: 'optimizerScalars', data: scalars, slots: null });
  return encode('checkpoint', headerFor('checkpoint', state, info), arrays, { optimizerScalars: scalarNames });
}

interface Compact {
  readonly slots: Int32Array;
  readonly size: number;
}

export interface ServingEncodeOptions {
  /** Float width of the weights. Default 32. */
  readonly precision?: 32 | 64;
}

/**
 * Encodes a serving model: raw-space weights (scales folded in: w_j = w̃_j / s_j), the bias,
 * and with `standard` normalisation the centres c_j of centred (numeric) slots, so a scorer
 * computes σ(Σ w_j·(x_j − c_j) + b) over present features: plain σ(w·x + b) when no slot is
 * centred. Weights Float32 by default (centres and bias stay Float64); each array dense or
 * sparse, whichever is smaller.
 */
export function encodeServing(learner: LogisticRegression, info: SnapshotInfo, options: ServingEncodeOptions = {}): Uint8Array {
  return encodeServingOf(learner, learnerCounters(learner), info, options.precision ?? 32, null);
}

function encodeServingOf(learner: LogisticRegression, counters: LearnerCounters, info: SnapshotInfo, precision: 32 | 64, slots: Int32Array | null): Uint8Array {
  if (precision !== 32 && precision !== 64) {
    throw new SnapshotError('incompatible', `precision must be 32 or 64, got ${String(precision)}`);
  }
  if (slots === null) {
    const raw = learner.rawWeights();
    const centers = learner.centers();
    const arrays: ArraySource[] = [
      { name: 'weights', data: precision === 32 ? toFloat32(raw) : raw, slots: null },
      { name: 'bias', data: Float64Array.of(learner.bias), slots: null },
    ];
    if (centers !== null) arrays.push({ name: 'centers', data: centers, slots: null });
    return encode('serving', headerFor('serving', counters, info), arrays, {});
  }
  // Values at `slots` only: every other slot was never trained, its weight and centre are 0.
  const size = learner.slots;
  const raw = learner.weightsAt(slots);
  const arrays: ArraySource[] = [
    { name: 'weights', data: precision === 32 ? toFloat32(raw) : raw, slots, length: size },
    { name: 'bias', data: Float64Array.of(learner.bias), slots: null },
  ];
  if (learner.options.normalization === 'standard') {
    arrays.push({ name: 'centers', data: learner.centersAt(slots), slots, length: size });
  }
  return encode('serving', headerFor('serving', counters, info), arrays, {});
}

/** What both blobs of one version are: the same learner state at the same moment. */
export interface SnapshotBlobPair {
  readonly checkpoint: Uint8Array;
  readonly serving: Uint8Array;
}

export interface SnapshotEncodeOptions extends ServingEncodeOptions {
  /**
   * The slots whose state may be non-zero, ascending and distinct: e.g. every slot of every
   * vector the learner was trained on (a learner changes only the slots of the vectors it learns,
   * and a fresh slot's state is all +0). Encoding then looks at these slots only, instead of all
   * 2^bits. A slot left out whose state is not +0 would be written as 0: the caller guarantees
   * the list is complete. Default: look at every slot.
   */
  readonly slots?: Int32Array;
}

/**
 * Both blobs of a version, `encodeCheckpoint` and `encodeServing` byte for byte, from one export
 * of the learner state (each of those exports it on its own). With `slots`, the cost is
 * O(slots) (the state is read at those slots only, see LogisticRegression.exportState) instead of O(2^bits).
 */
export function encodeSnapshot(learner: LogisticRegression, info: SnapshotInfo, options: SnapshotEncodeOptions = {}): SnapshotBlobPair {
  const slots = options.slots ?? null;
  if (slots === null) {
    const state = learner.exportState();
    return { checkpoint: encodeCheckpointState(state, info, null), serving: encodeServingOf(learner, state, info, options.precision ?? 32, null) };
  }
  const state = learner.exportState({ slots });
  const compact: Compact = { slots, size: learner.slots };
  return {
    checkpoint: encodeCheckpointState(state, info, compact),
    serving: encodeServingOf(learner, state, info, options.precision ?? 32, slots),
  };
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** Rounds to Float32, saturating at ±FLOAT32_MAX instead of overflowing to ±Infinity. */
function toFloat32(raw: Float64Array): Float32Array {
  const out = new Float32Array(raw.length);
  for (let j = 0; j < raw.length; j++) {
    const w = raw[j]!;
    out[j] = w > FLOAT32_MAX ? FLOAT32_MAX : w < -FLOAT32_MAX ? -FLOAT32_MAX : w;
  }
  return out;
}

/** The learner-wide part of a header: options and counters (no per-slot state). */
type LearnerCounters = Pick<LearnerState, 'options' | 'samplesSeen' | 'steps'>;

function learnerCounters(learner: LogisticRegression): LearnerCounters {
  return { options: learner.options, samplesSeen: learner.samplesSeen, steps: learner.steps };
}

function headerFor(kind: SnapshotKind, state: LearnerCounters, info: SnapshotInfo): SnapshotHeader {
  validateInfo(info);
  const m = info.metrics ?? {};
  const header: SnapshotHeader = {
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    kind,
    model: info.model,
    version: info.version,
    createdAt: info.createdAt,
    featureSpace: state.options.featureSpace,
    optimizer: state.options.optimizer,
    normalization: state.options.normalization,
    samplesSeen: state.samplesSeen,
    steps: state.steps,
    metrics: { logloss: finiteOrNull(m.logloss), accuracy: finiteOrNull(m.accuracy), auc: finiteOrNull(m.auc), n: m.n ?? 0 },
    offsets: { ...(info.offsets ?? {}) },
    ...(info.extra === undefined ? {} : { extra: info.extra }),
  };
  return header;
}

function validateInfo(info: SnapshotInfo): void {
  const bad = (field: string, value: unknown, expected: string): never => {
    throw new SnapshotError('incompatible', `header ${field} ${JSON.stringify(value) ?? String(value)} is invalid (expected ${expected})`);
  };
  if (typeof info !== 'object' || info === null) bad('info', info, 'an object');
  if (typeof info.model !== 'string' || info.model.length === 0) bad('model', info.model, 'a non-empty string');
  if (!Number.isSafeInteger(info.version) || info.version < 0) bad('version', info.version, 'a non-negative integer');
  if (typeof info.createdAt !== 'number' || !Number.isFinite(info.createdAt) || info.createdAt < 0) {
    bad('createdAt', info.createdAt, 'milliseconds since the epoch');
  }
  const n = info.metrics?.n;
  if (n !== undefined && (!Number.isSafeInteger(n) || n < 0)) bad('metrics.n', n, 'a non-negative integer');
  for (const [key, value] of Object.entries(info.offsets ?? {})) {
    if (!/^.+\/\d+$/.test(key)) bad(`offsets key`, key, '"topic/partition"');
    if (typeof value !== 'string' || !/^\d+$/.test(value)) bad(`offsets["${key}"]`, value, 'a decimal string');
  }
}

function finiteOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * One array to write: `data` holds all its values (`slots` null), or only the values at `slots`
 * (ascending; `data[k]` is the entry at `slots[k]`, every other entry is +0) of an array of
 * `length` entries.
 */
type ArraySource =
  | { readonly name: string; readonly data: Float64Array | Float32Array; readonly slots: null }
  | { readonly name: string; readonly data: Float64Array | Float32Array; readonly slots: Int32Array; readonly length: number };

interface ArrayPlan {
  readonly entry: ArrayEntry;
  /** Dense: every value. Sparse: the values at `indices`. */
  readonly values: Float64Array | Float32Array;
  readonly indices: Int32Array | null;
}

/** Dense or sparse, whichever is smaller (sparse leaves out entries whose bits are all zero). */
function planArray(source: ArraySource): ArrayPlan {
  const { name, data } = source;
  const dtype: DType = data instanceof Float64Array ? 'f64' : 'f32';
  const width = dtype === 'f64' ? 8 : 4;
  const length = source.slots === null ? data.length : source.length;
  const positions = source.slots === null ? null : nonzeroPositions(data);
  const nnz = positions === null ? countNonzeroBits(data) : positions.length;
  if (align8(nnz * 4) + nnz * width < length * width) {
    const entry: ArrayEntry = { name, dtype, length, encoding: 'sparse', nnz };
    if (source.slots === null || positions === null) {
      const indices = nonzeroSlots(data, nnz);
      return { entry, indices, values: gather(data, indices) };
    }
    return { entry, indices: gather32(source.slots, positions), values: gather(data, positions) };
  }
  const entry: ArrayEntry = { name, dtype, length, encoding: 'dense' };
  if (source.slots === null) return { entry, indices: null, values: data };
  const dense = dtype === 'f64' ? new Float64Array(length) : new Float32Array(length);
  for (let k = 0; k < source.slots.length; k++) dense[source.slots[k]!] = data[k]!;
  return { entry, indices: null, values: dense };
}

function encode(
  kind: SnapshotKind,
  header: SnapshotHeader,
  arrays: readonly ArraySource[],
  more: { optimizerScalars?: readonly string[] },
): Uint8Array {
  const plans = arrays.map(planArray);
  const entries = plans.map((p) => p.entry);
  const stored: StoredHeader = { ...header, arrays: entries, ...(more.optimizerScalars ? { optimizerScalars: more.optimizerScalars } : {}) };
  const json = new TextEncoder().encode(JSON.stringify({ ...stored, optimizer: writtenOptimizer(header.optimizer) }));
  const headerBytes = align8(json.length);
  let total = PRELUDE_BYTES + headerBytes;
  for (const { entry } of plans) total += arrayBytes(entry);
  total += CHECKSUM_BYTES;

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(8, SNAPSHOT_FORMAT_VERSION, true);
  view.setUint8(10, KIND_CODES[kind]);
  view.setUint8(11, 0);
  view.setUint32(12, headerBytes, true);
  view.setUint32(16, total % 2 ** 32, true);
  view.setUint32(20, Math.floor(total / 2 ** 32), true);
  out.set(json, PRELUDE_BYTES);
  out.fill(0x20, PRELUDE_BYTES + json.length, PRELUDE_BYTES + headerBytes);
  let offset = PRELUDE_BYTES + headerBytes;
  for (const { entry, values, indices } of plans) {
    if (indices === null) {
      writeValues(view, offset, values);
    } else {
      writeIndices(view, offset, indices);
      writeValues(view, offset + align8(indices.length * 4), values);
    }
    offset += arrayBytes(entry);
  }
  view.setUint32(total - CHECKSUM_BYTES, crc32c(out.subarray(0, total - CHECKSUM_BYTES)), true);
  return out;
}

function arrayBytes(e: ArrayEntry): number {
  const width = e.dtype === 'f64' ? 8 : 4;
  if (e.encoding === 'dense') return align8(e.length * width);
  const nnz = e.nnz ?? 0;
  return align8(nnz * 4) + align8(nnz * width);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Entries whose bit pattern is not all zeros (so −0 counts as non-zero). */
function countNonzeroBits(data: Float64Array | Float32Array): number {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  let count = 0;
  if (data instanceof Float64Array) {
    for (let i = 0; i < data.length; i++) if ((words[2 * i]! | words[2 * i + 1]!) !== 0) count++;
  } else {
    for (let i = 0; i < data.length; i++) if (words[i] !== 0) count++;
  }
  return count;
}

/** Positions of the entries whose bit pattern is not all zeros (so −0 counts as non-zero). */
function nonzeroPositions(data: Float64Array | Float32Array): Int32Array {
  return nonzeroSlots(data, countNonzeroBits(data));
}

function gather(data: Float64Array | Float32Array, at: Int32Array): Float64Array | Float32Array {
  const out = data instanceof Float64Array ? new Float64Array(at.length) : new Float32Array(at.length);
  for (let k = 0; k < at.length; k++) out[k] = data[at[k]!]!;
  return out;
}

function gather32(data: Int32Array, at: Int32Array): Int32Array {
  const out = new Int32Array(at.length);
  for (let k = 0; k < at.length; k++) out[k] = data[at[k]!]!;
  return out;
}

function nonzeroSlots(data: Float64Array | Float32Array, count: number): Int32Array {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  const out = new Int32Array(count);
  let k = 0;
  if (data instanceof Float64Array) {
    for (let i = 0; i < data.length; i++) if ((words[2 * i]! | words[2 * i + 1]!) !== 0) out[k++] = i;
  } else {
    for (let i = 0; i < data.length; i++) if (words[i] !== 0) out[k++] = i;
  }
  return out;
}

function writeValues(view: DataView, offset: number, data: Float64Array | Float32Array): void {
  if (LITTLE_ENDIAN) {
    new Uint8Array(view.buffer, offset, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return;
  }
  const width = data instanceof Float64Array ? 8 : 4;
  for (let i = 0; i < data.length; i++) {
    if (width === 8) view.setFloat64(offset + 8 * i, data[i]!, true);
    else view.setFloat32(offset + 4 * i, data[i]!, true);
  }
}

function writeIndices(view: DataView, offset: number, indices: Int32Array): void {
  for (let k = 0; k < indices.length; k++) view.setInt32(offset + 4 * k, indices[k]!, true);
}

// ---------------------------------------------------------------------------------------------
// Decoding

interface Parsed {
  readonly header: StoredHeader;
  readonly arrays: Map<string, Float64Array | Float32Array>;
}

/** Decodes a checkpoint into its header and a learner that continues exactly where it stopped. */
export function decodeCheckpoint(bytes: Uint8Array): { header: SnapshotHeader; learner: LogisticRegression } {
  const { header, arrays } = parse(bytes, 'checkpoint');
  let options;
  try {
    options = resolveLearnerOptions({ featureSpace: header.featureSpace, optimizer: storedOptimizer(header.optimizer), normalization: header.normalization });
  } catch (cause) {
    throw new SnapshotError('incompatible', `checkpoint options cannot be used: ${(cause as Error).message}`, { cause });
  }
  const scalarNames = header.optimizerScalars ?? [];
  const scalarValues = arrays.get('optimizerScalars');
  if (!(scalarValues instanceof Float64Array) || scalarValues.length !== scalarNames.length) {
    throw new SnapshotError('corrupt', 'checkpoint optimizer scalars do not match their names');
  }
  const scalars: Record<string, number> = {};
  scalarNames.forEach((name, i) => (scalars[name] = scalarValues[i]!));
  const optimizerArrays: Record<string, Float64Array> = {};
  for (const [name, data] of arrays) {
    if (name.startsWith('optimizer.') && data instanceof Float64Array) optimizerArrays[name.slice('optimizer.'.length)] = data;
  }
  const count = arrays.get('scaler.count');
  const location = arrays.get('scaler.location');
  const spread = arrays.get('scaler.spread');
  const state: LearnerState = {
    options,
    samplesSeen: header.samplesSeen,
    steps: header.steps,
    optimizer: { arrays: optimizerArrays, scalars },
    scaler:
      count instanceof Float64Array && location instanceof Float64Array && spread instanceof Float64Array ? { count, location, spread } : null,
  };
  try {
    return { header: publicHeader(header), learner: LogisticRegression.fromState(state) };
  } catch (cause) {
    throw new SnapshotError('corrupt', `checkpoint state is inconsistent: ${(cause as Error).message}`, { cause });
  }
}

/** Decodes a serving model. */
export function decodeServing(bytes: Uint8Array): { header: SnapshotHeader; model: ServingModel } {
  const { header, arrays } = parse(bytes, 'serving');
  const weights = arrays.get('weights');
  const bias = arrays.get('bias');
  if (weights === undefined || weights.length !== slotCount(header.featureSpace)) {
    throw new SnapshotError('corrupt', `serving weights must have 2^${header.featureSpace.bits} values`);
  }
  if (!(bias instanceof Float64Array) || bias.length !== 1) throw new SnapshotError('corrupt', 'serving bias missing');
  const centers = arrays.get('centers');
  if (centers !== undefined && !(centers instanceof Float64Array && centers.length === weights.length)) {
    throw new SnapshotError('corrupt', 'serving centres must be 2^bits Float64 values');
  }
  return { header: publicHeader(header), model: new ServingModel(header.featureSpace, weights, bias[0]!, centers ?? null) };
}

/** Verifies a blob (magic, length, version, checksum) and returns its header without arrays. */
export function inspectSnapshot(bytes: Uint8Array): SnapshotHeader {
  return publicHeader(parse(bytes, null).header);
}

/** Throws SnapshotError('incompatible') unless a reader hashing into `reader` can use the snapshot. */
export function assertFeatureSpaceCompatible(snapshot: FeatureSpace, reader: FeatureSpace): void {
  if (!isFeatureSpaceCompatible(snapshot, reader)) {
    throw new SnapshotError(
      'incompatible',
      `feature space bits=${snapshot.bits} seed=${snapshot.seed} differs from the reader's bits=${reader.bits} seed=${reader.seed}`,
    );
  }
}

function publicHeader(h: StoredHeader): SnapshotHeader {
  const { arrays: _arrays, optimizerScalars: _scalars, ...rest } = h;
  return { ...rest, optimizer: storedOptimizer(rest.optimizer) };
}

function parse(bytes: Uint8Array, expected: SnapshotKind | null): Parsed {
  if (!(bytes instanceof Uint8Array)) throw new SnapshotError('foreign', `expected bytes, got ${typeof bytes}`);
  const n = bytes.length;
  for (let i = 0; i < Math.min(n, MAGIC.length); i++) {
    if (bytes[i] !== MAGIC[i]) throw new SnapshotError('foreign', 'magic bytes are not "STREAMLR": not a streamlr snapshot');
  }
  if (n < PRELUDE_BYTES + CHECKSUM_BYTES) throw new SnapshotError('truncated', `only ${n} bytes, shorter than the ${PRELUDE_BYTES}-byte prelude`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(8, true);
  const total = view.getUint32(16, true) + view.getUint32(20, true) * 2 ** 32;
  if (n < total) throw new SnapshotError('truncated', `expected ${total} bytes, got ${n}`);
  if (n > total) throw new SnapshotError('corrupt', `expected ${total} bytes, got ${n} (trailing data)`);
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotError('unsupported-version', `format version ${version}, this reader supports ${SNAPSHOT_FORMAT_VERSION}`);
  }
  const storedCrc = view.getUint32(total - CHECKSUM_BYTES, true);
  const actualCrc = crc32c(bytes.subarray(0, total - CHECKSUM_BYTES));
  if (storedCrc !== actualCrc) {
    throw new SnapshotError('corrupt', `CRC-32C mismatch (stored ${hex(storedCrc)}, computed ${hex(actualCrc)})`);
  }
  const kindCode = view.getUint8(10);
  const kind: SnapshotKind | undefined = kindCode === 1 ? 'checkpoint' : kindCode === 2 ? 'serving' : undefined;
  if (kind === undefined) throw new SnapshotError('corrupt', `unknown kind code ${kindCode}`);
  if (expected !== null && kind !== expected) throw new SnapshotError('wrong-kind', `this is a ${kind} blob, expected a ${expected}`);
  const headerBytes = view.getUint32(12, true);
  if (PRELUDE_BYTES + headerBytes > total - CHECKSUM_BYTES) throw new SnapshotError('corrupt', `header length ${headerBytes} exceeds the blob`);
  let header: StoredHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PRELUDE_BYTES, PRELUDE_BYTES + headerBytes))) as StoredHeader;
  } catch (cause) {
    throw new SnapshotError('corrupt', 'header is not valid UTF-8 JSON', { cause });
  }
  checkHeader(header, kind);
  const arrays = new Map<string, Float64Array | Float32Array>();
  let offset = PRELUDE_BYTES + headerBytes;
  for (const entry of header.arrays) {
    const size = arrayBytes(entry);
    if (offset + size > total - CHECKSUM_BYTES) throw new SnapshotError('corrupt', `array ${entry.name} runs past the end of the blob`);
    arrays.set(entry.name, readArray(bytes, view, offset, entry));
    offset += size;
  }
  if (offset !== total - CHECKSUM_BYTES) throw new SnapshotError('corrupt', `arrays end at ${offset}, checksum at ${total - CHECKSUM_BYTES}`);
  return { header, arrays };
}

function checkHeader(h: StoredHeader, kind: SnapshotKind): void {
  const fail = (what: string): never => {
    throw new SnapshotError('corrupt', `header ${what}`);
  };
  if (typeof h !== 'object' || h === null) fail('is not an object');
  if (h.kind !== kind) fail(`kind ${String(h.kind)} disagrees with the prelude (${kind})`);
  if (h.formatVersion !== SNAPSHOT_FORMAT_VERSION) fail(`formatVersion ${String(h.formatVersion)} disagrees with the prelude`);
  if (typeof h.model !== 'string') fail('model is missing');
  if (!Number.isSafeInteger(h.version)) fail('version is missing');
  if (typeof h.createdAt !== 'number') fail('createdAt is missing');
  if (!Number.isSafeInteger(h.samplesSeen) || !Number.isSafeInteger(h.steps)) fail('counters are missing');
  if (typeof h.offsets !== 'object' || h.offsets === null) fail('offsets are missing');
  if (typeof h.metrics !== 'object' || h.metrics === null) fail('metrics are missing');
  if (!Array.isArray(h.arrays)) fail('arrays are missing');
  try {
    validateFeatureSpace(h.featureSpace);
  } catch (cause) {
    throw new SnapshotError('incompatible', `feature space cannot be read (bits ≤ ${MAX_FEATURE_BITS}): ${(cause as Error).message}`, { cause });
  }
  for (const e of h.arrays) {
    if (typeof e.name !== 'string' || (e.dtype !== 'f64' && e.dtype !== 'f32') || !Number.isSafeInteger(e.length) || e.length < 0) {
      fail(`array entry ${JSON.stringify(e)} is malformed`);
    }
    if (e.encoding === 'sparse') {
      if (!Number.isSafeInteger(e.nnz) || (e.nnz as number) < 0 || (e.nnz as number) > e.length) fail(`array ${e.name} has a bad nnz`);
    } else if (e.encoding !== 'dense') {
      fail(`array ${e.name} has unknown encoding ${String(e.encoding)}`);
    }
  }
}

function readArray(bytes: Uint8Array, view: DataView, offset: number, e: ArrayEntry): Float64Array | Float32Array {
  const width = e.dtype === 'f64' ? 8 : 4;
  const out = e.dtype === 'f64' ? new Float64Array(e.length) : new Float32Array(e.length);
  if (e.encoding === 'dense') {
    if (LITTLE_ENDIAN) {
      new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + e.length * width));
    } else {
      for (let i = 0; i < e.length; i++) out[i] = width === 8 ? view.getFloat64(offset + 8 * i, true) : view.getFloat32(offset + 4 * i, true);
    }
    return out;
  }
  const nnz = e.nnz ?? 0;
  const valuesAt = offset + align8(nnz * 4);
  let previous = -1;
  for (let k = 0; k < nnz; k++) {
    const slot = view.getInt32(offset + 4 * k, true);
    if (slot <= previous || slot >= e.length) throw new SnapshotError('corrupt', `array ${e.name}: slot ${slot} out of order or range`);
    previous = slot;
    out[slot] = width === 8 ? view.getFloat64(valuesAt + 8 * k, true) : view.getFloat32(valuesAt + 4 * k, true);
  }
  return out;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Serving model

/**
 * What scorers load: raw-space weights, optional centres and the bias:
 * `predictProba(x) = σ(Σ_k w[i_k]·(x_k − c[i_k]) + b)` (plain σ(w·x + b) without centres),
 * summed in entry order with the bias last, exactly as the learner does, so a Float64 serving
 * model reproduces the learner's predictions bit for bit.
 */
export class ServingModel {
  readonly featureSpace: FeatureSpace;
  /** Dense raw-space weights, 2^bits entries. */
  readonly weights: Float32Array | Float64Array;
  /** Centre of each slot (0 for uncentred slots), or null when no slot is centred. */
  readonly centers: Float64Array | null;
  readonly bias: number;

  constructor(featureSpace: FeatureSpace, weights: Float32Array | Float64Array, bias: number, centers: Float64Array | null = null) {
    this.featureSpace = validateFeatureSpace(featureSpace);
    const m = slotCount(this.featureSpace);
    if (weights.length !== m) throw new RangeError(`serving weights: expected ${m} values, got ${weights.length}`);
    if (centers !== null && centers.length !== m) throw new RangeError(`serving centres: expected ${m} values, got ${centers.length}`);
    this.weights = weights;
    this.centers = centers;
    this.bias = bias;
  }

  /** Builds a serving model straight from a learner (Float64 weights unless precision 32). */
  static fromLearner(learner: LogisticRegression, precision: 32 | 64 = 64): ServingModel {
    const raw = learner.rawWeights();
    return new ServingModel(learner.options.featureSpace, precision === 32 ? toFloat32(raw) : raw, learner.bias, learner.centers());
  }

  get precision(): 32 | 64 {
    return this.weights instanceof Float32Array ? 32 : 64;
  }

  margin(x: SparseVector): number {
    const w = this.weights;
    const c = this.centers;
    const indices = x.indices;
    const values = x.values;
    let z = 0;
    if (c === null) {
      for (let k = 0, nnz = x.nnz; k < nnz; k++) z += w[indices[k]!]! * values[k]!;
    } else {
      for (let k = 0, nnz = x.nnz; k < nnz; k++) {
        const j = indices[k]!;
        z += w[j]! * (values[k]! - c[j]!);
      }
    }
    return z + this.bias;
  }

  predictProba(x: SparseVector): number {
    return sigmoid(this.margin(x));
  }

  weight(slot: number): number {
    return this.weights[slot] ?? 0;
  }

  weightStats(): WeightStats {
    let nonzero = 0;
    let l1 = 0;
    let l2 = 0;
    const w = this.weights;
    for (let j = 0; j < w.length; j++) {
      const v = w[j]!;
      if (v !== 0) {
        nonzero++;
        l1 += Math.abs(v);
        l2 += v * v;
      }
    }
    return { nonzero, slots: w.length, sparsity: 1 - nonzero / w.length, l1Norm: l1, l2Norm: Math.sqrt(l2) };
  }
}

/**
 * A header's optimizer options as written: an FTRL header without `widthExponent` was written
 * before the option existed (plain FTRL), so it reads as 0, not as today's default; likewise
 * `adaptiveL1`.
 */
function storedOptimizer(optimizer: OptimizerOptions): OptimizerOptions {
  if (typeof optimizer !== 'object' || optimizer === null || optimizer.name !== 'ftrl') return optimizer;
  if ('widthExponent' in optimizer && 'adaptiveL1' in optimizer) return optimizer;
  const stored = optimizer as Partial<FtrlOptions>;
  return { ...(optimizer as FtrlOptions), widthExponent: stored.widthExponent ?? 0, adaptiveL1: stored.adaptiveL1 ?? 0 };
}

/**
 * The optimizer options a header stores: FTRL's `widthExponent` and `adaptiveL1` only when they are
 * not 0, so that plain FTRL writes the same header as before the options existed (and
 * `storedOptimizer` reads their absence back as 0).
 */
function writtenOptimizer(optimizer: OptimizerOptions): OptimizerOptions | Partial<FtrlOptions> {
  if (optimizer.name !== 'ftrl') return optimizer;
  const { widthExponent, adaptiveL1, ...rest } = optimizer;
  return { ...rest, ...(widthExponent === 0 ? {} : { widthExponent }), ...(adaptiveL1 === 0 ? {} : { adaptiveL1 }) };
}
