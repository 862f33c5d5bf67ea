import { map, type OperatorFunction } from 'rxjs';
import type { Rejection } from '../dead-letters.js';
import type { Accepted, Decoded } from './envelope.js';

/** An accepted event with the probability the model gave it. */
export interface ScoredEvent<T> {
  readonly event: T;
  /** Probability of class 1, in [0, 1]. */
  readonly probability: number;
}

/**
 * Accepted event → scored event, or a refusal when the model cannot score it (e.g. a dense `x`
 * longer than the model's feature space). `predict` must be synchronous and must belong to ONE
 * model version: callers build this operator per batch with the model reference they grabbed, so a
 * batch never mixes two versions. A predict error becomes a refusal value, never an error on the
 * error channel (that would end the stream): the record goes to the DLQ like a decode refusal.
 * The refusal's reason is the error's own `reason` when it carries one (and its `field`), else
 * `internal`.
 */
export function scoreEvents<T>(predict: (event: T) => number): OperatorFunction<Accepted<T>, Decoded<ScoredEvent<T>>> {
  return map((accepted): Decoded<ScoredEvent<T>> => {
    const { envelope, value } = accepted;
    try {
      const probability = predict(value);
      // A model bug must not reach the scores topic (or throw in the encoder, ending the stream).
      if (!(probability >= 0 && probability <= 1)) {
        return { envelope, ok: false, error: { reason: 'internal', message: `model returned ${probability}, not a probability` } };
      }
      return { envelope, ok: true, value: { event: value, probability } };
    } catch (error) {
      return { envelope, ok: false, error: rejectionOf(error) };
    }
  });
}

function rejectionOf(error: unknown): Rejection {
  const message = error instanceof Error ? error.message : String(error);
  if (typeof error === 'object' && error !== null) {
    const { reason, field } = error as { reason?: unknown; field?: unknown };
    if (typeof reason === 'string' && reason !== '') {
      return { reason, message, ...(typeof field === 'string' ? { field } : {}) };
    }
  }
  return { reason: 'internal', message };
}
