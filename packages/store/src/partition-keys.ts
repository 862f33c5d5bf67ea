/**
 * Redis keys of partition states (PartitionStateStore). They share the model's hash tag with the
 * version keys of keys.ts, so the write script can check `latest` and write a state atomically and
 * a model's whole state sits in one Redis Cluster slot:
 *
 *   {streamlr:<model>}:partitions                 set     `topic/partition` of every stored state
 *   {streamlr:<model>}:part:<topic>/<n>           hash    state: ckpt, sha256, bytes, base, offset,
 *                                                         samples, deadLettered, fence, seq, owner,
 *                                                         writtenAt
 *   {streamlr:<model>}:part:<topic>/<n>:fence     string  the partition's fence counter (INCR)
 *   {streamlr:<model>}:mix-lock                   string  merge lock (owner token, PX ttl)
 *
 * Kafka topic names are [A-Za-z0-9._-], so a partition key needs no escaping inside a key.
 */
import { DEFAULT_NAMESPACE, modelKeys } from './keys.js';

export interface PartitionKeys {
  latest: string;
  partitions: string;
  mixLock: string;
  state(partition: string): string;
  fence(partition: string): string;
}

export function partitionKeys(model: string, namespace: string = DEFAULT_NAMESPACE): PartitionKeys {
  const base = modelKeys(model, namespace);
  return {
    latest: base.latest,
    partitions: `${base.tag}:partitions`,
    mixLock: `${base.tag}:mix-lock`,
    state: (partition) => `${base.tag}:part:${partition}`,
    fence: (partition) => `${base.tag}:part:${partition}:fence`,
  };
}

/** Field names of a partition-state hash. */
export const PARTITION_FIELDS = {
  checkpoint: 'ckpt',
  sha256: 'sha256',
  bytes: 'bytes',
  base: 'base',
  offset: 'offset',
  samples: 'samples',
  deadLettered: 'deadLettered',
  fence: 'fence',
  seq: 'seq',
  owner: 'owner',
  writtenAt: 'writtenAt',
} as const;

/** The summary fields, in the order HMGET asks for them. */
export const SUMMARY_FIELDS = [
  PARTITION_FIELDS.base,
  PARTITION_FIELDS.offset,
  PARTITION_FIELDS.samples,
  PARTITION_FIELDS.fence,
  PARTITION_FIELDS.seq,
  PARTITION_FIELDS.owner,
  PARTITION_FIELDS.writtenAt,
  PARTITION_FIELDS.bytes,
  PARTITION_FIELDS.sha256,
  PARTITION_FIELDS.deadLettered,
] as const;
