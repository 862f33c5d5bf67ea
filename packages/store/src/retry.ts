import { setTimeout as sleep } from 'node:timers/promises';
import { StoreValidationError } from './errors.js';

export interface RetryOptions {
  /** Attempts in total, including the first; `Infinity` retries until success or a non-retriable error. Default 5. */
  attempts: number;
  /** Delay before the first retry, ms; doubles (times `factor`) up to `maxDelayMs`. Default 100. */
  initialDelayMs: number;
  /** Upper bound of the delay, ms. Default 5000. */
  maxDelayMs: number;
  /** Growth factor of the delay. Default 2. */
  factor: number;
  /** Called before each wait (log it, bump a failure metric). Default none. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Aborts the waiting; the last error is thrown. Default none. */
  signal?: AbortSignal;
}

export const DEFAULT_RETRY_OPTIONS: Readonly<RetryOptions> = Object.freeze({
  attempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 5000,
  factor: 2,
});

function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/**
 * Runs `operation`, retrying with exponential backoff only errors that say `retriable: true`
 * (StoreUnavailableError). Validation, fencing, forward-only and corruption errors are thrown at once.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: Partial<RetryOptions> = {}): Promise<T> {
  const o = { ...DEFAULT_RETRY_OPTIONS, ...options };
  if (!(o.attempts >= 1)) throw new StoreValidationError('attempts', `must be >= 1, got ${o.attempts}`);
  if (!(o.initialDelayMs >= 0)) throw new StoreValidationError('initialDelayMs', `must be >= 0, got ${o.initialDelayMs}`);
  if (!(o.maxDelayMs >= o.initialDelayMs)) throw new StoreValidationError('maxDelayMs', 'must be >= initialDelayMs');
  if (!(o.factor >= 1)) throw new StoreValidationError('factor', `must be >= 1, got ${o.factor}`);
  let delay = o.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRetriable(error) || attempt >= o.attempts || o.signal?.aborted) throw error;
      o.onRetry?.(error, attempt, delay);
      try {
        await sleep(delay, undefined, o.signal === undefined ? undefined : { signal: o.signal });
      } catch {
        throw error;
      }
      delay = Math.min(o.maxDelayMs, delay * o.factor);
    }
  }
}
