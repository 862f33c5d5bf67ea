/**
 * Offline / replay training helpers over an in-memory sequence of samples, in the given order
 * (never shuffled: replaying a topic must be reproducible).
 *
 * - `fitBatch`: full-batch gradient descent step (the notes' batch rule: average the gradient
 *   over all samples, then one step);
 * - `fitMiniBatches`: one pass in mini-batches of `batchSize` (batchSize 1 = plain online SGD);
 * - `fitEpochs`: several passes, reporting each pass's progressive log loss.
 */
import { OptionError } from './errors.js';
import type { LabeledVector, LogisticRegression } from './logistic-regression.js';

/** One step with the gradient averaged over all of `samples`. Returns their mean log loss before the step. */
export function fitBatch(learner: LogisticRegression, samples: ReadonlyArray<LabeledVector>): number {
  return learner.learnBatch(samples);
}

/**
 * One pass over `samples` in consecutive mini-batches of `batchSize` (the last may be smaller).
 * Returns the mean progressive log loss (each sample's loss as predicted before its step).
 */
export function fitMiniBatches(learner: LogisticRegression, samples: ReadonlyArray<LabeledVector>, batchSize = 1): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new OptionError('batchSize', batchSize, 'a positive integer');
  if (samples.length === 0) return NaN;
  let total = 0;
  if (batchSize === 1) {
    for (const s of samples) {
      const p = learner.learn(s.x, s.y, s.weight ?? 1);
      total += s.y === 1 ? -Math.log(Math.max(p, 1e-15)) : -Math.log(Math.max(1 - p, 1e-15));
    }
    return total / samples.length;
  }
  for (let start = 0; start < samples.length; start += batchSize) {
    const batch = samples.slice(start, start + batchSize);
    total += learner.learnBatch(batch) * batch.length;
  }
  return total / samples.length;
}

export interface EpochOptions {
  /** Passes over the data. Default 1. */
  readonly epochs?: number;
  /** Mini-batch size; 1 = online updates. Default 1. */
  readonly batchSize?: number;
  /** Called after each epoch with its number (1-based) and progressive log loss. */
  readonly onEpoch?: (epoch: number, progressiveLogLoss: number) => void;
}

/** Several passes over `samples` in order. Returns each epoch's progressive log loss. */
export function fitEpochs(learner: LogisticRegression, samples: ReadonlyArray<LabeledVector>, options: EpochOptions = {}): number[] {
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) throw new OptionError('epochs', epochs, 'a positive integer');
  const losses: number[] = [];
  for (let e = 1; e <= epochs; e++) {
    const loss = fitMiniBatches(learner, samples, options.batchSize ?? 1);
    losses.push(loss);
    options.onEpoch?.(e, loss);
  }
  return losses;
}
