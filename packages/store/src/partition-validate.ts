import { StoreValidationError } from './errors.js';
import type { PartitionWriteRequest } from './partition-types.js';
import { validateModelName, validatePositiveInteger } from './validate.js';

/** `topic/partition` with a Kafka topic name ([A-Za-z0-9._-], at most 249 characters). */
const PARTITION_KEY = /^[A-Za-z0-9._-]{1,249}\/\d{1,10}$/;
const OFFSET = /^\d{1,19}$/;

export function validatePartitionKey(partition: unknown, field = 'partition'): string {
  if (typeof partition !== 'string' || !PARTITION_KEY.test(partition)) {
    throw new StoreValidationError(field, `must be "topic/partition" with a Kafka topic name, got ${JSON.stringify(partition)}`);
  }
  return partition;
}

export function validatePartitionWrite(request: PartitionWriteRequest): PartitionWriteRequest {
  validateModelName(request.model);
  validatePartitionKey(request.partition);
  validatePositiveInteger(request.fence, 'fence');
  if (request.base !== null) validatePositiveInteger(request.base, 'base');
  if (typeof request.offset !== 'string' || !OFFSET.test(request.offset)) {
    throw new StoreValidationError('offset', `must be a decimal string, got ${JSON.stringify(request.offset)}`);
  }
  if (typeof request.deadLettered !== 'string' || !OFFSET.test(request.deadLettered)) {
    throw new StoreValidationError('deadLettered', `must be a decimal string, got ${JSON.stringify(request.deadLettered)}`);
  }
  if (!Number.isSafeInteger(request.samples) || request.samples < 0) {
    throw new StoreValidationError('samples', `must be a non-negative safe integer, got ${String(request.samples)}`);
  }
  if (!(request.checkpoint instanceof Uint8Array) || request.checkpoint.byteLength === 0) {
    throw new StoreValidationError('checkpoint', 'must be a non-empty byte array');
  }
  if (typeof request.owner !== 'string' || request.owner === '') throw new StoreValidationError('owner', 'must be a non-empty string');
  if (!Number.isFinite(request.writtenAt) || request.writtenAt < 0) {
    throw new StoreValidationError('writtenAt', `must be milliseconds since the epoch, got ${String(request.writtenAt)}`);
  }
  return request;
}

export function validateLockTtl(ttlMs: unknown): number {
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs < 1) {
    throw new StoreValidationError('ttlMs', `must be a positive whole number of milliseconds, got ${String(ttlMs)}`);
  }
  return ttlMs;
}
