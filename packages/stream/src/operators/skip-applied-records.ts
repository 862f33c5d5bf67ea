import { map, type OperatorFunction } from 'rxjs';
import type { Positions } from '../positions.js';
import type { PendingStep, RecordStep } from './record-step.js';

/**
 * `skipApplied` for a whole step: keeps the records at or above the learner's stored position
 * for the partition. A seek is deferred and can race the first fetch after an assignment, so this
 * filter, not the seek, is what guarantees a record is never applied twice (DESIGN section 6).
 * `onSkip` gets the number of records dropped.
 */
export function skipAppliedRecords(positions: Positions, onSkip: (count: number) => void): OperatorFunction<RecordStep, PendingStep> {
  return map((step) => {
    const { records, start, end } = step;
    const next = positions.get(step.topic, step.partition);
    const pending = new Int32Array(end - start);
    let n = 0;
    if (next === undefined) {
      for (let i = start; i < end; i++) pending[n++] = i;
    } else if (next <= BigInt(Number.MAX_SAFE_INTEGER)) {
      // Offsets are int64 strings; below 2^53 a number compares them exactly, without a bigint
      // per record.
      const below = Number(next);
      if (start < end && !(Number(records[start]!.offset) < below)) {
        // Offsets ascend within a partition's batch (the position moves to the step's last
        // handled record on that very assumption): when the first record is not below the
        // position, none is. The usual case, a step past the stored position, so no offset
        // string is parsed per record.
        for (let i = start; i < end; i++) pending[n++] = i;
      } else {
        for (let i = start; i < end; i++) if (!(Number(records[i]!.offset) < below)) pending[n++] = i;
      }
    } else {
      for (let i = start; i < end; i++) if (!(BigInt(records[i]!.offset) < next)) pending[n++] = i;
    }
    if (n < end - start) onSkip(end - start - n);
    return { ...step, pending: pending.subarray(0, n) };
  });
}

