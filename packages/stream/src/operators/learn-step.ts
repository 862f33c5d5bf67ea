import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { StreamLearner } from '../learner.js';
import type { DecodedStep } from './record-step.js';

/**
 * `learnSamples` for a whole step: one update per accepted sample, in offset order, with
 * progressive validation (the learner predicts before it learns). `onLearned` gets the number of
 * updates once the step's samples are all applied; the pipeline moves the position after that.
 */
export function learnStep<T>(learner: StreamLearner<T>, onLearned: (count: number) => void): MonoTypeOperatorFunction<DecodedStep<T>> {
  return tap((step) => {
    const { decoded } = step;
    let learned = 0;
    for (let k = 0; k < decoded.length; k++) {
      const result = decoded[k]!;
      if (!result.ok) continue;
      learner.learn(result.value);
      learned++;
    }
    onLearned(learned);
  });
}
