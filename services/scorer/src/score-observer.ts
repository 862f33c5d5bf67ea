import type { ScorerModelMetrics, Tally } from '@streamlr/metrics';
import type { ProgressiveMetrics } from '@streamlr/model';

/** The `outcome` label values of `streamlr_scorer_events_total`. */
export type EventOutcome = 'scored' | 'invalid' | 'error' | 'no_model';

/**
 * What both paths (HTTP and Kafka) report per event: outcome counts, decode+predict latency, the
 * score distribution and, for labelled events, the windowed log loss and accuracy. Counters go
 * through Tallies (one addition per event, pushed to prom-client at scrape time).
 */
export class ScoreObserver {
  readonly #outcomes: Record<EventOutcome, Tally>;

  constructor(
    readonly metrics: ScorerModelMetrics,
    /** Windowed log loss and accuracy of labelled events (held-out: the scorer never learns). */
    readonly evaluation: ProgressiveMetrics,
  ) {
    this.#outcomes = {
      scored: metrics.event('scored'),
      invalid: metrics.event('invalid'),
      error: metrics.event('error'),
      no_model: metrics.event('no_model'),
    };
  }

  scored(probability: number, label: 0 | 1 | undefined, seconds: number): void {
    this.#outcomes.scored.add();
    this.metrics.observeLatency(seconds);
    this.metrics.observeScore(probability);
    if (label !== undefined) this.evaluation.update(probability, label);
  }

  count(outcome: EventOutcome, n = 1): void {
    this.#outcomes[outcome].add(n);
  }

  /** Pushes the window's figures to the gauges (after each batch or request that had labels). */
  publishEvaluation(): void {
    if (this.evaluation.windowCount > 0) {
      this.metrics.setEvaluation({ logloss: this.evaluation.logLoss(), accuracy: this.evaluation.accuracy() });
    }
  }
}
