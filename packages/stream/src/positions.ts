import { parsePartitionKey, partitionKey, type TopicPartitionOffset } from './transport.js';

/**
 * The next offset to apply, per `topic/partition`: the learner's position in the stream. It moves
 * with the learner (applied or dead-lettered records only), is stored in every snapshot, and is
 * what the trainer seeks to and filters against. Offsets are int64: kept as bigint.
 */
export class Positions {
  private readonly next = new Map<string, bigint>();

  static fromRecord(offsets: Readonly<Record<string, string>>): Positions {
    const positions = new Positions();
    for (const [key, offset] of Object.entries(offsets)) {
      parsePartitionKey(key);
      positions.next.set(key, BigInt(offset));
    }
    return positions;
  }

  /** The next offset to apply for a partition, or undefined when the learner never saw it. */
  get(topic: string, partition: number): bigint | undefined {
    return this.next.get(partitionKey(topic, partition));
  }

  /** True when `offset` is already in the learner (below its position): skip, never apply twice. */
  isApplied(key: string, offset: bigint): boolean {
    const next = this.next.get(key);
    return next !== undefined && offset < next;
  }

  /** Records that `offset` was applied (or dead-lettered): the position moves past it. */
  advance(key: string, offset: bigint): void {
    this.next.set(key, offset + 1n);
  }

  set(topic: string, partition: number, next: bigint): void {
    this.next.set(partitionKey(topic, partition), next);
  }

  delete(topic: string, partition: number): void {
    this.next.delete(partitionKey(topic, partition));
  }

  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, next] of [...this.next.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      out[key] = next.toString();
    }
    return out;
  }

  toOffsets(topics?: ReadonlySet<string>): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [key, next] of this.next) {
      const tp = parsePartitionKey(key);
      if (topics === undefined || topics.has(tp.topic)) out.push({ ...tp, offset: next.toString() });
    }
    return out;
  }

  clone(): Positions {
    const copy = new Positions();
    for (const [k, v] of this.next) copy.next.set(k, v);
    return copy;
  }

  get size(): number {
    return this.next.size;
  }
}
