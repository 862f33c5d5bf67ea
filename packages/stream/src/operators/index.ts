export * from './envelope.js';
export * from './skip-applied.js';
export * from './decode-records.js';
export * from './dead-letter.js';
export * from './learn-samples.js';
export * from './snapshot-schedule.js';
export * from './score-events.js';
export * from './score-records.js';
