import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { Positions } from '../positions.js';
import type { Envelope } from './envelope.js';

/**
 * Drops records below the learner's stored position for their partition. A seek is deferred and
 * can race the first fetch after an assignment, so this filter, not the seek, is what guarantees
 * a record is never applied twice (DESIGN section 6).
 */
export function skipApplied(positions: Positions, onSkip: (envelope: Envelope) => void): MonoTypeOperatorFunction<Envelope> {
  return filter((envelope) => {
    if (positions.isApplied(envelope.key, envelope.offset)) {
      onSkip(envelope);
      return false;
    }
    return true;
  });
}
