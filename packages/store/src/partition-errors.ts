import { StoreError } from './errors.js';

/**
 * The writer's fence token for a partition is no longer current: another replica acquired the
 * partition since (after a rebalance or a crash). The writer must stop writing that partition.
 */
export class StalePartitionFenceError extends StoreError {
  constructor(
    readonly model: string,
    readonly partition: string,
    readonly fence: number,
    readonly currentFence: number,
  ) {
    super(`model ${model} partition ${partition}: fence ${fence} is stale (current fence ${currentFence})`);
  }
}

/** A write whose offset is below the one the same fence already stored on the same base. */
export class PartitionNotForwardError extends StoreError {
  constructor(
    readonly model: string,
    readonly partition: string,
    readonly offset: string,
    readonly storedOffset: string,
  ) {
    super(`model ${model} partition ${partition}: offset ${offset} is below the stored ${storedOffset}`);
  }
}

/** A stored partition state whose fields cannot be parsed or whose checkpoint fails its checksum. */
export class CorruptPartitionStateError extends StoreError {
  constructor(
    readonly model: string,
    readonly partition: string,
    detail: string,
  ) {
    super(`model ${model} partition ${partition}: corrupt state: ${detail}`);
  }
}
