import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { DeadLetterSink } from '../dead-letters.js';
import type { DecodedStep, StepRefusal } from './record-step.js';

/**
 * `deadLetter` for a whole step: every refused record goes to the dead-letter sink (with reason
 * and source headers) and to `onReject` (counting). The record counts as handled: it is in the
 * DLQ once the sink is flushed, never silently dropped. Accepted records pass on to `learnStep`.
 */
export function deadLetterStep<T>(sink: DeadLetterSink, onReject: (refusal: StepRefusal) => void): MonoTypeOperatorFunction<DecodedStep<T>> {
  return tap((step) => {
    if (step.refused === 0) return;
    const { records, pending, decoded } = step;
    for (let k = 0; k < pending.length; k++) {
      const result = decoded[k]!;
      if (result.ok) continue;
      const record = records[pending[k]!]!;
      sink.add(step.topic, step.partition, record, result.error);
      onReject({ record, rejection: result.error });
    }
  });
}
