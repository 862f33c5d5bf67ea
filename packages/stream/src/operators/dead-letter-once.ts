import { filter, type OperatorFunction } from 'rxjs';
import type { DeadLetterSink, Rejection } from '../dead-letters.js';
import type { Accepted, Decoded, Envelope } from './envelope.js';

/**
 * `deadLetter` for a pipeline that re-applies records (the partitioned trainer replays what a merge
 * did not include): a refused record already sent to the dead-letter topic (`alreadySent`) is not
 * sent again, but is still handled (`onReject` moves the position past it and counts it).
 */
export function deadLetterOnce<T>(
  sink: DeadLetterSink,
  alreadySent: (envelope: Envelope) => boolean,
  onReject: (envelope: Envelope, rejection: Rejection, resent: boolean) => void,
): OperatorFunction<Decoded<T>, Accepted<T>> {
  return filter((decoded: Decoded<T>): decoded is Accepted<T> => {
    if (decoded.ok) return true;
    const { envelope } = decoded;
    const sent = alreadySent(envelope);
    if (!sent) sink.add(envelope.topic, envelope.partition, envelope.record, decoded.error);
    onReject(envelope, decoded.error, sent);
    return false;
  });
}
