import { decodeServing, FeatureError, SnapshotError, SparseVector, type ServingModel, type SnapshotHeader } from '@streamlr/model';
import { featurize } from '@streamlr/stream';
import type { ScoreEvent } from '@streamlr/protocol';
import { ModelLoadError, ScoringError } from './errors.js';
import type { ServingDecoder } from './loaded-model.js';

/**
 * The one place the scorer meets @streamlr/model: serving-snapshot bytes → LoadedModel, with the
 * same hashing and predict code the trainer, the CLI and the benchmarks use (DESIGN section 1).
 *
 * `decodeServing` verifies magic, length, format version, kind and the blob's own CRC-32C, and
 * refuses a feature space it cannot read (SnapshotError 'incompatible'); the store has already
 * verified its SHA-256 of the bytes it returned.
 */
export const decodeServingModel: ServingDecoder = (bytes, context) => {
  let decoded: { header: SnapshotHeader; model: ServingModel };
  try {
    decoded = decodeServing(bytes);
  } catch (error) {
    const incompatible = error instanceof SnapshotError && error.problem === 'incompatible';
    throw new ModelLoadError(incompatible ? 'feature_space' : 'decode', context.model, context.version, (error as Error).message, { cause: error });
  }
  const { header, model } = decoded;
  const space = header.featureSpace;
  // O(2^bits) once per load, for the nonzero/sparsity gauges.
  const stats = model.weightStats();
  // Reused by every prediction of this model: predict is synchronous, so one scratch vector is
  // never shared by two events, and the hot path allocates nothing once it has grown.
  const x = new SparseVector(64);
  return {
    model: header.model,
    version: header.version,
    createdAt: header.createdAt,
    featureSpace: { bits: space.bits, seed: space.seed },
    slots: stats.slots,
    nonzero: stats.nonzero,
    predict(event: ScoreEvent): number {
      try {
        featurize(event, space, x);
      } catch (error) {
        if (error instanceof FeatureError) throw scoringError(error, event);
        throw error;
      }
      return model.predictProba(x);
    },
  };
};

/**
 * A FeatureError for an event the protocol accepted. Non-finite and odd-typed values are refused
 * by the protocol already, so in practice this is a dense `x` longer than the model's 2^bits slots.
 */
function scoringError(error: FeatureError, event: ScoreEvent): ScoringError {
  const dense = event.x !== undefined;
  const field = dense ? (error.feature === 'x' ? 'x' : error.feature) : `features.${error.feature}`;
  const reason = dense && error.feature === 'x' ? 'too_many_features' : 'bad_value';
  return new ScoringError(reason, field, error.message, { cause: error });
}
