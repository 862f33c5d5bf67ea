import { map, type OperatorFunction } from 'rxjs';
import type { DecodeResult } from '../learner.js';
import type { Decoded, Envelope } from './envelope.js';

/**
 * Bytes → validated value or refusal. Decoding never throws into the stream: a bad record becomes
 * a refusal value (an error on the error channel would end the stream, and one poison message
 * must never stop a service).
 */
export function decodeRecords<T>(decode: (bytes: Buffer | null) => DecodeResult<T>): OperatorFunction<Envelope, Decoded<T>> {
  return map((envelope): Decoded<T> => {
    let result: DecodeResult<T>;
    try {
      result = decode(envelope.record.value);
    } catch (error) {
      // A decoder bug is still only this record's problem: refuse it with the reason 'internal'.
      result = { ok: false, error: { reason: 'internal', message: error instanceof Error ? error.message : String(error) } };
    }
    return result.ok ? { envelope, ok: true, value: result.value } : { envelope, ok: false, error: result.error };
  });
}
