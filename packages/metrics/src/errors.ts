/** Errors of the metrics/observability package: a base with `cause` and `retriable`, typed subclasses. */

export interface MetricsErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

export class MetricsError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: MetricsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** A bad option; names it. */
export class MetricsValidationError extends MetricsError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * Thrown by an HTTP route handler to answer with a status other than 500, e.g.
 * `throw new HttpError(400, 'features: required')`. The message is sent to the client.
 */
export class HttpError extends MetricsError {
  constructor(
    readonly status: number,
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}
