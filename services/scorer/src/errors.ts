/** Errors of the scorer service: a base with `cause` and `retriable`, typed subclasses with context. */

export class ScorerError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/**
 * Why loading a serving snapshot failed: a closed set, used as the `reason` label of
 * `streamlr_scorer_reload_failures_total` (add, never rename).
 */
export const LOAD_FAILURE_REASONS = [
  /** Redis unreachable or too slow; the next poll retries. */
  'unavailable',
  /** The version is not stored (never published, or trimmed). */
  'not_found',
  /** The store's checksum or size of the blob does not match what was published. */
  'corrupt',
  /** The blob does not decode as a serving model (bad magic, format version, header checksum, truncated). */
  'decode',
  /** The blob is a valid model of another name or version than the one asked for. */
  'foreign',
  /** The model's feature space is one this scorer cannot read (or not the one it was told to expect). */
  'feature_space',
  /** The Redis user may not read the model (ACL). */
  'permission',
  /** Anything else (a bug): logged with its stack. */
  'internal',
] as const;

export type LoadFailureReason = (typeof LOAD_FAILURE_REASONS)[number];

/** A serving snapshot that could not be loaded; the previously loaded model keeps serving. */
export class ModelLoadError extends ScorerError {
  constructor(
    readonly reason: LoadFailureReason,
    readonly model: string,
    readonly version: number | null,
    detail: string,
    options: { cause?: unknown; retriable?: boolean } = {},
  ) {
    super(`model ${model}${version === null ? '' : ` version ${version}`}: ${reason}: ${detail}`, options);
  }
}

/**
 * An event the loaded model cannot score although it decoded fine (e.g. a dense `x` longer than
 * the model's 2^bits slots). `reason` is a protocol decode reason so it fits the DLQ headers and
 * the HTTP 400 body; `field` names the offending field.
 */
export class ScoringError extends ScorerError {
  constructor(
    readonly reason: string,
    readonly field: string | undefined,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(field === undefined ? `${reason}: ${detail}` : `${reason} (${field}): ${detail}`, options);
  }
}
