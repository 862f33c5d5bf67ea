import type { ScoreEvent } from '@streamlr/protocol';

/** Where a model's features live (DESIGN section 3): 2^bits hashed slots, MurmurHash3 with `seed`. */
export interface FeatureSpace {
  readonly bits: number;
  readonly seed: number;
}

/**
 * One decoded serving snapshot, ready to score. Immutable once built: the scorer swaps whole
 * LoadedModel references, and a request or a Kafka batch grabs one reference and uses only it, so
 * it never mixes two versions.
 */
export interface LoadedModel {
  readonly model: string;
  readonly version: number;
  /** When the trainer created the version, ms since the Unix epoch. */
  readonly createdAt: number;
  readonly featureSpace: FeatureSpace;
  /** Number of weight slots (2^bits). */
  readonly slots: number;
  /** Weights that are not exactly zero. */
  readonly nonzero: number;
  /**
   * Probability of class 1 for one validated event, in [0, 1]. Synchronous and allocation-free on
   * the hot path. Throws ScoringError for an event this model cannot score.
   */
  predict(event: ScoreEvent): number;
}

/** What the store reader knows about the blob it asks to decode. */
export interface ServingBlobContext {
  readonly model: string;
  readonly version: number;
  /** The store's metadata createdAt (ms), used when the blob's header has none. */
  readonly createdAt: number;
}

/**
 * Serving-snapshot bytes → LoadedModel. Throws ModelLoadError (`decode`, `foreign`,
 * `feature_space`) for anything it refuses. The real one is in model-adapter.ts; tests may inject
 * another.
 */
export type ServingDecoder = (bytes: Uint8Array, context: ServingBlobContext) => LoadedModel;
