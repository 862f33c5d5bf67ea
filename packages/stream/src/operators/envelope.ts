import type { Rejection } from '../dead-letters.js';
import type { SourceRecord } from '../transport.js';

/** A record with its partition coordinates, as it moves through the per-record operators. */
export interface Envelope {
  readonly topic: string;
  readonly partition: number;
  /** `topic/partition`. */
  readonly key: string;
  readonly offset: bigint;
  readonly record: SourceRecord;
}

export type Decoded<T> =
  | { readonly envelope: Envelope; readonly ok: true; readonly value: T }
  | { readonly envelope: Envelope; readonly ok: false; readonly error: Rejection };

export type Accepted<T> = Extract<Decoded<T>, { ok: true }>;
