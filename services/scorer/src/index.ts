export { runScorer, scorerOptions, type RunScorerHooks } from './run-scorer.js';
export { SCORER_SETTINGS, SCORER_HELP } from './settings.js';
export { Scorer, type ScorerOptions, type ScorerParts, type ScorerKafkaOptions } from './scorer.js';
export { ServedModel, DEFAULT_SERVED_MODEL_OPTIONS, type ServedModelOptions, type ServedModelEvents, type ReloadTrigger } from './served-model.js';
export { ScoringPipeline, DEFAULT_SCORING_OPTIONS, type ScoringOptions, type ScoringParts, type ScoringEvents, type ScoringState } from './scoring-pipeline.js';
export {
  scoreRoute,
  DEFAULT_SCORE_ROUTE_OPTIONS,
  type ScoreRouteOptions,
  type ScoreItem,
  type ScoreResponseBody,
  type ScoreErrorBody,
} from './score-route.js';
export { ScoreObserver, type EventOutcome } from './score-observer.js';
export { BearerToken } from './bearer-token.js';
export type { LoadedModel, FeatureSpace, ServingDecoder, ServingBlobContext } from './loaded-model.js';
export { decodeServingModel } from './model-adapter.js';
export { ScorerError, ModelLoadError, ScoringError, LOAD_FAILURE_REASONS, type LoadFailureReason } from './errors.js';
