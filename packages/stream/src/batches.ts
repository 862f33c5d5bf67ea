import { Observable } from 'rxjs';
import type { BatchContext, ConsumeOptions, StreamConsumer } from './transport.js';

/**
 * One batch handed to the pipeline. The consumer's batch handler does not return (and so the
 * client does not fetch the next batch) until `done` or `fail` is called: the client's fetch
 * loop is the backpressure, and at most one batch is in memory beyond the client's own buffers.
 */
export interface BatchWork {
  readonly batch: BatchContext;
  done(): void;
  fail(error: unknown): void;
}

/**
 * The consumer as an Observable of batches (an adapter at the edge, not an operator). Subscribe
 * with `concatMap` so batches are processed one at a time. Unsubscribing stops the consumer
 * (stop waits for the batch in progress, which the subscriber completes or fails).
 */
export function fromBatches(
  consumer: StreamConsumer,
  options: Omit<ConsumeOptions, 'eachBatch'>,
): Observable<BatchWork> {
  return new Observable<BatchWork>((subscriber) => {
    consumer.onCrash((error) => subscriber.error(error));
    consumer
      .run({
        ...options,
        eachBatch: (batch) =>
          new Promise<void>((resolve, reject) => {
            if (subscriber.closed) {
              resolve();
              return;
            }
            subscriber.next({ batch, done: resolve, fail: reject });
          }),
      })
      .catch((error: unknown) => subscriber.error(error));
    return () => {
      void consumer.stop().catch(() => undefined);
    };
  });
}
