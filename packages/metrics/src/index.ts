export { MetricsError, MetricsValidationError, HttpError, type MetricsErrorOptions } from './errors.js';
export { Tally } from './tally.js';
export { linearBuckets } from './define.js';
export { modelWeightMetrics, type ModelWeightMetrics, type Role } from './model-metrics.js';
export {
  createTrainerMetrics,
  SNAPSHOT_DURATION_BUCKETS,
  type TrainerMetrics,
  type TrainerModelMetrics,
} from './trainer-metrics.js';
export {
  createScorerMetrics,
  DEFAULT_SCORER_METRICS_OPTIONS,
  SCORE_BUCKETS,
  SCORER_LATENCY_BUCKETS,
  type ScorerMetrics,
  type ScorerMetricsOptions,
  type ScorerModelMetrics,
} from './scorer-metrics.js';
export { enableProcessMetrics } from './process-metrics.js';
export {
  startHttpServer,
  DEFAULT_HTTP_SERVER_OPTIONS,
  type HttpRequest,
  type HttpResponse,
  type HttpServerHandle,
  type HttpServerOptions,
  type Readiness,
  type ReadinessCheck,
  type Route,
} from './http-server.js';
export { createLogger, serializeError, type Logger, type LoggerOptions, type LogFields, type LogLevel } from './logger.js';
export {
  createProgress,
  DEFAULT_PROGRESS_OPTIONS,
  formatCount,
  formatDuration,
  formatRate,
  type Progress,
  type ProgressOptions,
  type ProgressStream,
} from './progress.js';
/** Re-exported so services create registries without importing prom-client themselves. */
export { Registry } from 'prom-client';
