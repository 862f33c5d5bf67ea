import type { Counter } from 'prom-client';

/**
 * A plain-number accumulator in front of a counter child, for per-sample hot paths.
 *
 * prom-client hashes and validates the label set on every `inc`, even on a `labels()` child, which
 * at >500k samples/s is a measurable share of a core. A Tally costs one addition per call; it is
 * pushed into the counter when the registry is scraped (the counter's `collect` hook) or on
 * `flush()`, so a scrape always sees the exact count.
 */
export class Tally {
  #pending = 0;

  constructor(private readonly sink: (amount: number) => void) {}

  add(amount = 1): void {
    this.#pending += amount;
  }

  /** Moves the pending amount into the counter. */
  flush(): void {
    if (this.#pending === 0) return;
    const amount = this.#pending;
    this.#pending = 0;
    this.sink(amount);
  }
}

/**
 * The tallies of one counter, keyed by label values; `flushAll` is installed as the counter's
 * collect hook.
 */
export class TallySet<L extends string> {
  readonly #tallies = new Map<string, Tally>();
  #counter: Counter<L> | undefined;

  attach(counter: Counter<L>): void {
    this.#counter = counter;
  }

  get(labels: Record<L, string>): Tally {
    const key = JSON.stringify(labels);
    let tally = this.#tallies.get(key);
    if (tally === undefined) {
      const child = this.#requireCounter().labels(labels as never);
      tally = new Tally((amount) => child.inc(amount));
      this.#tallies.set(key, tally);
    }
    return tally;
  }

  flushAll(): void {
    for (const tally of this.#tallies.values()) tally.flush();
  }

  #requireCounter(): Counter<L> {
    if (this.#counter === undefined) throw new Error('TallySet used before attach()');
    return this.#counter;
  }
}
