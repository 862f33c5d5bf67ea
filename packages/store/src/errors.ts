/**
 * Errors of the model store. Every error carries `retriable`: true means "the same call may
 * succeed later" (Redis down, failover in progress), false means retrying cannot help (a fenced
 * writer, a version that is not forward, corrupt data, bad input, missing permission).
 */

import type { BlobPart } from './types.js';

export interface StoreErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

export class StoreError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: StoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** Bad input or a bad option; names the offending field. Never retriable. */
export class StoreValidationError extends StoreError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * Redis could not be reached or did not answer in time (connection refused, closed, command
 * timeout, failover). The write did not happen or its outcome is unknown; a retried publish of the
 * same version by the same epoch is idempotent, so retrying is safe.
 */
export class StoreUnavailableError extends StoreError {
  constructor(
    readonly operation: string,
    message: string,
    cause?: unknown,
  ) {
    super(`store unavailable during ${operation}: ${message}`, { cause, retriable: true });
  }
}

/** The Redis user lacks an ACL permission for this operation (e.g. a read-only scorer publishing). */
export class StorePermissionError extends StoreError {
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(`permission denied for ${operation}: ${messageOf(cause)}`, { cause });
  }
}

/**
 * The writer's epoch is no longer current: another trainer called acquireEpoch (or an operator
 * rolled back) since. The holder must stop publishing, reload the latest snapshot and acquire a new
 * epoch (DESIGN section 6, fencing of zombie trainers).
 */
export class StaleEpochError extends StoreError {
  constructor(
    readonly model: string,
    readonly epoch: number,
    readonly currentEpoch: number,
  ) {
    super(`model ${model}: writer epoch ${epoch} is stale (current epoch ${currentEpoch})`);
  }
}

/** A publish whose version is not above every version ever published for the model. */
export class VersionNotForwardError extends StoreError {
  constructor(
    readonly model: string,
    readonly version: number,
    readonly highestVersion: number,
  ) {
    super(`model ${model}: version ${version} is not above the highest published version ${highestVersion}`);
  }
}

/** The version was never published or has been trimmed away. */
export class VersionNotFoundError extends StoreError {
  constructor(
    readonly model: string,
    readonly version: number,
  ) {
    super(`model ${model}: version ${version} not found (never published or trimmed)`);
  }
}

/** A stored blob or metadata record does not match its recorded checksum/size, or cannot be parsed. */
export class CorruptBlobError extends StoreError {
  constructor(
    readonly model: string,
    readonly version: number,
    readonly part: BlobPart | 'meta',
    detail: string,
  ) {
    super(`model ${model} version ${version}: corrupt ${part}: ${detail}`);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An operation on a store after close(). */
export class StoreClosedError extends StoreError {
  constructor(readonly operation: string) {
    super(`store is closed (${operation})`);
  }
}
