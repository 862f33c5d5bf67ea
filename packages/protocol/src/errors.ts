import type { DecodeReason } from './reasons.js';

/** Base of every error this package throws or returns. */
export class ProtocolError extends Error {
  /** Whether trying the same thing again could succeed. Bad input never becomes good by retrying. */
  readonly retriable: boolean;

  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/**
 * A message or file row that is not a valid sample, event or score. `reason` is one of
 * `DECODE_REASONS` (a metric label and DLQ header); `field` names the offending field when there is one,
 * as a path: `label`, `features.amount`, `x[3]`, `weight`.
 */
export class DecodeError extends ProtocolError {
  readonly reason: DecodeReason;
  readonly field: string | undefined;
  /** The explanation alone, without the reason and field the message starts with. */
  readonly detail: string;

  constructor(reason: DecodeReason, field: string | undefined, detail: string, cause?: unknown) {
    // No stack trace: a DecodeError describes data, not code, and capturing one costs ~5 µs, which a
    // poison stream would pay on every message.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(field === undefined ? `${reason}: ${detail}` : `${reason} (${field}): ${detail}`, { cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.reason = reason;
    this.field = field;
    this.detail = detail;
  }
}

/**
 * A sample, event or score that a producer tried to encode but that consumers would reject with `reason`.
 * Thrown by the `encode…` functions, so a producer cannot publish what `decode…` refuses.
 */
export class EncodeError extends ProtocolError {
  readonly reason: DecodeReason;
  readonly field: string | undefined;
  readonly detail: string;

  constructor(reason: DecodeReason, field: string | undefined, detail: string) {
    super(`cannot encode: ${field === undefined ? reason : `${reason} (${field})`}: ${detail}`);
    this.reason = reason;
    this.field = field;
    this.detail = detail;
  }

  static from(error: DecodeError): EncodeError {
    return new EncodeError(error.reason, error.field, error.detail);
  }
}

/** An option (limits, reader options) with an invalid value. `option` names it, e.g. `limits.maxBytes`. */
export class InvalidOptionError extends ProtocolError {
  readonly option: string;

  constructor(option: string, detail: string) {
    super(`invalid option ${option}: ${detail}`);
    this.option = option;
  }
}

/**
 * A records file that cannot be read at all (missing, unreadable, no CSV header, label column absent…),
 * as opposed to a bad row, which is reported as a `DecodeError` with its line number and reading goes on.
 */
export class RecordsFileError extends ProtocolError {
  readonly path: string;
  readonly line: number | undefined;

  constructor(path: string, line: number | undefined, detail: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(`${path}${line === undefined ? '' : `:${line}`}: ${detail}`, options);
    this.path = path;
    this.line = line;
  }
}
