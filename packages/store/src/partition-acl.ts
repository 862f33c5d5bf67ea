import { aclRules } from './acl.js';
import { DEFAULT_NAMESPACE } from './keys.js';

/**
 * ACL rules for a trainer replica in partitioned mode (`streamlr trainer --partitioned`): the
 * trainer's rules plus the commands RedisPartitionStore sends or its scripts run (SADD and
 * SMEMBERS on the partition set, HINCRBY of a state's write counter). Same key and channel patterns.
 */
export function partitionedTrainerAclRules(namespace: string = DEFAULT_NAMESPACE): string[] {
  return [...aclRules('trainer', namespace), '+sadd', '+smembers', '+hincrby'];
}
