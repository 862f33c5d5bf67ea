import { CorruptPartitionStateError } from './partition-errors.js';
import { PARTITION_FIELDS, SUMMARY_FIELDS } from './partition-keys.js';
import type { PartitionSummary, PartitionWriteRequest, StoredPartitionState } from './partition-types.js';
import { blobMismatch } from './record.js';

/** The summary fields of a write (field → value), identical in Redis and in memory. */
export function encodePartitionFields(request: PartitionWriteRequest, sha256: string): Record<(typeof SUMMARY_FIELDS)[number], string> {
  return {
    base: request.base === null ? '' : String(request.base),
    offset: request.offset,
    samples: String(request.samples),
    fence: String(request.fence),
    seq: '0',
    owner: request.owner,
    writtenAt: String(request.writtenAt),
    bytes: String(request.checkpoint.byteLength),
    sha256,
    deadLettered: request.deadLettered,
  };
}

const DECIMAL = /^\d+$/;

/** Parses the summary fields (in SUMMARY_FIELDS order); null when no state is stored. */
export function decodePartitionSummary(model: string, partition: string, values: readonly (string | null | undefined)[]): PartitionSummary | null {
  if (values.every((v) => v === null || v === undefined)) return null;
  const field = (i: number): string => {
    const v = values[i];
    if (typeof v !== 'string') throw new CorruptPartitionStateError(model, partition, `field ${SUMMARY_FIELDS[i]} missing`);
    return v;
  };
  const integer = (i: number): number => {
    const v = field(i);
    if (!DECIMAL.test(v) || !Number.isSafeInteger(Number(v))) throw new CorruptPartitionStateError(model, partition, `field ${SUMMARY_FIELDS[i]} is ${JSON.stringify(v)}`);
    return Number(v);
  };
  const decimal = (i: number): string => {
    const v = field(i);
    if (!DECIMAL.test(v)) throw new CorruptPartitionStateError(model, partition, `field ${SUMMARY_FIELDS[i]} is ${JSON.stringify(v)}`);
    return v;
  };
  const base = field(0);
  const offset = field(1);
  if (!DECIMAL.test(offset)) throw new CorruptPartitionStateError(model, partition, `offset ${JSON.stringify(offset)}`);
  if (base !== '' && !DECIMAL.test(base)) throw new CorruptPartitionStateError(model, partition, `base ${JSON.stringify(base)}`);
  return {
    model,
    partition,
    base: base === '' ? null : Number(base),
    offset,
    samples: integer(2),
    fence: integer(3),
    seq: integer(4),
    owner: field(5),
    writtenAt: integer(6),
    bytes: integer(7),
    sha256: field(8),
    deadLettered: decimal(9),
  };
}

/** The state with its checkpoint, after checking the checkpoint against the recorded size and SHA-256. */
export function verifiedPartitionState(summary: PartitionSummary, checkpoint: Buffer | null): StoredPartitionState {
  const { model, partition } = summary;
  if (checkpoint === null) throw new CorruptPartitionStateError(model, partition, `field ${PARTITION_FIELDS.checkpoint} missing`);
  const mismatch = blobMismatch(checkpoint, { bytes: summary.bytes, sha256: summary.sha256 });
  if (mismatch !== null) throw new CorruptPartitionStateError(model, partition, `checkpoint ${mismatch}`);
  return { ...summary, checkpoint };
}
