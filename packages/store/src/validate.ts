import { StoreValidationError } from './errors.js';
import { MODEL_NAME_PATTERN } from './keys.js';
import type { PublishRequest, VersionMeta, VersionMetrics } from './types.js';

export function validateModelName(model: unknown, field = 'model'): string {
  if (typeof model !== 'string' || !MODEL_NAME_PATTERN.test(model)) {
    throw new StoreValidationError(
      field,
      `must be 1-128 characters of [A-Za-z0-9._-] starting with a letter or digit, got ${JSON.stringify(model)}`,
    );
  }
  return model;
}

export function validatePositiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new StoreValidationError(field, `must be a positive safe integer, got ${String(value)}`);
  }
  return value;
}

function validateNonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new StoreValidationError(field, `must be a non-negative safe integer, got ${String(value)}`);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const OFFSET_KEY = /^.+\/\d+$/;
const OFFSET_VALUE = /^\d+$/;

function validateOffsets(offsets: unknown): Record<string, string> {
  if (!isPlainObject(offsets)) throw new StoreValidationError('meta.offsets', 'must be an object');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(offsets)) {
    if (!OFFSET_KEY.test(key)) {
      throw new StoreValidationError('meta.offsets', `key ${JSON.stringify(key)} is not "topic/partition"`);
    }
    if (typeof value !== 'string' || !OFFSET_VALUE.test(value)) {
      throw new StoreValidationError(`meta.offsets["${key}"]`, `must be a decimal string, got ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  return out;
}

function validateMetrics(metrics: unknown): VersionMetrics {
  if (!isPlainObject(metrics)) throw new StoreValidationError('meta.metrics', 'must be an object');
  const out = {} as VersionMetrics;
  for (const name of ['logloss', 'accuracy', 'auc', 'n'] as const) {
    const value = metrics[name];
    // NaN is allowed (e.g. AUC before both classes were seen); it is stored as JSON null.
    if (typeof value !== 'number') {
      throw new StoreValidationError(`meta.metrics.${name}`, `must be a number, got ${String(value)}`);
    }
    out[name] = value;
  }
  return out;
}

/**
 * Checks a publish request and returns the complete VersionMeta to store. Throws
 * StoreValidationError naming the field.
 */
export function validatePublishRequest(request: PublishRequest): VersionMeta {
  if (!isPlainObject(request)) throw new StoreValidationError('request', 'must be an object');
  const model = validateModelName(request.model);
  const epoch = validatePositiveInteger(request.epoch, 'epoch');
  const version = validatePositiveInteger(request.version, 'version');
  for (const part of ['checkpoint', 'serving'] as const) {
    const blob: unknown = request[part];
    if (!(blob instanceof Uint8Array)) throw new StoreValidationError(part, 'must be a Uint8Array or Buffer');
    if (blob.byteLength === 0) throw new StoreValidationError(part, 'must not be empty');
  }
  const meta: unknown = request.meta;
  if (!isPlainObject(meta)) throw new StoreValidationError('meta', 'must be an object');
  for (const [field, expected] of [['model', model], ['version', version], ['epoch', epoch]] as const) {
    if (meta[field] !== undefined && meta[field] !== expected) {
      throw new StoreValidationError(`meta.${field}`, `is ${String(meta[field])} but the request says ${expected}`);
    }
  }
  const createdAt = meta['createdAt'];
  if (typeof createdAt !== 'number' || !Number.isFinite(createdAt) || createdAt < 0) {
    throw new StoreValidationError('meta.createdAt', `must be milliseconds since the Unix epoch, got ${String(createdAt)}`);
  }
  const out: VersionMeta = {
    model,
    version,
    createdAt,
    samplesSeen: validateNonNegativeInteger(meta['samplesSeen'], 'meta.samplesSeen'),
    offsets: validateOffsets(meta['offsets']),
    epoch,
  };
  if (meta['metrics'] !== undefined) out.metrics = validateMetrics(meta['metrics']);
  if (meta['parent'] !== undefined) {
    const parent = validatePositiveInteger(meta['parent'], 'meta.parent');
    if (parent >= version) throw new StoreValidationError('meta.parent', `must be below version ${version}, got ${parent}`);
    out.parent = parent;
  }
  if (meta['extra'] !== undefined) {
    const extra = meta['extra'];
    if (!isPlainObject(extra)) throw new StoreValidationError('meta.extra', 'must be an object');
    try {
      JSON.stringify(extra);
    } catch (error) {
      throw new StoreValidationError('meta.extra', `must be JSON-serialisable (${(error as Error).message})`);
    }
    out.extra = extra;
  }
  return out;
}
