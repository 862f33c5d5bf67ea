/**
 * Errors of the learning core. Every error is a {@link ModelError}; subclasses carry the
 * context a caller needs (which option, which feature, what is wrong with a snapshot).
 * None of them is retriable: they describe bad input or bad state, never a transient fault.
 */

export interface ModelErrorOptions {
  readonly cause?: unknown;
}

/** Base class of every error thrown by `@streamlr/model`. */
export class ModelError extends Error {
  /** Whether retrying the same call could succeed. Always false in this package. */
  readonly retriable: boolean = false;

  constructor(message: string, options: ModelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** An option or hyperparameter is missing, of the wrong type or out of range. */
export class OptionError extends ModelError {
  /** Dotted path of the offending option, e.g. `optimizer.learningRate`. */
  readonly option: string;
  readonly value: unknown;

  constructor(option: string, value: unknown, expected: string) {
    super(`invalid option ${option}: ${describe(value)} (expected ${expected})`);
    this.option = option;
    this.value = value;
  }
}

/** A feature cannot be encoded (non-finite number, unsupported type, too many dense values). */
export class FeatureError extends ModelError {
  /** Name of the feature (or `x[i]` for dense input). */
  readonly feature: string;

  constructor(feature: string, problem: string) {
    super(`feature ${JSON.stringify(feature)}: ${problem}`);
    this.feature = feature;
  }
}

/** A training sample's label or weight is invalid. */
export class SampleError extends ModelError {
  /** `label` or `weight`. */
  readonly field: 'label' | 'weight';
  readonly value: unknown;

  constructor(field: 'label' | 'weight', value: unknown, expected: string) {
    super(`invalid sample ${field}: ${describe(value)} (expected ${expected})`);
    this.field = field;
    this.value = value;
  }
}

/** What is wrong with a snapshot blob. */
export type SnapshotProblem =
  | 'foreign' // not a streamlr snapshot (wrong magic bytes)
  | 'truncated' // shorter than its declared length
  | 'corrupt' // checksum mismatch or unreadable header/layout
  | 'unsupported-version' // format version this code cannot read
  | 'wrong-kind' // a checkpoint where a serving model was expected, or the reverse
  | 'incompatible'; // feature space or options the reader cannot use

/** A snapshot cannot be decoded or used. */
export class SnapshotError extends ModelError {
  readonly problem: SnapshotProblem;

  constructor(problem: SnapshotProblem, detail: string, options: ModelErrorOptions = {}) {
    super(`snapshot ${problem}: ${detail}`, options);
    this.problem = problem;
  }
}

/** Learners cannot be merged (different options or feature spaces, bad mixing weights). */
export class MergeError extends ModelError {}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
