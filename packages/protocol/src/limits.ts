import { describe } from './describe.js';
import { InvalidOptionError } from './errors.js';

/** Bounds on one message, so a hostile or broken producer cannot make a consumer use unbounded memory or time. */
export interface DecodeLimits {
  /**
   * Largest accepted message in bytes of UTF-8, checked before parsing. Default 1 MiB (1,048,576),
   * matching Kafka's default `message.max.bytes` order of magnitude. At most 256 MiB.
   */
  readonly maxBytes: number;
  /** Most features per message: keys of `features`, or the length of `x`. Default 10,000. */
  readonly maxFeatures: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({ maxBytes: 1_048_576, maxFeatures: 10_000 });

const MAX_BYTES_CEILING = 256 * 1_048_576;

/** Complete limits from a partial set: missing fields take their defaults; invalid ones throw `InvalidOptionError`. */
export function decodeLimits(options: Partial<DecodeLimits> = {}): DecodeLimits {
  const limits = Object.freeze({
    maxBytes: options.maxBytes ?? DEFAULT_DECODE_LIMITS.maxBytes,
    maxFeatures: options.maxFeatures ?? DEFAULT_DECODE_LIMITS.maxFeatures,
  });
  assertDecodeLimits(limits);
  return limits;
}

/** Throws `InvalidOptionError` naming the field unless `limits` is valid. Cheap enough to call per message. */
export function assertDecodeLimits(limits: DecodeLimits, name = 'limits'): void {
  if (limits === DEFAULT_DECODE_LIMITS) return;
  if (typeof limits !== 'object' || limits === null) {
    throw new InvalidOptionError(name, `expected an object with maxBytes and maxFeatures, got ${describe(limits)}`);
  }
  const { maxBytes, maxFeatures } = limits;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_BYTES_CEILING) {
    throw new InvalidOptionError(`${name}.maxBytes`, `expected an integer in [1, ${MAX_BYTES_CEILING}], got ${describe(maxBytes)}`);
  }
  if (!Number.isSafeInteger(maxFeatures) || maxFeatures < 1) {
    throw new InvalidOptionError(`${name}.maxFeatures`, `expected an integer >= 1, got ${describe(maxFeatures)}`);
  }
}
