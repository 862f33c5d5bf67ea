export * from './errors.js';
export { murmur3Bytes, murmur3String, murmur3NameValue } from './murmur3.js';
export { SparseVector } from './sparse-vector.js';
export {
  DEFAULT_FEATURE_SPACE,
  MAX_FEATURE_BITS,
  FeatureNames,
  denseFeatures,
  featureSlot,
  hashFeatures,
  isFeatureSpaceCompatible,
  slotCount,
  validateFeatureSpace,
  type FeatureSpace,
  type NamedFeatures,
} from './features.js';
export { MAX_LOGIT, P_EPSILON, logLoss, logLossGradient, sigmoid } from './loss.js';
export {
  ConstantSchedule,
  InverseScalingSchedule,
  makeSchedule,
  validateSchedule,
  type ConstantScheduleSpec,
  type InverseScalingScheduleSpec,
  type LearningRateSchedule,
  type ScheduleSpec,
} from './schedules.js';
export { GRADIENT_LIMIT, MIN_SCALE, type Normalization, type ScalerStatistics } from './normalizer.js';
export type { Optimizer, OptimizerName, OptimizerState } from './optimizer.js';
export { ADAGRAD_EPSILON } from './adagrad.js';
export { ftrlWeight, ftrlZ } from './ftrl.js';
export {
  DEFAULT_LEARNER_OPTIONS,
  DEFAULT_OPTIMIZER_OPTIONS,
  resolveLearnerOptions,
  type AdaGradOptions,
  type FtrlOptions,
  type LearnerOptions,
  type LearnerOptionsInput,
  type OptimizerOptions,
  type OptimizerOptionsInput,
  type SgdOptions,
} from './options.js';
export { LogisticRegression, type ExportStateOptions, type LabeledVector, type LearnerState, type WeightStats } from './logistic-regression.js';
export { fitBatch, fitEpochs, fitMiniBatches, type EpochOptions } from './batch.js';
export { EagerReferenceLearner } from './eager.js';
export {
  DEFAULT_PROGRESSIVE_METRICS_OPTIONS,
  ProgressiveMetrics,
  evaluate,
  evaluateScores,
  rocAuc,
  type EvaluationResult,
  type ProgressiveMetricsOptions,
  type ProgressiveMetricsSnapshot,
} from './metrics.js';
export { crc32c } from './crc32c.js';
export {
  SNAPSHOT_FORMAT_VERSION,
  ServingModel,
  assertFeatureSpaceCompatible,
  decodeCheckpoint,
  decodeServing,
  encodeCheckpoint,
  encodeServing,
  encodeSnapshot,
  inspectSnapshot,
  type ServingEncodeOptions,
  type SnapshotBlobPair,
  type SnapshotEncodeOptions,
  type SnapshotHeader,
  type SnapshotInfo,
  type SnapshotKind,
  type SnapshotMetrics,
} from './snapshot.js';
export { mergeLearners } from './merge.js';
export { seededRandom } from './random.js';
