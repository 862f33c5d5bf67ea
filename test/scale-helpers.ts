// Helpers of the scale-out tests: `streamlr trainer --partitioned` replicas as child processes,
// the movielens training split (data/ or test/data/), and the counting oracle over partition states.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readRecords, type Sample } from '@streamlr/protocol';
import { RedisPartitionStore, type RedisModelStore } from '@streamlr/store';
import { CountingLearner } from '@streamlr/stream';
import { DATA, REDIS_URL, runCli, until, type Service } from './helpers.js';

/** movielens.csv: the repository's data/ folder, or test/data/ where older checkouts keep it. */
export function movielensPath(): string {
  const candidates = [fileURLToPath(new URL('../../data/movielens.csv', import.meta.url)), `${DATA}movielens.csv`];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`movielens.csv not found in ${candidates.join(' or ')}`);
  return found;
}

/** The training split (first 80%, file order) and the held-out rest. */
export async function movielens(): Promise<{ train: Sample[]; heldOut: Sample[] }> {
  const all: Sample[] = [];
  for await (const row of readRecords(movielensPath(), { label: 'label' })) if ('sample' in row && row.sample !== undefined) all.push(row.sample as Sample);
  const cut = Math.floor(all.length * 0.8);
  return { train: all.slice(0, cut), heldOut: all.slice(cut) };
}

export function partitionStates(): RedisPartitionStore {
  return new RedisPartitionStore({ url: REDIS_URL });
}

export interface Replica extends Service {
  readonly port: string;
}

/** One `streamlr trainer --partitioned` replica. */
export function replica(topic: string, model: string, group: string, extra: readonly string[]): Replica {
  const service = runCli([
    'trainer', '--partitioned', '--topic', topic, '--model', model, '--group', group, '--port', '0',
    '--session-timeout', '6000', ...extra,
  ]);
  return { ...service, port: '0' };
}

/** The partitions a replica's latest `assigned` log line lists (empty before its first). */
export function assignedTo(service: Service): string[] {
  for (let i = service.lines.length - 1; i >= 0; i--) {
    const line = service.lines[i]!;
    if (!line.includes('"msg":"assigned"')) continue;
    try {
      return (JSON.parse(line) as { partitions?: string[] }).partitions ?? [];
    } catch {
      return [];
    }
  }
  return [];
}

/** Waits until the replicas together own exactly `partitions` partitions, each one some. */
export async function groupStable(replicas: readonly Service[], partitions: number, timeoutMs = 90_000): Promise<void> {
  await until('the group assigned every partition', () => {
    for (const r of replicas) if (r.child.exitCode !== null) throw new Error(`replica exited: ${r.lines.slice(-8).join('\n')}`);
    const owned = replicas.map(assignedTo);
    return (owned.every((o) => o.length > 0) && new Set(owned.flat()).size === partitions && owned.flat().length === partitions) || undefined;
  }, timeoutMs, 50);
}

/**
 * The counting oracle over what Redis holds: the latest version's counts plus, for every partition
 * state that continues it, that state's increment. Each produced id must count exactly once.
 */
export async function effectiveCounts(
  models: RedisModelStore,
  states: RedisPartitionStore,
  model: string,
): Promise<{ counts: Map<string, number>; version: number; pendingStates: number }> {
  const latest = await models.getLatest(model, 'checkpoint');
  if (latest === null) throw new Error('nothing published');
  const base = new Map(CountingLearner.decodeSnapshot(latest.data).counts);
  const counts = new Map(base);
  let pendingStates = 0;
  for (const summary of await states.listPartitions(model)) {
    if (summary.base !== latest.version) continue;
    const state = await states.readPartition(model, summary.partition);
    if (state === null || state.base !== latest.version) continue;
    pendingStates++;
    for (const [id, n] of CountingLearner.decodeSnapshot(state.checkpoint).counts) {
      const increment = n - (base.get(id) ?? 0);
      if (increment !== 0) counts.set(id, (counts.get(id) ?? 0) + increment);
    }
  }
  return { counts, version: latest.version, pendingStates };
}
