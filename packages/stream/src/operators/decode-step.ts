import { map, type OperatorFunction } from 'rxjs';
import type { DecodeResult } from '../learner.js';
import type { DecodedStep, PendingStep } from './record-step.js';

/**
 * `decodeRecords` for a whole step: bytes → validated value or refusal, for every pending
 * record. Decoding never throws into the stream: a bad record becomes a refusal value (an error
 * on the error channel would end the stream, and one poison message must never stop a service);
 * a decoder bug is still only its record's problem, refused with the reason `internal`.
 */
export function decodeStep<T>(decode: (bytes: Buffer | null) => DecodeResult<T>): OperatorFunction<PendingStep, DecodedStep<T>> {
  return map((step) => {
    const { records, pending } = step;
    const decoded: DecodeResult<T>[] = new Array<DecodeResult<T>>(pending.length);
    let refused = 0;
    for (let k = 0; k < pending.length; k++) {
      let result: DecodeResult<T>;
      try {
        result = decode(records[pending[k]!]!.value);
      } catch (error) {
        result = { ok: false, error: { reason: 'internal', message: error instanceof Error ? error.message : String(error) } };
      }
      if (!result.ok) refused++;
      decoded[k] = result;
    }
    return { ...step, decoded, refused };
  });
}
