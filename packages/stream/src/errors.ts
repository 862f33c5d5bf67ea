/** Base error of the stream package: carries a cause and whether retrying can help. */
export class StreamError extends Error {
  override readonly name: string = 'StreamError';
  readonly retriable: boolean;
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}

/**
 * The offsets a snapshot needs are gone from the topic (retention): continuing would silently
 * skip samples, so the trainer stops loudly instead (DESIGN section 6). `committed` is set when
 * the store has no snapshot position at all but the group had committed one: the snapshot was
 * lost, and rebuilding it needs the partition from offset `stored` (0).
 */
export class OffsetOutOfRangeError extends StreamError {
  override readonly name = 'OffsetOutOfRangeError';
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly stored: string,
    readonly logStart: string,
    readonly committed?: string,
  ) {
    super(
      committed === undefined
        ? `${topic}/${partition}: the snapshot continues at offset ${stored} but the log starts at ${logStart} ` +
            `(records were deleted by retention); refusing to skip them — retrain with --reset or restore the data`
        : `${topic}/${partition}: the store has no snapshot of this partition although the group committed offset ${committed} ` +
            `(snapshot lost?), and the log starts at ${logStart}: a rebuild would silently leave out the deleted records; ` +
            `refusing — restore the snapshot, or retrain from what is left with --reset`,
    );
  }
}

/**
 * This writer was fenced: another trainer owns the model now — or, when the store's epoch is
 * below this writer's (`storeEpoch < epoch`), the store lost its data (Redis restarted empty or
 * from an older copy) and this trainer's state is no longer what the store continues from.
 */
export class FencedError extends StreamError {
  override readonly name = 'FencedError';
  constructor(
    readonly model: string,
    options: { cause?: unknown; epoch?: number; storeEpoch?: number } = {},
  ) {
    super(
      options.epoch !== undefined && options.storeEpoch !== undefined && options.storeEpoch < options.epoch
        ? `model '${model}': the store's writer epoch went back from ${options.epoch} to ${options.storeEpoch} ` +
            '(Redis restarted empty or from an older copy?); this trainer stops publishing — restart it to resume from what the store holds'
        : `model '${model}': another trainer took over (epoch fenced); this one stops publishing`,
      options.cause === undefined ? {} : { cause: options.cause },
    );
  }
}

export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

export interface RetryOptions {
  /** First delay; default 200 ms. */
  readonly initialDelayMs?: number;
  /** Delay cap; default 5 s. */
  readonly maxDelayMs?: number;
  /** Give up after this many attempts; default Infinity (retry until `shouldStop`). */
  readonly attempts?: number;
  /** Checked before each retry; when true the last error is thrown. */
  readonly shouldStop?: () => boolean;
  /** Called after each failed attempt that will be retried (log, metric, heartbeat). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The one retry helper: exponential backoff for retriable errors only. Validation errors and
 * other non-retriable errors are thrown at once (STYLE: never retry validation errors).
 */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  let delay = options.initialDelayMs ?? 200;
  const maxDelay = options.maxDelayMs ?? 5_000;
  const attempts = options.attempts ?? Number.POSITIVE_INFINITY;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetriable(error) || attempt >= attempts || options.shouldStop?.() === true) throw error;
      await options.onRetry?.(error, attempt, delay);
      await sleep(delay);
      delay = Math.min(maxDelay, delay * 2);
    }
  }
}
