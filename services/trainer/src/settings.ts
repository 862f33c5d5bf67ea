import { KAFKA_SETTINGS, REDIS_SETTINGS, type SettingSpecs } from '@streamlr/stream';

/** The trainer's own settings; learner hyperparameters come from the learner table (see run.ts). */
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
  ...KAFKA_SETTINGS,
  ...REDIS_SETTINGS,
} as const satisfies SettingSpecs;
