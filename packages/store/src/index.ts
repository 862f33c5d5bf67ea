export * from './errors.js';
export * from './types.js';
export { DEFAULT_NAMESPACE, MODEL_NAME_PATTERN, modelKeys, publishedChannel, type ModelKeys } from './keys.js';
export { DEFAULT_MODEL_STORE_OPTIONS, type ModelStoreOptions } from './options.js';
export { MemoryModelStore, DEFAULT_MEMORY_STORE_OPTIONS, type MemoryModelStoreOptions } from './memory-store.js';
export {
  DEFAULT_REDIS_STORE_OPTIONS,
  redactRedisUrl,
  type ConnectionRole,
  type RedisModelStoreOptions,
} from './redis-options.js';
export { RedisModelStore } from './redis-store.js';
export { sha256Hex } from './record.js';
export { parseNotification } from './notification.js';
export { retry, DEFAULT_RETRY_OPTIONS, type RetryOptions } from './retry.js';
export { aclRules } from './acl.js';
export * from './partition-types.js';
export { partitionKeys, PARTITION_FIELDS, type PartitionKeys } from './partition-keys.js';
export { StalePartitionFenceError, PartitionNotForwardError, CorruptPartitionStateError } from './partition-errors.js';
export { RedisPartitionStore } from './redis-partition-store.js';
export { MemoryPartitionStore } from './memory-partition-store.js';
export { partitionedTrainerAclRules } from './partition-acl.js';
