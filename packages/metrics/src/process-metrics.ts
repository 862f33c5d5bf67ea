import { collectDefaultMetrics, type Registry } from 'prom-client';

const enabled = new WeakSet<Registry>();

/**
 * Opt-in Node process metrics (CPU, memory, event-loop lag, GC; prom-client's default set) in
 * `registry`. Idempotent per registry.
 */
export function enableProcessMetrics(registry: Registry, options: { prefix?: string } = {}): void {
  if (enabled.has(registry)) return;
  enabled.add(registry);
  collectDefaultMetrics({ register: registry, ...(options.prefix === undefined ? {} : { prefix: options.prefix }) });
}
