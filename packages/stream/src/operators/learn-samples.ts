import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { StreamLearner } from '../learner.js';
import type { Accepted } from './envelope.js';

/**
 * One update per sample, with progressive validation (the learner predicts before it learns).
 * `onLearned` moves the position past the record only after its update.
 */
export function learnSamples<T>(
  learner: StreamLearner<T>,
  onLearned: (accepted: Accepted<T>) => void,
): MonoTypeOperatorFunction<Accepted<T>> {
  return tap((accepted) => {
    learner.learn(accepted.value);
    onLearned(accepted);
  });
}
