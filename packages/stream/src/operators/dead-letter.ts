import { filter, type OperatorFunction } from 'rxjs';
import type { DeadLetterSink, Rejection } from '../dead-letters.js';
import type { Accepted, Decoded, Envelope } from './envelope.js';

/**
 * Routes refused records to the dead-letter sink (with reason and source headers) and passes the
 * accepted ones on. `onReject` counts and moves the position past the refused record: the record
 * is handled (it is in the DLQ once the sink is flushed), never silently dropped.
 */
export function deadLetter<T>(
  sink: DeadLetterSink,
  onReject: (envelope: Envelope, rejection: Rejection) => void,
): OperatorFunction<Decoded<T>, Accepted<T>> {
  return filter((decoded: Decoded<T>): decoded is Accepted<T> => {
    if (decoded.ok) return true;
    const { envelope } = decoded;
    sink.add(envelope.topic, envelope.partition, envelope.record, decoded.error);
    onReject(envelope, decoded.error);
    return false;
  });
}
