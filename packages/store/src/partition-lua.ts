/**
 * Lua scripts of RedisPartitionStore (run atomically by Redis; every key carries the model's hash
 * tag, see partition-keys.ts). Versions and offsets travel as the decimal strings the client sent.
 */
import type { LuaScript } from './redis-connections.js';

/**
 * KEYS: 1 latest, 2 state hash, 3 fence, 4 partitions set
 * ARGV: 1 fence, 2 base ('' = nothing published), 3 offset, 4 samples, 5 checkpoint, 6 sha256,
 *       7 bytes, 8 owner, 9 writtenAt, 10 partition key, 11 deadLettered
 * Returns {'OK', seq} | {'STALE_FENCE', currentFence} | {'STALE_BASE', latest|''}
 *       | {'NOT_FORWARD', storedOffset}
 *
 * The base check is what makes a merge retire every partition state atomically: the merge moves
 * `latest` (the publish script), after which a state continuing the old version can no longer be
 * written, and readers ignore stored states whose base is not `latest`.
 */
export const WRITE_PARTITION_SCRIPT: LuaScript = {
  name: 'streamlrWritePartition',
  numberOfKeys: 4,
  lua: `
local fence = redis.call('GET', KEYS[3]) or '0'
if fence ~= ARGV[1] then
  return {'STALE_FENCE', fence}
end
local latest = redis.call('GET', KEYS[1]) or ''
if latest ~= ARGV[2] then
  return {'STALE_BASE', latest}
end
local stored = redis.call('HMGET', KEYS[2], 'fence', 'base', 'offset')
if stored[1] == ARGV[1] and stored[2] == ARGV[2] and stored[3] and tonumber(stored[3]) > tonumber(ARGV[3]) then
  return {'NOT_FORWARD', stored[3]}
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('HSET', KEYS[2], 'ckpt', ARGV[5], 'sha256', ARGV[6], 'bytes', ARGV[7], 'base', ARGV[2],
  'offset', ARGV[3], 'samples', ARGV[4], 'fence', ARGV[1], 'owner', ARGV[8], 'writtenAt', ARGV[9],
  'deadLettered', ARGV[11])
redis.call('SADD', KEYS[4], ARGV[10])
return {'OK', seq}
`,
};

/** KEYS: 1 lock. ARGV: 1 owner. Deletes the lock only when `owner` holds it; returns 1 or 0. */
export const RELEASE_LOCK_SCRIPT: LuaScript = {
  name: 'streamlrReleaseLock',
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`,
};

/**
 * KEYS: 1 partitions set, 2 lock. ARGV: 1 state key prefix (`{tag}:part:`).
 * Deletes every state and fence listed in the set (acquirePartition adds a partition to the set
 * before any state exists, so no fence is left behind), the set and the lock; returns the count.
 */
export const DELETE_PARTITIONS_SCRIPT: LuaScript = {
  name: 'streamlrDeletePartitions',
  numberOfKeys: 2,
  lua: `
local members = redis.call('SMEMBERS', KEYS[1])
local deleted = 0
for _, member in ipairs(members) do
  deleted = deleted + redis.call('DEL', ARGV[1] .. member, ARGV[1] .. member .. ':fence')
end
return deleted + redis.call('DEL', KEYS[1], KEYS[2])
`,
};
