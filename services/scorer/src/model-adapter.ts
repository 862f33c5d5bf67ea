import { ScorerError } from './errors.js';
import type { ServingDecoder } from './loaded-model.js';

/**
 * The one place the scorer meets @streamlr/model: serving-snapshot bytes → LoadedModel.
 * PLACEHOLDER until @streamlr/model's snapshot and serving code is merged: it refuses every blob.
 */
export const decodeServingModel: ServingDecoder = () => {
  throw new ScorerError('the serving-model decoder of @streamlr/model is not wired yet');
};
