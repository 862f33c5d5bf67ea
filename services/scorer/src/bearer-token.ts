import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks `Authorization: Bearer <token>` (RFC 6750 section 2.1) in constant time. Both sides are
 * hashed to SHA-256 first, so the comparison takes the same time whatever the length or content of
 * the presented token (timingSafeEqual alone needs equal lengths, and bailing out on a length
 * mismatch would leak the length).
 */
export class BearerToken {
  readonly #expected: Buffer;

  constructor(token: string) {
    if (token === '') throw new TypeError('token: must not be empty');
    this.#expected = digest(token);
  }

  accepts(authorization: string | string[] | undefined): boolean {
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    const match = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    // Hash something even when the header is missing, so every rejection costs the same.
    const presented = digest(match?.[1] ?? '');
    return timingSafeEqual(presented, this.#expected) && match !== null;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
