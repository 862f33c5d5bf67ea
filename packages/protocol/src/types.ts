/**
 * A named feature's value (DESIGN §3): a number is a numeric feature; a string is categorical
 * (one-hot of `name=value` after hashing); a boolean is passed through for the hasher to map.
 * Numbers are always finite once decoded.
 */
export type FeatureValue = number | string | boolean;

/** Named features, e.g. `{"country": "US", "amount": 12.5}`. */
export type Features = Readonly<Record<string, FeatureValue>>;

/**
 * Exactly one of `features` (named, hashed) or `x` (dense, slots 0..m-1, not hashed) is present:
 * mixing both would put dense slots and hashed slots in the same weight space and collide silently.
 */
export type FeatureInput =
  | { readonly features: Features; readonly x?: never }
  | { readonly x: readonly number[]; readonly features?: never };

interface MessageFields {
  /** Producer's identifier, echoed in scores. Non-empty when present. */
  readonly id?: string;
  /** Event time, integer milliseconds since the Unix epoch, ≥ 0. */
  readonly ts?: number;
}

/** A labeled training sample (topic `streamlr.samples`, DESIGN §4) after validation. */
export type Sample = MessageFields &
  FeatureInput & {
    /** Booleans are normalized to 0/1 by the decoder. */
    readonly label: 0 | 1;
    /** Importance weight, finite ≥ 0; the decoder fills in 1 when absent. */
    readonly weight: number;
  };

/**
 * An event to score (topic `streamlr.events`): a sample whose label is optional. A label, when present,
 * counts toward the scorer's held-out loss metrics (delayed feedback).
 */
export type ScoreEvent = MessageFields &
  FeatureInput & {
    readonly label?: 0 | 1;
    readonly weight: number;
  };

/** What a producer may hand to `encodeSample`: a boolean label and a missing weight (1) are fine. */
export type SampleInput = MessageFields &
  FeatureInput & {
    readonly label: 0 | 1 | boolean;
    readonly weight?: number;
  };

/** What a producer may hand to `encodeEvent`. */
export type EventInput = MessageFields &
  FeatureInput & {
    readonly label?: 0 | 1 | boolean;
    readonly weight?: number;
  };

/** A score (topic `streamlr.scores`, key = the event's key). */
export interface Score {
  /** The event's `id`, or null when the event had none (the key is always present in the JSON). */
  readonly id: string | null;
  /** Predicted probability of class 1, in [0, 1]. */
  readonly score: number;
  /** 1 when `score ≥ threshold`, else 0. */
  readonly class: 0 | 1;
  /** Model name. */
  readonly model: string;
  /** Snapshot version the score came from (integer ≥ 0). */
  readonly version: number;
  /** When it was scored, integer milliseconds since the Unix epoch. */
  readonly ts: number;
}
