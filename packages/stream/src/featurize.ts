import { denseFeatures, hashFeatures, type FeatureSpace, type SparseVector } from '@streamlr/model';
import type { Sample, ScoreEvent } from '@streamlr/protocol';

/**
 * A decoded message → its sparse vector: named features hashed into the feature space, a dense
 * `x` into slots 0..m-1. The one featurization path shared by trainer, scorer, CLI and benchmarks.
 */
export function featurize(message: Sample | ScoreEvent, space: FeatureSpace, out: SparseVector): SparseVector {
  return message.features !== undefined ? hashFeatures(message.features, space, out) : denseFeatures(message.x, space, out);
}
