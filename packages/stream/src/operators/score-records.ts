import { encodeScore, type ScoreEvent } from '@streamlr/protocol';
import { map, type OperatorFunction } from 'rxjs';
import type { OutgoingRecord } from '../transport.js';
import type { Accepted, Envelope } from './envelope.js';
import type { ScoredEvent } from './score-events.js';

/** What every score of one batch shares: the model version that produced it, the threshold, the clock. */
export interface ScoreRecordContext {
  readonly model: string;
  readonly version: number;
  /** `class` is 1 when `probability ≥ threshold`. */
  readonly threshold: number;
  /** Milliseconds since the Unix epoch, the score's `ts`. */
  readonly now: () => number;
}

/** A score message ready for the scores topic, with the envelope of the event it answers. */
export interface ScoreRecord {
  readonly envelope: Envelope;
  readonly record: OutgoingRecord;
}

/**
 * Scored event → score message `{id, score, class, model, version, ts}` (DESIGN section 4), keyed
 * like the event so a score lands on the partition of its event's key. Scores are a pure function
 * of the event and the version, so re-scoring after a redelivery (at-least-once) writes the same
 * score again apart from `ts`.
 */
export function scoreRecords(context: ScoreRecordContext): OperatorFunction<Accepted<ScoredEvent<ScoreEvent>>, ScoreRecord> {
  const { model, version, threshold, now } = context;
  return map(({ envelope, value }) => ({
    envelope,
    record: {
      key: envelope.record.key,
      value: encodeScore({
        id: value.event.id ?? null,
        score: value.probability,
        class: value.probability >= threshold ? 1 : 0,
        model,
        version,
        ts: now(),
      }),
    },
  }));
}
