import { KAFKA_SETTINGS, LEARNER_SETTINGS, REDIS_SETTINGS, type SettingSpecs } from '@streamlr/stream';

/** Every trainer setting: its own, the learner's hyperparameters (as `streamlr train`), Kafka and Redis. */
export const TRAINER_SERVICE_SETTINGS = {
  topic: { type: 'list', required: true, help: 'topic(s) of labeled samples to learn from', group: 'Trainer' },
  model: { type: 'string', required: true, help: 'model name in the store (versions, latest pointer)', group: 'Trainer' },
  group: { type: 'string', help: 'Kafka consumer group (default streamlr-trainer-<model>)', group: 'Trainer' },
  port: { type: 'integer', default: 9400, min: 0, max: 65535, help: 'HTTP port for /metrics /healthz /readyz', group: 'Trainer' },
  host: { type: 'string', env: 'STREAMLR_HTTP_HOST', default: '0.0.0.0', help: 'HTTP interface to bind', group: 'Trainer' },
  snapshotEvery: { type: 'integer', default: 100_000, min: 0, help: 'publish a snapshot after this many records (0 = time only)', group: 'Trainer' },
  snapshotInterval: { type: 'number', default: 10, min: 0, help: 'publish a snapshot after this many seconds (0 = count only)', group: 'Trainer' },
  reset: { type: 'boolean', help: 'start a new version line from a fresh learner instead of resuming the latest snapshot', group: 'Trainer' },
  keep: { type: 'integer', default: 10, min: 1, help: 'versions kept in the store for rollback', group: 'Trainer' },
  maxMessageBytes: { type: 'integer', default: 1_048_576, min: 1, help: 'larger messages go to the DLQ (reason oversize)', group: 'Trainer' },
  maxFeatures: { type: 'integer', default: 10_000, min: 1, help: 'messages with more features go to the DLQ (too_many_features)', group: 'Trainer' },
  sessionTimeout: { type: 'integer', default: 30_000, min: 6_000, help: 'Kafka group session timeout, ms', group: 'Trainer' },
  learner: { type: 'string', default: 'logistic', choices: ['logistic', 'counting'], help: 'what to train (counting = the fault suite\'s exactly-once oracle)', group: 'Trainer' },
  logLevel: { type: 'string', default: 'info', choices: ['debug', 'info', 'warn', 'error'], help: 'log level of the JSON log lines on stdout', group: 'Trainer' },
  partitioned: { type: 'boolean', help: 'scale-out mode: replicas in one --group, one learner per partition with its state in Redis, merged by parameter mixing', group: 'Scale-out (--partitioned)' },
  mixEvery: { type: 'integer', default: 50_000, min: 0, help: 'merge the partition learners once their stored states hold this many new samples (0 = time only)', group: 'Scale-out (--partitioned)' },
  mixInterval: { type: 'number', default: 10, min: 0, help: 'merge when this many seconds passed since the last merged version (0 = count only)', group: 'Scale-out (--partitioned)' },
  mixing: { type: 'string', choices: ['adaptive', 'average'], help: 'mixing rule: adaptive (per-coordinate, FTRL only; its default) or average (sample-weighted; default otherwise)', group: 'Scale-out (--partitioned)' },
  ...LEARNER_SETTINGS,
  ...KAFKA_SETTINGS,
  ...REDIS_SETTINGS,
} as const satisfies SettingSpecs;
