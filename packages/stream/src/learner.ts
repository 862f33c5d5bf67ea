import type { Rejection } from './dead-letters.js';

/** What decoding a record gives: a value, or a refusal naming the reason (for the DLQ). */
export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Rejection };

/** Progressive-validation figures (predict before learn) over the learner's window. */
export interface ProgressiveFigures {
  readonly logloss: number;
  readonly accuracy: number;
  readonly auc: number;
  readonly n: number;
}

export interface WeightFigures {
  readonly nonzero: number;
  readonly slots: number;
  readonly sparsity: number;
}

/** What a snapshot header carries besides the learner's own state (DESIGN section 5). */
export interface SnapshotContext {
  readonly model: string;
  readonly version: number;
  readonly createdAt: number;
  /** `topic/partition` → next offset, the learner's position. */
  readonly offsets: Readonly<Record<string, string>>;
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface SnapshotBlobs {
  readonly checkpoint: Uint8Array;
  readonly serving: Uint8Array;
}

export interface RestoredState {
  readonly offsets: Readonly<Record<string, string>>;
  readonly samplesSeen: number;
}

/**
 * What the training pipeline needs of a learner: decode a record, learn one sample, snapshot and
 * restore its whole state. Logistic regression implements it over @streamlr/model; the fault
 * suite's counting oracle implements it too, so both run the same pipeline, snapshot and offset path.
 */
export interface StreamLearner<S> {
  decode(bytes: Buffer | null): DecodeResult<S>;
  /** One update; progressive metrics are taken before it. */
  learn(sample: S): void;
  readonly samplesSeen: number;
  progressive(): ProgressiveFigures;
  weights(): WeightFigures;
  snapshot(context: SnapshotContext): SnapshotBlobs;
  /** Replaces the whole state from a checkpoint blob (verifying it); returns its position. */
  restore(checkpoint: Uint8Array): RestoredState;
  /** Back to a fresh state (after a reset). */
  reset(): void;
}
