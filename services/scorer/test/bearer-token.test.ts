import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BearerToken } from '../src/index.js';

describe('BearerToken', () => {
  const token = new BearerToken('s3cret-token');
  it('accepts exactly `Bearer <token>` (scheme case-insensitive)', () => {
    assert.equal(token.accepts('Bearer s3cret-token'), true);
    assert.equal(token.accepts('bearer s3cret-token'), true);
  });
  it('refuses a missing, malformed, other-scheme, prefix or longer token', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 's3cret-token', 'Basic s3cret-token', 'Bearer s3cret', 'Bearer s3cret-token2', 'Bearer s3cret-token x']) {
      assert.equal(token.accepts(header), false, String(header));
    }
  });
  it('refuses an empty configured token', () => {
    assert.throws(() => new BearerToken(''), /token/);
  });
});
