import { StoreValidationError } from './errors.js';

export interface ModelStoreOptions {
  /** Versions kept per model for rollback (the `latest` one is never trimmed). Default 10. */
  keep: number;
}

export const DEFAULT_MODEL_STORE_OPTIONS: Readonly<ModelStoreOptions> = Object.freeze({ keep: 10 });

export function validateKeep(keep: unknown): number {
  if (typeof keep !== 'number' || !Number.isSafeInteger(keep) || keep < 1) {
    throw new StoreValidationError('keep', `must be an integer >= 1, got ${String(keep)}`);
  }
  return keep;
}
