import type { Rejection } from '../dead-letters.js';
import type { DecodeResult } from '../learner.js';
import type { SourceRecord } from '../transport.js';

/**
 * One processing step of the trainer: records [start, end) of one partition's batch, moving
 * through the step operators as one value, so the per-record work is a loop inside each operator
 * rather than an Observable emission, an envelope and a bigint offset per record.
 */
export interface RecordStep {
  readonly topic: string;
  readonly partition: number;
  /** `topic/partition`. */
  readonly key: string;
  /** The whole batch; the step covers `[start, end)`. Offsets ascend within a partition. */
  readonly records: readonly SourceRecord[];
  readonly start: number;
  readonly end: number;
}

/** A step after `skipAppliedRecords`: the positions (indices into `records`) still to handle, ascending. */
export interface PendingStep extends RecordStep {
  readonly pending: Int32Array;
}

/** A step after `decodeStep`: `decoded[k]` is the result for record `pending[k]`. */
export interface DecodedStep<T> extends PendingStep {
  readonly decoded: readonly DecodeResult<T>[];
  /** How many of `decoded` are refusals. */
  readonly refused: number;
}

/** A refused record as `deadLetterStep` reports it. */
export interface StepRefusal {
  readonly record: SourceRecord;
  readonly rejection: Rejection;
}
