import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryModelStore, StoreValidationError } from '../src/index.js';
import { contractSuite } from './contract-suite.js';

contractSuite('MemoryModelStore', (keep) => new MemoryModelStore({ keep }));

describe('MemoryModelStore options', () => {
  it('validates keep', () => {
    assert.equal(new MemoryModelStore().options.keep, 10);
    assert.throws(() => new MemoryModelStore({ keep: 0 }), (e: unknown) => e instanceof StoreValidationError && e.field === 'keep');
  });
});
