import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { TallySet } from './tally.js';

/** Small constructors so every metric is registered in the injected registry only. */

export function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return new Counter<L>({ name, help, labelNames, registers: [registry] });
}

/** A counter whose hot-path increments go through Tallies, flushed on every scrape. */
export function talliedCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): { counter: Counter<L>; tallies: TallySet<L> } {
  const tallies = new TallySet<L>();
  const metric = new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect: () => tallies.flushAll(),
  });
  tallies.attach(metric);
  return { counter: metric, tallies };
}

export function gauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  collect?: () => void,
): Gauge<L> {
  return new Gauge<L>({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) });
}

export function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  return new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
}

/** `count` upper bounds step, 2·step, …, count·step (e.g. 0.05, 0.10, …, 1.00), rounded to 1e-9. */
export function linearBuckets(step: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.round((i + 1) * step * 1e9) / 1e9);
}
